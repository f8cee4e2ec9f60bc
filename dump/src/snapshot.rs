//! The leader connection's session: pg_dump's `setup_connection` settings, one transaction
//! with a consistent snapshot, the exported snapshot id for worker connections, and the
//! ACCESS SHARE locks that keep dumped tables from changing shape under us.

use tusk_connect::{ConnParams, ConnectOptions, Session};
use tusk_format::quote::qualified;

use crate::catalog::Relation;
use crate::cli::Options;
use crate::error::DumpError;

/// Session settings before the transaction starts (pg_dump's `setup_connection`).
pub fn setup(session: &Session, opts: &Options, server_version: i32) -> Result<(), DumpError> {
    let search_path = "SELECT pg_catalog.set_config('search_path', '', false)".to_owned();
    let mut sql = Vec::new();
    // SET ROLE is the one setting that fails on what the user typed (a role that does not
    // exist): on its own, its failure names it as pg_dump's does; the rest go in one round
    // trip.
    if let Some(role) = &opts.role {
        statement(session, search_path)?;
        statement(
            session,
            format!("SET ROLE {}", tusk_format::quote::ident(role)),
        )?;
    } else {
        sql.push(search_path);
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

/// Whether the server is a hot standby (pg_dump asks right after connecting): there, unlogged
/// tables' data cannot be read.
pub fn is_standby(session: &Session) -> Result<bool, DumpError> {
    let sql = "SELECT pg_catalog.pg_is_in_recovery()";
    let rows = session.query(sql).map_err(failed(sql))?;
    Ok(rows
        .first()
        .and_then(|r| r.try_get::<_, bool>(0).ok())
        .unwrap_or(false))
}

/// Begins the dump transaction, in the snapshot named by `--snapshot` if any. Returns the
/// snapshot the workers are to use: that one, or with `-j` more than 1 one exported here, as
/// pg_dump exports only when there are workers to share it with.
pub fn begin(session: &Session, opts: &Options) -> Result<Option<String>, DumpError> {
    let isolation = if opts.serializable_deferrable {
        "SERIALIZABLE, READ ONLY, DEFERRABLE"
    } else {
        "REPEATABLE READ, READ ONLY"
    };
    start_transaction(session, isolation, opts.snapshot.as_deref())?;
    if opts.snapshot.is_some() {
        return Ok(opts.snapshot.clone());
    }
    if opts.jobs <= 1 {
        return Ok(None);
    }
    export(session).map(Some)
}

/// `pg_export_snapshot()`: the transaction's snapshot, for other sessions to read in.
pub fn export(session: &Session) -> Result<String, DumpError> {
    let sql = "SELECT pg_catalog.pg_export_snapshot()";
    let rows = session.query(sql).map_err(failed(sql))?;
    rows.first()
        .and_then(|r| r.try_get::<_, String>(0).ok())
        .ok_or_else(|| DumpError::Catalog(format!("{sql} returned no snapshot")))
}

/// pg_dump's transaction start: BEGIN, the isolation level and the snapshot, each its own
/// statement, so that a failure names the statement that failed as upstream's does.
fn start_transaction(
    session: &Session,
    isolation: &str,
    snapshot: Option<&str>,
) -> Result<(), DumpError> {
    statement(session, "BEGIN".to_owned())?;
    statement(
        session,
        format!("SET TRANSACTION ISOLATION LEVEL {isolation}"),
    )?;
    if let Some(id) = snapshot {
        statement(
            session,
            format!(
                "SET TRANSACTION SNAPSHOT {}",
                tusk_format::quote::literal(id, true)
            ),
        )?;
    }
    Ok(())
}

/// Runs one statement as pg_dump's ExecuteSqlStatement does: a failure is "query failed", with
/// the statement for the detail line.
fn statement(session: &Session, sql: String) -> Result<(), DumpError> {
    session.execute(&sql).map_err(failed(&sql))
}

fn failed(sql: &str) -> impl FnOnce(tokio_postgres::Error) -> DumpError + '_ {
    move |source| DumpError::Statement {
        statement: sql.to_owned(),
        source,
    }
}

/// Opens one parallel worker's session: connected as the leader is (its password included, as
/// pg_dump reuses its saved one), set up as the leader was, in the leader's snapshot.
pub fn connect_worker(
    params: &ConnParams,
    conn_opts: &ConnectOptions,
    opts: &Options,
    server_version: i32,
    snapshot_id: &str,
) -> Result<Session, DumpError> {
    let conn_opts = ConnectOptions {
        force_password: false,
        ..conn_opts.clone()
    };
    let session = Session::connect(params, &conn_opts)?;
    setup(&session, opts, server_version)?;
    begin_worker(&session, snapshot_id)?;
    Ok(session)
}

/// Begins a worker's transaction in the leader's snapshot. Like pg_dump, a worker uses
/// REPEATABLE READ even under --serializable-deferrable: the snapshot was taken in the
/// leader's serializable deferrable transaction, which gives the guarantees.
pub fn begin_worker(session: &Session, snapshot_id: &str) -> Result<(), DumpError> {
    start_transaction(session, "REPEATABLE READ, READ ONLY", Some(snapshot_id))
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

/// Statements of pg_dump's lock batches end once they reach this length.
const LOCK_BATCH_LEN: usize = 100_000;

/// Takes ACCESS SHARE locks on the tables to dump, in pg_dump's batches (a statement ends once
/// it reaches [`LOCK_BATCH_LEN`]), under `--lock-wait-timeout` as a statement timeout.
pub fn lock_tables(
    session: &Session,
    opts: &Options,
    tables: &[&Relation],
) -> Result<(), DumpError> {
    if let Some(timeout) = &opts.lock_wait_timeout {
        statement(
            session,
            format!(
                "SET statement_timeout = {}",
                tusk_format::quote::literal(timeout, true)
            ),
        )?;
    }
    for batch in lock_batches(tables, LOCK_BATCH_LEN) {
        statement(session, batch)?;
    }
    if opts.lock_wait_timeout.is_some() {
        statement(session, "SET statement_timeout = 0".to_owned())?;
    }
    Ok(())
}

/// The LOCK TABLE statements for `tables`: a statement takes names until it is `max_len` long.
fn lock_batches(tables: &[&Relation], max_len: usize) -> Vec<String> {
    let mut batches = Vec::new();
    let mut sql = String::new();
    for table in tables {
        let name = qualified(&table.schema, &table.name);
        if sql.is_empty() {
            sql = format!("LOCK TABLE {name}");
            continue;
        }
        sql.push_str(", ");
        sql.push_str(&name);
        if sql.len() >= max_len {
            batches.push(std::mem::take(&mut sql) + " IN ACCESS SHARE MODE");
        }
    }
    if !sql.is_empty() {
        batches.push(sql + " IN ACCESS SHARE MODE");
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> Relation {
        Relation {
            schema: "public".to_owned(),
            name: name.to_owned(),
            ..Relation::default()
        }
    }

    #[test]
    fn lock_batches_end_once_they_reach_the_limit() {
        let tables = [table("a"), table("b"), table("c"), table("d")];
        let refs: Vec<&Relation> = tables.iter().collect();
        assert_eq!(
            lock_batches(&refs, LOCK_BATCH_LEN),
            ["LOCK TABLE public.a, public.b, public.c, public.d IN ACCESS SHARE MODE"]
        );
        // "LOCK TABLE public.a, public.b" is 29 characters: the batch ends there, as
        // pg_dump's does, after a name that takes it to the limit.
        assert_eq!(
            lock_batches(&refs, 29),
            [
                "LOCK TABLE public.a, public.b IN ACCESS SHARE MODE",
                "LOCK TABLE public.c, public.d IN ACCESS SHARE MODE"
            ]
        );
        assert!(lock_batches(&[], LOCK_BATCH_LEN).is_empty());
    }
}
