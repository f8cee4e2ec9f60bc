//! `tusk_dump`: a drop-in for `pg_dump`.

use std::process::ExitCode;

use tusk_dump::cli::{self, Command};

const PROGNAME: &str = "tusk_dump";

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
        Ok(Command::Dump(opts)) => {
            let mut warn = |msg: &str| eprintln!("{PROGNAME}: warning: {msg}");
            match tusk_dump::run::run(&opts, &mut warn) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{PROGNAME}: error: {e}");
                    if let Some(detail) = e.detail() {
                        eprintln!("{PROGNAME}: detail: {detail}");
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
