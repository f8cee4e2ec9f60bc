//! Typed errors of the dump engine. The binary turns them into pg_dump-like messages.

use tusk_format::script::ScriptError;

#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("{0}")]
    Connect(#[from] tusk_connect::ConnectError),
    /// A catalog or data query failed; `action` says what tusk was doing.
    #[error("{action}: {}", tusk_connect::describe_db_error(.source))]
    Query {
        action: String,
        #[source]
        source: tokio_postgres::Error,
    },
    /// A statement failed where pg_dump dies with "query failed:" (ExecuteSqlStatement); the
    /// statement is kept for the "Query was:" detail line.
    #[error("query failed: {}", tusk_connect::describe_db_error_in(.source, .statement))]
    Statement {
        statement: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error(transparent)]
    Output(#[from] tusk_format::output::OutputError),
    #[error("could not write to output file: {}", tusk_format::output::strerror(.0))]
    Write(#[source] std::io::Error),
    #[error(transparent)]
    Archive(#[from] tusk_format::FormatError),
    #[error("{0}")]
    Script(#[from] ScriptError),
    /// The catalog answered something tusk did not expect (a NULL or a type it cannot read).
    #[error("{0}")]
    Catalog(String),
    #[error("{0}")]
    Unsupported(String),
    /// A parallel worker could not lock its table (parallel.c's message).
    #[error(
        "could not obtain lock on relation \"{0}\"\nThis usually means that someone requested an \
         ACCESS EXCLUSIVE lock on the table after the pg_dump parent process had gotten the \
         initial ACCESS SHARE lock on the table."
    )]
    WorkerLock(String),
    /// A selection pattern that is malformed or, as the options demand, matched nothing.
    #[error("{0}")]
    Selection(String),
}

impl DumpError {
    /// The detail line upstream prints after the error, if any.
    pub fn detail(&self) -> Option<String> {
        match self {
            DumpError::Statement { statement, .. } => Some(format!("Query was: {statement}")),
            _ => None,
        }
    }

    /// Wraps a query error with what was being done, for `map_err`.
    pub fn query(action: &str) -> impl FnOnce(tokio_postgres::Error) -> DumpError + '_ {
        move |source| DumpError::Query {
            action: action.to_owned(),
            source,
        }
    }
}
