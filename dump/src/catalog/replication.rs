//! Publications, what they publish, and subscriptions, read as pg_dump's getPublications,
//! getPublicationTables, getPublicationNamespaces and getSubscriptions read them.

use tokio_postgres::Client;

use super::{get, text_array};
use crate::error::DumpError;

/// `pg_publication`.
#[derive(Debug, Clone, Default)]
pub struct Publication {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub all_tables: bool,
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
    pub via_root: bool,
    /// `pubgencols` is 's' (18 and later).
    pub generated_stored: bool,
}

/// A table of a publication (`pg_publication_rel`).
#[derive(Debug, Clone, Default)]
pub struct PublicationTable {
    pub oid: u32,
    pub publication: u32,
    pub table: u32,
    /// The row filter (`pg_get_expr(prqual)`), 15 and later.
    pub row_filter: Option<String>,
    /// The published columns when not all are, 15 and later.
    pub columns: Option<Vec<String>>,
}

/// A schema of a publication (`pg_publication_namespace`, 15 and later).
#[derive(Debug, Clone, Default)]
pub struct PublicationSchema {
    pub oid: u32,
    pub publication: u32,
    pub namespace: u32,
}

/// Everything published, empty with `--no-publications`.
#[derive(Debug, Clone, Default)]
pub struct Publications {
    /// In OID order.
    pub publications: Vec<Publication>,
    pub tables: Vec<PublicationTable>,
    pub schemas: Vec<PublicationSchema>,
}

impl Publications {
    pub fn publication(&self, oid: u32) -> Option<&Publication> {
        self.publications
            .binary_search_by_key(&oid, |p| p.oid)
            .ok()
            .map(|i| &self.publications[i])
    }
}

/// `pg_subscription`, of the current database.
#[derive(Debug, Clone, Default)]
pub struct Subscription {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub conninfo: String,
    pub slot_name: Option<String>,
    pub synchronous_commit: String,
    pub publications: Vec<String>,
    pub binary: bool,
    /// `substream`: 't' on, 'p' parallel, 'f' off.
    pub stream: u8,
    /// `subtwophasestate`: 'd' when disabled.
    pub two_phase: u8,
    pub disable_on_error: bool,
    pub password_required: bool,
    pub run_as_owner: bool,
    pub failover: bool,
    pub origin: String,
}

/// Reads the publications and what they publish.
pub async fn load_publications(
    client: &Client,
    server_version: i32,
) -> Result<Publications, DumpError> {
    let gencols = if server_version >= 180000 {
        "p.pubgencols = 's'"
    } else {
        "false"
    };
    let sql = format!(
        "SELECT p.oid, p.pubname::text, pg_catalog.pg_get_userbyid(p.pubowner)::text, \
                p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, \
                p.pubviaroot, {gencols} \
         FROM pg_catalog.pg_publication p ORDER BY p.oid"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading publications"))?;
    let publications = rows
        .iter()
        .map(|r| {
            Ok(Publication {
                oid: get(r, 0)?,
                name: get(r, 1)?,
                owner: get(r, 2)?,
                all_tables: get(r, 3)?,
                insert: get(r, 4)?,
                update: get(r, 5)?,
                delete: get(r, 6)?,
                truncate: get(r, 7)?,
                via_root: get(r, 8)?,
                generated_stored: get(r, 9)?,
            })
        })
        .collect::<Result<Vec<_>, DumpError>>()?;
    if publications.is_empty() {
        return Ok(Publications::default());
    }
    let (filter, columns) = if server_version >= 150000 {
        (
            "pg_catalog.pg_get_expr(pr.prqual, pr.prrelid)",
            "CASE WHEN pr.prattrs IS NOT NULL THEN \
               (SELECT pg_catalog.array_agg(a.attname::text ORDER BY s) \
                FROM pg_catalog.generate_series(0, \
                       pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s, \
                     pg_catalog.pg_attribute a \
                WHERE a.attrelid = pr.prrelid AND a.attnum = pr.prattrs[s]) END",
        )
    } else {
        ("NULL::text", "NULL::text[]")
    };
    let sql = format!(
        "SELECT pr.oid, pr.prpubid, pr.prrelid, {filter}, {columns} \
         FROM pg_catalog.pg_publication_rel pr ORDER BY pr.oid"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading publication tables"))?;
    let tables = rows
        .iter()
        .map(|r| {
            Ok(PublicationTable {
                oid: get(r, 0)?,
                publication: get(r, 1)?,
                table: get(r, 2)?,
                row_filter: get(r, 3)?,
                columns: get(r, 4)?,
            })
        })
        .collect::<Result<Vec<_>, DumpError>>()?;
    let schemas = if server_version >= 150000 {
        let rows = client
            .query(
                "SELECT oid, pnpubid, pnnspid FROM pg_catalog.pg_publication_namespace \
                 ORDER BY oid",
                &[],
            )
            .await
            .map_err(DumpError::query("reading publication schemas"))?;
        rows.iter()
            .map(|r| {
                Ok(PublicationSchema {
                    oid: get(r, 0)?,
                    publication: get(r, 1)?,
                    namespace: get(r, 2)?,
                })
            })
            .collect::<Result<Vec<_>, DumpError>>()?
    } else {
        Vec::new()
    };
    Ok(Publications {
        publications,
        tables,
        schemas,
    })
}

/// How many subscriptions the current database has: what a user who may not read them is
/// warned about.
pub async fn count_subscriptions(client: &Client) -> Result<i64, DumpError> {
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_catalog.pg_subscription WHERE subdbid = \
             (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())",
            &[],
        )
        .await
        .map_err(DumpError::query("reading subscriptions"))?;
    get(&row, 0)
}

/// Reads the subscriptions of the current database (superusers only: `subconninfo`).
pub async fn load_subscriptions(
    client: &Client,
    server_version: i32,
) -> Result<Vec<Subscription>, DumpError> {
    let stream = if server_version >= 160000 {
        "s.substream::text"
    } else {
        "CASE WHEN s.substream THEN 't' ELSE 'f' END"
    };
    let v15 = if server_version >= 150000 {
        "s.subtwophasestate::text, s.subdisableonerr"
    } else {
        "'d', false"
    };
    let v16 = if server_version >= 160000 {
        "s.subpasswordrequired, s.subrunasowner, s.suborigin"
    } else {
        "true, true, 'any'"
    };
    let failover = if server_version >= 170000 {
        "s.subfailover"
    } else {
        "false"
    };
    let sql = format!(
        "SELECT s.oid, s.subname::text, pg_catalog.pg_get_userbyid(s.subowner)::text, \
                s.subconninfo, s.subslotname::text, s.subsynccommit, \
                s.subpublications::text[], s.subbinary, {stream}, {v15}, {v16}, {failover} \
         FROM pg_catalog.pg_subscription s \
         WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database \
                            WHERE datname = pg_catalog.current_database()) \
         ORDER BY s.oid"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading subscriptions"))?;
    let first_byte = |s: String| s.bytes().next().unwrap_or(0);
    rows.iter()
        .map(|r| {
            Ok(Subscription {
                oid: get(r, 0)?,
                name: get(r, 1)?,
                owner: get(r, 2)?,
                conninfo: get(r, 3)?,
                slot_name: get(r, 4)?,
                synchronous_commit: get(r, 5)?,
                publications: text_array(r, 6)?,
                binary: get(r, 7)?,
                stream: first_byte(get(r, 8)?),
                two_phase: first_byte(get(r, 9)?),
                disable_on_error: get(r, 10)?,
                password_required: get(r, 11)?,
                run_as_owner: get(r, 12)?,
                origin: get(r, 13)?,
                failover: get(r, 14)?,
            })
        })
        .collect()
}
