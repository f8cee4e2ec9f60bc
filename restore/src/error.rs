//! Typed errors of the restore engine; the binary words them like pg_restore.

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Open(#[from] tusk_format::archive::OpenError),
    #[error(transparent)]
    Archive(#[from] tusk_format::FormatError),
    #[error("{0}")]
    Connect(#[from] tusk_connect::ConnectError),
    #[error(transparent)]
    Output(#[from] tusk_format::output::OutputError),
    #[error("{0}")]
    Script(#[from] tusk_format::script::ScriptError),
    #[error("could not write output: {0}")]
    Write(#[from] std::io::Error),
    #[error(transparent)]
    NameNotFound(#[from] tusk_format::select::NameNotFound),
    /// A fatal condition worded as pg_restore words it (bad list file, missing entry).
    #[error("{0}")]
    Fatal(String),
}
