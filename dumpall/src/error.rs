//! What ends a tusk_dumpall run. The binary prints pg_dumpall-like messages from them.

use tusk_dump::error::DumpError;

#[derive(Debug, thiserror::Error)]
pub enum DumpallError {
    /// Connecting, a catalog query, the output: worded as tusk_dump words them.
    #[error(transparent)]
    Dump(#[from] DumpError),
    /// The dump of one database failed; pg_dumpall stops there.
    #[error("tusk_dump failed on database \"{dbname}\", exiting")]
    Database {
        dbname: String,
        #[source]
        source: DumpError,
    },
    /// The role memberships cannot be put in an order the server accepts.
    #[error("could not find a legal dump ordering for memberships in role \"{0}\"")]
    MembershipOrder(String),
    #[error("could not parse ACL list ({acl}) for {kind} \"{name}\"")]
    Acl {
        acl: String,
        kind: &'static str,
        name: String,
    },
}

impl From<tusk_connect::ConnectError> for DumpallError {
    fn from(e: tusk_connect::ConnectError) -> Self {
        DumpallError::Dump(DumpError::Connect(e))
    }
}

impl From<tusk_format::output::OutputError> for DumpallError {
    fn from(e: tusk_format::output::OutputError) -> Self {
        DumpallError::Dump(DumpError::Output(e))
    }
}
