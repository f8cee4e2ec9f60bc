//! pg_dumpall's command line → [`Options`]: what tusk_dumpall does itself, and the arguments
//! every database's dump is given (pg_dumpall's `pgdumpopts`).

use tusk_connect::ConnectOptions;
pub use tusk_connect::getopt::CliError;
use tusk_connect::getopt::{self, HasArg, LongOpt};

/// Validated pg_dumpall options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-h`, `-p`, `-U`, `-w`, `-W`; `dbname` is `-l`, the database connected to first.
    pub conn: ConnectOptions,
    /// `-d`: connection settings for every database (its own dbname is ignored).
    pub connstr: Option<String>,
    pub file: Option<String>,
    pub verbose: bool,
    pub clean: bool,
    pub if_exists: bool,
    pub globals_only: bool,
    pub roles_only: bool,
    pub tablespaces_only: bool,
    /// `-a`, `--no-schema`, `--statistics-only`: no globals at all.
    pub no_globals: bool,
    pub no_tablespaces: bool,
    pub no_comments: bool,
    pub no_security_labels: bool,
    pub no_privileges: bool,
    /// `--no-role-passwords`: roles read from `pg_roles`, which anyone may read.
    pub no_role_passwords: bool,
    pub no_sync: bool,
    pub quote_all_identifiers: bool,
    pub encoding: Option<String>,
    pub role: Option<String>,
    /// `--restrict-key`, else a random one.
    pub restrict_key: String,
    /// `--exclude-database` patterns and `--filter` files' `exclude database` lines, in order.
    pub exclude_databases: Vec<String>,
    /// pg_dump's arguments for each database's dump (without `-f`, `--create`, `--clean`).
    pub dump_args: Vec<String>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Help,
    Version,
    Dumpall(Box<Options>),
}

const SHORT: &str = "acd:E:f:gh:l:Op:rsS:tU:vwWx";

// pg_dumpall's codes for its long-only options with an argument.
const LOCK_WAIT_TIMEOUT: i32 = 2;
const ROLE: i32 = 3;
const NO_SYNC: i32 = 4;
const EXTRA_FLOAT_DIGITS: i32 = 5;
const EXCLUDE_DATABASE: i32 = 6;
const ROWS_PER_INSERT: i32 = 7;
const FILTER: i32 = 8;
const RESTRICT_KEY: i32 = 9;
// Flag options pg_dumpall reads itself (upstream keeps them in int variables), numbered
// past every short option's character.
const BINARY_UPGRADE: i32 = 1000;
const IF_EXISTS: i32 = 1001;
const NO_ROLE_PASSWORDS: i32 = 1002;
/// Flag options, from this code on, that are handed to every pg_dump as they were given;
/// the ones pg_dumpall reads as well are matched by name.
const PASSED: i32 = 2000;

const PASSED_FLAGS: &[&str] = &[
    "attribute-inserts",
    "column-inserts",
    "disable-dollar-quoting",
    "disable-triggers",
    "inserts",
    "no-table-access-method",
    "no-tablespaces",
    "quote-all-identifiers",
    "load-via-partition-root",
    "use-set-session-authorization",
    "no-comments",
    "no-data",
    "no-policies",
    "no-publications",
    "no-schema",
    "no-security-labels",
    "no-subscriptions",
    "no-statistics",
    "no-toast-compression",
    "no-unlogged-table-data",
    "on-conflict-do-nothing",
    "statistics",
    "statistics-only",
    "sequence-data",
];

const fn opt(name: &'static str, has_arg: HasArg, code: i32) -> LongOpt {
    LongOpt {
        name,
        has_arg,
        code,
    }
}
const fn ch(c: char) -> i32 {
    c as i32
}

fn long_options() -> Vec<LongOpt> {
    let mut long = vec![
        opt("data-only", HasArg::No, ch('a')),
        opt("clean", HasArg::No, ch('c')),
        opt("encoding", HasArg::Required, ch('E')),
        opt("file", HasArg::Required, ch('f')),
        opt("globals-only", HasArg::No, ch('g')),
        opt("host", HasArg::Required, ch('h')),
        opt("dbname", HasArg::Required, ch('d')),
        opt("database", HasArg::Required, ch('l')),
        opt("no-owner", HasArg::No, ch('O')),
        opt("port", HasArg::Required, ch('p')),
        opt("roles-only", HasArg::No, ch('r')),
        opt("schema-only", HasArg::No, ch('s')),
        opt("superuser", HasArg::Required, ch('S')),
        opt("tablespaces-only", HasArg::No, ch('t')),
        opt("username", HasArg::Required, ch('U')),
        opt("verbose", HasArg::No, ch('v')),
        opt("no-password", HasArg::No, ch('w')),
        opt("password", HasArg::No, ch('W')),
        opt("no-privileges", HasArg::No, ch('x')),
        opt("no-acl", HasArg::No, ch('x')),
        opt("binary-upgrade", HasArg::No, BINARY_UPGRADE),
        opt("exclude-database", HasArg::Required, EXCLUDE_DATABASE),
        opt("extra-float-digits", HasArg::Required, EXTRA_FLOAT_DIGITS),
        opt("if-exists", HasArg::No, IF_EXISTS),
        opt("lock-wait-timeout", HasArg::Required, LOCK_WAIT_TIMEOUT),
        opt("role", HasArg::Required, ROLE),
        opt("no-role-passwords", HasArg::No, NO_ROLE_PASSWORDS),
        opt("no-sync", HasArg::No, NO_SYNC),
        opt("rows-per-insert", HasArg::Required, ROWS_PER_INSERT),
        opt("filter", HasArg::Required, FILTER),
        opt("restrict-key", HasArg::Required, RESTRICT_KEY),
    ];
    long.extend(
        PASSED_FLAGS
            .iter()
            .zip(PASSED..)
            .map(|(name, code)| opt(name, HasArg::No, code)),
    );
    long
}

/// Parses pg_dumpall's arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Command, CliError> {
    // Like pg_dumpall, --help and --version count only as the first argument.
    match args.first().map(String::as_str) {
        Some("--help" | "-?") => return Ok(Command::Help),
        Some("--version" | "-V") => return Ok(Command::Version),
        _ => {}
    }
    let long = long_options();
    let parsed = getopt::parse(args, SHORT, &long)?;

    let mut o = Options::default();
    let mut restrict_key = None;
    for opt in &parsed.opts {
        let arg = opt.arg.clone().unwrap_or_default();
        let mut pass = |args: &[&str]| o.dump_args.extend(args.iter().map(|a| a.to_string()));
        match opt.code {
            c if c == ch('a') => {
                o.no_globals = true;
                pass(&["-a"]);
            }
            c if c == ch('c') => o.clean = true,
            c if c == ch('d') => o.connstr = Some(arg),
            c if c == ch('E') => {
                pass(&["-E", &arg]);
                o.encoding = Some(arg);
            }
            c if c == ch('f') => o.file = Some(arg),
            c if c == ch('g') => o.globals_only = true,
            c if c == ch('l') => o.conn.dbname = Some(arg),
            c if c == ch('O') => pass(&["-O"]),
            c if c == ch('r') => o.roles_only = true,
            c if c == ch('s') => pass(&["-s"]),
            c if c == ch('S') => pass(&["-S", &arg]),
            c if c == ch('t') => o.tablespaces_only = true,
            c if c == ch('v') => {
                o.verbose = true;
                pass(&["-v"]);
            }
            c if c == ch('x') => {
                o.no_privileges = true;
                pass(&["-x"]);
            }
            c if c == ch('?') => return Ok(Command::Help),
            c if c == ch('V') => return Ok(Command::Version),
            LOCK_WAIT_TIMEOUT => pass(&["--lock-wait-timeout", &arg]),
            ROLE => {
                pass(&["--role", &arg]);
                o.role = Some(arg);
            }
            NO_SYNC => {
                o.no_sync = true;
                pass(&["--no-sync"]);
            }
            EXTRA_FLOAT_DIGITS => pass(&["--extra-float-digits", &arg]),
            EXCLUDE_DATABASE => o.exclude_databases.push(arg),
            ROWS_PER_INSERT => pass(&["--rows-per-insert", &arg]),
            FILTER => read_filter_file(&arg, &mut o.exclude_databases)?,
            RESTRICT_KEY => {
                pass(&["--restrict-key", &arg]);
                restrict_key = Some(arg);
            }
            BINARY_UPGRADE => {
                return Err(CliError::fatal(
                    "option --binary-upgrade is not supported by tusk_dumpall \
                     (out of scope: use pg_dumpall for pg_upgrade)",
                ));
            }
            IF_EXISTS => o.if_exists = true,
            NO_ROLE_PASSWORDS => o.no_role_passwords = true,
            code if code >= PASSED => {
                let name = PASSED_FLAGS[(code - PASSED) as usize];
                match name {
                    "no-tablespaces" => o.no_tablespaces = true,
                    "no-comments" => o.no_comments = true,
                    "no-security-labels" => o.no_security_labels = true,
                    "quote-all-identifiers" => o.quote_all_identifiers = true,
                    "no-schema" | "statistics-only" => o.no_globals = true,
                    _ => {}
                }
                pass(&[&format!("--{name}")]);
            }
            _ => {
                // -h -p -U -w -W: the options of every connection.
                getopt::apply_connection_option(&mut o.conn, opt);
            }
        }
    }

    if let Some(first) = parsed.operands.first() {
        return Err(CliError::with_hint(format!(
            "too many command-line arguments (first is \"{first}\")"
        )));
    }
    if !o.exclude_databases.is_empty() && (o.globals_only || o.roles_only || o.tablespaces_only) {
        return Err(CliError::with_hint(
            "option --exclude-database cannot be used together with -g/--globals-only, \
             -r/--roles-only, or -t/--tablespaces-only",
        ));
    }
    let exclusive = [
        (
            o.globals_only && o.roles_only,
            "-g/--globals-only",
            "-r/--roles-only",
        ),
        (
            o.globals_only && o.tablespaces_only,
            "-g/--globals-only",
            "-t/--tablespaces-only",
        ),
    ];
    for (both, a, b) in exclusive {
        if both {
            return Err(CliError::with_hint(format!(
                "options {a} and {b} cannot be used together"
            )));
        }
    }
    if o.if_exists && !o.clean {
        return Err(CliError::fatal(
            "option --if-exists requires option -c/--clean",
        ));
    }
    if o.roles_only && o.tablespaces_only {
        return Err(CliError::with_hint(
            "options -r/--roles-only and -t/--tablespaces-only cannot be used together",
        ));
    }
    o.restrict_key = restrict_key.unwrap_or_else(tusk_format::restrict::generate_key);
    if !tusk_format::restrict::is_valid_key(&o.restrict_key) {
        return Err(CliError::fatal("invalid restrict key"));
    }
    Ok(Command::Dumpall(Box::new(o)))
}

/// `read_dumpall_filters`: a filter file may only exclude databases.
fn read_filter_file(path: &str, patterns: &mut Vec<String>) -> Result<(), CliError> {
    use tusk_format::filter::{FilterObject, NotAllowed};
    tusk_format::filter::read_filter_file(path, |item| match (item.include, item.object) {
        (true, _) => Err(NotAllowed::Item),
        (false, FilterObject::Database) => {
            patterns.push(item.pattern);
            Ok(())
        }
        (false, _) => Err(NotAllowed::Object),
    })
    .map_err(CliError::fatal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn options(list: &[&str]) -> Options {
        match parse(&args(list)) {
            Ok(Command::Dumpall(o)) => *o,
            other => panic!("{other:?}"),
        }
    }

    fn error(list: &[&str]) -> CliError {
        match parse(&args(list)) {
            Err(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dump_options_are_handed_on_in_order() {
        let o = options(&[
            "-a",
            "--inserts",
            "-E",
            "LATIN1",
            "--role=r",
            "--no-comments",
            "-x",
            "--no-role-passwords",
            "-c",
            "--if-exists",
        ]);
        assert_eq!(
            o.dump_args,
            [
                "-a",
                "--inserts",
                "-E",
                "LATIN1",
                "--role",
                "r",
                "--no-comments",
                "-x"
            ]
        );
        assert!(o.no_globals && o.no_comments && o.no_privileges && o.no_role_passwords);
        assert!(o.clean && o.if_exists);
        assert_eq!(o.encoding.as_deref(), Some("LATIN1"));
        assert_eq!(o.restrict_key.len(), 63);
    }

    #[test]
    fn connection_options_split_as_upstream() {
        let o = options(&[
            "-d",
            "host=h1 dbname=x",
            "-l",
            "db",
            "-h",
            "h2",
            "-U",
            "u",
            "-w",
        ]);
        assert_eq!(o.connstr.as_deref(), Some("host=h1 dbname=x"));
        assert_eq!(o.conn.dbname.as_deref(), Some("db"));
        assert_eq!(o.conn.host.as_deref(), Some("h2"));
        assert_eq!(o.conn.username.as_deref(), Some("u"));
        assert!(o.conn.no_password);
        assert!(o.dump_args.is_empty());
    }

    #[test]
    fn conflicts_are_refused_with_upstream_words() {
        let e = error(&["-g", "-r"]);
        assert_eq!(
            e.message,
            "options -g/--globals-only and -r/--roles-only cannot be used together"
        );
        assert!(e.hint);
        let e = error(&["-r", "-t"]);
        assert_eq!(
            e.message,
            "options -r/--roles-only and -t/--tablespaces-only cannot be used together"
        );
        let e = error(&["--if-exists"]);
        assert_eq!(e.message, "option --if-exists requires option -c/--clean");
        assert!(!e.hint);
        let e = error(&["-g", "--exclude-database=x"]);
        assert!(
            e.message
                .starts_with("option --exclude-database cannot be used together")
        );
        assert_eq!(
            error(&["db"]).message,
            "too many command-line arguments (first is \"db\")"
        );
        assert_eq!(
            error(&["--restrict-key=a-b"]).message,
            "invalid restrict key"
        );
        assert!(
            error(&["--binary-upgrade"])
                .message
                .contains("not supported")
        );
        assert!(error(&["--jobs=2"]).from_getopt);
    }

    #[test]
    fn filter_files_only_exclude_databases() {
        let dir = std::env::temp_dir().join(format!("tusk-dumpall-filter-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(
            &file,
            "exclude database db1\n# note\nexclude database \"Db 2\"\n",
        )
        .unwrap();
        let o = options(&["--exclude-database=a*", "--filter", file.to_str().unwrap()]);
        assert_eq!(o.exclude_databases, ["a*", "db1", "\"Db 2\""]);
        std::fs::write(&file, "include database db1\n").unwrap();
        let e = error(&["--filter", file.to_str().unwrap()]);
        assert!(
            e.message
                .ends_with("on line 1: include filter for \"database\" is not allowed")
        );
        std::fs::write(&file, "exclude table t\n").unwrap();
        let e = error(&["--filter", file.to_str().unwrap()]);
        assert!(e.message.ends_with("on line 1: unsupported filter object"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
