//! Default privileges (`pg_default_acl`), read as pg_dump's getDefaultACLs reads them.

use tokio_postgres::Client;

use super::{get, text_array};
use crate::acl::Acl;
use crate::error::DumpError;

/// An `ALTER DEFAULT PRIVILEGES` entry: global (no schema) or for one schema.
#[derive(Debug, Clone)]
pub struct DefaultAcl {
    pub oid: u32,
    pub role: String,
    /// 0 for a global entry.
    pub namespace_oid: u32,
    pub schema: Option<String>,
    /// `defaclobjtype`: 'r' tables, 'S' sequences, 'f' functions, 'T' types, 'n' schemas,
    /// 'L' large objects.
    pub objtype: u8,
    /// A global entry replaces the type's built-in default, so it is compared with
    /// `acldefault()`; a schema's entry only adds, so with nothing.
    pub acl: Acl,
}

/// Reads the default privileges in OID order.
pub async fn load_default_acls(client: &Client) -> Result<Vec<DefaultAcl>, DumpError> {
    let rows = client
        .query(
            "SELECT d.oid, pg_catalog.pg_get_userbyid(d.defaclrole)::text, d.defaclnamespace, \
                    n.nspname::text, d.defaclobjtype, d.defaclacl::text[], \
                    (CASE WHEN d.defaclnamespace = 0 THEN \
                        pg_catalog.acldefault(CASE WHEN d.defaclobjtype = 'S' THEN 's'::\"char\" \
                                              ELSE d.defaclobjtype END, d.defaclrole) \
                     ELSE '{}' END)::text[] \
             FROM pg_catalog.pg_default_acl d \
             LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace \
             ORDER BY d.oid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading default privileges"))?;
    rows.iter()
        .map(|r| {
            Ok(DefaultAcl {
                oid: get(r, 0)?,
                role: get(r, 1)?,
                namespace_oid: get(r, 2)?,
                schema: get(r, 3)?,
                objtype: get::<i8>(r, 4)? as u8,
                acl: Acl {
                    acl: get(r, 5)?,
                    default: text_array(r, 6)?,
                    init: None,
                },
            })
        })
        .collect()
}
