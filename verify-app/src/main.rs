//! The `cairn-verify` binary: everything is in the library (`cairn_verify::main`).

fn main() -> std::process::ExitCode {
    cairn_verify::main()
}
