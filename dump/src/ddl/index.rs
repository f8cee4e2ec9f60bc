//! Indexes and what hangs on them, as pg_dump.c prints them: `dumpIndex`, `dumpConstraint`
//! for PRIMARY KEY / UNIQUE / EXCLUDE, `dumpIndexAttach` and `dumpStatisticsExt`.

use tusk_format::quote::{ident, qualified};
use tusk_format::{Section, TocEntry};

use super::{Builder, attr_name, reloptions};
use crate::catalog::{Index, IndexConstraint, Relation, StatisticsExt};
use crate::objects::{DumpObject, ObjectKind};

/// `ALTER TABLE ... CLUSTER ON` if the table is clustered on the index.
fn cluster_on(idx: &Index, rel: &Relation) -> String {
    if !idx.clustered {
        return String::new();
    }
    format!(
        "\nALTER TABLE {} CLUSTER ON {};\n",
        qualified(&rel.schema, &rel.name),
        ident(&idx.name)
    )
}

/// `ALTER TABLE ... REPLICA IDENTITY USING INDEX` if the index is the table's replica identity.
fn replica_identity(idx: &Index, rel: &Relation) -> String {
    if !idx.replica_identity {
        return String::new();
    }
    format!(
        "\nALTER TABLE ONLY {} REPLICA IDENTITY USING INDEX {};\n",
        qualified(&rel.schema, &rel.name),
        ident(&idx.name)
    )
}

/// `append_depends_on_extension`: one `ALTER INDEX ... DEPENDS ON EXTENSION` per extension,
/// each without a final newline, as upstream prints them.
fn depends_on_extensions(idx: &Index, rel: &Relation) -> String {
    let qidx = qualified(&rel.schema, &idx.name);
    idx.extensions
        .iter()
        .map(|ext| format!("\nALTER INDEX {qidx} DEPENDS ON EXTENSION {};", ident(ext)))
        .collect()
}

/// A plain index: the server's CREATE INDEX, then what only ALTER commands can set.
pub(super) fn index_sql(idx: &Index, rel: &Relation) -> String {
    let mut q = format!("{};\n", idx.definition);
    q.push_str(&cluster_on(idx, rel));
    let qidx = qualified(&rel.schema, &idx.name);
    for (column, target) in &idx.stat_targets {
        // A column number, not a name: nothing to quote.
        q.push_str(&format!(
            "ALTER INDEX {qidx} ALTER COLUMN {column} SET STATISTICS {target};\n"
        ));
    }
    q.push_str(&depends_on_extensions(idx, rel));
    q.push_str(&replica_identity(idx, rel));
    q
}

/// The constraint an index implements, added to its table. PRIMARY KEY and UNIQUE are
/// rebuilt from the index; EXCLUDE has only the server's definition.
pub(super) fn constraint_sql(idx: &Index, con: &IndexConstraint, rel: &Relation) -> String {
    let mut q = format!(
        "ALTER TABLE ONLY {}\n    ADD CONSTRAINT {} ",
        qualified(&rel.schema, &rel.name),
        ident(&con.name)
    );
    if let Some(def) = &con.definition {
        q.push_str(&format!("{def};\n"));
    } else {
        q.push_str(if con.contype == b'p' {
            "PRIMARY KEY"
        } else {
            "UNIQUE"
        });
        // A primary key on a NULLS NOT DISTINCT index could once be created, but cannot be
        // restored that way.
        if idx.nulls_not_distinct && con.contype != b'p' {
            q.push_str(" NULLS NOT DISTINCT");
        }
        let names = |cols: &[i16]| -> String {
            cols.iter()
                .take_while(|&&n| n != 0)
                .map(|&n| ident(&attr_name(rel, n)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        q.push_str(&format!(" ({}", names(&idx.key_columns)));
        if con.period {
            q.push_str(" WITHOUT OVERLAPS");
        }
        if !idx.include_columns.is_empty() {
            q.push_str(&format!(") INCLUDE ({}", names(&idx.include_columns)));
        }
        q.push(')');
        if !idx.reloptions.is_empty() {
            q.push_str(&format!(" WITH ({})", reloptions(&idx.reloptions, "")));
        }
        if con.deferrable {
            q.push_str(" DEFERRABLE");
            if con.deferred {
                q.push_str(" INITIALLY DEFERRED");
            }
        }
        q.push_str(";\n");
    }
    q.push_str(&cluster_on(idx, rel));
    q.push_str(&replica_identity(idx, rel));
    q.push_str(&depends_on_extensions(idx, rel));
    q
}

/// `ALTER INDEX parent ATTACH PARTITION child`.
pub(super) fn attach_sql(
    parent: &Index,
    parent_rel: &Relation,
    child: &Index,
    child_rel: &Relation,
) -> String {
    format!(
        "ALTER INDEX {} ATTACH PARTITION {};\n",
        qualified(&parent_rel.schema, &parent.name),
        qualified(&child_rel.schema, &child.name)
    )
}

/// The server's CREATE STATISTICS, and the statistics target if one is set.
pub(super) fn statistics_sql(st: &StatisticsExt) -> String {
    let mut q = format!("{};\n", st.definition);
    if st.target >= 0 {
        q.push_str(&format!(
            "ALTER STATISTICS {} SET STATISTICS {};\n",
            qualified(&st.schema, &st.name),
            st.target
        ));
    }
    q
}

impl Builder<'_> {
    /// An index object (`Catalog::indexes[i]`) or the constraint it implements. The index of
    /// a constraint is not printed itself, but its comment is, depending on the constraint.
    pub(super) fn index(&mut self, obj: &DumpObject, i: usize) {
        let idx = &self.cat.indexes[i];
        let Some(rel) = self.cat.relation(idx.table_oid) else {
            return;
        };
        let comment_dep = match &idx.constraint {
            Some(con) if obj.kind == ObjectKind::Constraint => {
                let mut te = TocEntry::new(
                    obj.id,
                    "CONSTRAINT",
                    format!("{} {}", rel.name, con.name),
                    Section::PostData,
                );
                te.catalog_id = obj.catalog_id;
                te.namespace = Some(rel.schema.clone());
                te.tablespace = Some(idx.tablespace.clone());
                te.owner = Some(rel.owner.clone());
                te.defn = Some(constraint_sql(idx, con, rel));
                te.drop_stmt = Some(format!(
                    "ALTER TABLE ONLY {} DROP CONSTRAINT {};\n",
                    qualified(&rel.schema, &rel.name),
                    ident(&con.name)
                ));
                self.entries.push(te);
                self.constraint_comment(rel, con.oid, &con.name, obj.id);
                return;
            }
            Some(_) => match self.index_constraint_ids.get(&i) {
                Some(&id) => id,
                None => return,
            },
            None => {
                let mut te = TocEntry::new(obj.id, "INDEX", idx.name.clone(), Section::PostData);
                te.catalog_id = obj.catalog_id;
                te.namespace = Some(rel.schema.clone());
                te.tablespace = Some(idx.tablespace.clone());
                te.owner = Some(rel.owner.clone());
                te.defn = Some(index_sql(idx, rel));
                // A partition's index goes away with its table or its parent index only.
                te.drop_stmt = Some(if idx.parent_oid == 0 {
                    format!("DROP INDEX {};\n", qualified(&rel.schema, &idx.name))
                } else {
                    String::new()
                });
                self.entries.push(te);
                obj.id
            }
        };
        self.comment(
            "INDEX",
            &ident(&idx.name),
            Some(&rel.schema),
            &rel.owner,
            obj.catalog_id,
            0,
            comment_dep,
        );
    }

    /// `Catalog::indexes[child]` attached to `Catalog::indexes[parent]`.
    pub(super) fn index_attach(&mut self, obj: &DumpObject, child: usize, parent: usize) {
        let (child, parent) = (&self.cat.indexes[child], &self.cat.indexes[parent]);
        let (Some(child_rel), Some(parent_rel)) = (
            self.cat.relation(child.table_oid),
            self.cat.relation(parent.table_oid),
        ) else {
            return;
        };
        let mut te = TocEntry::new(obj.id, "INDEX ATTACH", obj.name.clone(), Section::PostData);
        te.namespace = Some(child_rel.schema.clone());
        // Nothing owns an attachment; the parent's owner runs it.
        te.owner = Some(parent_rel.owner.clone());
        te.defn = Some(attach_sql(parent, parent_rel, child, child_rel));
        self.entries.push(te);
    }

    pub(super) fn statistics(&mut self, obj: &DumpObject, i: usize) {
        let st = &self.cat.statistics[i];
        let mut te = TocEntry::new(obj.id, "STATISTICS", st.name.clone(), Section::PostData);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(st.schema.clone());
        te.owner = Some(st.owner.clone());
        te.defn = Some(statistics_sql(st));
        te.drop_stmt = Some(format!(
            "DROP STATISTICS {};\n",
            qualified(&st.schema, &st.name)
        ));
        self.entries.push(te);
        self.comment(
            "STATISTICS",
            &ident(&st.name),
            Some(&st.schema),
            &st.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::test_support::relation;

    fn orders() -> Relation {
        relation(
            16384,
            "Idx Schema",
            "Orders",
            &["id", "Customer", "order", "ünïcode"],
        )
    }

    #[test]
    fn plain_index() {
        let idx = Index {
            name: "orders_id".to_owned(),
            definition: "CREATE INDEX orders_id ON \"Idx Schema\".\"Orders\" USING btree (id)"
                .to_owned(),
            ..Index::default()
        };
        insta::assert_snapshot!(index_sql(&idx, &orders()), @r#"CREATE INDEX orders_id ON "Idx Schema"."Orders" USING btree (id);"#);
    }

    #[test]
    fn index_with_alter_commands() {
        let idx = Index {
            name: "Select".to_owned(),
            definition: "CREATE UNIQUE INDEX \"Select\" ON \"Idx Schema\".\"Orders\" \
                         USING btree (lower(\"Customer\"), id)"
                .to_owned(),
            clustered: true,
            replica_identity: true,
            stat_targets: vec![(1, 500), (2, 0)],
            extensions: vec!["plpgsql".to_owned(), "Ext".to_owned()],
            ..Index::default()
        };
        insta::assert_snapshot!(index_sql(&idx, &orders()));
    }

    #[test]
    fn primary_key_with_options() {
        let idx = Index {
            name: "Orders_pkey".to_owned(),
            key_columns: vec![1, 3],
            include_columns: vec![2, 4],
            reloptions: vec!["fillfactor=80".to_owned()],
            clustered: true,
            // Ignored for a primary key: it cannot be restored with it.
            nulls_not_distinct: true,
            ..Index::default()
        };
        let con = IndexConstraint {
            name: "Orders_pkey".to_owned(),
            contype: b'p',
            deferrable: true,
            deferred: true,
            ..IndexConstraint::default()
        };
        insta::assert_snapshot!(constraint_sql(&idx, &con, &orders()));
    }

    #[test]
    fn unique_constraints() {
        let rel = orders();
        let nulls = Index {
            name: "u nnd".to_owned(),
            key_columns: vec![2],
            nulls_not_distinct: true,
            replica_identity: true,
            extensions: vec!["plpgsql".to_owned()],
            ..Index::default()
        };
        let con = IndexConstraint {
            name: "u nnd".to_owned(),
            contype: b'u',
            deferrable: true,
            ..IndexConstraint::default()
        };
        let period = Index {
            name: "temporal".to_owned(),
            key_columns: vec![1, 3],
            ..Index::default()
        };
        let temporal = IndexConstraint {
            name: "temporal".to_owned(),
            contype: b'u',
            period: true,
            ..IndexConstraint::default()
        };
        insta::assert_snapshot!(format!(
            "{}{}",
            constraint_sql(&nulls, &con, &rel),
            constraint_sql(&period, &temporal, &rel)
        ));
    }

    #[test]
    fn exclusion_constraint() {
        let idx = Index {
            name: "no overlap".to_owned(),
            key_columns: vec![0],
            clustered: true,
            ..Index::default()
        };
        let con = IndexConstraint {
            name: "no overlap".to_owned(),
            contype: b'x',
            definition: Some(
                "EXCLUDE USING gist (during WITH &&) WHERE ((id > 0)) DEFERRABLE".to_owned(),
            ),
            ..IndexConstraint::default()
        };
        insta::assert_snapshot!(constraint_sql(&idx, &con, &orders()));
    }

    #[test]
    fn index_attach() {
        let parent = Index {
            name: "Parent Idx".to_owned(),
            ..Index::default()
        };
        let child = Index {
            name: "child_idx".to_owned(),
            ..Index::default()
        };
        insta::assert_snapshot!(
            attach_sql(&parent, &orders(), &child, &relation(16385, "part", "p1", &[])),
            @r#"ALTER INDEX "Idx Schema"."Parent Idx" ATTACH PARTITION part.child_idx;"#
        );
    }

    #[test]
    fn statistics() {
        let mut st = StatisticsExt {
            name: "Orders stats".to_owned(),
            schema: "stats".to_owned(),
            target: -1,
            definition: "CREATE STATISTICS stats.\"Orders stats\" (ndistinct) ON id, \"order\" \
                         FROM \"Idx Schema\".\"Orders\""
                .to_owned(),
            ..StatisticsExt::default()
        };
        let unset = statistics_sql(&st);
        st.target = 0;
        insta::assert_snapshot!(format!("{unset}{}", statistics_sql(&st)));
    }
}
