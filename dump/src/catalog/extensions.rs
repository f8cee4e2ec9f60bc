//! Extensions (`pg_extension`) and what belongs to them, read as pg_dump's getExtensions and
//! getExtensionMembership read them.

use tokio_postgres::Client;

use super::{get, text_array};
use crate::error::DumpError;

/// pg_dump's `g_last_builtin_oid` (FirstNormalObjectId - 1): an extension at or below it
/// came with initdb (plpgsql) and is not dumped.
const LAST_BUILTIN_OID: u32 = 16383;

/// An extension of the database.
#[derive(Debug, Clone, Default)]
pub struct Extension {
    pub oid: u32,
    pub name: String,
    /// The schema its objects are in (`WITH SCHEMA`).
    pub schema: String,
    /// Configuration tables (`extconfig`) with their filter conditions (`extcondition`),
    /// whose rows the dump carries although the tables come with the extension.
    pub config: Vec<(u32, String)>,
    /// Chosen for the dump: not built in, included by `-e` (or by default in a dump of
    /// everything), not excluded by `--exclude-extension`.
    pub selected: bool,
}

impl Extension {
    /// Whether initdb made it: never created by the dump, whatever the selection.
    pub fn builtin(&self) -> bool {
        self.oid <= LAST_BUILTIN_OID
    }
}

/// An object that belongs to an extension (`pg_depend` with deptype 'e').
#[derive(Debug, Clone, Copy)]
pub struct Member {
    pub classid: u32,
    pub objid: u32,
    pub extension: u32,
}

/// Reads the extensions, in OID order.
pub async fn load_extensions(client: &Client) -> Result<Vec<Extension>, DumpError> {
    let rows = client
        .query(
            "SELECT x.oid, x.extname::text, n.nspname::text, x.extconfig::pg_catalog.oid[], \
                    x.extcondition \
             FROM pg_catalog.pg_extension x \
             JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace \
             ORDER BY x.oid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading extensions"))?;
    rows.iter()
        .map(|r| {
            let name: String = get(r, 1)?;
            let tables = get::<Option<Vec<u32>>>(r, 3)?.unwrap_or_default();
            let conditions = text_array(r, 4)?;
            if tables.len() != conditions.len() {
                return Err(DumpError::Catalog(format!(
                    "mismatched number of configurations and conditions for extension \"{name}\""
                )));
            }
            Ok(Extension {
                oid: get(r, 0)?,
                name,
                schema: get(r, 2)?,
                config: tables.into_iter().zip(conditions).collect(),
                selected: true,
            })
        })
        .collect()
}

/// Reads which objects belong to which extension, ordered by object.
pub async fn load_members(client: &Client) -> Result<Vec<Member>, DumpError> {
    let rows = client
        .query(
            "SELECT classid, objid, refobjid FROM pg_catalog.pg_depend \
             WHERE refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass \
               AND deptype = 'e' ORDER BY 1, 2",
            &[],
        )
        .await
        .map_err(DumpError::query("reading extension members"))?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                classid: get(r, 0)?,
                objid: get(r, 1)?,
                extension: get(r, 2)?,
            })
        })
        .collect()
}
