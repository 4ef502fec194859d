//! The `cairn-verify` binary: everything is in the library (`cairn_verify::main`), and the
//! allocator (mimalloc: glibc's per-thread arenas held three times the memory under load, see
//! BENCHMARKS "Deadlines and load").

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cairn_verify::main()
}
