//! The command-line interface: everything that prints or exits lives here.

mod args;
mod inputs;
mod rule;
mod run;
mod stream;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

/// Exit codes: 0 clean/done, 1 findings (`check`), 2 error, 78 bad configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Findings = 1,
    Error = 2,
    Config = 78,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sanitize(args) => run::sanitize(args),
        Command::Check(args) => run::check(args),
        Command::Rule(args) => rule::run(args),
    };
    match result {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(err) => {
            // A closed pipe (`nbsanitize check | head`) is not an error.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::from(0);
            }
            let _ = writeln!(std::io::stderr(), "nbsanitize: {err:#}");
            ExitCode::from(Exit::Error as u8)
        }
    }
}
