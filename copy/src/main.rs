//! `tusk_copy`: a database copied into another directly, with no archive in between.

use std::process::ExitCode;

use tusk_copy::cli::{self, Command};

const PROGNAME: &str = "tusk_copy";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let args = argv.get(1..).unwrap_or_default();
    match cli::parse(args) {
        Ok(Command::Help) => {
            print!("{}", include_str!("help.txt"));
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("{PROGNAME} (tusk) {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Ok(Command::Copy(opts)) => {
            let mut report = |msg: &str| log("error", msg);
            let mut warn = |msg: &str| log("warning", msg);
            match tusk_copy::run::run(&opts, &mut report, &mut warn) {
                Ok(0) => ExitCode::SUCCESS,
                Ok(errors) => {
                    log("warning", &format!("errors ignored on restore: {errors}"));
                    ExitCode::FAILURE
                }
                Err(e) => {
                    log("error", &e.to_string());
                    if let Some(detail) = e.detail() {
                        log("detail", &detail);
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

/// One message per line, the trailing newline of a server's text dropped.
fn log(level: &str, msg: &str) {
    eprintln!(
        "{PROGNAME}: {level}: {}",
        msg.strip_suffix('\n').unwrap_or(msg)
    );
}
