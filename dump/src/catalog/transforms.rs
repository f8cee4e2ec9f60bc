//! Transforms (`pg_transform`), read as pg_dump's getTransforms reads them, with what
//! dumpTransform needs of the type, the language and the functions.

use tokio_postgres::Client;

use super::functions::{FunctionRef, function_ref_columns, read_function_ref};
use super::get;
use crate::error::DumpError;

#[derive(Debug, Clone, Default)]
pub struct Transform {
    pub oid: u32,
    /// `format_type` of the type.
    pub type_name: String,
    /// The type's `typname`, for pg_dump's sort name ("typname language").
    pub type_sort_name: String,
    pub language: String,
    pub from_sql: Option<FunctionRef>,
    pub to_sql: Option<FunctionRef>,
}

/// Reads the transforms that are not extension members, by type and language OID.
pub async fn load_transforms(client: &Client) -> Result<Vec<Transform>, DumpError> {
    let sql = format!(
        "SELECT t.oid, pg_catalog.format_type(t.trftype, NULL), ty.typname::text, \
                l.lanname::text, {}, {} \
         FROM pg_catalog.pg_transform t \
         JOIN pg_catalog.pg_type ty ON ty.oid = t.trftype \
         JOIN pg_catalog.pg_language l ON l.oid = t.trflang \
         WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
             WHERE d.classid = 'pg_catalog.pg_transform'::pg_catalog.regclass \
               AND d.objid = t.oid AND d.deptype = 'e') \
         ORDER BY t.trftype, t.trflang",
        function_ref_columns("t.trffromsql"),
        function_ref_columns("t.trftosql"),
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading transforms"))?;
    rows.iter()
        .map(|r| {
            Ok(Transform {
                oid: get(r, 0)?,
                type_name: get(r, 1)?,
                type_sort_name: get(r, 2)?,
                language: get(r, 3)?,
                from_sql: read_function_ref(r, 4)?,
                to_sql: read_function_ref(r, 7)?,
            })
        })
        .collect()
}
