//! Connecting as libpq's `PQconnectPoll` does: each host in turn, each of
//! its addresses in turn, each allowed encryption method in turn, with
//! libpq's error messages; then pg_dump's password-prompt loop on top.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_postgres::config::{ChannelBinding, SslMode as PgSslMode, SslNegotiation};
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::tls::{MakeTlsConnect, NoTls, TlsConnect};
use tokio_postgres::{AsyncMessage, CancelToken, Client};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::env::ProcessEnv;
use crate::error::{Attempt, ConnectError, FailureKind, format_db_error, strerror};
use crate::observe::{Observations, Observed, Phase};
use crate::params::{
    ConnParams, ConnectOptions, HostKind, HostSpec, Password, SslMode, TargetSessionAttrs,
};
use crate::tls::{self, TlsReport, TlsSetupError};

/// pg_dump's prompt (`simple_prompt("Password: ", false)`).
pub const PASSWORD_PROMPT: &str = "Password: ";

/// `sizeof(sun_path)` on Linux; libpq refuses longer socket paths.
const UNIXSOCK_PATH_BUFLEN: usize = 108;

/// Server parameters reported at startup that are kept on the connection.
const REPORTED_PARAMETERS: &[&str] = &[
    "server_version",
    "server_encoding",
    "client_encoding",
    "application_name",
    "default_transaction_read_only",
    "in_hot_standby",
    "is_superuser",
    "session_authorization",
    "DateStyle",
    "IntervalStyle",
    "TimeZone",
    "integer_datetimes",
    "standard_conforming_strings",
    "scram_iterations",
    "search_path",
];

type RustlsConnect = <MakeRustlsConnect as MakeTlsConnect<TcpStream>>::TlsConnect;

/// Receives notices (`NOTICE`, `WARNING`, ...) sent by the server.
#[derive(Clone)]
pub struct NoticeHandler(Arc<dyn Fn(&DbError) + Send + Sync>);

impl NoticeHandler {
    pub fn new(f: impl Fn(&DbError) + Send + Sync + 'static) -> Self {
        NoticeHandler(Arc::new(f))
    }
}

impl fmt::Debug for NoticeHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NoticeHandler")
    }
}

/// Where a connection's socket is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketTarget {
    Tcp(SocketAddr),
    /// A Unix-domain socket file.
    Unix(String),
    /// A Linux abstract-namespace socket (`host=@name`), without the `@`.
    Abstract(String),
}

/// What the connection ended up talking to.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    /// Index of the host entry used in `ConnParams::hosts()`.
    pub host_index: usize,
    pub host: HostSpec,
    pub port: u16,
    pub socket: SocketTarget,
    /// Whether TLS is in use.
    pub tls: bool,
    /// Whether a password was at hand for this connection (given, prompted
    /// or from the password file); tokio-postgres does not report whether
    /// the server actually asked for it.
    pub used_password: bool,
    /// Parameters the server reported at startup (`server_version`,
    /// `standard_conforming_strings`, ...). Later `SET`s are not tracked.
    pub parameters: BTreeMap<String, String>,
}

/// An open connection.
pub struct Connection {
    pub client: Client,
    /// The task driving the connection; it ends when `client` is dropped
    /// or the server goes away.
    pub task: JoinHandle<Result<(), tokio_postgres::Error>>,
    /// The parameters used, with the password that was used (so that
    /// `params.with_dbname(..)` reconnects without prompting again, as
    /// pg_dump reuses its saved password).
    pub params: ConnParams,
    pub server: ServerInfo,
    cancel: CancelHandle,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("params", &self.params)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// What is needed to cancel the running query from elsewhere (Ctrl-C).
    pub fn cancel_token(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// A parameter the server reported at startup.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.server.parameters.get(name).map(String::as_str)
    }

    /// The server version as libpq's `PQserverVersion` computes it
    /// (`150004` for 15.4); `None` if unknown.
    pub fn server_version_num(&self) -> Option<u32> {
        self.parameter("server_version")
            .and_then(parse_server_version)
    }
}

/// Sends a cancel request for a connection: to the same address, with the
/// same TLS choice as the connection itself.
#[derive(Clone)]
pub struct CancelHandle {
    token: CancelToken,
    socket: SocketTarget,
    tls: Option<(Arc<rustls::ClientConfig>, String)>,
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("socket", &self.socket)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl CancelHandle {
    pub fn token(&self) -> &CancelToken {
        &self.token
    }

    pub fn socket(&self) -> &SocketTarget {
        &self.socket
    }

    /// Asks the server to cancel the query in progress. Success says
    /// nothing about whether a query was cancelled, as with `PQcancel`.
    pub async fn cancel(&self) -> std::io::Result<()> {
        let to_io = |e: tokio_postgres::Error| std::io::Error::other(e.to_string());
        match &self.socket {
            SocketTarget::Tcp(addr) => {
                let stream = TcpStream::connect(addr).await?;
                match &self.tls {
                    Some((config, name)) => {
                        let mut make = MakeRustlsConnect::new((**config).clone());
                        let connector =
                            <MakeRustlsConnect as MakeTlsConnect<TcpStream>>::make_tls_connect(
                                &mut make, name,
                            )
                            .unwrap_or_else(|never| match never {});
                        self.token
                            .cancel_query_raw(stream, connector)
                            .await
                            .map_err(to_io)
                    }
                    None => self
                        .token
                        .cancel_query_raw(stream, NoTls)
                        .await
                        .map_err(to_io),
                }
            }
            #[cfg(unix)]
            SocketTarget::Unix(_) | SocketTarget::Abstract(_) => {
                let stream = open_unix(&self.socket)?;
                self.token
                    .cancel_query_raw(stream, NoTls)
                    .await
                    .map_err(to_io)
            }
            #[cfg(not(unix))]
            _ => Err(std::io::Error::other(
                "Unix-domain sockets are not supported",
            )),
        }
    }
}

/// Connects as pg_dump/pg_restore do: with `-W` prompt first; if the server
/// asks for a password that is not known and `-w` was not given, prompt
/// (`Password: ` on the terminal) and connect again.
pub async fn connect(
    params: &ConnParams,
    opts: &ConnectOptions,
) -> Result<Connection, ConnectError> {
    let mut password: Option<Password> = None;
    if opts.force_password {
        password = Some(prompt_password().await?);
    }
    loop {
        let effective = match &password {
            Some(p) => params.with_password(p),
            None => params.clone(),
        };
        match connect_once(&effective, opts).await {
            Err(e) if e.needs_password() && password.is_none() && !opts.no_password => {
                password = Some(prompt_password().await?);
            }
            other => return other,
        }
    }
}

async fn prompt_password() -> Result<Password, ConnectError> {
    tokio::task::spawn_blocking(read_password)
        .await
        .map_err(|e| ConnectError::Prompt(std::io::Error::other(e)))?
}

fn read_password() -> Result<Password, ConnectError> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty");
    let result = if tty.is_ok() {
        drop(tty);
        rpassword::prompt_password(PASSWORD_PROMPT)
    } else {
        // Like simple_prompt: without a terminal, stdin and stderr.
        let config = rpassword::ConfigBuilder::new()
            .input_reader(std::io::stdin())
            .output_writer(std::io::stderr())
            .build();
        rpassword::prompt_password_with_config(PASSWORD_PROMPT, config)
    };
    match result {
        Ok(p) => Ok(Password::new(p)),
        // simple_prompt gives an empty answer at end of input.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(Password::new("")),
        Err(e) => Err(ConnectError::Prompt(e)),
    }
}

/// libpq's `pqParseIntParam`.
fn parse_int_param(value: &str, keyword: &str) -> Result<i32, String> {
    let trimmed =
        value.trim_start_matches(|c: char| c.is_ascii() && crate::conninfo::is_c_space(c as u8));
    let end = trimmed
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(trimmed.len(), |(i, _)| i);
    let (number, rest) = trimmed.split_at(end);
    let rest_ok = rest.bytes().all(crate::conninfo::is_c_space);
    match number.parse::<i32>() {
        Ok(n) if rest_ok => Ok(n),
        _ => Err(format!(
            "invalid integer value \"{value}\" for connection option \"{keyword}\""
        )),
    }
}

/// Socket settings from the keepalive keywords.
#[derive(Debug, Clone, Copy, Default)]
struct SocketSettings {
    keepalives: bool,
    keepalives_idle: Option<i32>,
    keepalives_interval: Option<i32>,
    keepalives_count: Option<i32>,
    tcp_user_timeout: Option<i32>,
}

fn int_keyword(params: &ConnParams, keyword: &str) -> Result<Option<i32>, ConnectError> {
    match params.get(keyword) {
        None => Ok(None),
        Some(v) => parse_int_param(v, keyword)
            .map(Some)
            .map_err(ConnectError::Options),
    }
}

fn socket_settings(params: &ConnParams) -> Result<SocketSettings, ConnectError> {
    Ok(SocketSettings {
        keepalives: int_keyword(params, "keepalives")?.is_none_or(|v| v != 0),
        keepalives_idle: int_keyword(params, "keepalives_idle")?,
        keepalives_interval: int_keyword(params, "keepalives_interval")?,
        keepalives_count: int_keyword(params, "keepalives_count")?,
        tcp_user_timeout: int_keyword(params, "tcp_user_timeout")?,
    })
}

/// A cheap random number for `load_balance_hosts=random`; std's hasher keys
/// are randomly seeded per process.
fn random_index(bound: usize) -> usize {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(bound);
    (h.finish() % (bound as u64).max(1)) as usize
}

fn shuffle<T>(items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, random_index(i + 1));
    }
}

/// How one address attempt ended, when it did not connect.
enum Next {
    Address,
    Host,
    Stop,
}

/// One `PQconnectdbParams` call: no prompting.
async fn connect_once(
    params: &ConnParams,
    opts: &ConnectOptions,
) -> Result<Connection, ConnectError> {
    let timeout = match int_keyword(params, "connect_timeout")? {
        Some(t) if t > 0 => Some(Duration::from_secs(t as u64)),
        _ => None,
    };
    let sockets = socket_settings(params)?;
    let random = params.get("load_balance_hosts") == Some("random");

    let mut order: Vec<usize> = (0..params.hosts().len()).collect();
    if random {
        shuffle(&mut order);
    }

    let target = params.target_session_attrs();
    let passes: &[TargetSessionAttrs] = if target == TargetSessionAttrs::PreferStandby {
        &[TargetSessionAttrs::PreferStandby, TargetSessionAttrs::Any]
    } else {
        std::slice::from_ref(&target)
    };

    let mut attempts = Vec::new();
    for &pass in passes {
        for &index in &order {
            let host = &params.hosts()[index];
            let port = match parse_int_param(host.port_or_default(), "port") {
                Ok(p) => p,
                Err(message) => {
                    attempts.push(untargeted(message, FailureKind::Other));
                    return Err(ConnectError::Failed(attempts));
                }
            };
            let Ok(port) = u16::try_from(port)
                .map_err(drop)
                .and_then(|p| if p == 0 { Err(()) } else { Ok(p) })
            else {
                attempts.push(untargeted(
                    format!("invalid port number: \"{}\"", host.port),
                    FailureKind::Other,
                ));
                continue;
            };

            let mut sockets_to_try = match resolve_host(host, port).await {
                Ok(s) => s,
                Err(attempt) => {
                    attempts.push(attempt);
                    continue;
                }
            };
            if random {
                shuffle(&mut sockets_to_try);
            }

            let password = params
                .password()
                .or_else(|| params.passfile_password(index, &ProcessEnv));
            let ctx = HostContext {
                params,
                opts,
                index,
                host,
                port,
                password: password.as_ref(),
                sockets,
                pass,
            };
            'addresses: for socket in sockets_to_try {
                let attempt = try_address(&ctx, &socket, &mut attempts);
                let outcome = match timeout {
                    Some(t) => match tokio::time::timeout(t, attempt).await {
                        Ok(outcome) => outcome,
                        Err(_) => {
                            attempts.push(Attempt {
                                target: Some(describe_target(host, &socket)),
                                message: "timeout expired".to_owned(),
                                extra: Vec::new(),
                                kind: FailureKind::Socket,
                                db_error: None,
                            });
                            continue 'addresses;
                        }
                    },
                    None => attempt.await,
                };
                match outcome {
                    Ok(connection) => return Ok(connection),
                    Err(Next::Address) => continue 'addresses,
                    Err(Next::Host) => break 'addresses,
                    Err(Next::Stop) => return Err(ConnectError::Failed(attempts)),
                }
            }
        }
    }
    if attempts.is_empty() {
        attempts.push(untargeted(
            "no host to connect to".to_owned(),
            FailureKind::Other,
        ));
    }
    Err(ConnectError::Failed(attempts))
}

fn untargeted(message: String, kind: FailureKind) -> Attempt {
    Attempt {
        target: None,
        message,
        extra: Vec::new(),
        kind,
        db_error: None,
    }
}

/// The address list for one host entry.
async fn resolve_host(host: &HostSpec, port: u16) -> Result<Vec<SocketTarget>, Attempt> {
    match host.kind {
        HostKind::Address => {
            let addr = host.hostaddr.as_deref().unwrap_or("");
            match addr.parse::<IpAddr>() {
                Ok(ip) => Ok(vec![SocketTarget::Tcp(SocketAddr::new(ip, port))]),
                Err(_) => Err(untargeted(
                    format!(
                        "could not parse network address \"{addr}\": Name or service not known"
                    ),
                    FailureKind::Resolve,
                )),
            }
        }
        HostKind::Name => {
            let name = host.host.as_deref().unwrap_or("");
            match tokio::net::lookup_host((name, port)).await {
                Ok(addrs) => {
                    let addrs: Vec<SocketTarget> = addrs.map(SocketTarget::Tcp).collect();
                    if addrs.is_empty() {
                        Err(untargeted(
                            format!(
                                "could not translate host name \"{name}\" to address: Name or service not known"
                            ),
                            FailureKind::Resolve,
                        ))
                    } else {
                        Ok(addrs)
                    }
                }
                Err(e) => {
                    let why = strerror(&e);
                    let why = why
                        .strip_prefix("failed to lookup address information: ")
                        .unwrap_or(&why)
                        .to_owned();
                    Err(untargeted(
                        format!("could not translate host name \"{name}\" to address: {why}"),
                        FailureKind::Resolve,
                    ))
                }
            }
        }
        HostKind::UnixSocket => {
            let dir = host.host.as_deref().unwrap_or("");
            let path = format!("{dir}/.s.PGSQL.{port}");
            if path.len() >= UNIXSOCK_PATH_BUFLEN {
                return Err(untargeted(
                    format!(
                        "Unix-domain socket path \"{path}\" is too long (maximum {} bytes)",
                        UNIXSOCK_PATH_BUFLEN - 1
                    ),
                    FailureKind::Resolve,
                ));
            }
            Ok(vec![match path.strip_prefix('@') {
                Some(name) => SocketTarget::Abstract(name.to_owned()),
                None => SocketTarget::Unix(path),
            }])
        }
    }
}

/// libpq's `emitHostIdentityInfo`.
fn describe_target(host: &HostSpec, socket: &SocketTarget) -> String {
    match socket {
        SocketTarget::Unix(path) => format!("connection to server on socket \"{path}\""),
        SocketTarget::Abstract(name) => format!("connection to server on socket \"@{name}\""),
        SocketTarget::Tcp(addr) => {
            let shown = host.display_host();
            let port = host.port_or_default();
            let ip = addr.ip().to_string();
            if host.kind != HostKind::Address && shown != ip {
                format!("connection to server at \"{shown}\" ({ip}), port {port}")
            } else {
                format!("connection to server at \"{shown}\", port {port}")
            }
        }
    }
}

struct HostContext<'a> {
    params: &'a ConnParams,
    opts: &'a ConnectOptions,
    index: usize,
    host: &'a HostSpec,
    port: u16,
    password: Option<&'a Password>,
    sockets: SocketSettings,
    pass: TargetSessionAttrs,
}

/// The encryption methods libpq tries on one address, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Plain,
    /// TLS if the server accepts it, else plaintext on the same socket.
    PreferTls,
    Tls,
}

fn methods(sslmode: SslMode, socket: &SocketTarget) -> Vec<Method> {
    if !matches!(socket, SocketTarget::Tcp(_)) {
        // Never TLS over Unix-domain sockets.
        return vec![Method::Plain];
    }
    match sslmode {
        SslMode::Disable => vec![Method::Plain],
        SslMode::Allow => vec![Method::Plain, Method::Tls],
        SslMode::Prefer => vec![Method::PreferTls, Method::Plain],
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => vec![Method::Tls],
    }
}

/// Tries one address with each encryption method libpq would allow.
async fn try_address(
    ctx: &HostContext<'_>,
    socket: &SocketTarget,
    attempts: &mut Vec<Attempt>,
) -> Result<Connection, Next> {
    let target = describe_target(ctx.host, socket);
    let methods = methods(ctx.params.sslmode(), socket);
    let mut i = 0;
    while i < methods.len() {
        let method = methods[i];
        i += 1;
        match try_method(ctx, socket, method, &target).await {
            Ok(c) => return Ok(c),
            Err(MethodFailure {
                attempt,
                next,
                tls_used,
            }) => {
                attempts.push(attempt);
                match next {
                    Some(n) => return Err(n),
                    None => {
                        // prefer: plaintext is tried again only if TLS was
                        // actually used in the failed attempt.
                        if method == Method::PreferTls && !tls_used {
                            i += 1;
                        }
                        if i >= methods.len() {
                            return Err(Next::Stop);
                        }
                    }
                }
            }
        }
    }
    Err(Next::Stop)
}

struct MethodFailure {
    attempt: Attempt,
    /// Where to go next; `None` means "the next encryption method, if any".
    next: Option<Next>,
    tls_used: bool,
}

/// The TLS connector given to tokio-postgres: notes whether TLS was
/// started, and reports configuration errors only when the server has
/// accepted TLS, as libpq does.
struct PgTls {
    connector: Option<Result<RustlsConnect, TlsSetupError>>,
    report: Arc<TlsReport>,
    used: Arc<AtomicBool>,
    seen: Arc<Observations>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

// Concrete impls rather than a generic one: the compiler can then see that
// the rustls futures are Send.
macro_rules! pg_tls_for {
    ($stream:ty) => {
        impl TlsConnect<$stream> for PgTls {
            type Stream = Observed<<RustlsConnect as TlsConnect<$stream>>::Stream>;
            type Error = std::io::Error;
            type Future = BoxFuture<Result<Self::Stream, std::io::Error>>;

            fn connect(self, stream: $stream) -> Self::Future {
                self.used.store(true, Ordering::Relaxed);
                match self.connector {
                    Some(Ok(connector)) => {
                        let seen = self.seen;
                        let handshake = connector.connect(stream);
                        Box::pin(async move {
                            let tls = handshake.await?;
                            Ok(Observed::new(tls, Phase::header(), seen))
                        })
                    }
                    Some(Err(e)) => {
                        self.report.record(e.message.clone(), e.hint);
                        Box::pin(std::future::ready(Err(std::io::Error::other(e.message))))
                    }
                    None => Box::pin(std::future::ready(Err(std::io::Error::other(
                        "TLS is not available for this connection",
                    )))),
                }
            }
        }
    };
}

pg_tls_for!(Observed<TcpStream>);
#[cfg(unix)]
pg_tls_for!(Observed<tokio::net::UnixStream>);

async fn try_method(
    ctx: &HostContext<'_>,
    socket: &SocketTarget,
    method: Method,
    target: &str,
) -> Result<Connection, MethodFailure> {
    let params = ctx.params;
    let fail = |message: String, kind: FailureKind, next: Option<Next>| MethodFailure {
        attempt: Attempt {
            target: Some(target.to_owned()),
            message,
            extra: Vec::new(),
            kind,
            db_error: None,
        },
        next,
        tls_used: false,
    };

    let mut config = tokio_postgres::Config::new();
    config.user(params.user());
    config.dbname(params.dbname());
    if let Some(p) = ctx.password {
        config.password(p.as_bytes());
    }
    let options = startup_options(params);
    if !options.is_empty() {
        config.options(&options);
    }
    if let Some(app) = params.effective_application_name() {
        config.application_name(app);
    }
    config.channel_binding(match params.get("channel_binding") {
        Some("disable") => ChannelBinding::Disable,
        Some("require") => ChannelBinding::Require,
        _ => ChannelBinding::Prefer,
    });
    config.ssl_negotiation(if params.get("sslnegotiation") == Some("direct") {
        SslNegotiation::Direct
    } else {
        SslNegotiation::Postgres
    });
    config.ssl_mode(match method {
        Method::Plain => PgSslMode::Disable,
        Method::PreferTls => PgSslMode::Prefer,
        Method::Tls => PgSslMode::Require,
    });

    let (tls_setup, report) = if method == Method::Plain {
        (None, Arc::new(TlsReport::default()))
    } else {
        let setup = tls::setup(params, ctx.host);
        (Some(setup.config), setup.report)
    };
    let server_name = tls_server_name(ctx.host, socket);
    let connector = tls_setup.as_ref().map(|c| match c {
        Ok(config) => {
            let mut make = MakeRustlsConnect::new((**config).clone());
            match <MakeRustlsConnect as MakeTlsConnect<TcpStream>>::make_tls_connect(
                &mut make,
                &server_name,
            ) {
                Ok(c) => Ok(c),
                Err(never) => match never {},
            }
        }
        Err(e) => Err(e.clone()),
    });
    let used = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Observations::default());
    let pg_tls = PgTls {
        connector,
        report: Arc::clone(&report),
        used: Arc::clone(&used),
        seen: Arc::clone(&seen),
    };
    // The plaintext scanner: TLS streams get their own (see PgTls).
    let raw_phase = match method {
        Method::Plain => Phase::header(),
        _ if params.get("sslnegotiation") == Some("direct") => Phase::Off,
        Method::PreferTls | Method::Tls => Phase::Negotiation,
    };

    let established = match socket {
        SocketTarget::Tcp(addr) => match open_tcp(*addr, &ctx.sockets).await {
            Ok(stream) => {
                let stream = Observed::new(stream, raw_phase, Arc::clone(&seen));
                handshake(stream, pg_tls, &config, ctx.opts).await
            }
            Err(e) => {
                let mut f = fail(strerror(&e), FailureKind::Socket, Some(Next::Address));
                f.attempt.extra.push(
                    "\tIs the server running on that host and accepting TCP/IP connections?"
                        .to_owned(),
                );
                return Err(f);
            }
        },
        #[cfg(unix)]
        SocketTarget::Unix(_) | SocketTarget::Abstract(_) => {
            if params.get("requirepeer").is_some_and(|v| !v.is_empty()) {
                return Err(fail(
                    "requirepeer parameter is not supported on this platform".to_owned(),
                    FailureKind::Other,
                    Some(Next::Stop),
                ));
            }
            match open_unix(socket) {
                Ok(stream) => {
                    let stream = Observed::new(stream, raw_phase, Arc::clone(&seen));
                    handshake(stream, pg_tls, &config, ctx.opts).await
                }
                Err(e) => {
                    let mut f = fail(strerror(&e), FailureKind::Socket, Some(Next::Address));
                    f.attempt.extra.push(
                        "\tIs the server running locally and accepting connections on that socket?"
                            .to_owned(),
                    );
                    return Err(f);
                }
            }
        }
        #[cfg(not(unix))]
        _ => {
            return Err(fail(
                "Unix-domain sockets are not supported on this platform".to_owned(),
                FailureKind::Socket,
                Some(Next::Address),
            ));
        }
    };
    let tls_used = used.load(Ordering::Relaxed);

    let (client, task, parameters, token) = match established {
        Ok(e) => e,
        Err(e) => {
            let authenticated = seen.auth_ok();
            let mut failure = classify(&e, &report, method, &seen);
            failure.tls_used = tls_used;
            if failure.attempt.target.is_none() {
                failure.attempt.target = Some(target.to_owned());
            }
            if failure.attempt.db_error.as_deref().map(DbError::code)
                == Some(&SqlState::INVALID_PASSWORD)
                && !authenticated
                && ctx.password.is_some()
                && params.password().is_none()
            {
                if let Some(file) = params.passfile() {
                    failure.attempt.extra.push(format!(
                        "password retrieved from file \"{}\"",
                        file.display()
                    ));
                }
            }
            return Err(failure);
        }
    };

    if params.get("sslcertmode") == Some("require") {
        let message = if !report.cert_requested.load(Ordering::Relaxed) {
            Some("server did not request an SSL certificate")
        } else if !report.cert_sent.load(Ordering::Relaxed) {
            Some("server accepted connection without a valid SSL certificate")
        } else {
            None
        };
        if let Some(m) = message {
            return Err(fail(m.to_owned(), FailureKind::Tls, Some(Next::Stop)));
        }
    }

    if let Err(message) = check_session(&client, &parameters, ctx.pass).await {
        return Err(fail(message, FailureKind::SessionAttrs, Some(Next::Host)));
    }

    let tls_for_cancel = if tls_used {
        tls_setup
            .and_then(Result::ok)
            .map(|config| (config, server_name.clone()))
    } else {
        None
    };
    let used_params = match ctx.password {
        Some(p) => params.with_password(p),
        None => params.clone(),
    };
    Ok(Connection {
        client,
        task,
        params: used_params,
        server: ServerInfo {
            host_index: ctx.index,
            host: ctx.host.clone(),
            port: ctx.port,
            socket: socket.clone(),
            tls: tls_used,
            used_password: ctx.password.is_some(),
            parameters,
        },
        cancel: CancelHandle {
            token,
            socket: socket.clone(),
            tls: tls_for_cancel,
        },
    })
}

/// The name given to rustls: the host name when it is a valid one (sent as
/// SNI unless it is an IP address), else the peer address, which rustls
/// always accepts. Verification does not depend on it.
fn tls_server_name(host: &HostSpec, socket: &SocketTarget) -> String {
    use rustls::pki_types::ServerName;
    if let Some(name) = host
        .host
        .as_deref()
        .filter(|h| !h.is_empty() && ServerName::try_from(*h).is_ok())
    {
        return name.to_owned();
    }
    match socket {
        SocketTarget::Tcp(addr) => addr.ip().to_string(),
        _ => "localhost".to_owned(),
    }
}

/// `options` plus the settings libpq sends from `PGDATESTYLE` and friends,
/// as `-c name=value` with backslash-escaped spaces.
fn startup_options(params: &ConnParams) -> String {
    let mut options = params.get("options").unwrap_or("").to_owned();
    for (name, value) in params.startup_settings() {
        let mut escaped = String::new();
        for c in value.chars() {
            if c == '\\' || c.is_whitespace() {
                escaped.push('\\');
            }
            escaped.push(c);
        }
        if !options.is_empty() {
            options.push(' ');
        }
        options.push_str(&format!("-c {name}={escaped}"));
    }
    options
}

async fn open_tcp(addr: SocketAddr, settings: &SocketSettings) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let sock = socket2::SockRef::from(&stream);
    if settings.keepalives {
        let mut keepalive = socket2::TcpKeepalive::new();
        if let Some(idle) = settings.keepalives_idle.filter(|v| *v > 0) {
            keepalive = keepalive.with_time(Duration::from_secs(idle as u64));
        }
        #[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
        {
            if let Some(interval) = settings.keepalives_interval.filter(|v| *v > 0) {
                keepalive = keepalive.with_interval(Duration::from_secs(interval as u64));
            }
            if let Some(count) = settings.keepalives_count.filter(|v| *v > 0) {
                keepalive = keepalive.with_retries(count as u32);
            }
        }
        sock.set_tcp_keepalive(&keepalive)?;
    }
    #[cfg(target_os = "linux")]
    if let Some(ms) = settings.tcp_user_timeout.filter(|v| *v > 0) {
        sock.set_tcp_user_timeout(Some(Duration::from_millis(ms as u64)))?;
    }
    Ok(stream)
}

#[cfg(unix)]
fn open_unix(socket: &SocketTarget) -> std::io::Result<tokio::net::UnixStream> {
    let std_stream = match socket {
        SocketTarget::Unix(path) => std::os::unix::net::UnixStream::connect(path)?,
        #[cfg(target_os = "linux")]
        SocketTarget::Abstract(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            std::os::unix::net::UnixStream::connect_addr(&addr)?
        }
        _ => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "abstract Unix-domain sockets are not supported on this platform",
            ));
        }
    };
    std_stream.set_nonblocking(true)?;
    tokio::net::UnixStream::from_std(std_stream)
}

type Established = (
    Client,
    JoinHandle<Result<(), tokio_postgres::Error>>,
    BTreeMap<String, String>,
    CancelToken,
);

/// Startup and authentication on an open socket, then the task that drives
/// the connection.
async fn handshake<S>(
    stream: S,
    tls: PgTls,
    config: &tokio_postgres::Config,
    opts: &ConnectOptions,
) -> Result<Established, tokio_postgres::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    PgTls: TlsConnect<S>,
    <PgTls as TlsConnect<S>>::Stream: Send + 'static,
{
    let (client, mut connection) = config.connect_raw(stream, tls).await?;
    let mut parameters = BTreeMap::new();
    for name in REPORTED_PARAMETERS {
        if let Some(v) = connection.parameter(name) {
            parameters.insert((*name).to_owned(), v.to_owned());
        }
    }
    let token = client.cancel_token();
    let on_notice = opts.on_notice.clone();
    let task = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notice(notice))) => {
                    if let Some(handler) = &on_notice {
                        (handler.0)(&notice);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            }
        }
    });
    Ok((client, task, parameters, token))
}

/// Turns a tokio-postgres startup error into libpq's wording and decides
/// whether the next method, address or host is worth trying.
fn classify(
    e: &tokio_postgres::Error,
    report: &TlsReport,
    method: Method,
    seen: &Observations,
) -> MethodFailure {
    let authenticated = seen.auth_ok();
    use std::error::Error as _;
    let make = |message: String, kind: FailureKind, next: Option<Next>| MethodFailure {
        attempt: Attempt {
            target: None,
            message,
            extra: Vec::new(),
            kind,
            db_error: None,
        },
        next,
        tls_used: false,
    };

    if let Some(db) = e.as_db_error() {
        let (message, extra) = format_db_error(db);
        // After authentication libpq gives up at once; before it, "the
        // database system is starting up" moves on to the next host and
        // anything else to the next encryption method.
        let next = if authenticated {
            Some(Next::Stop)
        } else if db.code() == &SqlState::CANNOT_CONNECT_NOW {
            Some(Next::Host)
        } else {
            None
        };
        let mut f = make(message, FailureKind::Server, next);
        f.attempt.extra = extra;
        f.attempt.db_error = Some(Box::new(db.clone()));
        return f;
    }

    let source = e.source().map(|s| s.to_string()).unwrap_or_default();
    let display = e.to_string();

    if display == "invalid configuration" && source == "password missing" {
        return make(
            "fe_sendauth: no password supplied".to_owned(),
            FailureKind::NoPassword,
            Some(Next::Stop),
        );
    }

    if let Some((message, hint)) = report.take_failure() {
        let mut f = make(message, FailureKind::Tls, None);
        f.attempt.extra.extend(hint.map(str::to_owned));
        return f;
    }

    // Something other than a PostgreSQL server answered.
    match seen.negotiation() {
        Some(b'S' | b'N') | None => {}
        Some(b'E') => {
            return make(
                "server sent an error response during SSL exchange".to_owned(),
                FailureKind::Other,
                Some(Next::Stop),
            );
        }
        Some(other) => {
            return make(
                format!(
                    "received invalid response to SSL negotiation: {}",
                    char::from(other)
                ),
                FailureKind::Other,
                Some(Next::Stop),
            );
        }
    }
    if let Some(first) = seen.first_message() {
        if !matches!(first, b'R' | b'E' | b'v') {
            return make(
                format!(
                    "expected authentication request from server, but received {}",
                    char::from(first)
                ),
                FailureKind::Other,
                Some(Next::Stop),
            );
        }
    }

    if display == "error performing TLS handshake" {
        if source == "server does not support TLS" && method == Method::Tls {
            return make(
                "server does not support SSL, but SSL was required".to_owned(),
                FailureKind::Tls,
                None,
            );
        }
        return make(format!("SSL error: {source}"), FailureKind::Tls, None);
    }

    if display == "authentication error" {
        let message = match source.as_str() {
            "server did not use channel binding" => {
                "channel binding required, but server authenticated client without channel binding"
                    .to_owned()
            }
            "unsupported SASL mechanism" => {
                "none of the server's SASL authentication mechanisms are supported".to_owned()
            }
            "unsupported authentication method" => {
                "authentication method requested by the server is not supported".to_owned()
            }
            other => other.to_owned(),
        };
        return make(message, FailureKind::Other, Some(Next::Stop));
    }

    let closed = e.is_closed()
        || e.source()
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof);
    if closed {
        let mut f = make(
            "server closed the connection unexpectedly".to_owned(),
            FailureKind::Other,
            authenticated.then_some(Next::Stop),
        );
        f.attempt.extra = vec![
            "\tThis probably means the server terminated abnormally".to_owned(),
            "\tbefore or while processing the request.".to_owned(),
        ];
        return f;
    }

    if let Some(io) = e.source().and_then(|s| s.downcast_ref::<std::io::Error>()) {
        return make(strerror(io), FailureKind::Other, None);
    }
    let message = if source.is_empty() {
        display
    } else {
        format!("{display}: {source}")
    };
    make(message, FailureKind::Other, None)
}

/// `target_session_attrs`, checked as libpq does: from the parameters the
/// server reports, else by asking.
async fn check_session(
    client: &Client,
    parameters: &BTreeMap<String, String>,
    target: TargetSessionAttrs,
) -> Result<(), String> {
    let reported = |name: &str| parameters.get(name).map(|v| v == "on");
    match target {
        TargetSessionAttrs::Any => Ok(()),
        TargetSessionAttrs::ReadWrite | TargetSessionAttrs::ReadOnly => {
            let read_only = match (
                reported("default_transaction_read_only"),
                reported("in_hot_standby"),
            ) {
                (Some(a), Some(b)) => a || b,
                _ => query_flag(client, "SHOW transaction_read_only", "on").await?,
            };
            match (target, read_only) {
                (TargetSessionAttrs::ReadWrite, true) => Err("session is read-only".to_owned()),
                (TargetSessionAttrs::ReadOnly, false) => Err("session is not read-only".to_owned()),
                _ => Ok(()),
            }
        }
        TargetSessionAttrs::Primary
        | TargetSessionAttrs::Standby
        | TargetSessionAttrs::PreferStandby => {
            let standby = match reported("in_hot_standby") {
                Some(s) => s,
                None => query_flag(client, "SELECT pg_catalog.pg_is_in_recovery()", "t").await?,
            };
            match (target, standby) {
                (TargetSessionAttrs::Primary, true) => {
                    Err("server is in hot standby mode".to_owned())
                }
                (TargetSessionAttrs::Standby | TargetSessionAttrs::PreferStandby, false) => {
                    Err("server is not in hot standby mode".to_owned())
                }
                _ => Ok(()),
            }
        }
    }
}

async fn query_flag(client: &Client, sql: &str, yes: &str) -> Result<bool, String> {
    let failed = || format!("\"{sql}\" failed");
    let messages = client.simple_query(sql).await.map_err(|_| failed())?;
    for m in messages {
        if let tokio_postgres::SimpleQueryMessage::Row(row) = m {
            return Ok(row.get(0).is_some_and(|v| v.starts_with(yes)));
        }
    }
    Err(failed())
}

/// libpq's conversion of `server_version` to a number.
pub(crate) fn parse_server_version(v: &str) -> Option<u32> {
    fn number(s: &str) -> Option<(u32, &str)> {
        let s = s.trim_start();
        let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        s[..end].parse().ok().map(|n| (n, &s[end..]))
    }
    let (major, rest) = number(v)?;
    let second = rest.strip_prefix('.').and_then(number);
    let third = second.and_then(|(_, r)| r.strip_prefix('.').and_then(number));
    Some(match (second, third) {
        (Some((minor, _)), Some((rev, _))) => (100 * major + minor) * 100 + rev,
        (Some((minor, _)), None) if major >= 10 => 100 * 100 * major + minor,
        (Some((minor, _)), None) => (100 * major + minor) * 100,
        (None, _) => 100 * 100 * major,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_versions() {
        let cases = [
            ("15.4 (Debian 15.4-1.pgdg120+1)", Some(150004)),
            ("18.0", Some(180000)),
            ("17beta1", Some(170000)),
            ("9.6.24", Some(90624)),
            ("9.6devel", Some(90600)),
            ("10devel", Some(100000)),
            ("garbage", None),
        ];
        for (v, want) in cases {
            assert_eq!(parse_server_version(v), want, "{v}");
        }
    }

    #[test]
    fn int_params() {
        assert_eq!(parse_int_param("10", "x"), Ok(10));
        assert_eq!(parse_int_param("  10  ", "x"), Ok(10));
        assert_eq!(parse_int_param("-1", "x"), Ok(-1));
        assert_eq!(
            parse_int_param("10s", "connect_timeout"),
            Err(
                "invalid integer value \"10s\" for connection option \"connect_timeout\""
                    .to_owned()
            )
        );
        assert!(parse_int_param("", "x").is_err());
        assert!(parse_int_param("99999999999", "x").is_err());
    }

    #[test]
    fn encryption_methods_follow_sslmode() {
        let tcp = SocketTarget::Tcp("127.0.0.1:5432".parse().unwrap());
        let unix = SocketTarget::Unix("/tmp/.s.PGSQL.5432".to_owned());
        assert_eq!(methods(SslMode::Disable, &tcp), [Method::Plain]);
        assert_eq!(methods(SslMode::Allow, &tcp), [Method::Plain, Method::Tls]);
        assert_eq!(
            methods(SslMode::Prefer, &tcp),
            [Method::PreferTls, Method::Plain]
        );
        assert_eq!(methods(SslMode::Require, &tcp), [Method::Tls]);
        assert_eq!(methods(SslMode::VerifyFull, &tcp), [Method::Tls]);
        assert_eq!(methods(SslMode::VerifyFull, &unix), [Method::Plain]);
    }

    #[test]
    fn target_descriptions() {
        let name = HostSpec {
            host: Some("localhost".into()),
            hostaddr: None,
            port: String::new(),
            kind: HostKind::Name,
        };
        let v4 = SocketTarget::Tcp("127.0.0.1:5432".parse().unwrap());
        assert_eq!(
            describe_target(&name, &v4),
            "connection to server at \"localhost\" (127.0.0.1), port 5432"
        );
        let ip = HostSpec {
            host: Some("127.0.0.1".into()),
            hostaddr: None,
            port: "5999".into(),
            kind: HostKind::Name,
        };
        let v4b = SocketTarget::Tcp("127.0.0.1:5999".parse().unwrap());
        assert_eq!(
            describe_target(&ip, &v4b),
            "connection to server at \"127.0.0.1\", port 5999"
        );
        let addr = HostSpec {
            host: Some("db.example".into()),
            hostaddr: Some("127.0.0.1".into()),
            port: "5999".into(),
            kind: HostKind::Address,
        };
        assert_eq!(
            describe_target(&addr, &v4b),
            "connection to server at \"127.0.0.1\", port 5999"
        );
        let unix = SocketTarget::Unix("/tmp/.s.PGSQL.5432".into());
        assert_eq!(
            describe_target(&name, &unix),
            "connection to server on socket \"/tmp/.s.PGSQL.5432\""
        );
    }
}
