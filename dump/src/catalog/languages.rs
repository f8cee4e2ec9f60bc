//! Procedural languages (`pg_language`), read as pg_dump's getProcLangs reads them.

use tokio_postgres::Client;

use super::{get, text_array};
use crate::acl::Acl;
use crate::error::DumpError;

#[derive(Debug, Clone, Default)]
pub struct ProcLanguage {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub trusted: bool,
    /// The handler, inline handler and validator functions' OIDs (0 when none).
    pub handler: u32,
    pub inline: u32,
    pub validator: u32,
    pub acl: Acl,
    /// Made by initdb or by an extension (plpgsql is both): only its changed privileges are
    /// dumped (pg_dump's DUMP_COMPONENT_ACL).
    pub acl_only: bool,
    /// The extension it belongs to, if any.
    pub extension: Option<u32>,
}

/// Reads the procedural languages, in OID order: those made by initdb or an extension too,
/// for their privileges.
pub async fn load_languages(client: &Client) -> Result<Vec<ProcLanguage>, DumpError> {
    let rows = client
        .query(
            "SELECT l.oid, l.lanname::text, pg_catalog.pg_get_userbyid(l.lanowner)::text, \
                    l.lanpltrusted, l.lanplcallfoid, l.laninline, l.lanvalidator, \
                    l.lanacl::text[], pg_catalog.acldefault('l', l.lanowner)::text[], \
                    pip.initprivs::text[], l.oid < 16384, \
                    (SELECT d.refobjid FROM pg_catalog.pg_depend d \
                      WHERE d.classid = 'pg_catalog.pg_language'::pg_catalog.regclass \
                        AND d.objid = l.oid AND d.deptype = 'e' \
                        AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass) \
             FROM pg_catalog.pg_language l \
             LEFT JOIN pg_catalog.pg_init_privs pip ON pip.objoid = l.oid \
                  AND pip.classoid = 'pg_catalog.pg_language'::pg_catalog.regclass \
                  AND pip.objsubid = 0 \
             WHERE l.lanispl \
             ORDER BY l.oid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading procedural languages"))?;
    rows.iter()
        .map(|r| {
            Ok(ProcLanguage {
                oid: get(r, 0)?,
                name: get(r, 1)?,
                owner: get(r, 2)?,
                trusted: get(r, 3)?,
                handler: get(r, 4)?,
                inline: get(r, 5)?,
                validator: get(r, 6)?,
                acl: Acl {
                    acl: get(r, 7)?,
                    default: text_array(r, 8)?,
                    init: get(r, 9)?,
                },
                acl_only: get::<bool>(r, 10)? || get::<Option<u32>>(r, 11)?.is_some(),
                extension: get(r, 11)?,
            })
        })
        .collect()
}
