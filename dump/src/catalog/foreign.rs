//! Foreign-data wrappers, foreign servers and user mappings, read as pg_dump's
//! getForeignDataWrappers, getForeignServers and dumpUserMappings read them (the mappings of
//! every server in one query).

use std::collections::HashMap;

use tokio_postgres::Client;

use super::{get, text_array};
use crate::acl::Acl;
use crate::error::DumpError;

/// `pg_options_to_table(col)` as pg_dump prints it: `name 'value'` pairs in name order, one
/// per line.
fn options_sql(col: &str) -> String {
    format!(
        "pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(option_name) || ' ' || \
         pg_catalog.quote_literal(option_value) FROM pg_catalog.pg_options_to_table({col}) \
         ORDER BY option_name), E',\\n    ')"
    )
}

/// The extension the object `o.oid` of catalog `catalog` belongs to, if any.
fn member_sql(catalog: &str) -> String {
    format!(
        "(SELECT e.refobjid FROM pg_catalog.pg_depend e WHERE e.classid = \
          'pg_catalog.{catalog}'::pg_catalog.regclass AND e.objid = o.oid AND e.deptype = 'e' \
          LIMIT 1)"
    )
}

/// `pg_foreign_data_wrapper`.
#[derive(Debug, Clone, Default)]
pub struct ForeignDataWrapper {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    /// `regproc` text of the handler and validator functions, when set.
    pub handler: Option<String>,
    pub validator: Option<String>,
    /// Already formatted by the server (`options_sql`); empty when there are none.
    pub options: String,
    pub acl: Acl,
    /// The extension whose script made it: it comes with the extension, and only its
    /// privileges are dumped (against the default: pg_dump reads no initial privileges here).
    pub extension: Option<u32>,
    /// Chosen for the dump: in a dump of everything, or a member of a dumped extension.
    pub selected: bool,
}

/// `pg_foreign_server`, with its user mappings.
#[derive(Debug, Clone, Default)]
pub struct ForeignServer {
    pub oid: u32,
    pub name: String,
    pub owner: String,
    pub wrapper: String,
    pub server_type: Option<String>,
    pub version: Option<String>,
    pub options: String,
    pub acl: Acl,
    /// In user name order.
    pub user_mappings: Vec<UserMapping>,
    /// As for wrappers.
    pub extension: Option<u32>,
    pub selected: bool,
}

/// A `pg_user_mappings` row.
#[derive(Debug, Clone, Default)]
pub struct UserMapping {
    /// `public` for the mapping of PUBLIC.
    pub user: String,
    pub options: String,
}

/// Reads the wrappers, in OID order.
pub async fn load_wrappers(client: &Client) -> Result<Vec<ForeignDataWrapper>, DumpError> {
    let sql = format!(
        "SELECT o.oid, o.fdwname::text, pg_catalog.pg_get_userbyid(o.fdwowner)::text, \
                CASE WHEN o.fdwhandler <> 0 THEN o.fdwhandler::pg_catalog.regproc::text END, \
                CASE WHEN o.fdwvalidator <> 0 THEN o.fdwvalidator::pg_catalog.regproc::text END, \
                {}, o.fdwacl::text[], pg_catalog.acldefault('F', o.fdwowner)::text[], {} \
         FROM pg_catalog.pg_foreign_data_wrapper o ORDER BY o.oid",
        options_sql("o.fdwoptions"),
        member_sql("pg_foreign_data_wrapper")
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading foreign-data wrappers"))?;
    rows.iter()
        .map(|r| {
            Ok(ForeignDataWrapper {
                oid: get(r, 0)?,
                name: get(r, 1)?,
                owner: get(r, 2)?,
                handler: get(r, 3)?,
                validator: get(r, 4)?,
                options: get(r, 5)?,
                acl: Acl {
                    acl: get(r, 6)?,
                    default: text_array(r, 7)?,
                    init: None,
                },
                extension: get(r, 8)?,
                selected: true,
            })
        })
        .collect()
}

/// Reads the servers in OID order, then their user mappings (one query for all servers).
pub async fn load_servers(client: &Client) -> Result<Vec<ForeignServer>, DumpError> {
    let sql = format!(
        "SELECT o.oid, o.srvname::text, pg_catalog.pg_get_userbyid(o.srvowner)::text, \
                w.fdwname::text, o.srvtype, o.srvversion, {}, o.srvacl::text[], \
                pg_catalog.acldefault('S', o.srvowner)::text[], {} \
         FROM pg_catalog.pg_foreign_server o \
         JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = o.srvfdw ORDER BY o.oid",
        options_sql("o.srvoptions"),
        member_sql("pg_foreign_server")
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading foreign servers"))?;
    let mut servers = rows
        .iter()
        .map(|r| {
            Ok(ForeignServer {
                oid: get(r, 0)?,
                name: get(r, 1)?,
                owner: get(r, 2)?,
                wrapper: get(r, 3)?,
                server_type: get(r, 4)?,
                version: get(r, 5)?,
                options: get(r, 6)?,
                acl: Acl {
                    acl: get(r, 7)?,
                    default: text_array(r, 8)?,
                    init: None,
                },
                user_mappings: Vec::new(),
                extension: get(r, 9)?,
                selected: true,
            })
        })
        .collect::<Result<Vec<_>, DumpError>>()?;
    if servers.is_empty() {
        return Ok(servers);
    }
    // The public view, so as not to need the privileges pg_user_mapping does; it shows no
    // options where the user may not see them, and the mapping is dumped without.
    let sql = format!(
        "SELECT srvid, usename::text, {} FROM pg_catalog.pg_user_mappings \
         ORDER BY srvid, usename",
        options_sql("umoptions")
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading user mappings"))?;
    for r in &rows {
        let server: u32 = get(r, 0)?;
        if let Ok(i) = servers.binary_search_by_key(&server, |s| s.oid) {
            servers[i].user_mappings.push(UserMapping {
                user: get(r, 1)?,
                options: get(r, 2)?,
            });
        }
    }
    Ok(servers)
}

/// `pg_foreign_table`: what CREATE FOREIGN TABLE says beyond the columns.
#[derive(Debug, Clone, Default)]
pub struct ForeignTable {
    pub server_oid: u32,
    pub server: String,
    pub options: String,
    /// Columns' `attfdwoptions`, by attnum, for the columns that have some.
    pub column_options: Vec<(i16, String)>,
}

/// Reads the foreign tables among `relations`, by OID.
pub async fn load_foreign_tables(
    client: &Client,
    relations: &[super::Relation],
) -> Result<HashMap<u32, ForeignTable>, DumpError> {
    let oids: Vec<u32> = relations
        .iter()
        .filter(|r| r.relkind == b'f')
        .map(|r| r.oid)
        .collect();
    let mut tables = HashMap::new();
    if oids.is_empty() {
        return Ok(tables);
    }
    let list = super::oid_array(oids.iter().copied());
    let sql = format!(
        "SELECT ft.ftrelid, fs.oid, fs.srvname::text, {} \
         FROM pg_catalog.pg_foreign_table ft \
         JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver \
         WHERE ft.ftrelid = ANY('{list}'::pg_catalog.oid[])",
        options_sql("ft.ftoptions")
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading foreign tables"))?;
    for r in &rows {
        tables.insert(
            get::<u32>(r, 0)?,
            ForeignTable {
                server_oid: get(r, 1)?,
                server: get(r, 2)?,
                options: get(r, 3)?,
                column_options: Vec::new(),
            },
        );
    }
    let sql = format!(
        "SELECT a.attrelid, a.attnum, {} FROM pg_catalog.pg_attribute a \
         WHERE a.attrelid = ANY('{list}'::pg_catalog.oid[]) AND a.attnum > 0 \
           AND NOT a.attisdropped AND a.attfdwoptions IS NOT NULL \
         ORDER BY a.attrelid, a.attnum",
        options_sql("a.attfdwoptions")
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading foreign table column options"))?;
    for r in &rows {
        let options: String = get(r, 2)?;
        if let Some(t) = tables.get_mut(&get::<u32>(r, 0)?) {
            if !options.is_empty() {
                t.column_options.push((get(r, 1)?, options));
            }
        }
    }
    Ok(tables)
}
