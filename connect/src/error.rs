//! Connection errors that read like libpq's, so that binaries can print
//! `tusk_dump: error: <message>` where pg_dump prints
//! `pg_dump: error: <message>`.

use std::fmt;

use tokio_postgres::error::{DbError, SqlState};

/// What kind of failure an attempt met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A host name or address could not be resolved or parsed.
    Resolve,
    /// The socket could not be opened (refused, unreachable, timeout).
    Socket,
    /// The server needs a password and none was available.
    NoPassword,
    /// The TLS handshake or its configuration failed.
    Tls,
    /// The server answered with an error.
    Server,
    /// The session did not meet `target_session_attrs`.
    SessionAttrs,
    /// Anything else (protocol errors, a closed connection...).
    Other,
}

/// One failed attempt, as one entry of libpq's error message.
#[derive(Debug)]
pub struct Attempt {
    /// `connection to server at "h" (addr), port p` or
    /// `connection to server on socket "path"`; `None` for failures
    /// before a server was chosen (a name that does not resolve).
    pub target: Option<String>,
    /// libpq's text for the failure (`Connection refused`,
    /// `FATAL:  database "x" does not exist`...).
    pub message: String,
    /// Lines libpq prints after the message (hints, DETAIL, HINT).
    pub extra: Vec<String>,
    pub kind: FailureKind,
    /// The server's error, when it sent one.
    pub db_error: Option<Box<DbError>>,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Some(t) => write!(f, "{t} failed: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why resolving options or connecting failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Invalid or inconsistent connection options; libpq's message.
    #[error("{0}")]
    Options(String),
    /// No server could be connected to. Display is one line: each attempt
    /// in libpq's wording, joined by `; `.
    #[error("{}", join_attempts(.0))]
    Failed(Vec<Attempt>),
    /// The password prompt could not be shown or read.
    #[error("could not read password: {0}")]
    Prompt(#[source] std::io::Error),
    /// The runtime that drives a connection could not be started (out of file descriptors).
    #[error("could not start the connection's runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

fn join_attempts(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ConnectError {
    /// The message exactly as libpq would build it, over several lines
    /// (with its hints, DETAIL and HINT lines), without a final newline.
    pub fn libpq_message(&self) -> String {
        match self {
            ConnectError::Failed(attempts) => {
                let mut lines = Vec::new();
                for a in attempts {
                    lines.push(a.to_string());
                    lines.extend(a.extra.iter().cloned());
                }
                lines.join("\n")
            }
            other => other.to_string(),
        }
    }

    /// The attempts, for a `Failed` error.
    pub fn attempts(&self) -> &[Attempt] {
        match self {
            ConnectError::Failed(a) => a,
            _ => &[],
        }
    }

    /// The last error the server sent, if any.
    pub fn db_error(&self) -> Option<&DbError> {
        self.attempts()
            .iter()
            .rev()
            .find_map(|a| a.db_error.as_deref())
    }

    /// The SQLSTATE of the server's last error.
    pub fn code(&self) -> Option<&SqlState> {
        self.db_error().map(DbError::code)
    }

    /// True when the server wanted a password and none was available
    /// (libpq's `PQconnectionNeedsPassword`).
    pub fn needs_password(&self) -> bool {
        self.attempts()
            .last()
            .is_some_and(|a| a.kind == FailureKind::NoPassword)
    }
}

/// An OS error's text as C's `strerror` gives it (Rust appends
/// ` (os error N)`).
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) if e.raw_os_error().is_some() => text[..i].to_owned(),
        _ => text,
    }
}

/// A server error in libpq's default verbosity: `SEVERITY:  message`, then
/// DETAIL and HINT lines.
pub(crate) fn format_db_error(db: &DbError) -> (String, Vec<String>) {
    let first = format!("{}:  {}", db.severity(), db.message());
    let mut extra = Vec::new();
    if let Some(d) = db.detail() {
        extra.push(format!("DETAIL:  {d}"));
    }
    if let Some(h) = db.hint() {
        extra.push(format!("HINT:  {h}"));
    }
    (first, extra)
}
