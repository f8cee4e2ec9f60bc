//! `tusk_restore`: a drop-in for `pg_restore`.

use std::process::ExitCode;

use tusk_restore::cli::{self, Command};

const PROGNAME: &str = "tusk_restore";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let args = argv.get(1..).unwrap_or_default();
    match cli::parse(args) {
        Ok(Command::Help) => {
            print!("{}", include_str!("help.txt"));
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!(
                "{PROGNAME} (PostgreSQL) 18.6 (tusk {})",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::SUCCESS
        }
        Ok(Command::Verify(archive)) => match tusk_restore::verify::run(&archive) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                log("error", &e.to_string());
                ExitCode::FAILURE
            }
        },
        Ok(Command::Restore(opts)) => {
            let mut report = |msg: &str| log("error", msg);
            let mut warn = |msg: &str| log("warning", msg);
            match tusk_restore::run::run(&opts, &mut report, &mut warn) {
                Ok(outcome) if outcome.errors_ignored > 0 => {
                    eprintln!(
                        "{PROGNAME}: warning: errors ignored on restore: {}",
                        outcome.errors_ignored
                    );
                    ExitCode::FAILURE
                }
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    log("error", &e.to_string());
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            e.print(argv.first().map(String::as_str), PROGNAME);
            ExitCode::FAILURE
        }
    }
}

/// `pg_log_generic`: one newline ending the message is dropped, as one always ends the line
/// (a failed command's text ends with blank lines of its own).
fn log(level: &str, msg: &str) {
    eprintln!(
        "{PROGNAME}: {level}: {}",
        msg.strip_suffix('\n').unwrap_or(msg)
    );
}
