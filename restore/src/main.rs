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
        Ok(Command::Restore(opts)) => {
            let mut report = |msg: &str| eprintln!("{PROGNAME}: error: {msg}");
            let mut warn = |msg: &str| eprintln!("{PROGNAME}: warning: {msg}");
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
                    eprintln!("{PROGNAME}: error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            if e.from_getopt {
                let argv0 = argv.first().map(String::as_str).unwrap_or(PROGNAME);
                eprintln!("{argv0}: {}", e.message);
            } else {
                eprintln!("{PROGNAME}: error: {}", e.message);
            }
            if e.hint {
                eprintln!("{PROGNAME}: hint: Try \"{PROGNAME} --help\" for more information.");
            }
            ExitCode::FAILURE
        }
    }
}
