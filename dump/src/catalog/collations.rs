//! Collations (`pg_collation`) and conversions (`pg_conversion`), read as pg_dump's
//! getCollations/dumpCollation and getConversions/dumpConversion read them, for all at once.

use tokio_postgres::Client;

use super::get;
use crate::error::DumpError;

/// A user collation.
#[derive(Debug, Clone)]
pub struct Collation {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// `collencoding`: the tie-breaker of collations of one name.
    pub encoding: i32,
    /// 'b' builtin, 'c' libc, 'i' icu, 'd' default.
    pub provider: u8,
    pub deterministic: bool,
    pub collate: Option<String>,
    pub ctype: Option<String>,
    /// The ICU or builtin locale (before 15, an ICU collation's `collcollate`).
    pub locale: Option<String>,
    pub icu_rules: Option<String>,
}

/// A user conversion.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    pub for_encoding: String,
    pub to_encoding: String,
    /// `conproc` as `regproc` prints it.
    pub function: String,
    pub is_default: bool,
}

/// A filter on user objects of a catalog (alias `n` for their schema), as pg_dump selects
/// them: not in system schemas, not extension members.
fn user_objects(catalog: &str, alias: &str) -> String {
    format!(
        "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x \
             WHERE x.classid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
               AND x.objid = {alias}.oid AND x.deptype = 'e')"
    )
}

/// Reads the collations in OID order, with what CREATE COLLATION needs per server version.
pub async fn load_collations(
    client: &Client,
    server_version: i32,
) -> Result<Vec<Collation>, DumpError> {
    let locale = match server_version {
        170000.. => "c.colllocale",
        150000.. => "c.colliculocale",
        _ => "NULL::text",
    };
    let rules = if server_version >= 160000 {
        "c.collicurules"
    } else {
        "NULL::text"
    };
    // Before 15 these are non-null names, empty for "none".
    let (collate, ctype) = if server_version >= 150000 {
        ("c.collcollate", "c.collctype")
    } else {
        (
            "NULLIF(c.collcollate::text, '')",
            "NULLIF(c.collctype::text, '')",
        )
    };
    let sql = format!(
        "SELECT c.oid, c.collnamespace, n.nspname::text, c.collname::text, \
                pg_catalog.pg_get_userbyid(c.collowner)::text, c.collencoding, c.collprovider, \
                c.collisdeterministic, {collate}::text, {ctype}::text, {locale}::text, {rules}::text \
         FROM pg_catalog.pg_collation c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace \
         WHERE {} ORDER BY c.oid",
        user_objects("pg_collation", "c")
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading collations"))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let provider = get::<i8>(r, 6)? as u8;
        let mut coll = Collation {
            oid: get(r, 0)?,
            namespace_oid: get(r, 1)?,
            schema: get(r, 2)?,
            name: get(r, 3)?,
            owner: get(r, 4)?,
            encoding: get(r, 5)?,
            provider,
            deterministic: get(r, 7)?,
            collate: get(r, 8)?,
            ctype: get(r, 9)?,
            locale: get(r, 10)?,
            icu_rules: get(r, 11)?,
        };
        // Before 15 an ICU collation's locale is its collcollate.
        if server_version < 150000 && provider == b'i' {
            coll.locale = coll.collate.take();
            coll.ctype = None;
        }
        out.push(coll);
    }
    Ok(out)
}

/// Reads the conversions in OID order.
pub async fn load_conversions(client: &Client) -> Result<Vec<Conversion>, DumpError> {
    let sql = format!(
        "SELECT c.oid, c.connamespace, n.nspname::text, c.conname::text, \
                pg_catalog.pg_get_userbyid(c.conowner)::text, \
                pg_catalog.pg_encoding_to_char(c.conforencoding)::text, \
                pg_catalog.pg_encoding_to_char(c.contoencoding)::text, \
                c.conproc::pg_catalog.text, c.condefault \
         FROM pg_catalog.pg_conversion c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace \
         WHERE {} ORDER BY c.oid",
        user_objects("pg_conversion", "c")
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading conversions"))?;
    rows.iter()
        .map(|r| {
            Ok(Conversion {
                oid: get(r, 0)?,
                namespace_oid: get(r, 1)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                owner: get(r, 4)?,
                for_encoding: get(r, 5)?,
                to_encoding: get(r, 6)?,
                function: get(r, 7)?,
                is_default: get(r, 8)?,
            })
        })
        .collect()
}
