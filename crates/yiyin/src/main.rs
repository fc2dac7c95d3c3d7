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

fn main() -> std::process::ExitCode {
    cli::run()
}
