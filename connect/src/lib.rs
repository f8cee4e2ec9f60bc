//! Connecting to PostgreSQL the way libpq does for pg_dump and pg_restore.
//!
//! [`resolve`] turns the command-line options (`-d`, `-h`, `-p`, `-U`) into
//! final connection parameters with libpq's precedence: the expanded `-d`
//! conninfo/URI overrides `-h`/`-p`/`-U` (pg_dump passes it after them),
//! then the service file, then `PG*` variables, then compiled-in defaults.
//! [`connect`] then tries hosts, addresses and encryption methods as
//! `PQconnectPoll` does, reads `.pgpass`, prompts for a password like
//! pg_dump, and reports failures in libpq's words.

mod connect;
mod conninfo;
mod dberror;
mod env;
mod error;
pub mod getopt;
pub mod interrupt;
mod keywords;
mod observe;
mod params;
mod pgpass;
pub mod rate;
mod service;
mod session;
mod tls;

pub use connect::{
    CancelHandle, Connection, NoticeHandler, PASSWORD_PROMPT, ServerInfo, SocketTarget, connect,
};
pub use conninfo::{is_connection_string, quote_conninfo_value};
pub use dberror::{describe_db_error, describe_db_error_in};
pub use env::{Env, ProcessEnv};
pub use error::{Attempt, ConnectError, FailureKind};
pub use keywords::{KEYWORDS, Keyword};
pub use params::{
    ConnParams, ConnectOptions, DEFAULT_PORT, HostKind, HostSpec, Password, SslMode,
    TargetSessionAttrs, ValueSource, is_unix_socket_path, resolve, resolve_cluster,
};
pub use service::DEFAULT_SYSCONFDIR;
pub use session::{CopyIn, Session};

#[cfg(test)]
mod tests;
