//! What the loaders of schema-bound objects share: which rows are user objects, and how
//! their columns read.

use tokio_postgres::{Client, Row};

use super::get;
use crate::error::DumpError;

/// `FirstNormalObjectId`: objects below are made by initdb, never by users.
pub(super) const FIRST_NORMAL_OID: u32 = 16384;

/// A type as pg_dump's sort compares it (`pgTypeNameCompare`): (schema, pg_type name).
pub type TypeKey = (String, String);

/// The rows of `select` (a SELECT list and FROM clause whose object is `o`) for user objects:
/// in schemas pg_dump may dump (joined as `n` on `o.{namespace_col}`) and not extension
/// members (dumped with their extension), in OID order.
pub(super) async fn user_rows(
    client: &Client,
    what: &'static str,
    select: &str,
    catalog: &str,
    namespace_col: &str,
) -> Result<Vec<Row>, DumpError> {
    let sql = format!(
        "{select} JOIN pg_catalog.pg_namespace n ON n.oid = o.{namespace_col} \
         WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e \
               WHERE e.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
                 AND e.objid = o.oid AND e.deptype = 'e') \
         ORDER BY o.oid"
    );
    client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query(what))
}

/// Two text columns from `idx` as (schema, name), when both are set.
pub(super) fn pair(r: &Row, idx: usize) -> Result<Option<(String, String)>, DumpError> {
    Ok(
        match (
            get::<Option<String>>(r, idx)?,
            get::<Option<String>>(r, idx + 1)?,
        ) {
            (Some(schema), Some(name)) => Some((schema, name)),
            _ => None,
        },
    )
}

/// `regproc`, `regprocedure` and `regtype` print `-` for no object.
pub(super) fn reg(r: &Row, idx: usize) -> Result<Option<String>, DumpError> {
    let s: String = get(r, idx)?;
    Ok((s != "-").then_some(s))
}
