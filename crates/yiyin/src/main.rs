//! The `yiyin` binary: command line, configuration and start-up. Each subcommand lives in its own
//! module of `cli`; this file only parses and dispatches.

mod cli;
mod demo;
mod demo_agency;
mod demo_bundles;
mod demo_cases;
mod demo_delegation;
mod demo_drawing;
mod demo_pools;
mod demo_projects;
mod demo_supervision;
mod demo_tickets;
mod demo_transition;

/// The server's allocator. With glibc's malloc a server that had hashed one password (Argon2id
/// frees a 19 MiB block) kept every later allocation below that size in its arenas: measured under
/// the lifecycle benchmark, about 200 MB resident for 40 MB ever live at once. mimalloc returns
/// freed pages to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
