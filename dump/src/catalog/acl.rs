//! Privileges and security labels: the ACL, `acldefault()` and initial privileges of schemas,
//! relations, columns and the database (as getNamespaces, getTables, dumpTable's column query
//! and getDatabase read them), and `pg_seclabels`. One query per kind, for all objects.

use tokio_postgres::Client;

use super::{Catalog, classid, get, oid_array};
use crate::acl::{Acl, quote_acl_name};
use crate::error::DumpError;

/// A `pg_seclabels` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecLabel {
    pub classoid: u32,
    pub objoid: u32,
    pub objsubid: i32,
    pub provider: String,
    pub label: String,
}

/// A column's privileges (`attacl`), system columns included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnAcl {
    pub name: String,
    pub acl: Acl,
}

/// The public schema's ACL as an empty database has it once owned by `owner`
/// (`{owner=UC/owner,=U/owner}`): pg_dump compares with this rather than with its
/// pg_init_privs entry, so that ownership changes and pre-15 ACLs come out right.
pub fn public_schema_base_acl(owner: &str) -> Vec<String> {
    let q = quote_acl_name(owner);
    vec![format!("{q}=UC/{q}"), format!("=U/{q}")]
}

fn text_list(row: &tokio_postgres::Row, idx: usize) -> Result<Option<Vec<String>>, DumpError> {
    get::<Option<Vec<String>>>(row, idx)
}

/// Fills in the privileges of the schemas, relations, their columns and the database, and
/// reads the security labels.
pub async fn load_privileges(client: &Client, cat: &mut Catalog) -> Result<(), DumpError> {
    let relations = oid_array(cat.relations.iter().map(|r| r.oid));
    // A join rather than a subquery per object: the server hashes pg_init_privs once.
    let init = |alias: &str, classid: &str, oid: &str| {
        format!(
            "LEFT JOIN pg_catalog.pg_init_privs {alias} ON {alias}.objoid = {oid} \
             AND {alias}.classoid = '{classid}'::pg_catalog.regclass AND {alias}.objsubid = 0"
        )
    };
    let sql = format!(
        "SELECT 'n'::\"char\", n.oid, n.nspacl::text[], \
                pg_catalog.acldefault('n', n.nspowner)::text[], pn.initprivs::text[] \
         FROM pg_catalog.pg_namespace n {} \
         UNION ALL \
         SELECT 'r', c.oid, c.relacl::text[], \
                pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's'::\"char\" \
                                      ELSE 'r'::\"char\" END, c.relowner)::text[], \
                pc.initprivs::text[] \
         FROM unnest('{relations}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_class c ON c.oid = src.tbloid {} \
         UNION ALL \
         SELECT 'd', d.oid, d.datacl::text[], pg_catalog.acldefault('d', d.datdba)::text[], \
                NULL \
         FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()",
        init("pn", "pg_catalog.pg_namespace", "n.oid"),
        init("pc", "pg_catalog.pg_class", "c.oid"),
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading privileges"))?;
    let ns_index: std::collections::HashMap<u32, usize> = cat
        .namespaces
        .iter()
        .enumerate()
        .map(|(i, n)| (n.oid, i))
        .collect();
    for r in &rows {
        let kind = get::<i8>(r, 0)? as u8;
        let oid: u32 = get(r, 1)?;
        let acl = Acl {
            acl: text_list(r, 2)?,
            default: text_list(r, 3)?.unwrap_or_default(),
            init: text_list(r, 4)?,
        };
        match kind {
            b'n' => {
                if let Some(ns) = ns_index.get(&oid).map(|&i| &mut cat.namespaces[i]) {
                    ns.acl = acl;
                    if ns.name == "public" {
                        ns.acl.init = Some(public_schema_base_acl(&ns.owner));
                    }
                }
            }
            b'r' => {
                if let Some(rel) = cat.relation_mut(oid) {
                    rel.acl = acl;
                }
            }
            _ => {
                if oid == cat.database.oid {
                    cat.database.acl = acl;
                }
            }
        }
    }

    // Column privileges, system columns included; the default for a column is no privilege.
    let sql = format!(
        "SELECT at.attrelid, at.attname::text, at.attacl::text[], pip.initprivs::text[] \
         FROM unnest('{relations}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_attribute at ON at.attrelid = src.tbloid \
         LEFT JOIN pg_catalog.pg_init_privs pip ON (at.attrelid = pip.objoid \
              AND pip.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass \
              AND at.attnum = pip.objsubid) \
         WHERE NOT at.attisdropped AND (at.attacl IS NOT NULL OR pip.initprivs IS NOT NULL) \
         ORDER BY at.attrelid, at.attnum"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading column privileges"))?;
    for r in &rows {
        if let Some(rel) = cat.relation_mut(get(r, 0)?) {
            rel.column_acls.push(ColumnAcl {
                name: get(r, 1)?,
                acl: Acl {
                    acl: text_list(r, 2)?,
                    default: Vec::new(),
                    init: text_list(r, 3)?,
                },
            });
        }
    }

    // The same query as pg_dump's getSecLabels, so labels of one object come in its order.
    let rows = client
        .query(
            "SELECT label, provider, classoid, objoid, objsubid FROM pg_catalog.pg_seclabels \
             ORDER BY classoid, objoid, objsubid",
            &[],
        )
        .await
        .map_err(DumpError::query("reading security labels"))?;
    cat.seclabels = rows
        .iter()
        .map(|r| {
            Ok(SecLabel {
                label: get(r, 0)?,
                provider: get(r, 1)?,
                classoid: get(r, 2)?,
                objoid: get(r, 3)?,
                objsubid: get(r, 4)?,
            })
        })
        .collect::<Result<_, DumpError>>()?;
    Ok(())
}

impl Catalog {
    /// The security labels on one object (all its sub-objects), in `objsubid` order.
    pub fn seclabels_on(&self, classoid: u32, objoid: u32) -> &[SecLabel] {
        let key = |l: &SecLabel| (l.classoid, l.objoid);
        let start = self
            .seclabels
            .partition_point(|l| key(l) < (classoid, objoid));
        let end = self
            .seclabels
            .partition_point(|l| key(l) <= (classoid, objoid));
        &self.seclabels[start..end]
    }

    /// The database's security labels.
    pub fn database_seclabels(&self) -> &[SecLabel] {
        self.seclabels_on(classid::PG_DATABASE, self.database.oid)
    }
}
