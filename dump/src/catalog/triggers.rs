//! Table triggers (`pg_trigger`), read as pg_dump's getTriggers reads them.

use tokio_postgres::Client;

use super::{Relation, get, oid_array};
use crate::error::DumpError;

/// A user trigger of a dumped relation, or a partition's clone of its parent's trigger whose
/// enable state differs from the parent's.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub oid: u32,
    pub table_oid: u32,
    pub name: String,
    /// `tgenabled`: 'O' on origin (the default), 'D' disabled, 'R' replica, 'A' always.
    pub enabled: u8,
    /// A clone on a partition: created with the parent's trigger, so only its enable state
    /// is dumped.
    pub partition_clone: bool,
    /// `pg_get_triggerdef(oid, false)`: not pretty, which could under-parenthesize WHEN.
    pub definition: String,
}

/// Reads the triggers of `relations` (sequences have none), ordered by table and name.
pub async fn load_triggers(
    client: &Client,
    server_version: i32,
    relations: &[Relation],
) -> Result<Vec<Trigger>, DumpError> {
    // Only the dumped relations', as getTriggers: the others are not locked, and
    // pg_get_triggerdef of a trigger whose table is dropped meanwhile fails.
    let tables = oid_array(
        relations
            .iter()
            .filter(|r| r.relkind != b'S' && r.selected)
            .map(|r| r.oid),
    );
    // Clones on partitions are listed only when their enable state was changed from the
    // parent's. Before 15 a clone is marked internal instead of by tgparentid alone.
    let (clone, filter) = if server_version >= 150000 {
        (
            "t.tgparentid <> 0",
            "(NOT t.tgisinternal AND t.tgparentid = 0) OR t.tgenabled != u.tgenabled",
        )
    } else {
        (
            "t.tgisinternal",
            "NOT t.tgisinternal OR t.tgenabled != u.tgenabled",
        )
    };
    let sql = format!(
        "SELECT t.oid, t.tgrelid, t.tgname::text, t.tgenabled, {clone}, \
                pg_catalog.pg_get_triggerdef(t.oid, false) \
         FROM unnest('{tables}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_trigger t ON (src.tbloid = t.tgrelid) \
         LEFT JOIN pg_catalog.pg_trigger u ON (u.oid = t.tgparentid) \
         WHERE ({filter}) \
         ORDER BY t.tgrelid, t.tgname"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading triggers"))?;
    rows.iter()
        .map(|r| {
            Ok(Trigger {
                oid: get(r, 0)?,
                table_oid: get(r, 1)?,
                name: get(r, 2)?,
                enabled: get::<i8>(r, 3)? as u8,
                partition_clone: get(r, 4)?,
                definition: get(r, 5)?,
            })
        })
        .collect()
}
