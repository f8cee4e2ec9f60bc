//! pg_restore's command line → [`Options`]. Nothing else reads argv.

use tusk_connect::ConnectOptions;
pub use tusk_connect::getopt::CliError;
use tusk_connect::getopt::{self, HasArg, LongOpt};
use tusk_format::filter::{FilterItem, FilterObject, NotAllowed};
use tusk_format::select::{Names, OnlyFlags};

/// Validated pg_restore options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub conn: ConnectOptions,
    /// `-d` given: restore into a database; otherwise a script goes to `file`.
    pub use_db: bool,
    pub file: Option<String>,
    pub input: Option<String>,
    pub list: bool,
    /// `-L`: a list file choosing and ordering the entries.
    pub use_list: Option<String>,
    pub verbose: bool,
    pub exit_on_error: bool,
    pub single_transaction: bool,
    /// `--transaction-size`: commit after this many objects; 0 is off.
    pub transaction_size: u32,
    pub no_data_for_failed_tables: bool,
    /// `-n/-N/-t/-I/-P/-T`, their `--filter` lines, `--strict-names`.
    pub names: Names,
    pub dump_schema: bool,
    pub dump_data: bool,
    pub dump_statistics: bool,
    pub clean: bool,
    pub if_exists: bool,
    pub create: bool,
    pub no_owner: bool,
    pub no_privileges: bool,
    pub no_comments: bool,
    pub no_policies: bool,
    pub no_publications: bool,
    pub no_security_labels: bool,
    pub no_subscriptions: bool,
    pub no_tablespaces: bool,
    pub no_table_am: bool,
    pub use_set_session_authorization: bool,
    pub enable_row_security: bool,
    pub role: Option<String>,
    pub restrict_key: Option<String>,
    /// `--disable-triggers`: a data-only restore turns each table's triggers off around its
    /// data.
    pub disable_triggers: bool,
    /// `-S`: the superuser to become for that.
    pub superuser: Option<String>,
    pub jobs: u32,
    /// `--copy-freeze` and `--maintenance-work-mem` (tusk tuning; see ScriptOptions).
    pub copy_freeze: bool,
    pub maintenance_work_mem: Option<String>,
    /// `--progress[=bar|json]` / `--no-progress` (tusk extensions), the last one given;
    /// `None`: the default (see `tusk_progress::Mode::resolve`).
    pub progress: Option<tusk_progress::Mode>,
    /// `--section`, as upstream's bit set; `None` means all sections.
    pub sections: Option<tusk_format::select::Sections>,
}

#[derive(Debug)]
pub enum Command {
    Help,
    Version,
    Restore(Box<Options>),
    /// `--verify ARCHIVE` (a tusk extension): check an archive, restore nothing.
    Verify(String),
}

const ROLE: i32 = 2;
const SECTION: i32 = 3;
const FILTER: i32 = 4;
const TRANSACTION_SIZE: i32 = 5;
const RESTRICT_KEY: i32 = 6;
const DISABLE_TRIGGERS: i32 = 1000;
const ENABLE_ROW_SECURITY: i32 = 1001;
const IF_EXISTS: i32 = 1002;
const NO_DATA_FOR_FAILED_TABLES: i32 = 1003;
const NO_TABLE_AM: i32 = 1004;
const NO_TABLESPACES: i32 = 1005;
const STRICT_NAMES: i32 = 1006;
const USE_SET_SESSION_AUTH: i32 = 1007;
const NO_COMMENTS: i32 = 1008;
const NO_DATA: i32 = 1009;
const NO_POLICIES: i32 = 1010;
const NO_PUBLICATIONS: i32 = 1011;
const NO_SCHEMA: i32 = 1012;
const NO_SECURITY_LABELS: i32 = 1013;
const NO_SUBSCRIPTIONS: i32 = 1014;
const NO_STATISTICS: i32 = 1015;
const STATISTICS: i32 = 1016;
const STATISTICS_ONLY: i32 = 1017;
/// tusk's own options, numbered apart from upstream's.
const VERIFY: i32 = 2000;
const COPY_FREEZE: i32 = 2001;
const MAINTENANCE_WORK_MEM: i32 = 2002;
const PROGRESS: i32 = 2003;
const NO_PROGRESS: i32 = 2004;

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

const SHORT: &str = "acCd:ef:F:h:I:j:lL:n:N:Op:P:RsS:t:T:U:vwWx1";

const LONG: &[LongOpt] = &[
    opt("clean", HasArg::No, ch('c')),
    opt("create", HasArg::No, ch('C')),
    opt("data-only", HasArg::No, ch('a')),
    opt("dbname", HasArg::Required, ch('d')),
    opt("exit-on-error", HasArg::No, ch('e')),
    opt("exclude-schema", HasArg::Required, ch('N')),
    opt("file", HasArg::Required, ch('f')),
    opt("format", HasArg::Required, ch('F')),
    opt("function", HasArg::Required, ch('P')),
    opt("host", HasArg::Required, ch('h')),
    opt("index", HasArg::Required, ch('I')),
    opt("jobs", HasArg::Required, ch('j')),
    opt("list", HasArg::No, ch('l')),
    opt("no-privileges", HasArg::No, ch('x')),
    opt("no-acl", HasArg::No, ch('x')),
    opt("no-owner", HasArg::No, ch('O')),
    opt("no-reconnect", HasArg::No, ch('R')),
    opt("port", HasArg::Required, ch('p')),
    opt("no-password", HasArg::No, ch('w')),
    opt("password", HasArg::No, ch('W')),
    opt("schema", HasArg::Required, ch('n')),
    opt("schema-only", HasArg::No, ch('s')),
    opt("superuser", HasArg::Required, ch('S')),
    opt("table", HasArg::Required, ch('t')),
    opt("trigger", HasArg::Required, ch('T')),
    opt("use-list", HasArg::Required, ch('L')),
    opt("username", HasArg::Required, ch('U')),
    opt("verbose", HasArg::No, ch('v')),
    opt("single-transaction", HasArg::No, ch('1')),
    opt("disable-triggers", HasArg::No, DISABLE_TRIGGERS),
    opt("enable-row-security", HasArg::No, ENABLE_ROW_SECURITY),
    opt("if-exists", HasArg::No, IF_EXISTS),
    opt(
        "no-data-for-failed-tables",
        HasArg::No,
        NO_DATA_FOR_FAILED_TABLES,
    ),
    opt("no-table-access-method", HasArg::No, NO_TABLE_AM),
    opt("no-tablespaces", HasArg::No, NO_TABLESPACES),
    opt("role", HasArg::Required, ROLE),
    opt("section", HasArg::Required, SECTION),
    opt("strict-names", HasArg::No, STRICT_NAMES),
    opt("transaction-size", HasArg::Required, TRANSACTION_SIZE),
    opt(
        "use-set-session-authorization",
        HasArg::No,
        USE_SET_SESSION_AUTH,
    ),
    opt("no-comments", HasArg::No, NO_COMMENTS),
    opt("no-data", HasArg::No, NO_DATA),
    opt("no-policies", HasArg::No, NO_POLICIES),
    opt("no-publications", HasArg::No, NO_PUBLICATIONS),
    opt("no-schema", HasArg::No, NO_SCHEMA),
    opt("no-security-labels", HasArg::No, NO_SECURITY_LABELS),
    opt("no-subscriptions", HasArg::No, NO_SUBSCRIPTIONS),
    opt("no-statistics", HasArg::No, NO_STATISTICS),
    opt("statistics", HasArg::No, STATISTICS),
    opt("statistics-only", HasArg::No, STATISTICS_ONLY),
    opt("filter", HasArg::Required, FILTER),
    opt("restrict-key", HasArg::Required, RESTRICT_KEY),
    opt("verify", HasArg::No, VERIFY),
    opt("copy-freeze", HasArg::No, COPY_FREEZE),
    opt("progress", HasArg::Optional, PROGRESS),
    opt("no-progress", HasArg::No, NO_PROGRESS),
    opt(
        "maintenance-work-mem",
        HasArg::Required,
        MAINTENANCE_WORK_MEM,
    ),
];

/// Parses pg_restore's arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Command, CliError> {
    match args.first().map(String::as_str) {
        Some("--help" | "-?") => return Ok(Command::Help),
        Some("--version" | "-V") => return Ok(Command::Version),
        _ => {}
    }
    let parsed = getopt::parse(args, SHORT, LONG)?;
    let mut o = Options {
        jobs: 1,
        ..Options::default()
    };
    let mut only = OnlyFlags::default();
    let mut format: Option<String> = None;
    let mut verify = false;
    for opt in &parsed.opts {
        if getopt::apply_connection_option(&mut o.conn, opt) {
            continue;
        }
        let arg = opt.arg.clone().unwrap_or_default();
        match opt.code {
            c if c == ch('a') => only.data_only = true,
            c if c == ch('c') => o.clean = true,
            c if c == ch('C') => o.create = true,
            c if c == ch('e') => o.exit_on_error = true,
            c if c == ch('f') => o.file = Some(arg),
            c if c == ch('F') => format = Some(arg),
            c if c == ch('j') => o.jobs = getopt::parse_jobs(&arg).map_err(CliError::fatal)?,
            c if c == ch('l') => o.list = true,
            c if c == ch('L') => o.use_list = Some(arg),
            c if c == ch('O') => o.no_owner = true,
            c if c == ch('R') => {}
            c if c == ch('s') => only.schema_only = true,
            c if c == ch('v') => o.verbose = true,
            c if c == ch('x') => o.no_privileges = true,
            c if c == ch('n') => o.names.schemas.push(arg),
            c if c == ch('N') => o.names.exclude_schemas.push(arg),
            c if c == ch('t') => o.names.tables.push(arg),
            c if c == ch('I') => o.names.indexes.push(arg),
            c if c == ch('P') => o.names.functions.push(arg),
            c if c == ch('T') => o.names.triggers.push(arg),
            // Both stop at the first error: a failed transaction would only fail the rest.
            c if c == ch('1') => {
                o.single_transaction = true;
                o.exit_on_error = true;
            }
            TRANSACTION_SIZE => {
                let n = getopt::option_parse_int(&arg, "--transaction-size", 1, i32::MAX)
                    .map_err(CliError::fatal)?;
                o.transaction_size = n.unsigned_abs();
                o.exit_on_error = true;
            }
            STRICT_NAMES => o.names.strict = true,
            FILTER => tusk_format::filter::read_filter_file(&arg, |item| {
                take_filter_item(&mut o.names, item)
            })
            .map_err(CliError::fatal)?,
            NO_DATA_FOR_FAILED_TABLES => o.no_data_for_failed_tables = true,
            ROLE => o.role = Some(arg),
            SECTION => tusk_format::select::Sections::add_named(&mut o.sections, &arg)
                .map_err(CliError::with_hint)?,
            RESTRICT_KEY => o.restrict_key = Some(arg),
            DISABLE_TRIGGERS => o.disable_triggers = true,
            c if c == ch('S') => o.superuser = Some(arg),
            ENABLE_ROW_SECURITY => o.enable_row_security = true,
            IF_EXISTS => o.if_exists = true,
            NO_TABLE_AM => o.no_table_am = true,
            NO_TABLESPACES => o.no_tablespaces = true,
            USE_SET_SESSION_AUTH => o.use_set_session_authorization = true,
            NO_COMMENTS => o.no_comments = true,
            NO_DATA => only.no_data = true,
            NO_POLICIES => o.no_policies = true,
            NO_PUBLICATIONS => o.no_publications = true,
            NO_SCHEMA => only.no_schema = true,
            NO_SECURITY_LABELS => o.no_security_labels = true,
            NO_SUBSCRIPTIONS => o.no_subscriptions = true,
            NO_STATISTICS => only.no_statistics = true,
            STATISTICS => only.with_statistics = true,
            STATISTICS_ONLY => only.statistics_only = true,
            VERIFY => verify = true,
            COPY_FREEZE => o.copy_freeze = true,
            MAINTENANCE_WORK_MEM => o.maintenance_work_mem = Some(arg),
            PROGRESS => {
                o.progress = Some(
                    tusk_progress::Mode::from_arg(opt.arg.as_deref())
                        .map_err(|e| CliError::fatal(e.to_string()))?,
                )
            }
            NO_PROGRESS => o.progress = Some(tusk_progress::Mode::Off),
            // Not done yet; refusing beats silently ignoring them.
            code => {
                let name = getopt::option_name(code, LONG);
                return Err(CliError::fatal(format!(
                    "option {name} is not supported by tusk_restore yet"
                )));
            }
        }
    }
    let mut operands = parsed.operands.into_iter();
    o.input = operands.next();
    if let Some(extra) = operands.next() {
        return Err(CliError::with_hint(format!(
            "too many command-line arguments (first is \"{extra}\")"
        )));
    }
    if verify {
        return match o.input.take().filter(|i| i != "-") {
            Some(input) => Ok(Command::Verify(input)),
            None => Err(CliError::fatal(
                "option --verify requires the archive's file or directory name",
            )),
        };
    }
    if o.conn.dbname.is_none() && o.file.is_none() && !o.list {
        return Err(CliError::fatal(
            "one of -d/--dbname and -f/--file must be specified",
        ));
    }
    if o.conn.dbname.is_some() {
        if o.file.is_some() {
            return Err(CliError::with_hint(
                "options -d/--dbname and -f/--file cannot be used together",
            ));
        }
        if o.restrict_key.is_some() {
            return Err(CliError::fatal(
                "options -d/--dbname and --restrict-key cannot be used together",
            ));
        }
        o.use_db = true;
    } else if let Some(key) = &o.restrict_key {
        if !tusk_format::restrict::is_valid_key(key) {
            return Err(CliError::fatal("invalid restrict key"));
        }
    }
    let wanted = only.resolve(true).map_err(CliError::fatal)?;
    if only.data_only && o.clean {
        return Err(CliError::fatal(
            "options -c/--clean and -a/--data-only cannot be used together",
        ));
    }
    if o.single_transaction && o.transaction_size > 0 {
        return Err(CliError::fatal(
            "options -1/--single-transaction and --transaction-size cannot be used together",
        ));
    }
    if o.create && o.single_transaction {
        return Err(CliError::fatal(
            "options -C/--create and -1/--single-transaction cannot be used together",
        ));
    }
    if o.single_transaction && o.jobs > 1 {
        return Err(CliError::fatal(
            "cannot specify both --single-transaction and multiple jobs",
        ));
    }
    o.dump_schema = wanted.schema;
    o.dump_data = wanted.data;
    o.dump_statistics = wanted.statistics;
    if o.if_exists && !o.clean {
        return Err(CliError::fatal(
            "option --if-exists requires option -c/--clean",
        ));
    }
    if let Some(f) = format {
        match f.to_ascii_lowercase().as_str() {
            "c" | "custom" => {}
            "d" | "directory" | "t" | "tar" => {
                return Err(CliError::fatal(
                    "only custom-format archives are supported by tusk_restore yet",
                ));
            }
            _ => {
                return Err(CliError::fatal(format!(
                    "unrecognized archive format \"{f}\"; please specify \"c\", \"d\", or \"t\""
                )));
            }
        }
    }
    Ok(Command::Restore(Box::new(o)))
}

/// `read_restore_filters`: pg_restore takes included schemas, tables, indexes, functions and
/// triggers, and excluded schemas; the rest it refuses.
fn take_filter_item(names: &mut Names, item: FilterItem) -> Result<(), NotAllowed> {
    let list = match (item.include, item.object) {
        (true, FilterObject::Function) => &mut names.functions,
        (true, FilterObject::Index) => &mut names.indexes,
        (true, FilterObject::Schema) => &mut names.schemas,
        (true, FilterObject::Table) => &mut names.tables,
        (true, FilterObject::Trigger) => &mut names.triggers,
        (false, FilterObject::Schema) => &mut names.exclude_schemas,
        _ => return Err(NotAllowed::Item),
    };
    list.push(item.pattern);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Command, CliError> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn needs_a_target() {
        let e = parse_args(&["x.dump"]).unwrap_err();
        assert_eq!(
            e.message,
            "one of -d/--dbname and -f/--file must be specified"
        );
        assert!(matches!(
            parse_args(&["-l", "x.dump"]),
            Ok(Command::Restore(_))
        ));
        let e = parse_args(&["-d", "db", "-f", "out.sql", "x.dump"]).unwrap_err();
        assert!(e.hint);
    }

    #[test]
    fn disable_triggers_with_a_superuser() {
        let Ok(Command::Restore(o)) = parse_args(&[
            "-a",
            "--disable-triggers",
            "-S",
            "root",
            "-f",
            "-",
            "x.dump",
        ]) else {
            panic!()
        };
        assert!(o.disable_triggers && !o.dump_schema);
        assert_eq!(o.superuser.as_deref(), Some("root"));
    }

    #[test]
    fn transactions_stop_at_the_first_error() {
        let Ok(Command::Restore(o)) = parse_args(&["-f", "-", "--transaction-size=10", "x"]) else {
            panic!()
        };
        assert!(o.exit_on_error && o.transaction_size == 10);
        let Ok(Command::Restore(o)) = parse_args(&["-f", "-", "-1", "x"]) else {
            panic!()
        };
        assert!(o.exit_on_error && o.single_transaction);
        let e = parse_args(&["-f", "-", "-1", "--transaction-size=1", "x"]).unwrap_err();
        assert_eq!(
            e.message,
            "options -1/--single-transaction and --transaction-size cannot be used together"
        );
    }

    #[test]
    fn names_keep_command_line_order() {
        let args = "-f - -t b -n s -t a -P f(integer) -I i -N x --strict-names x.dump";
        let mut args: Vec<&str> = args.split(' ').collect();
        args.extend(["-T", "t trig"]);
        let Ok(Command::Restore(o)) = parse_args(&args) else {
            panic!()
        };
        let n = &o.names;
        assert_eq!(n.tables, ["b", "a"]);
        assert_eq!(n.schemas, ["s"]);
        assert_eq!(n.exclude_schemas, ["x"]);
        assert_eq!(n.functions, ["f(integer)"]);
        assert_eq!(n.indexes, ["i"]);
        assert_eq!(n.triggers, ["t trig"]);
        assert!(n.strict);
    }

    #[test]
    fn statistics_are_restored_by_default() {
        let Ok(Command::Restore(o)) = parse_args(&["-f", "-", "x.dump"]) else {
            panic!()
        };
        assert!(o.dump_statistics && o.dump_schema && o.dump_data);
    }
}
