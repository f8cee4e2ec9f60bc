//! User-defined casts (`pg_cast`), read as pg_dump's getCasts reads them, with what dumpCast
//! needs of the types and the function.

use tokio_postgres::Client;

use super::functions::{FunctionRef, function_ref_columns, read_function_ref};
use super::{char_col, get};
use crate::error::DumpError;

#[derive(Debug, Clone, Default)]
pub struct Cast {
    pub oid: u32,
    /// `format_type` of the source and target types.
    pub source: String,
    pub target: String,
    /// "source_typname target_typname": pg_dump's name for the sort.
    pub sort_name: String,
    /// `castmethod`: 'f' function, 'i' in/out, 'b' binary-coercible.
    pub method: u8,
    /// `castcontext`: 'e' explicit, 'a' assignment, 'i' implicit.
    pub context: u8,
    pub function: Option<FunctionRef>,
}

/// Reads the casts created after initdb that are not extension members, in pg_dump's order
/// (by source and target type OID). Casts from a range type to its multirange are made with
/// the range type, so they are left out.
pub async fn load_casts(client: &Client) -> Result<Vec<Cast>, DumpError> {
    let sql = format!(
        "SELECT c.oid, pg_catalog.format_type(c.castsource, NULL), \
                pg_catalog.format_type(c.casttarget, NULL), \
                coalesce((SELECT s.typname::text || ' ' || t.typname::text \
                          FROM pg_catalog.pg_type s, pg_catalog.pg_type t \
                          WHERE s.oid = c.castsource AND t.oid = c.casttarget), ''), \
                c.castmethod, c.castcontext, {} \
         FROM pg_catalog.pg_cast c \
         WHERE c.oid >= 16384 \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_range r \
               WHERE c.castsource = r.rngtypid AND c.casttarget = r.rngmultitypid) \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
               WHERE d.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass \
                 AND d.objid = c.oid AND d.deptype = 'e') \
         ORDER BY c.castsource, c.casttarget",
        function_ref_columns("c.castfunc")
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading casts"))?;
    rows.iter()
        .map(|r| {
            Ok(Cast {
                oid: get(r, 0)?,
                source: get(r, 1)?,
                target: get(r, 2)?,
                sort_name: get(r, 3)?,
                method: char_col(r, 4)?.unwrap_or(b'f'),
                context: char_col(r, 5)?.unwrap_or(b'e'),
                function: read_function_ref(r, 6)?,
            })
        })
        .collect()
}
