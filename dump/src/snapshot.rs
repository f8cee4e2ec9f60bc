//! The leader connection's session: pg_dump's `setup_connection` settings, one transaction
//! with a consistent snapshot, the exported snapshot id for worker connections, and the
//! ACCESS SHARE locks that keep dumped tables from changing shape under us.

use std::sync::Arc;

use tokio::runtime::Runtime;
use tusk_connect::{ConnectOptions, Session};
use tusk_format::quote::qualified;

use crate::catalog::Relation;
use crate::cli::Options;
use crate::error::DumpError;

/// Session settings before the transaction starts (pg_dump's `setup_connection`).
pub fn setup(session: &Session, opts: &Options, server_version: i32) -> Result<(), DumpError> {
    let mut sql = vec!["SELECT pg_catalog.set_config('search_path', '', false)".to_owned()];
    if let Some(role) = &opts.role {
        sql.push(format!("SET ROLE {}", tusk_format::quote::ident(role)));
    }
    sql.push("SET DATESTYLE = ISO".to_owned());
    sql.push("SET INTERVALSTYLE = POSTGRES".to_owned());
    sql.push(format!(
        "SET extra_float_digits TO {}",
        opts.extra_float_digits.unwrap_or(3)
    ));
    sql.push("SET synchronize_seqscans TO off".to_owned());
    sql.push("SET statement_timeout = 0".to_owned());
    sql.push("SET lock_timeout = 0".to_owned());
    sql.push("SET idle_in_transaction_session_timeout = 0".to_owned());
    if server_version >= 170000 {
        sql.push("SET transaction_timeout = 0".to_owned());
    }
    if opts.quote_all_identifiers {
        sql.push("SET quote_all_identifiers = true".to_owned());
    }
    sql.push(format!(
        "SET row_security = {}",
        if opts.enable_row_security {
            "on"
        } else {
            "off"
        }
    ));
    // CVE-2024-7348: refuse to follow views and foreign tables while dumping.
    sql.push(restrict_relation_kind("view, foreign-table"));
    // One simple-query round trip for all of them.
    session
        .execute(&sql.join(";\n"))
        .map_err(DumpError::query("setting up the session"))
}

/// `set_restrict_relation_kind`: sets `restrict_nonsystem_relation_kind` where the server
/// knows it (minor releases from August 2024 on), and does nothing elsewhere.
pub fn restrict_relation_kind(value: &str) -> String {
    format!(
        "SELECT pg_catalog.set_config(name, {}, false) FROM pg_catalog.pg_settings \
         WHERE name = 'restrict_nonsystem_relation_kind'",
        tusk_format::quote::literal(value, true)
    )
}

/// Begins the dump transaction and exports its snapshot for worker connections.
pub fn begin(session: &Session, opts: &Options) -> Result<String, DumpError> {
    let isolation = if opts.serializable_deferrable {
        "SERIALIZABLE, READ ONLY, DEFERRABLE"
    } else {
        "REPEATABLE READ, READ ONLY"
    };
    session
        .execute(&format!(
            "BEGIN; SET TRANSACTION ISOLATION LEVEL {isolation}"
        ))
        .map_err(DumpError::query("starting the dump transaction"))?;
    let rows = session
        .query("SELECT pg_catalog.pg_export_snapshot()")
        .map_err(DumpError::query("exporting the snapshot"))?;
    Ok(rows
        .first()
        .and_then(|r| r.try_get::<_, String>(0).ok())
        .unwrap_or_default())
}

/// Opens one parallel worker's session: connected as the leader is (its password included, as
/// pg_dump reuses its saved one), set up as the leader was, in the leader's snapshot.
pub fn connect_worker(
    rt: &Arc<Runtime>,
    leader: &Session,
    conn_opts: &ConnectOptions,
    opts: &Options,
    server_version: i32,
    snapshot_id: &str,
) -> Result<Session, DumpError> {
    let conn_opts = ConnectOptions {
        force_password: false,
        ..conn_opts.clone()
    };
    let session = Session::connect(Arc::clone(rt), &leader.connection().params, &conn_opts)?;
    setup(&session, opts, server_version)?;
    begin_worker(&session, snapshot_id)?;
    Ok(session)
}

/// Begins a worker's transaction in the leader's exported snapshot. Like pg_dump, a worker
/// uses REPEATABLE READ even under --serializable-deferrable: the snapshot was taken in the
/// leader's serializable deferrable transaction, which gives the guarantees.
pub fn begin_worker(session: &Session, snapshot_id: &str) -> Result<(), DumpError> {
    session
        .execute(&format!(
            "BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; \
             SET TRANSACTION SNAPSHOT {}",
            tusk_format::quote::literal(snapshot_id, true)
        ))
        .map_err(DumpError::query("starting a worker's transaction"))
}

/// A worker's lock on the table it is about to dump (pg_dump's lockTableForWorker): NOWAIT, so
/// that a worker queued behind an ACCESS EXCLUSIVE request made after the leader's lock fails
/// instead of deadlocking with it.
pub fn lock_for_worker(session: &Session, table: &Relation) -> Result<(), DumpError> {
    let name = qualified(&table.schema, &table.name);
    session
        .execute(&format!("LOCK TABLE {name} IN ACCESS SHARE MODE NOWAIT"))
        .map_err(|_| DumpError::WorkerLock(name))
}

/// Takes ACCESS SHARE locks on the tables to dump.
pub fn lock_tables(
    session: &Session,
    opts: &Options,
    tables: &[&Relation],
) -> Result<(), DumpError> {
    if let Some(timeout) = &opts.lock_wait_timeout {
        session
            .execute(&format!(
                "SET statement_timeout = {}",
                tusk_format::quote::literal(timeout, true)
            ))
            .map_err(DumpError::query("setting the lock wait timeout"))?;
    }
    // One statement for all of them: a round trip per batch would make the number of
    // statements grow with the number of tables.
    if !tables.is_empty() {
        let names: Vec<String> = tables
            .iter()
            .map(|r| qualified(&r.schema, &r.name))
            .collect();
        session
            .execute(&format!(
                "LOCK TABLE {} IN ACCESS SHARE MODE",
                names.join(", ")
            ))
            .map_err(DumpError::query("locking the tables to dump"))?;
    }
    if opts.lock_wait_timeout.is_some() {
        session
            .execute("SET statement_timeout = 0")
            .map_err(DumpError::query("setting the lock wait timeout"))?;
    }
    Ok(())
}
