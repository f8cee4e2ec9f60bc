//! What only tables have: inheritance and partitioning, per-column storage settings, CHECK
//! constraints and NOT VALID not-null constraints, replica identity and forced row security;
//! then pg_dump's `flagInhAttrs`, which decides what a child prints of what it inherits.

use std::collections::HashMap;

use tokio_postgres::{Client, Row};

use super::{Catalog, Column, Constraint, Relation, get, oid_array};
use crate::error::DumpError;

/// Table-level facts beyond `pg_class`'s common columns.
#[derive(Debug, Clone, Default)]
pub struct TableDetails {
    /// Direct parents, in the order `pg_inherits` returns them (as pg_dump reads them).
    pub parents: Vec<u32>,
    /// `relispartition`: columns are all printed and the parent is attached afterwards.
    pub is_partition: bool,
    /// `pg_get_partkeydef` of a partitioned table.
    pub partition_key: Option<String>,
    /// `pg_get_expr(relpartbound)` of a partition.
    pub partition_bound: Option<String>,
    /// `relreplident`: 'd' default, 'n' nothing, 'f' full, 'i' index.
    pub replica_identity: u8,
    pub force_row_security: bool,
    /// `format_type(reloftype)` of a typed table (`CREATE TABLE ... OF type`).
    pub of_type: Option<String>,
    /// Partitioned by hash on an enum (`unsafe_partitions`): the hash of a row depends on
    /// enum OIDs a restore does not keep, so its partitions' data is loaded via the root.
    pub unsafe_partitions: bool,
}

/// Per-column settings that CREATE TABLE cannot express, plus the not-null constraint's
/// comment and validity.
#[derive(Debug, Clone)]
pub struct ColumnSettings {
    /// `attstattarget`, -1 for the default.
    pub stat_target: i32,
    pub storage: u8,
    /// The column type's default storage.
    pub type_storage: u8,
    /// `attcompression`: 'p' pglz, 'l' lz4, 0 for the default.
    pub compression: u8,
    /// `attoptions` joined by ", ".
    pub options: String,
    /// The comment on a valid not-null constraint (18+); printed after the table.
    pub not_null_comment: Option<String>,
    /// The column's not-null constraint is NOT VALID (18+): it is its own post-data object.
    pub not_null_invalid: bool,
}

impl Default for ColumnSettings {
    /// A column with every setting at its default (`attstattarget` -1, not 0, which would be
    /// printed as SET STATISTICS 0).
    fn default() -> Self {
        ColumnSettings {
            stat_target: -1,
            storage: 0,
            type_storage: 0,
            compression: 0,
            options: String::new(),
            not_null_comment: None,
            not_null_invalid: false,
        }
    }
}

/// The state of a CHECK (or NOT VALID not-null) constraint.
#[derive(Debug, Clone, Copy)]
pub struct CheckState {
    /// `conislocal`: defined on this table, not only inherited.
    pub is_local: bool,
    pub validated: bool,
}

/// The columns `column_settings` reads, appended to the column query's select list.
pub(super) fn column_settings_sql(server_version: i32) -> String {
    let compression = if server_version >= 140000 {
        "a.attcompression"
    } else {
        "''::\"char\""
    };
    format!(
        "coalesce(a.attstattarget::pg_catalog.int4, -1), a.attstorage, \
         coalesce(t.typstorage, a.attstorage), {compression}, \
         coalesce(pg_catalog.array_to_string(a.attoptions, ', '), '')"
    )
}

/// Reads the columns of `column_settings_sql` starting at `start`.
pub(super) fn column_settings(
    row: &Row,
    start: usize,
    not_null_comment: Option<String>,
    not_null_invalid: bool,
) -> Result<ColumnSettings, DumpError> {
    Ok(ColumnSettings {
        stat_target: get(row, start)?,
        storage: get::<i8>(row, start + 1)? as u8,
        type_storage: get::<i8>(row, start + 2)? as u8,
        compression: get::<i8>(row, start + 3)? as u8,
        options: get(row, start + 4)?,
        not_null_comment,
        not_null_invalid,
    })
}

impl Relation {
    /// `shouldPrintColumn`: whether CREATE TABLE lists the column. Inherited columns come
    /// from the parents; a partition is created standalone and attached later, so it lists
    /// them all.
    /// The keyword that names the relation in CREATE, ALTER, DROP and COMMENT when it is a
    /// table or a foreign table.
    pub fn table_keyword(&self) -> &'static str {
        if self.relkind == b'f' {
            "FOREIGN TABLE"
        } else {
            "TABLE"
        }
    }

    pub fn prints_column(&self, col: &Column) -> bool {
        !col.dropped && (col.is_local || self.table.is_partition)
    }
}

/// Each table's parents (getInherits), which decide with the selection which tables are
/// "interesting" (their parents' details are read too).
pub(super) async fn load_inheritance(client: &Client, cat: &mut Catalog) -> Result<(), DumpError> {
    // No ORDER BY, as in pg_dump's getInherits: a child lists its parents in the order the
    // catalog returns them.
    let rows = client
        .query(
            "SELECT inhrelid, inhparent FROM pg_catalog.pg_inherits",
            &[],
        )
        .await
        .map_err(DumpError::query("reading inheritance relationships"))?;
    for r in &rows {
        let parent: u32 = get(r, 1)?;
        if cat.relation(parent).is_none() {
            continue;
        }
        // Rows for partitioned indexes find no relation and are skipped.
        if let Some(rel) = cat.relation_mut(get(r, 0)?) {
            rel.table.parents.push(parent);
        }
    }
    Ok(())
}

/// Reads the table-only details, the CHECK and NOT VALID not-null constraints, then applies
/// `flagInhAttrs`.
pub(super) async fn load_table_details(
    client: &Client,
    server_version: i32,
    cat: &mut Catalog,
) -> Result<(), DumpError> {
    let tables = oid_array(
        cat.relations
            .iter()
            .filter(|r| r.relkind != b'S')
            .map(|r| r.oid),
    );
    let sql = format!(
        "SELECT c.oid, c.relispartition, \
                CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, \
                CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, \
                c.relreplident, c.relforcerowsecurity, \
                CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END \
         FROM unnest('{tables}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_class c ON c.oid = src.tbloid"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading table properties"))?;
    for r in &rows {
        if let Some(rel) = cat.relation_mut(get(r, 0)?) {
            rel.table.is_partition = get(r, 1)?;
            rel.table.partition_key = get(r, 2)?;
            rel.table.partition_bound = get(r, 3)?;
            rel.table.replica_identity = get::<i8>(r, 4)? as u8;
            rel.table.force_row_security = get(r, 5)?;
            rel.table.of_type = get(r, 6)?;
        }
    }

    // getPartitioningInfo: every partitioned table, since a dumped partition's ancestors
    // decide how its data is loaded.
    let rows = client
        .query(
            "SELECT partrelid FROM pg_catalog.pg_partitioned_table WHERE \
             (SELECT c.oid FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_am a \
              ON c.opcmethod = a.oid WHERE opcname = 'enum_ops' \
              AND opcnamespace = 'pg_catalog'::pg_catalog.regnamespace \
              AND amname = 'hash') = ANY(partclass)",
            &[],
        )
        .await
        .map_err(DumpError::query("reading partitioning schemes"))?;
    for r in &rows {
        if let Some(rel) = cat.relation_mut(get(r, 0)?) {
            rel.table.unsafe_partitions = true;
        }
    }

    let sql = format!(
        "SELECT c.oid, c.conrelid, c.conname::text, c.contype, \
                pg_catalog.pg_get_constraintdef(c.oid), c.conislocal, c.convalidated \
         FROM unnest('{tables}'::pg_catalog.oid[]) AS src(tbloid) \
         JOIN pg_catalog.pg_constraint c ON c.conrelid = src.tbloid \
         WHERE c.contype = 'c' OR (c.contype = 'n' AND NOT c.convalidated) \
         ORDER BY c.conrelid, c.conname"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading table check constraints"))?;
    for r in &rows {
        cat.constraints.push(Constraint {
            oid: get(r, 0)?,
            table_oid: get(r, 1)?,
            ref_table_oid: 0,
            ref_index_oid: 0,
            name: get(r, 2)?,
            contype: get::<i8>(r, 3)? as u8,
            definition: get(r, 4)?,
            deferrable: false,
            deferred: false,
            check: Some(CheckState {
                is_local: get(r, 5)?,
                validated: get(r, 6)?,
            }),
        });
    }
    flag_inherited_columns(cat, server_version);
    Ok(())
}

/// What `flagInhAttrs` changes in one child column.
enum InheritFix {
    /// The not-null constraint's "defined locally" flag, as pg_dump decides it.
    NotNullLocal(bool),
    /// A parent has a default the child lacks: print `DEFAULT NULL` so the child does not
    /// pick up the parent's on restore.
    DefaultNull,
    /// The generation expression is the parents' own: the child inherits it.
    InheritedGenerated,
}

/// `flagInhAttrs` (non-binary-upgrade). Decisions are taken from the catalog as read and
/// applied afterwards, so a child's outcome never depends on whether its parent came first.
fn flag_inherited_columns(cat: &mut Catalog, server_version: i32) {
    let mut fixes: Vec<(usize, usize, InheritFix)> = Vec::new();
    for (ri, rel) in cat.relations.iter().enumerate() {
        if rel.relkind == b'S' || !rel.selected || rel.table.parents.is_empty() {
            continue;
        }
        let parents: Vec<&Relation> = rel
            .table
            .parents
            .iter()
            .filter_map(|&p| cat.relation(p))
            .collect();
        let by_name: Vec<HashMap<&str, &Column>> = parents
            .iter()
            .map(|p| p.columns.iter().map(|c| (c.name.as_str(), c)).collect())
            .collect();
        for (ci, col) in rel.columns.iter().enumerate() {
            if col.dropped {
                continue;
            }
            let mut found_not_null = false;
            let mut all_not_nulls_invalid = true;
            let mut found_default = false;
            let mut same_generated = false;
            let mut diff_generated = false;
            for pcol in by_name.iter().filter_map(|m| m.get(col.name.as_str())) {
                if server_version < 180000 && pcol.not_null.is_some() {
                    found_not_null = true;
                }
                if server_version >= 180000
                    && pcol.not_null.is_some()
                    && !pcol.settings.not_null_invalid
                {
                    all_not_nulls_invalid = false;
                }
                found_default |= pcol
                    .default
                    .as_ref()
                    .is_some_and(|d| d.expr != "NULL" && pcol.generated.is_none());
                if pcol.generated.is_some() {
                    match (&pcol.default, &col.default) {
                        (Some(p), Some(c)) if p.expr == c.expr => same_generated = true,
                        _ => diff_generated = true,
                    }
                }
            }
            if server_version < 180000 && found_not_null {
                fixes.push((ri, ci, InheritFix::NotNullLocal(false)));
            }
            if server_version >= 180000 && all_not_nulls_invalid {
                fixes.push((ri, ci, InheritFix::NotNullLocal(true)));
            }
            if found_default && col.default.is_none() {
                fixes.push((ri, ci, InheritFix::DefaultNull));
            }
            if same_generated && !diff_generated && !rel.table.is_partition {
                fixes.push((ri, ci, InheritFix::InheritedGenerated));
            }
        }
    }
    for (ri, ci, fix) in fixes {
        let col = &mut cat.relations[ri].columns[ci];
        match fix {
            InheritFix::NotNullLocal(local) => col.not_null_is_local = local,
            // pg_dump's made-up default has no catalog identity: OID 0.
            InheritFix::DefaultNull => {
                col.default = Some(super::AttrDefault {
                    oid: 0,
                    expr: "NULL".to_owned(),
                })
            }
            InheritFix::InheritedGenerated => col.default = None,
        }
    }
}

#[cfg(test)]
impl Catalog {
    /// A catalog holding just these relations and constraints, for DDL tests.
    pub fn for_tests(relations: Vec<Relation>, constraints: Vec<Constraint>) -> Catalog {
        let relation_by_oid = relations
            .iter()
            .enumerate()
            .map(|(i, r)| (r.oid, i))
            .collect();
        Catalog {
            relations,
            constraints,
            relation_by_oid,
            ..Catalog::default()
        }
    }
}
