//! `tusk_dumpall`: a drop-in for `pg_dumpall`.

use std::process::ExitCode;

use tusk_dumpall::cli::{self, Command};
use tusk_dumpall::error::DumpallError;
use tusk_dumpall::run::Log;

const PROGNAME: &str = "tusk_dumpall";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let args = argv.get(1..).unwrap_or_default();
    match cli::parse(args) {
        Ok(Command::Help) => {
            print!("{}", include_str!("help.txt"));
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("{PROGNAME} (PostgreSQL) {}", tusk_dump::run::dump_version());
            ExitCode::SUCCESS
        }
        Ok(Command::Dumpall(opts)) => {
            let verbose = opts.verbose;
            let mut log = Log {
                warn: &mut |msg, detail| {
                    eprintln!("{PROGNAME}: warning: {msg}");
                    if let Some(detail) = detail {
                        eprintln!("{PROGNAME}: detail: {detail}");
                    }
                },
                info: &mut |msg| {
                    if verbose {
                        eprintln!("{PROGNAME}: {msg}");
                    }
                },
                dump_warn: &mut |msg| eprintln!("tusk_dump: warning: {msg}"),
            };
            match tusk_dumpall::run::run(&opts, &mut log) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    // A database's dump fails as pg_dump would, then pg_dumpall says it stops.
                    let (program, cause) = match &e {
                        DumpallError::Database { source, .. } => ("tusk_dump", source),
                        DumpallError::Dump(cause) => (PROGNAME, cause),
                        _ => {
                            eprintln!("{PROGNAME}: error: {e}");
                            return ExitCode::FAILURE;
                        }
                    };
                    eprintln!("{program}: error: {cause}");
                    if let Some(detail) = cause.detail() {
                        eprintln!("{program}: detail: {detail}");
                    }
                    if matches!(e, DumpallError::Database { .. }) {
                        eprintln!("{PROGNAME}: error: {e}");
                    }
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
