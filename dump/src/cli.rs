//! pg_dump's command line → [`Options`]. Nothing else reads argv.

use tusk_connect::ConnectOptions;
pub use tusk_connect::getopt::CliError;
use tusk_connect::getopt::{self, HasArg, LongOpt};
use tusk_format::select::{OnlyFlags, Sections};
use tusk_format::{ArchiveVersion, Compression, CompressionAlgorithm};

use crate::filter::{self, ObjectFilter};

/// Output format (`-F`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Plain,
    Custom,
    Directory,
    Tar,
}

/// Validated pg_dump options.
#[derive(Debug, Clone)]
pub struct Options {
    pub conn: ConnectOptions,
    /// Connection parameters resolved already, used instead of `conn`'s: tusk_dumpall's
    /// per-database dumps reuse its connection's (the password that worked included).
    pub resolved: Option<tusk_connect::ConnParams>,
    pub file: Option<String>,
    pub format: Format,
    pub compression: Compression,
    pub jobs: u32,
    pub verbose: bool,
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
    pub no_subscriptions: bool,
    pub no_security_labels: bool,
    pub no_tablespaces: bool,
    pub no_table_am: bool,
    pub no_toast_compression: bool,
    pub use_set_session_authorization: bool,
    pub enable_row_security: bool,
    pub serializable_deferrable: bool,
    pub snapshot: Option<String>,
    pub role: Option<String>,
    pub lock_wait_timeout: Option<String>,
    /// `--max-rate`: bytes per second read from the server, all sessions together.
    pub max_rate: Option<u64>,
    pub extra_float_digits: Option<i32>,
    /// `-E`: the client encoding to write the dump in (default: the database's).
    pub encoding: Option<String>,
    pub restrict_key: Option<String>,
    pub sequence_data: bool,
    /// `--section`; `None` means all sections.
    pub sections: Option<Sections>,
    pub no_sync: bool,
    /// `--archive-version` (a tusk extension): the archive version to write.
    pub archive_version: Option<ArchiveVersion>,
    /// `--manifest` (a tusk extension): `FILE.manifest.json` beside the archive.
    pub manifest: bool,
    /// `--progress[=bar|json]` / `--no-progress` (tusk extensions), the last one given;
    /// `None`: the default (see `tusk_progress::Mode::resolve`).
    pub progress: Option<tusk_progress::Mode>,
    /// `-n/-N/-t/-T`, their `--filter` form, `--exclude-table-data`, `-b/-B`.
    pub filter: ObjectFilter,
    pub quote_all_identifiers: bool,
    pub disable_dollar_quoting: bool,
    /// Rows per INSERT statement; 0 means data is dumped as COPY (pg_dump's `dump_inserts`).
    pub dump_inserts: u32,
    /// `--column-inserts`: INSERTs name their columns.
    pub column_inserts: bool,
    pub on_conflict_do_nothing: bool,
    pub load_via_partition_root: bool,
    /// `--disable-triggers`: a data-only script disables triggers around each table's data.
    pub disable_triggers: bool,
    /// `-S`: the superuser a plain script becomes to disable triggers.
    pub superuser: Option<String>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Help,
    Version,
    Dump(Box<Options>),
}

// Codes for long-only options, as pg_dump numbers them (flag options get codes from 1000).
const LOCK_WAIT_TIMEOUT: i32 = 2;
const ROLE: i32 = 3;
const EXCLUDE_TABLE_DATA: i32 = 4;
const SECTION: i32 = 5;
const SNAPSHOT: i32 = 6;
const NO_SYNC: i32 = 7;
const EXTRA_FLOAT_DIGITS: i32 = 8;
const INSERTS: i32 = 9;
const ROWS_PER_INSERT: i32 = 10;
const INCLUDE_FOREIGN_DATA: i32 = 11;
const TABLE_AND_CHILDREN: i32 = 12;
const EXCLUDE_TABLE_AND_CHILDREN: i32 = 13;
const EXCLUDE_TABLE_DATA_AND_CHILDREN: i32 = 14;
const SYNC_METHOD: i32 = 15;
const FILTER: i32 = 16;
const EXCLUDE_EXTENSION: i32 = 17;
const STATISTICS_ONLY: i32 = 18;
const NO_DATA: i32 = 19;
const NO_SCHEMA: i32 = 20;
const NO_STATISTICS: i32 = 21;
const STATISTICS: i32 = 22;
const RESTRICT_KEY: i32 = 25;
// A tusk option: a code pg_dump does not use.
const MAX_RATE: i32 = 900;
const COLUMN_INSERTS: i32 = 1000;
const BINARY_UPGRADE: i32 = 1001;
const DISABLE_DOLLAR_QUOTING: i32 = 1002;
const DISABLE_TRIGGERS: i32 = 1003;
const ENABLE_ROW_SECURITY: i32 = 1004;
const IF_EXISTS: i32 = 1005;
const NO_TABLE_AM: i32 = 1006;
const NO_TABLESPACES: i32 = 1007;
const QUOTE_ALL_IDENTIFIERS: i32 = 1008;
const LOAD_VIA_PARTITION_ROOT: i32 = 1009;
const SERIALIZABLE_DEFERRABLE: i32 = 1010;
const STRICT_NAMES: i32 = 1011;
const USE_SET_SESSION_AUTH: i32 = 1012;
const NO_COMMENTS: i32 = 1013;
const NO_POLICIES: i32 = 1014;
const NO_PUBLICATIONS: i32 = 1015;
const NO_SECURITY_LABELS: i32 = 1016;
const NO_SUBSCRIPTIONS: i32 = 1017;
const NO_TOAST_COMPRESSION: i32 = 1018;
const NO_UNLOGGED_TABLE_DATA: i32 = 1019;
const ON_CONFLICT_DO_NOTHING: i32 = 1020;
const SEQUENCE_DATA: i32 = 1021;
/// `DUMP_DEFAULT_ROWS_PER_INSERT`: `--inserts` alone writes one row per statement.
const DEFAULT_ROWS_PER_INSERT: u32 = 1;
/// tusk's own options, numbered apart from upstream's.
const ARCHIVE_VERSION: i32 = 2000;
const MANIFEST: i32 = 2001;
const PROGRESS: i32 = 2002;
const NO_PROGRESS: i32 = 2003;

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

const SHORT: &str = "abBcCd:e:E:f:F:h:j:n:N:Op:RsS:t:T:U:vwWxXZ:";

const LONG: &[LongOpt] = &[
    opt("data-only", HasArg::No, ch('a')),
    opt("blobs", HasArg::No, ch('b')),
    opt("large-objects", HasArg::No, ch('b')),
    opt("no-blobs", HasArg::No, ch('B')),
    opt("no-large-objects", HasArg::No, ch('B')),
    opt("clean", HasArg::No, ch('c')),
    opt("create", HasArg::No, ch('C')),
    opt("dbname", HasArg::Required, ch('d')),
    opt("extension", HasArg::Required, ch('e')),
    opt("file", HasArg::Required, ch('f')),
    opt("format", HasArg::Required, ch('F')),
    opt("host", HasArg::Required, ch('h')),
    opt("jobs", HasArg::Required, ch('j')),
    opt("no-reconnect", HasArg::No, ch('R')),
    opt("no-owner", HasArg::No, ch('O')),
    opt("port", HasArg::Required, ch('p')),
    opt("schema", HasArg::Required, ch('n')),
    opt("exclude-schema", HasArg::Required, ch('N')),
    opt("schema-only", HasArg::No, ch('s')),
    opt("superuser", HasArg::Required, ch('S')),
    opt("table", HasArg::Required, ch('t')),
    opt("exclude-table", HasArg::Required, ch('T')),
    opt("no-password", HasArg::No, ch('w')),
    opt("password", HasArg::No, ch('W')),
    opt("username", HasArg::Required, ch('U')),
    opt("verbose", HasArg::No, ch('v')),
    opt("no-privileges", HasArg::No, ch('x')),
    opt("no-acl", HasArg::No, ch('x')),
    opt("compress", HasArg::Required, ch('Z')),
    opt("encoding", HasArg::Required, ch('E')),
    opt("help", HasArg::No, ch('?')),
    opt("version", HasArg::No, ch('V')),
    opt("attribute-inserts", HasArg::No, COLUMN_INSERTS),
    opt("binary-upgrade", HasArg::No, BINARY_UPGRADE),
    opt("column-inserts", HasArg::No, COLUMN_INSERTS),
    opt("disable-dollar-quoting", HasArg::No, DISABLE_DOLLAR_QUOTING),
    opt("disable-triggers", HasArg::No, DISABLE_TRIGGERS),
    opt("enable-row-security", HasArg::No, ENABLE_ROW_SECURITY),
    opt("exclude-table-data", HasArg::Required, EXCLUDE_TABLE_DATA),
    opt("extra-float-digits", HasArg::Required, EXTRA_FLOAT_DIGITS),
    opt("if-exists", HasArg::No, IF_EXISTS),
    opt("inserts", HasArg::No, INSERTS),
    opt("lock-wait-timeout", HasArg::Required, LOCK_WAIT_TIMEOUT),
    opt("max-rate", HasArg::Required, MAX_RATE),
    opt("no-table-access-method", HasArg::No, NO_TABLE_AM),
    opt("no-tablespaces", HasArg::No, NO_TABLESPACES),
    opt("quote-all-identifiers", HasArg::No, QUOTE_ALL_IDENTIFIERS),
    opt(
        "load-via-partition-root",
        HasArg::No,
        LOAD_VIA_PARTITION_ROOT,
    ),
    opt("role", HasArg::Required, ROLE),
    opt("section", HasArg::Required, SECTION),
    opt(
        "serializable-deferrable",
        HasArg::No,
        SERIALIZABLE_DEFERRABLE,
    ),
    opt("snapshot", HasArg::Required, SNAPSHOT),
    opt("statistics", HasArg::No, STATISTICS),
    opt("statistics-only", HasArg::No, STATISTICS_ONLY),
    opt("strict-names", HasArg::No, STRICT_NAMES),
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
    opt("no-statistics", HasArg::No, NO_STATISTICS),
    opt("no-subscriptions", HasArg::No, NO_SUBSCRIPTIONS),
    opt("no-toast-compression", HasArg::No, NO_TOAST_COMPRESSION),
    opt("no-unlogged-table-data", HasArg::No, NO_UNLOGGED_TABLE_DATA),
    opt("no-sync", HasArg::No, NO_SYNC),
    opt("on-conflict-do-nothing", HasArg::No, ON_CONFLICT_DO_NOTHING),
    opt("rows-per-insert", HasArg::Required, ROWS_PER_INSERT),
    opt(
        "include-foreign-data",
        HasArg::Required,
        INCLUDE_FOREIGN_DATA,
    ),
    opt("table-and-children", HasArg::Required, TABLE_AND_CHILDREN),
    opt(
        "exclude-table-and-children",
        HasArg::Required,
        EXCLUDE_TABLE_AND_CHILDREN,
    ),
    opt(
        "exclude-table-data-and-children",
        HasArg::Required,
        EXCLUDE_TABLE_DATA_AND_CHILDREN,
    ),
    opt("sync-method", HasArg::Required, SYNC_METHOD),
    opt("filter", HasArg::Required, FILTER),
    opt("exclude-extension", HasArg::Required, EXCLUDE_EXTENSION),
    opt("sequence-data", HasArg::No, SEQUENCE_DATA),
    opt("restrict-key", HasArg::Required, RESTRICT_KEY),
    opt("archive-version", HasArg::Required, ARCHIVE_VERSION),
    opt("manifest", HasArg::No, MANIFEST),
    opt("progress", HasArg::Optional, PROGRESS),
    opt("no-progress", HasArg::No, NO_PROGRESS),
];

/// Another program's use of pg_dump's command line (tusk_copy's): its own long options,
/// with codes from [`EXTRA_CODES`], handed back in order; the options it refuses; and the
/// format it dumps in, which `-F` may then not change.
pub struct Dialect<'a> {
    pub program: &'a str,
    pub extra: &'a [LongOpt],
    /// pg_dump's options it refuses, by long name.
    pub refused: &'a [&'a str],
    pub format: Option<Format>,
}

/// The first code of a [`Dialect`]'s own options.
pub const EXTRA_CODES: i32 = 3000;

/// Parses pg_dump's arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Command, CliError> {
    let dialect = Dialect {
        program: "tusk_dump",
        extra: &[],
        refused: &[],
        format: None,
    };
    parse_dialect(args, &dialect).map(|(command, _)| command)
}

/// Parses a [`Dialect`] of pg_dump's arguments: the command, and the dialect's own options.
pub fn parse_dialect(
    args: &[String],
    dialect: &Dialect<'_>,
) -> Result<(Command, Vec<getopt::Opt>), CliError> {
    let mut extras = Vec::new();
    let command = parse_options(args, dialect, &mut extras)?;
    Ok((command, extras))
}

fn parse_options(
    args: &[String],
    dialect: &Dialect<'_>,
    extras: &mut Vec<getopt::Opt>,
) -> Result<Command, CliError> {
    // Like pg_dump, --help and --version count only as the first argument.
    match args.first().map(String::as_str) {
        Some("--help" | "-?") => return Ok(Command::Help),
        Some("--version" | "-V") => return Ok(Command::Version),
        _ => {}
    }
    let long: Vec<LongOpt> = LONG.iter().chain(dialect.extra).copied().collect();
    let parsed = getopt::parse(args, SHORT, &long)?;

    let mut o = Options {
        conn: ConnectOptions::default(),
        resolved: None,
        file: None,
        format: Format::Plain,
        compression: Compression::NONE,
        jobs: 1,
        verbose: false,
        dump_schema: true,
        dump_data: true,
        dump_statistics: false,
        clean: false,
        if_exists: false,
        create: false,
        no_owner: false,
        no_privileges: false,
        no_comments: false,
        no_policies: false,
        no_publications: false,
        no_subscriptions: false,
        no_security_labels: false,
        no_tablespaces: false,
        no_table_am: false,
        no_toast_compression: false,
        use_set_session_authorization: false,
        enable_row_security: false,
        serializable_deferrable: false,
        snapshot: None,
        role: None,
        lock_wait_timeout: None,
        max_rate: None,
        extra_float_digits: None,
        encoding: None,
        restrict_key: None,
        sequence_data: false,
        sections: None,
        no_sync: false,
        archive_version: None,
        manifest: false,
        progress: None,
        filter: ObjectFilter::default(),
        quote_all_identifiers: false,
        disable_dollar_quoting: false,
        dump_inserts: 0,
        column_inserts: false,
        on_conflict_do_nothing: false,
        load_via_partition_root: false,
        disable_triggers: false,
        superuser: None,
    };
    let mut only = OnlyFlags::default();
    let mut format = "p".to_owned();
    let mut compress: Option<String> = None;

    for opt in &parsed.opts {
        let name = getopt::option_name(opt.code, LONG);
        if dialect.refused.contains(&name.trim_start_matches('-')) {
            return Err(CliError::fatal(format!(
                "option {name} cannot be used with {}",
                dialect.program
            )));
        }
        if opt.code >= EXTRA_CODES {
            extras.push(opt.clone());
            continue;
        }
        if getopt::apply_connection_option(&mut o.conn, opt) {
            continue;
        }
        let arg = opt.arg.clone().unwrap_or_default();
        match opt.code {
            c if c == ch('a') => only.data_only = true,
            c if c == ch('b') => o.filter.large_objects = true,
            c if c == ch('B') => o.filter.no_large_objects = true,
            c if c == ch('n') => o.filter.include_schemas.push(arg),
            c if c == ch('N') => o.filter.exclude_schemas.push(arg),
            c if c == ch('t') => o.filter.include_tables.push(arg),
            c if c == ch('T') => o.filter.exclude_tables.push(arg),
            c if c == ch('e') => {
                o.filter.include_extensions.push(arg);
                o.filter.extension_switch = true;
            }
            EXCLUDE_EXTENSION => o.filter.exclude_extensions.push(arg),
            INCLUDE_FOREIGN_DATA => o.filter.include_foreign_data.push(arg),
            TABLE_AND_CHILDREN => o.filter.include_tables_and_children.push(arg),
            EXCLUDE_TABLE_AND_CHILDREN => o.filter.exclude_tables_and_children.push(arg),
            EXCLUDE_TABLE_DATA => o.filter.exclude_table_data.push(arg),
            EXCLUDE_TABLE_DATA_AND_CHILDREN => o.filter.exclude_table_data_and_children.push(arg),
            STRICT_NAMES => o.filter.strict_names = true,
            NO_UNLOGGED_TABLE_DATA => o.filter.no_unlogged_table_data = true,
            // Read where it stands among the options, as pg_dump does: its patterns join the
            // lists in that order, and its errors come before later options' checks.
            FILTER => filter::read_filter_file(&arg, &mut o.filter).map_err(CliError::fatal)?,
            QUOTE_ALL_IDENTIFIERS => o.quote_all_identifiers = true,
            DISABLE_DOLLAR_QUOTING => o.disable_dollar_quoting = true,
            NO_TOAST_COMPRESSION => o.no_toast_compression = true,
            NO_SECURITY_LABELS => o.no_security_labels = true,
            NO_POLICIES => o.no_policies = true,
            NO_PUBLICATIONS => o.no_publications = true,
            NO_SUBSCRIPTIONS => o.no_subscriptions = true,
            c if c == ch('c') => o.clean = true,
            c if c == ch('C') => o.create = true,
            c if c == ch('E') => o.encoding = Some(arg),
            c if c == ch('f') => o.file = Some(arg),
            c if c == ch('F') => format = arg,
            c if c == ch('j') => o.jobs = getopt::parse_jobs(&arg).map_err(CliError::fatal)?,
            c if c == ch('O') => o.no_owner = true,
            c if c == ch('R') => {} // obsolete, accepted and ignored as upstream does
            c if c == ch('s') => only.schema_only = true,
            c if c == ch('v') => o.verbose = true,
            c if c == ch('x') => o.no_privileges = true,
            c if c == ch('Z') => compress = Some(arg),
            c if c == ch('?') => return Ok(Command::Help),
            c if c == ch('V') => return Ok(Command::Version),
            LOCK_WAIT_TIMEOUT => o.lock_wait_timeout = Some(arg),
            MAX_RATE => {
                o.max_rate = Some(
                    tusk_connect::rate::parse_rate(&arg)
                        .map_err(|e| CliError::fatal(e.to_string()))?,
                )
            }
            ROLE => o.role = Some(arg),
            SNAPSHOT => o.snapshot = Some(arg),
            NO_SYNC => o.no_sync = true,
            // syncfs flushes the output's whole file system where fsync flushes its files; both
            // leave the dump durable, so tusk accepts either and fsyncs what it wrote.
            SYNC_METHOD => {
                if arg != "fsync" && arg != "syncfs" {
                    return Err(CliError::fatal(format!("unrecognized sync method: {arg}")));
                }
            }
            EXTRA_FLOAT_DIGITS => {
                o.extra_float_digits = Some(
                    getopt::option_parse_int(&arg, "--extra-float-digits", -15, 3)
                        .map_err(CliError::fatal)?,
                );
            }
            STATISTICS_ONLY => only.statistics_only = true,
            NO_DATA => only.no_data = true,
            NO_SCHEMA => only.no_schema = true,
            NO_STATISTICS => only.no_statistics = true,
            STATISTICS => only.with_statistics = true,
            SECTION => Sections::add_named(&mut o.sections, &arg).map_err(CliError::with_hint)?,
            RESTRICT_KEY => o.restrict_key = Some(arg),
            ENABLE_ROW_SECURITY => o.enable_row_security = true,
            IF_EXISTS => o.if_exists = true,
            NO_TABLE_AM => o.no_table_am = true,
            NO_TABLESPACES => o.no_tablespaces = true,
            SERIALIZABLE_DEFERRABLE => o.serializable_deferrable = true,
            USE_SET_SESSION_AUTH => o.use_set_session_authorization = true,
            NO_COMMENTS => o.no_comments = true,
            SEQUENCE_DATA => o.sequence_data = true,
            // --rows-per-insert stores its count in the same field, which --inserts keeps.
            INSERTS if o.dump_inserts == 0 => o.dump_inserts = DEFAULT_ROWS_PER_INSERT,
            INSERTS => {}
            ROWS_PER_INSERT => {
                o.dump_inserts = getopt::option_parse_int(&arg, "--rows-per-insert", 1, i32::MAX)
                    .map_err(CliError::fatal)? as u32;
            }
            COLUMN_INSERTS => o.column_inserts = true,
            ON_CONFLICT_DO_NOTHING => o.on_conflict_do_nothing = true,
            LOAD_VIA_PARTITION_ROOT => o.load_via_partition_root = true,
            DISABLE_TRIGGERS => o.disable_triggers = true,
            c if c == ch('S') => o.superuser = Some(arg),
            MANIFEST => o.manifest = true,
            PROGRESS => {
                o.progress = Some(
                    tusk_progress::Mode::from_arg(opt.arg.as_deref())
                        .map_err(|e| CliError::fatal(e.to_string()))?,
                )
            }
            NO_PROGRESS => o.progress = Some(tusk_progress::Mode::Off),
            ARCHIVE_VERSION => {
                o.archive_version = Some(match arg.as_str() {
                    "1.14" => ArchiveVersion::V1_14,
                    "1.15" => ArchiveVersion::V1_15,
                    "1.16" => ArchiveVersion::V1_16,
                    _ => {
                        return Err(CliError::fatal(format!(
                            "invalid archive version \"{arg}\"; use 1.14, 1.15 or 1.16"
                        )));
                    }
                });
            }
            // pg_upgrade's mode writes catalog internals (OIDs, relfilenodes, frozen xids)
            // that only pg_upgrade can use: out of scope for tusk, not merely unfinished.
            BINARY_UPGRADE => {
                return Err(CliError::fatal(
                    "option --binary-upgrade is not supported by tusk_dump \
                     (out of scope: use pg_dump for pg_upgrade)",
                ));
            }
            // Every option of pg_dump 18 is handled above; getopt knows no others.
            code => {
                let name = getopt::option_name(code, LONG);
                return Err(CliError::fatal(format!(
                    "option {name} is not supported by {} yet",
                    dialect.program
                )));
            }
        }
    }

    let mut operands = parsed.operands.into_iter();
    if o.conn.dbname.is_none() {
        o.conn.dbname = operands.next();
    }
    if let Some(extra) = operands.next() {
        return Err(CliError::with_hint(format!(
            "too many command-line arguments (first is \"{extra}\")"
        )));
    }

    if o.column_inserts && o.dump_inserts == 0 {
        o.dump_inserts = DEFAULT_ROWS_PER_INSERT;
    }
    let wanted = only.resolve(false).map_err(CliError::fatal)?;
    if only.schema_only && !o.filter.include_foreign_data.is_empty() {
        return Err(CliError::fatal(
            "options -s/--schema-only and --include-foreign-data cannot be used together",
        ));
    }
    if o.jobs > 1 && !o.filter.include_foreign_data.is_empty() {
        return Err(CliError::fatal(
            "option --include-foreign-data is not supported with parallel backup",
        ));
    }
    if only.data_only && o.clean {
        return Err(CliError::fatal(
            "options -c/--clean and -a/--data-only cannot be used together",
        ));
    }
    if o.if_exists && !o.clean {
        return Err(CliError::fatal(
            "option --if-exists requires option -c/--clean",
        ));
    }
    o.dump_schema = wanted.schema;
    o.dump_data = wanted.data;
    o.dump_statistics = wanted.statistics;
    if o.on_conflict_do_nothing && o.dump_inserts == 0 {
        return Err(CliError::fatal(
            "option --on-conflict-do-nothing requires option --inserts, --rows-per-insert, \
             or --column-inserts",
        ));
    }

    o.format = match dialect.format {
        Some(format) => format,
        None => parse_format(&format)?,
    };
    if o.format == Format::Plain {
        if let Some(key) = &o.restrict_key {
            if !tusk_format::restrict::is_valid_key(key) {
                return Err(CliError::fatal("invalid restrict key"));
            }
        }
    } else if o.restrict_key.is_some() {
        return Err(CliError::fatal(
            "option --restrict-key can only be used with --format=plain",
        ));
    }
    o.compression = match compress.as_deref() {
        None if matches!(o.format, Format::Custom | Format::Directory) => Compression::GZIP_DEFAULT,
        None => Compression::NONE,
        Some(spec) => parse_compression(spec)?,
    };
    if o.format == Format::Tar && o.compression.algorithm != CompressionAlgorithm::None {
        return Err(CliError::fatal(
            "compression is not supported by tar archive format",
        ));
    }
    if o.manifest && (o.format == Format::Plain || o.file.as_deref().is_none_or(|f| f == "-")) {
        return Err(CliError::fatal(
            "option --manifest requires a custom, directory or tar archive written with -f/--file",
        ));
    }
    // Upstream refuses -Fc -j too; tusk writes a custom archive in parallel (format::custom_parallel).
    if !matches!(o.format, Format::Directory | Format::Custom) && o.jobs > 1 {
        return Err(CliError::fatal(
            "parallel backup only supported by the directory format",
        ));
    }
    Ok(Command::Dump(Box::new(o)))
}

/// `-F`: a format's letter or name, in any case.
fn parse_format(format: &str) -> Result<Format, CliError> {
    Ok(match format.to_ascii_lowercase().as_str() {
        "p" | "plain" => Format::Plain,
        "c" | "custom" => Format::Custom,
        "d" | "directory" => Format::Directory,
        "t" | "tar" => Format::Tar,
        _ => {
            return Err(CliError::fatal(format!(
                "invalid output format \"{format}\" specified"
            )));
        }
    })
}

/// `-Z`: upstream's specification parser, messages included. Its warnings are printed here, as
/// pg_dump prints them while it checks its options, before it connects.
fn parse_compression(spec: &str) -> Result<Compression, CliError> {
    let (compression, warnings) =
        tusk_format::parse_compress_spec(spec).map_err(CliError::fatal)?;
    for warning in warnings {
        eprintln!("tusk_dump: warning: {warning}");
    }
    Ok(compression)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Command, CliError> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    fn options(args: &[&str]) -> Options {
        match parse_args(args) {
            Ok(Command::Dump(o)) => *o,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn defaults_follow_upstream() {
        let o = options(&["db"]);
        assert_eq!(o.format, Format::Plain);
        assert_eq!(o.compression, Compression::NONE);
        assert_eq!(o.conn.dbname.as_deref(), Some("db"));
        let o = options(&["-Fc", "-d", "x"]);
        assert_eq!(o.compression, Compression::GZIP_DEFAULT);
    }

    #[test]
    fn compression_specs() {
        assert_eq!(parse_compression("0").unwrap(), Compression::NONE);
        assert_eq!(
            parse_compression("gzip:9").unwrap(),
            Compression {
                level: Some(9),
                ..Compression::GZIP_DEFAULT
            }
        );
        assert_eq!(
            parse_compression("5").unwrap(),
            Compression {
                level: Some(5),
                ..Compression::GZIP_DEFAULT
            }
        );
        assert_eq!(
            parse_compression("zstd:level=19,long").unwrap(),
            Compression {
                algorithm: tusk_format::CompressionAlgorithm::Zstd,
                level: Some(19),
                long: true,
            }
        );
        assert_eq!(
            parse_compression("brotli").unwrap_err().message,
            "unrecognized compression algorithm: \"brotli\""
        );
        assert_eq!(
            parse_compression("lz4:13").unwrap_err().message,
            "invalid compression specification: compression algorithm \"lz4\" expects a \
             compression level between 1 and 12 (default at 0)"
        );
    }

    #[test]
    fn selection_options_keep_their_order() {
        let o = options(&[
            "-n",
            "a",
            "-t",
            "b",
            "--schema=c",
            "-T",
            "d",
            "--exclude-table-data=e",
            "-b",
            "--strict-names",
            "--quote-all-identifiers",
        ]);
        assert_eq!(o.filter.include_schemas, ["a", "c"]);
        assert_eq!(o.filter.include_tables, ["b"]);
        assert_eq!(o.filter.exclude_tables, ["d"]);
        assert_eq!(o.filter.exclude_table_data, ["e"]);
        assert!(o.filter.strict_names && o.quote_all_identifiers);
        assert!(!o.filter.include_everything() && o.filter.large_objects());
        assert!(!options(&["-t", "x"]).filter.large_objects());
        assert!(!options(&["-B"]).filter.large_objects());
        assert!(options(&["-N", "x"]).filter.large_objects());
    }

    #[test]
    fn extension_and_foreign_data_options() {
        let o = options(&[
            "-e",
            "h*",
            "--exclude-extension=cube",
            "--include-foreign-data=srv",
        ]);
        assert_eq!(o.filter.include_extensions, ["h*"]);
        assert_eq!(o.filter.exclude_extensions, ["cube"]);
        assert_eq!(o.filter.include_foreign_data, ["srv"]);
        assert!(!o.filter.include_everything());
        let o = options(&["--no-publications", "--no-subscriptions"]);
        assert!(o.no_publications && o.no_subscriptions && o.filter.include_everything());
        assert_eq!(
            parse_args(&["-s", "--include-foreign-data=srv"])
                .unwrap_err()
                .message,
            "options -s/--schema-only and --include-foreign-data cannot be used together"
        );
        assert_eq!(
            parse_args(&["-Fd", "-j2", "--include-foreign-data=srv"])
                .unwrap_err()
                .message,
            "option --include-foreign-data is not supported with parallel backup"
        );
    }

    #[test]
    fn insert_options_imply_each_other_as_upstream() {
        assert_eq!(options(&["db"]).dump_inserts, 0);
        assert_eq!(options(&["--inserts"]).dump_inserts, 1);
        assert_eq!(options(&["--column-inserts"]).dump_inserts, 1);
        assert_eq!(
            options(&["--rows-per-insert=5", "--inserts"]).dump_inserts,
            5
        );
        assert_eq!(
            options(&["--inserts", "--rows-per-insert=5"]).dump_inserts,
            5
        );
        let o = options(&["--attribute-inserts", "--on-conflict-do-nothing"]);
        assert!(o.column_inserts && o.on_conflict_do_nothing);
        assert_eq!(
            parse_args(&["--on-conflict-do-nothing"])
                .unwrap_err()
                .message,
            "option --on-conflict-do-nothing requires option --inserts, --rows-per-insert, \
             or --column-inserts"
        );
        assert_eq!(
            parse_args(&["--rows-per-insert=0"]).unwrap_err().message,
            "--rows-per-insert must be in range 1..2147483647"
        );
        let o = options(&[
            "-a",
            "--disable-triggers",
            "-S",
            "root",
            "--load-via-partition-root",
        ]);
        assert!(o.disable_triggers && o.load_via_partition_root);
        assert_eq!(o.superuser.as_deref(), Some("root"));
    }

    #[test]
    fn conflicts_are_refused() {
        let err = parse_args(&["-s", "-a"]).unwrap_err();
        assert_eq!(
            err.message,
            "options -s/--schema-only and -a/--data-only cannot be used together"
        );
        let err = parse_args(&["--if-exists"]).unwrap_err();
        assert_eq!(err.message, "option --if-exists requires option -c/--clean");
        let err = parse_args(&["a", "b"]).unwrap_err();
        assert!(err.hint);
        let err = parse_args(&["--bogus"]).unwrap_err();
        assert!(err.from_getopt);
        let err = parse_args(&["--sync-method=fdatasync"]).unwrap_err();
        assert_eq!(err.message, "unrecognized sync method: fdatasync");
        assert!(!err.hint);
        for method in ["fsync", "syncfs"] {
            assert!(parse_args(&["--sync-method", method]).is_ok());
        }
    }
}
