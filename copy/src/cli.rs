//! tusk_copy's command line: pg_dump's for the source (selection, snapshot and connection
//! options, `-j`, `--max-rate`, `--progress`), `--target` for the database to fill, and the
//! pg_restore options that concern applying. Options about an archive file are refused.

use tusk_connect::getopt::{HasArg, LongOpt};
use tusk_dump::cli::{CliError, Command as DumpCommand, Dialect, EXTRA_CODES, Format, Options};

/// Validated tusk_copy options.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    /// The source side, as tusk_dump would dump it to a custom archive.
    pub dump: Options,
    /// `--target`: a database name or connection string; what it leaves out comes from the
    /// source's connection options (`-h`, `-p`, `-U`) and the environment.
    pub target: String,
    pub exit_on_error: bool,
    pub no_data_for_failed_tables: bool,
}

pub enum Command {
    Help,
    Version,
    Copy(Box<CopyOptions>),
}

const TARGET: i32 = EXTRA_CODES;
const EXIT_ON_ERROR: i32 = EXTRA_CODES + 1;
const NO_DATA_FOR_FAILED_TABLES: i32 = EXTRA_CODES + 2;

const EXTRA: &[LongOpt] = &[
    LongOpt {
        name: "target",
        has_arg: HasArg::Required,
        code: TARGET,
    },
    LongOpt {
        name: "exit-on-error",
        has_arg: HasArg::No,
        code: EXIT_ON_ERROR,
    },
    LongOpt {
        name: "no-data-for-failed-tables",
        has_arg: HasArg::No,
        code: NO_DATA_FOR_FAILED_TABLES,
    },
];

/// pg_dump's options about the archive or script it writes, meaningless with no file:
/// refused rather than silently ignored.
const REFUSED: &[&str] = &[
    "file",
    "format",
    "compress",
    "create",
    "encoding",
    "manifest",
    "archive-version",
    "inserts",
    "attribute-inserts",
    "rows-per-insert",
    "on-conflict-do-nothing",
    "restrict-key",
    "no-sync",
    "sync-method",
    "superuser",
];

/// Parses tusk_copy's arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Command, CliError> {
    let dialect = Dialect {
        program: "tusk_copy",
        extra: EXTRA,
        refused: REFUSED,
        format: Some(Format::Custom),
    };
    let (command, extras) = tusk_dump::cli::parse_dialect(args, &dialect)?;
    let dump = match command {
        DumpCommand::Help => return Ok(Command::Help),
        DumpCommand::Version => return Ok(Command::Version),
        DumpCommand::Dump(options) => *options,
    };
    let mut target = None;
    let mut exit_on_error = false;
    let mut no_data_for_failed_tables = false;
    for opt in extras {
        match opt.code {
            TARGET => target = opt.arg,
            EXIT_ON_ERROR => exit_on_error = true,
            _ => no_data_for_failed_tables = true,
        }
    }
    let target = target
        .filter(|t| !t.is_empty())
        .ok_or_else(|| CliError::with_hint("no target database specified (--target)"))?;
    Ok(Command::Copy(Box::new(CopyOptions {
        dump,
        target,
        exit_on_error,
        no_data_for_failed_tables,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Command, CliError> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn source_options_are_pg_dumps_and_the_target_is_required() {
        let Ok(Command::Copy(o)) = parse_args(&["-j", "4", "-t", "t*", "src", "--target", "dst"])
        else {
            panic!("not a copy");
        };
        assert_eq!(o.dump.jobs, 4);
        assert_eq!(o.dump.conn.dbname.as_deref(), Some("src"));
        assert_eq!(o.dump.format, Format::Custom);
        assert_eq!(o.target, "dst");
        let e = parse_args(&["src"]).err().unwrap();
        assert!(e.message.contains("--target"), "{}", e.message);
    }

    #[test]
    fn archive_options_are_refused() {
        for args in [&["-f", "x"][..], &["-Fc"], &["-Z", "1"], &["--inserts"]] {
            let mut args = args.to_vec();
            args.extend(["src", "--target=dst"]);
            let e = parse_args(&args).err().unwrap();
            assert!(
                e.message.contains("cannot be used with tusk_copy"),
                "{}",
                e.message
            );
        }
    }
}
