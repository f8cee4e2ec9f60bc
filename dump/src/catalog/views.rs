//! Views and materialized views (definitions, check options, populated state), rewrite rules,
//! the links between materialized views that order their REFRESH entries, and relations' row
//! types, through which a default can depend on a view.

use tokio_postgres::Client;

use super::{Catalog, get, oid_array};
use crate::error::DumpError;

/// What a view or materialized view adds to its [`super::Relation`].
#[derive(Debug, Clone)]
pub struct ViewInfo {
    /// `pg_get_viewdef` without its trailing semicolon, so clauses can follow.
    pub definition: String,
    /// `LOCAL` or `CASCADED`, taken out of the reloptions as pg_dump does.
    pub check_option: Option<&'static str>,
    /// `relispopulated` (always true for plain views).
    pub populated: bool,
}

/// A `pg_rewrite` row on a dumped relation.
#[derive(Debug, Clone)]
pub struct Rule {
    pub oid: u32,
    pub table_oid: u32,
    pub name: String,
    /// `ev_type`: '1' SELECT, '2' UPDATE, '3' INSERT, '4' DELETE.
    pub ev_type: u8,
    pub is_instead: bool,
    /// `ev_enabled`: 'O' origin (the default), 'D' disabled, 'R' replica, 'A' always.
    pub enabled: u8,
    /// `pg_get_ruledef`, for every rule but a view's ON SELECT rule (printed as the view).
    pub definition: Option<String>,
}

impl Rule {
    /// The ON SELECT DO INSTEAD rule that is a view's (or materialized view's) body.
    pub fn is_view_select(&self) -> bool {
        self.ev_type == b'1' && self.is_instead
    }
}

/// The row type of a relation (`pg_class.reltype`) and its array type.
#[derive(Debug, Clone)]
pub struct RowType {
    pub oid: u32,
    pub name: String,
    pub relation_oid: u32,
    pub array: Option<(u32, String)>,
}

/// pg_dump's getTables keeps `check_option` out of the reloptions and prints it as a clause.
fn take_check_option(reloptions: &mut Vec<String>) -> Option<&'static str> {
    let mut found = None;
    reloptions.retain(|o| match o.as_str() {
        "check_option=local" => {
            found = Some("LOCAL");
            false
        }
        "check_option=cascaded" => {
            found.get_or_insert("CASCADED");
            false
        }
        _ => true,
    });
    found
}

/// Reads the definitions of the selected views and materialized views, after their tables
/// are locked (pg_get_viewdef reads the current catalog, not the snapshot).
pub(super) async fn load_views(client: &Client, cat: &mut Catalog) -> Result<(), DumpError> {
    let views = oid_array(
        cat.relations
            .iter()
            .filter(|r| matches!(r.relkind, b'v' | b'm') && r.selected)
            .map(|r| r.oid),
    );
    let sql = format!(
        "SELECT c.oid, pg_catalog.pg_get_viewdef(c.oid), c.relispopulated \
         FROM unnest('{views}'::pg_catalog.oid[]) AS src(reloid) \
         JOIN pg_catalog.pg_class c ON c.oid = src.reloid \
         ORDER BY c.oid"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading view definitions"))?;
    for r in &rows {
        let Some(rel) = cat.relation_mut(get(r, 0)?) else {
            continue;
        };
        let def: Option<String> = get(r, 1)?;
        let def = def.unwrap_or_default();
        let def = def.strip_suffix(';').unwrap_or(&def);
        if def.is_empty() {
            return Err(DumpError::Catalog(format!(
                "definition of view \"{}\" appears to be empty (length zero)",
                rel.name
            )));
        }
        rel.view = Some(ViewInfo {
            definition: def.to_owned(),
            check_option: take_check_option(&mut rel.reloptions),
            populated: get(r, 2)?,
        });
    }
    Ok(())
}

/// `getRules`: every rule of the loaded relations, in OID order, with its definition.
pub(super) async fn load_rules(client: &Client, cat: &Catalog) -> Result<Vec<Rule>, DumpError> {
    let relations = oid_array(
        cat.relations
            .iter()
            .filter(|r| r.relkind != b'S')
            .map(|r| r.oid),
    );
    let sql = format!(
        "SELECT r.oid, r.ev_class, r.rulename::text, r.ev_type, r.is_instead, r.ev_enabled, \
                CASE WHEN NOT (r.ev_type = '1' AND r.is_instead) \
                     THEN pg_catalog.pg_get_ruledef(r.oid) END \
         FROM unnest('{relations}'::pg_catalog.oid[]) AS src(reloid) \
         JOIN pg_catalog.pg_rewrite r ON r.ev_class = src.reloid \
         ORDER BY r.oid"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading rewrite rules"))?;
    rows.iter()
        .map(|r| {
            Ok(Rule {
                oid: get(r, 0)?,
                table_oid: get(r, 1)?,
                name: get(r, 2)?,
                ev_type: get::<i8>(r, 3)? as u8,
                is_instead: get(r, 4)?,
                enabled: get::<i8>(r, 5)? as u8,
                definition: get(r, 6)?,
            })
        })
        .collect()
}

/// `buildMatViewRefreshDependencies`' query: (materialized view, materialized view it reads,
/// directly or through views), in the server's order.
pub(super) async fn load_matview_refs(
    client: &Client,
    cat: &Catalog,
) -> Result<Vec<(u32, u32)>, DumpError> {
    if !cat.relations.iter().any(|r| r.relkind == b'm') {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            "WITH RECURSIVE w AS ( \
             SELECT d1.objid, d2.refobjid, c2.relkind AS refrelkind \
             FROM pg_depend d1 \
             JOIN pg_class c1 ON c1.oid = d1.objid AND c1.relkind = 'm' \
             JOIN pg_rewrite r1 ON r1.ev_class = d1.objid \
             JOIN pg_depend d2 ON d2.classid = 'pg_rewrite'::regclass AND d2.objid = r1.oid \
                  AND d2.refobjid <> d1.objid \
             JOIN pg_class c2 ON c2.oid = d2.refobjid AND c2.relkind IN ('m', 'v') \
             WHERE d1.classid = 'pg_class'::regclass \
             UNION \
             SELECT w.objid, d3.refobjid, c3.relkind \
             FROM w \
             JOIN pg_rewrite r3 ON r3.ev_class = w.refobjid \
             JOIN pg_depend d3 ON d3.classid = 'pg_rewrite'::regclass AND d3.objid = r3.oid \
                  AND d3.refobjid <> w.refobjid \
             JOIN pg_class c3 ON c3.oid = d3.refobjid AND c3.relkind IN ('m', 'v') \
             ) \
             SELECT objid, refobjid FROM w WHERE refrelkind = 'm'",
            &[],
        )
        .await
        .map_err(DumpError::query("reading materialized view dependencies"))?;
    rows.iter().map(|r| Ok((get(r, 0)?, get(r, 1)?))).collect()
}

/// The row types (and their array types) of the loaded relations, in OID order.
pub(super) async fn load_row_types(
    client: &Client,
    cat: &Catalog,
) -> Result<Vec<RowType>, DumpError> {
    let relations = oid_array(cat.relations.iter().map(|r| r.oid));
    let sql = format!(
        "SELECT t.oid, t.typname::text, t.typrelid, a.oid, a.typname::text \
         FROM unnest('{relations}'::pg_catalog.oid[]) AS src(reloid) \
         JOIN pg_catalog.pg_type t ON t.typrelid = src.reloid \
         LEFT JOIN pg_catalog.pg_type a ON a.oid = t.typarray \
         ORDER BY t.oid"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading row types"))?;
    rows.iter()
        .map(|r| {
            let array = match get::<Option<u32>>(r, 3)? {
                Some(oid) => Some((oid, get(r, 4)?)),
                None => None,
            };
            Ok(RowType {
                oid: get(r, 0)?,
                name: get(r, 1)?,
                relation_oid: get(r, 2)?,
                array,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::take_check_option;

    #[test]
    fn check_option_leaves_the_reloptions() {
        let mut opts = vec![
            "security_barrier=true".to_owned(),
            "check_option=cascaded".to_owned(),
        ];
        assert_eq!(take_check_option(&mut opts), Some("CASCADED"));
        assert_eq!(opts, ["security_barrier=true"]);
        // Only the spellings pg_dump removes are taken.
        let mut opts = vec!["check_option=LOCAL".to_owned()];
        assert_eq!(take_check_option(&mut opts), None);
        assert_eq!(opts, ["check_option=LOCAL"]);
    }
}
