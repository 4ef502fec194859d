//! The `cairn` binary's subcommands that have moved out of `main.rs`, one file each (`main.rs`
//! parses the command line and dispatches).

pub(crate) mod credentials;
