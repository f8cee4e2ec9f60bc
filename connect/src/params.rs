//! Resolving command-line options, the `-d` conninfo/URI, the service file,
//! `PG*` variables and compiled-in defaults into final connection
//! parameters, following `PQconnectdbParams(..., expand_dbname=1)`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::conninfo::{is_connection_string, parse_connection_string, quote_conninfo_value};
use crate::env::Env;
use crate::error::ConnectError;
use crate::keywords::{self, KEYWORDS, Options};
use crate::pgpass;
use crate::service;

/// The port libpq uses when none is given.
pub const DEFAULT_PORT: u16 = 5432;

/// Connection-related command-line options as pg_dump/pg_restore take them.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `-d`: a database name, or a conninfo string or URI (libpq treats it
    /// as one if it contains `=` or starts with a URI prefix).
    pub dbname: Option<String>,
    /// `-h`
    pub host: Option<String>,
    /// `-p`
    pub port: Option<String>,
    /// `-U`
    pub username: Option<String>,
    /// `-w`: never prompt for a password.
    pub no_password: bool,
    /// `-W`: prompt for a password before connecting.
    pub force_password: bool,
    /// `fallback_application_name`, set by the tool (e.g. `pg_dump`); used
    /// only if `application_name` is not otherwise set.
    pub application_name: Option<String>,
    /// Receives server notices (`NOTICE`, `WARNING`...) arriving on the
    /// connection. Without one, notices are dropped.
    pub on_notice: Option<crate::connect::NoticeHandler>,
}

/// A password. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Vec<u8>);

impl Password {
    pub fn new(p: impl Into<String>) -> Self {
        Password(p.into().into_bytes())
    }

    pub fn from_bytes(p: Vec<u8>) -> Self {
        Password(p)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Where a keyword's final value came from, highest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueSource {
    /// A command-line option (`-h`, `-p`, `-U`, the plain `-d` name, the
    /// tool's fallback application name, a prompted password).
    CommandLine,
    /// The expanded `-d` conninfo string or URI.
    ConnString,
    /// The connection service file.
    Service,
    /// A `PG*` environment variable.
    Environment,
    /// libpq's compiled-in default (or the OS user name).
    Default,
}

/// `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// `target_session_attrs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetSessionAttrs {
    Any,
    ReadWrite,
    ReadOnly,
    Primary,
    Standby,
    PreferStandby,
}

impl TargetSessionAttrs {
    fn parse(s: &str) -> Option<TargetSessionAttrs> {
        Some(match s {
            "any" => TargetSessionAttrs::Any,
            "read-write" => TargetSessionAttrs::ReadWrite,
            "read-only" => TargetSessionAttrs::ReadOnly,
            "primary" => TargetSessionAttrs::Primary,
            "standby" => TargetSessionAttrs::Standby,
            "prefer-standby" => TargetSessionAttrs::PreferStandby,
            _ => return None,
        })
    }
}

/// How a host entry is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// A name to resolve.
    Name,
    /// A numeric address from `hostaddr`.
    Address,
    /// A Unix-domain socket directory (or `@` abstract namespace).
    UnixSocket,
}

/// One entry of the host list (libpq's `pg_conn_host`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    /// The `host` element: a name, or a socket directory; `None` when only
    /// `hostaddr` was given for this slot.
    pub host: Option<String>,
    /// The `hostaddr` element, if any.
    pub hostaddr: Option<String>,
    /// The port as written; empty means 5432.
    pub port: String,
    pub kind: HostKind,
}

impl HostSpec {
    /// The port text used for display and password-file matching.
    pub fn port_or_default(&self) -> &str {
        if self.port.is_empty() {
            "5432"
        } else {
            &self.port
        }
    }

    /// What libpq shows for this host: the address if `hostaddr` was
    /// given, else the host.
    pub fn display_host(&self) -> &str {
        match self.kind {
            HostKind::Address => self.hostaddr.as_deref().unwrap_or(""),
            _ => self.host.as_deref().unwrap_or(""),
        }
    }
}

/// libpq's `is_unixsock_path`.
pub fn is_unix_socket_path(host: &str) -> bool {
    host.starts_with('/') || host.starts_with('@')
}

/// The final connection parameters: every libpq keyword's value after
/// precedence and defaults, plus what libpq derives from them (the host
/// list, the user and database defaults). `Debug` never shows passwords.
#[derive(Clone)]
pub struct ConnParams {
    options: Options,
    sources: Vec<Option<ValueSource>>,
    hosts: Vec<HostSpec>,
    user: String,
    dbname: String,
    sslmode: SslMode,
    target_session_attrs: TargetSessionAttrs,
    home: Option<PathBuf>,
    default_socket_dir: String,
    passfile: Option<PathBuf>,
    startup_settings: Vec<(String, String)>,
}

impl fmt::Debug for ConnParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnParams")
            .field("options", &self.options)
            .field("hosts", &self.hosts)
            .field("user", &self.user)
            .field("dbname", &self.dbname)
            .field("sslmode", &self.sslmode)
            .field("passfile", &self.passfile)
            .finish_non_exhaustive()
    }
}

/// Resolves the options against the environment the way libpq's
/// `PQconnectdbParams(keywords, values, expand_dbname=1)` does when called
/// by pg_dump's `ConnectDatabase`.
pub fn resolve(opts: &ConnectOptions, env: &dyn Env) -> Result<ConnParams, ConnectError> {
    // pg_dump's keyword order. The expanded -d string comes after -h/-p/-U,
    // so what it sets overrides them.
    let entries: [(&str, Option<&str>); 5] = [
        ("host", opts.host.as_deref()),
        ("port", opts.port.as_deref()),
        ("user", opts.username.as_deref()),
        ("dbname", opts.dbname.as_deref()),
        (
            "fallback_application_name",
            opts.application_name.as_deref(),
        ),
    ];
    let (options, sources) = array_parse(&entries)?;
    ConnParams::finish(options, sources, env)
}

/// Resolves the options the way pg_dumpall's `ConnectDatabase` builds its keywords: the `-d`
/// string's settings first (its dbname dropped: pg_dumpall connects to many databases), then
/// `-h`/`-p`/`-U`, which override them, then `dbname` (`opts.dbname`, the database to connect
/// to), then the fallback application name.
pub fn resolve_cluster(
    connstr: Option<&str>,
    opts: &ConnectOptions,
    env: &dyn Env,
) -> Result<ConnParams, ConnectError> {
    let given = match connstr.filter(|s| !s.is_empty()) {
        Some(s) => parse_connection_string(s).map_err(ConnectError::Options)?,
        None => Options::new(),
    };
    let mut entries: Vec<(&str, Option<&str>)> = given
        .iter()
        .filter(|(kw, v)| kw.name != "dbname" && v.is_some_and(|v| !v.is_empty()))
        .map(|(kw, v)| (kw.name, v))
        .collect();
    entries.extend([
        ("host", opts.host.as_deref()),
        ("port", opts.port.as_deref()),
        ("user", opts.username.as_deref()),
        ("dbname", opts.dbname.as_deref()),
        (
            "fallback_application_name",
            opts.application_name.as_deref(),
        ),
    ]);
    let (options, sources) = array_parse(&entries)?;
    ConnParams::finish(options, sources, env)
}

fn array_parse(
    entries: &[(&str, Option<&str>)],
) -> Result<(Options, Vec<Option<ValueSource>>), ConnectError> {
    // Only the first dbname is expanded, as in conninfo_array_parse.
    let mut expanded = None;
    if let Some((_, Some(value))) = entries.iter().find(|(k, _)| *k == "dbname") {
        if is_connection_string(value) {
            expanded = Some(parse_connection_string(value).map_err(ConnectError::Options)?);
        }
    }

    let mut options = Options::new();
    let mut sources = vec![None; KEYWORDS.len()];
    for (keyword, value) in entries {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            continue;
        };
        let Some(index) = keywords::index(keyword) else {
            return Err(ConnectError::Options(format!(
                "invalid connection option \"{keyword}\""
            )));
        };
        let parsed = if *keyword == "dbname" {
            expanded.take()
        } else {
            None
        };
        if let Some(parsed) = parsed {
            for (i, (_, v)) in parsed.iter().enumerate() {
                if let Some(v) = v {
                    options.set_index(i, Some(v.to_owned()));
                    sources[i] = Some(ValueSource::ConnString);
                }
            }
            continue;
        }
        options.set_index(index, Some(value.to_owned()));
        sources[index] = Some(ValueSource::CommandLine);
    }
    Ok((options, sources))
}

fn mark_new(options: &Options, sources: &mut [Option<ValueSource>], source: ValueSource) {
    for (i, s) in sources.iter_mut().enumerate() {
        if s.is_none() && options.get_index(i).is_some() {
            *s = Some(source);
        }
    }
}

/// libpq's `conninfo_add_defaults`.
fn add_defaults(
    options: &mut Options,
    sources: &mut [Option<ValueSource>],
    env: &dyn Env,
) -> Result<(), ConnectError> {
    service::apply_service(options, env).map_err(ConnectError::Options)?;
    mark_new(options, sources, ValueSource::Service);

    let mut sslmode_defaulted = false;
    for (i, kw) in KEYWORDS.iter().enumerate() {
        if options.get_index(i).is_some() {
            continue;
        }
        if let Some(value) = kw.envvar.and_then(|var| env.var(var)) {
            options.set_index(i, Some(value));
            sources[i] = Some(ValueSource::Environment);
            continue;
        }
        if kw.name == "sslmode" {
            // The deprecated PGREQUIRESSL, which PGSSLMODE overrides.
            if env.var("PGREQUIRESSL").is_some_and(|v| v.starts_with('1')) {
                options.set_index(i, Some("require".to_owned()));
                sources[i] = Some(ValueSource::Environment);
                continue;
            }
            sslmode_defaulted = true;
        }
        if let Some(compiled) = kw.compiled {
            options.set_index(i, Some(compiled.to_owned()));
            sources[i] = Some(ValueSource::Default);
            continue;
        }
        if kw.name == "user" {
            if let Ok(user) = env.os_user() {
                options.set_index(i, Some(user));
                sources[i] = Some(ValueSource::Default);
            }
        }
    }

    // sslrootcert=system strengthens the default sslmode.
    if sslmode_defaulted && options.get("sslrootcert") == Some("system") {
        options.set("sslmode", "verify-full");
    }
    Ok(())
}

fn count_elements(s: &str) -> usize {
    s.split(',').count()
}

fn invalid_value(keyword: &str, value: &str) -> ConnectError {
    ConnectError::Options(format!("invalid {keyword} value: \"{value}\""))
}

fn is_ssl_protocol_version(v: &str) -> bool {
    v.is_empty()
        || ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
            .iter()
            .any(|known| known.eq_ignore_ascii_case(v))
}

/// libpq's `sslVerifyProtocolRange`, on already validated values.
fn ssl_protocol_range_ok(min: &str, max: &str) -> bool {
    if min.is_empty() || max.is_empty() || min.eq_ignore_ascii_case("TLSv1") {
        return true;
    }
    if max.eq_ignore_ascii_case("TLSv1") {
        return false;
    }
    min.to_ascii_lowercase() <= max.to_ascii_lowercase()
}

fn parse_protocol_version(keyword: &str, value: &str) -> Result<(u16, u16), ConnectError> {
    match value {
        "latest" | "3.2" => Ok((3, 2)),
        "3.0" => Ok((3, 0)),
        _ => Err(invalid_value(keyword, value)),
    }
}

impl ConnParams {
    /// libpq's defaults and `pqConnectOptions2`: derives the host list,
    /// default user and database, and validates enumerated values.
    fn finish(
        mut options: Options,
        mut sources: Vec<Option<ValueSource>>,
        env: &dyn Env,
    ) -> Result<ConnParams, ConnectError> {
        add_defaults(&mut options, &mut sources, env)?;
        let default_socket_dir = env.default_socket_dir();
        let hosts = build_hosts(&options, &default_socket_dir)?;

        let user = match options.get("user").filter(|u| !u.is_empty()) {
            Some(u) => u.to_owned(),
            None => env.os_user().map_err(|e| {
                ConnectError::Options(format!("could not look up local user name: {e}"))
            })?,
        };
        let dbname = match options.get("dbname").filter(|d| !d.is_empty()) {
            Some(d) => d.to_owned(),
            None => user.clone(),
        };

        let home = env.home_dir();
        let passfile = match options.get("passfile").filter(|p| !p.is_empty()) {
            Some(p) => Some(PathBuf::from(p)),
            None => home.as_ref().map(|h| h.join(pgpass::PGPASSFILE)),
        };

        let (sslmode, target_session_attrs) = validate(&options)?;

        // libpq sends these variables as startup parameters.
        let mut startup_settings = Vec::new();
        for (var, setting) in [
            ("PGDATESTYLE", "datestyle"),
            ("PGTZ", "timezone"),
            ("PGGEQO", "geqo"),
        ] {
            if let Some(v) = env.var(var).filter(|v| !v.eq_ignore_ascii_case("default")) {
                startup_settings.push((setting.to_owned(), v));
            }
        }

        Ok(ConnParams {
            options,
            sources,
            hosts,
            user,
            dbname,
            sslmode,
            target_session_attrs,
            home,
            default_socket_dir,
            passfile,
            startup_settings,
        })
    }

    /// A keyword's final value (`None` if unset; passwords included).
    pub fn get(&self, keyword: &str) -> Option<&str> {
        self.options.get(keyword)
    }

    /// Where a keyword's value came from.
    pub fn source(&self, keyword: &str) -> Option<ValueSource> {
        keywords::index(keyword).and_then(|i| self.sources[i])
    }

    /// The hosts to try, in order.
    pub fn hosts(&self) -> &[HostSpec] {
        &self.hosts
    }

    /// The user name sent to the server.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The database name sent to the server.
    pub fn dbname(&self) -> &str {
        &self.dbname
    }

    pub fn sslmode(&self) -> SslMode {
        self.sslmode
    }

    pub fn target_session_attrs(&self) -> TargetSessionAttrs {
        self.target_session_attrs
    }

    /// The explicit password (`password=`, URI, `PGPASSWORD`, prompt).
    pub fn password(&self) -> Option<Password> {
        self.options
            .get("password")
            .filter(|p| !p.is_empty())
            .map(Password::new)
    }

    /// The password file consulted when no password is given.
    pub fn passfile(&self) -> Option<&Path> {
        self.passfile.as_deref()
    }

    /// The home directory, where `~/.postgresql/` files are looked for.
    pub fn home_dir(&self) -> Option<&Path> {
        self.home.as_deref()
    }

    /// The compiled-in socket directory in effect.
    pub fn default_socket_dir(&self) -> &str {
        &self.default_socket_dir
    }

    /// `application_name`, else `fallback_application_name`: what libpq
    /// sends.
    pub fn effective_application_name(&self) -> Option<&str> {
        self.get("application_name")
            .filter(|v| !v.is_empty())
            .or_else(|| {
                self.get("fallback_application_name")
                    .filter(|v| !v.is_empty())
            })
    }

    /// Server settings libpq sends at startup from `PGDATESTYLE`, `PGTZ`
    /// and `PGGEQO`.
    pub fn startup_settings(&self) -> &[(String, String)] {
        &self.startup_settings
    }

    /// The same connection to a different database on the same server, as
    /// pg_restore `--create` and parallel workers need: like libpq given a
    /// later, unexpanded `dbname` keyword. Call it on `Connection::params`
    /// to carry over the password that worked, and connect with
    /// `no_password` set: pg_dump never prompts when reconnecting.
    pub fn with_dbname(&self, dbname: &str) -> ConnParams {
        let mut p = self.clone();
        if let Some(i) = keywords::index("dbname") {
            p.options.set_index(i, Some(dbname.to_owned()));
            p.sources[i] = Some(ValueSource::CommandLine);
        }
        p.dbname = if dbname.is_empty() {
            p.user.clone()
        } else {
            dbname.to_owned()
        };
        p
    }

    /// The parameters with a password given as pg_dump gives a prompted
    /// one: as a keyword placed before the expanded `-d` string, so a
    /// password written in that string still wins.
    pub fn with_password(&self, password: &Password) -> ConnParams {
        let mut p = self.clone();
        if self.source("password") == Some(ValueSource::ConnString) {
            return p;
        }
        if let Some(i) = keywords::index("password") {
            let value = String::from_utf8_lossy(password.as_bytes()).into_owned();
            if value.is_empty() {
                // Empty keyword values are skipped by libpq.
                return p;
            }
            p.options.set_index(i, Some(value));
            p.sources[i] = Some(ValueSource::CommandLine);
        }
        p
    }

    /// The password from the password file for host slot `index`, as
    /// libpq looks it up; `None` if an explicit password is set, since
    /// libpq then never reads the file.
    pub fn passfile_password(&self, index: usize, env: &dyn Env) -> Option<Password> {
        if self.password().is_some() {
            return None;
        }
        let host = self.hosts.get(index)?;
        let path = self.passfile.as_ref()?;
        let pw_host = host
            .host
            .as_deref()
            .filter(|h| !h.is_empty())
            .or(host.hostaddr.as_deref())
            .unwrap_or("");
        let key = pgpass::Lookup {
            host: pw_host,
            port: &host.port,
            dbname: &self.dbname,
            user: &self.user,
            default_socket_dir: &self.default_socket_dir,
        };
        pgpass::lookup(path, &key, &mut |m| env.warn(m))
    }

    /// A conninfo string of the explicitly set keywords, without any
    /// password, for messages and for handing to other tools.
    pub fn to_conninfo(&self) -> String {
        let mut parts = Vec::new();
        for (i, (kw, value)) in self.options.iter().enumerate() {
            let Some(value) = value else { continue };
            if kw.secret || value.is_empty() {
                continue;
            }
            if matches!(self.sources[i], Some(ValueSource::Default)) {
                continue;
            }
            parts.push(format!("{}={}", kw.name, quote_conninfo_value(value)));
        }
        parts.join(" ")
    }
}

/// The host-list part of `pqConnectOptions2`.
fn build_hosts(options: &Options, default_socket_dir: &str) -> Result<Vec<HostSpec>, ConnectError> {
    let hostaddr = options.get("hostaddr").filter(|v| !v.is_empty());
    let host = options.get("host").filter(|v| !v.is_empty());

    let n = match (hostaddr, host) {
        (Some(a), _) => count_elements(a),
        (None, Some(h)) => count_elements(h),
        (None, None) => 1,
    };

    let addrs: Vec<Option<String>> = match hostaddr {
        Some(a) => a.split(',').map(|s| Some(s.to_owned())).collect(),
        None => vec![None; n],
    };
    let names: Vec<Option<String>> = match host {
        Some(h) => {
            let names: Vec<Option<String>> = h.split(',').map(|s| Some(s.to_owned())).collect();
            if names.len() != n {
                return Err(ConnectError::Options(format!(
                    "could not match {} host names to {} hostaddr values",
                    names.len(),
                    n
                )));
            }
            names
        }
        None => vec![None; n],
    };

    let ports: Vec<String> = match options.get("port").filter(|v| !v.is_empty()) {
        Some(p) => {
            let ports: Vec<String> = p.split(',').map(str::to_owned).collect();
            if ports.len() == 1 {
                vec![ports[0].clone(); n]
            } else if ports.len() == n {
                ports
            } else {
                return Err(ConnectError::Options(format!(
                    "could not match {} port numbers to {} hosts",
                    ports.len(),
                    n
                )));
            }
        }
        None => vec![String::new(); n],
    };

    let mut hosts = Vec::with_capacity(n);
    for ((addr, name), port) in addrs.into_iter().zip(names).zip(ports) {
        let addr = addr.filter(|a| !a.is_empty());
        let name = name.filter(|h| !h.is_empty());
        let (host, kind) = match (&addr, name) {
            (Some(_), name) => (name, HostKind::Address),
            (None, Some(name)) => {
                let kind = if is_unix_socket_path(&name) {
                    HostKind::UnixSocket
                } else {
                    HostKind::Name
                };
                (Some(name), kind)
            }
            (None, None) => (Some(default_socket_dir.to_owned()), HostKind::UnixSocket),
        };
        hosts.push(HostSpec {
            host,
            hostaddr: addr,
            port,
            kind,
        });
    }
    Ok(hosts)
}

/// The value checks of `pqConnectOptions2`, in libpq's order, plus refusals
/// for settings this client cannot honour (failing beats silently
/// weakening a security setting).
fn validate(options: &Options) -> Result<(SslMode, TargetSessionAttrs), ConnectError> {
    if let Some(v) = options.get("require_auth").filter(|v| !v.is_empty()) {
        return Err(ConnectError::Options(format!(
            "require_auth is not supported (require_auth=\"{v}\")"
        )));
    }

    if let Some(v) = options
        .get("channel_binding")
        .filter(|v| !matches!(*v, "disable" | "prefer" | "require"))
    {
        return Err(invalid_value("channel_binding", v));
    }

    let sslmode = match options.get("sslmode") {
        Some(v) => SslMode::parse(v).ok_or_else(|| invalid_value("sslmode", v))?,
        None => SslMode::Prefer,
    };

    if let Some(v) = options.get("sslnegotiation") {
        if !matches!(v, "postgres" | "direct") {
            return Err(invalid_value("sslnegotiation", v));
        }
        if v == "direct"
            && !matches!(
                sslmode,
                SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull
            )
        {
            return Err(ConnectError::Options(format!(
                "weak sslmode \"{}\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")",
                sslmode.as_str()
            )));
        }
    }

    if options.get("sslrootcert") == Some("system") && sslmode != SslMode::VerifyFull {
        return Err(ConnectError::Options(format!(
            "weak sslmode \"{}\" may not be used with sslrootcert=system (use \"verify-full\")",
            sslmode.as_str()
        )));
    }

    let min = options.get("ssl_min_protocol_version").unwrap_or("");
    let max = options.get("ssl_max_protocol_version").unwrap_or("");
    for (keyword, value) in [
        ("ssl_min_protocol_version", min),
        ("ssl_max_protocol_version", max),
    ] {
        if !is_ssl_protocol_version(value) {
            return Err(ConnectError::Options(format!(
                "invalid \"{keyword}\" value: \"{value}\""
            )));
        }
    }
    if !ssl_protocol_range_ok(min, max) {
        return Err(ConnectError::Options(
            "invalid SSL protocol version range".to_owned(),
        ));
    }

    if let Some(v) = options
        .get("sslcertmode")
        .filter(|v| !matches!(*v, "disable" | "allow" | "require"))
    {
        return Err(invalid_value("sslcertmode", v));
    }

    if let Some(v) = options.get("gssencmode") {
        if !matches!(v, "disable" | "prefer" | "require") {
            return Err(invalid_value("gssencmode", v));
        }
        if v == "require" {
            return Err(ConnectError::Options(format!(
                "gssencmode value \"{v}\" invalid when GSSAPI support is not compiled in"
            )));
        }
    }

    let target = match options.get("target_session_attrs") {
        Some(v) => {
            TargetSessionAttrs::parse(v).ok_or_else(|| invalid_value("target_session_attrs", v))?
        }
        None => TargetSessionAttrs::Any,
    };

    for keyword in ["scram_client_key", "scram_server_key"] {
        if options.get(keyword).is_some() {
            return Err(ConnectError::Options(format!("{keyword} is not supported")));
        }
    }

    if let Some(v) = options
        .get("load_balance_hosts")
        .filter(|v| !matches!(*v, "disable" | "random"))
    {
        return Err(invalid_value("load_balance_hosts", v));
    }

    let min_proto = match options.get("min_protocol_version") {
        Some(v) => parse_protocol_version("min_protocol_version", v)?,
        None => (3, 0),
    };
    let max_proto = match options.get("max_protocol_version") {
        Some(v) => parse_protocol_version("max_protocol_version", v)?,
        None if min_proto > (3, 0) => (3, 2),
        None => (3, 0),
    };
    if min_proto > max_proto {
        return Err(ConnectError::Options(
            "\"min_protocol_version\" is greater than \"max_protocol_version\"".to_owned(),
        ));
    }
    if min_proto > (3, 0) {
        return Err(ConnectError::Options(format!(
            "min_protocol_version \"{}\" is not supported: only protocol 3.0 is",
            options.get("min_protocol_version").unwrap_or("")
        )));
    }

    let replication = options.get("replication").unwrap_or("");
    if !replication.is_empty()
        && !matches!(
            replication.to_ascii_lowercase().as_str(),
            "0" | "off" | "false" | "no"
        )
    {
        return Err(ConnectError::Options(
            "replication connections are not supported".to_owned(),
        ));
    }

    Ok((sslmode, target))
}
