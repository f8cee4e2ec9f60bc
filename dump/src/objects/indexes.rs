//! Index objects: indexes with the constraints they implement (pg_dump's getIndexes), the
//! attachments of partition indexes (flagInhIndexes) and extended statistics.

use std::collections::HashMap;

use tusk_format::{CatalogId, DumpId};

use super::{ObjectGraph, ObjectKind, Subject, object};
use crate::catalog::{Catalog, classid};

/// What later objects need to know about the index objects built.
#[derive(Debug, Default)]
pub(super) struct IndexObjects {
    /// By parent index OID: the ATTACH objects of its partitions' indexes, with each
    /// partition index's OID.
    attaches: HashMap<u32, Vec<(DumpId, u32)>>,
}

impl IndexObjects {
    /// The ATTACH objects of every partition index below `index_oid`, at any depth: a foreign
    /// key onto a partitioned table can only be added once they have all run
    /// (`addConstrChildIdxDeps`).
    pub(super) fn attaches_below(&self, index_oid: u32) -> Vec<DumpId> {
        let mut out = Vec::new();
        let mut pending = vec![index_oid];
        while let Some(oid) = pending.pop() {
            for &(attach, child) in self.attaches.get(&oid).into_iter().flatten() {
                out.push(attach);
                pending.push(child);
            }
        }
        out
    }
}

/// Adds the objects in pg_dump's dump-id order: each index followed by its constraint, then
/// the index attachments, then the statistics objects.
pub(super) fn add_indexes(
    g: &mut ObjectGraph,
    cat: &Catalog,
    by_catalog: &mut HashMap<(u32, u32), DumpId>,
) -> IndexObjects {
    let mut index_ids: HashMap<u32, (usize, DumpId)> = HashMap::new();
    for (i, idx) in cat.indexes.iter().enumerate() {
        let Some(rel) = cat.relation(idx.table_oid) else {
            continue;
        };
        let cid = CatalogId {
            tableoid: classid::PG_CLASS,
            oid: idx.oid,
        };
        let id = g.push(object(
            ObjectKind::Index,
            cid,
            &idx.name,
            Some(&rel.schema),
            Subject::Index(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
        index_ids.insert(idx.oid, (i, id));
        let stats = super::stats::push_stats(g, cat, idx.oid, id);
        if let Some(con) = &idx.constraint {
            let cid = CatalogId {
                tableoid: classid::PG_CONSTRAINT,
                oid: con.oid,
            };
            let mut obj = object(
                ObjectKind::Constraint,
                cid,
                &con.name,
                Some(&rel.schema),
                Subject::Index(i),
            );
            obj.sort_table = rel.name.clone();
            obj.separate = true;
            let id = g.push(obj);
            by_catalog.insert((cid.tableoid, cid.oid), id);
            // The statistics of a constraint's index wait for the constraint (getIndexes).
            if let Some(s) = stats.and_then(|s| g.get_mut(s)) {
                s.deps.push(id);
            }
        }
    }

    let mut out = IndexObjects::default();
    let table_id = |oid: u32| by_catalog.get(&(classid::PG_CLASS, oid)).copied();
    for (i, idx) in cat.indexes.iter().enumerate() {
        let (Some(&(p, parent_id)), Some(&(_, child_id))) =
            (index_ids.get(&idx.parent_oid), index_ids.get(&idx.oid))
        else {
            continue;
        };
        let parent = &cat.indexes[p];
        let (Some(rel), Some(table), Some(parent_table)) = (
            cat.relation(idx.table_oid),
            table_id(idx.table_oid),
            table_id(parent.table_oid),
        ) else {
            continue;
        };
        let mut obj = object(
            ObjectKind::IndexAttach,
            CatalogId::default(),
            &idx.name,
            Some(&rel.schema),
            Subject::IndexAttach(i, p),
        );
        // Nothing in pg_depend names the attachment: it needs both indexes, and their tables
        // so that a parallel restore does not run it beside other work on them.
        obj.deps = vec![child_id, parent_id, table, parent_table];
        let id = g.push(obj);
        out.attaches
            .entry(parent.oid)
            .or_default()
            .push((id, idx.oid));
    }

    for (i, st) in cat.statistics.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_STATISTIC_EXT,
            oid: st.oid,
        };
        let id = g.push(object(
            ObjectKind::StatsExt,
            cid,
            &st.name,
            Some(&st.schema),
            Subject::StatisticsExt(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{DumpObject, Wanted, build};
    use super::*;
    use crate::catalog::test_support::{catalog, relation};
    use crate::catalog::{Constraint, Index, IndexConstraint, Namespace, StatisticsExt};

    fn namespace(oid: u32, name: &str, selected: bool) -> Namespace {
        Namespace {
            oid,
            name: name.to_owned(),
            owner: "owner".to_owned(),
            selected,
            ..Namespace::default()
        }
    }

    fn index(oid: u32, table_oid: u32, parent_oid: u32, constraint: Option<u32>) -> Index {
        Index {
            oid,
            table_oid,
            name: format!("idx{oid}"),
            parent_oid,
            constraint: constraint.map(|oid| IndexConstraint {
                oid,
                name: format!("idx{oid}"),
                contype: b'p',
                ..IndexConstraint::default()
            }),
            ..Index::default()
        }
    }

    /// A partitioned table with a sub-partitioned partition, its key attached at each level,
    /// a foreign key onto it, and statistics in a selected and an unselected schema.
    fn partitioned() -> Catalog {
        let mut parted = relation(100, "public", "parted", &["id"]);
        parted.relkind = b'p';
        let mut middle = relation(101, "public", "middle", &["id"]);
        middle.relkind = b'p';
        let mut cat = catalog(
            vec![
                namespace(2200, "public", true),
                namespace(16400, "hidden", false),
            ],
            vec![
                parted,
                middle,
                relation(102, "public", "leaf", &["id"]),
                relation(103, "public", "referencing", &["id"]),
            ],
        );
        cat.indexes = vec![
            index(200, 100, 0, Some(300)),
            index(201, 101, 200, Some(301)),
            index(202, 102, 201, Some(302)),
            index(203, 103, 0, None),
        ];
        cat.constraints = vec![Constraint {
            oid: 400,
            table_oid: 103,
            ref_table_oid: 100,
            ref_index_oid: 200,
            name: "fk".to_owned(),
            contype: b'f',
            definition: Some("FOREIGN KEY (id) REFERENCES public.parted(id)".to_owned()),
            deferrable: false,
            deferred: false,
            check: None,
        }];
        cat.statistics = [(500, 2200), (501, 16400)]
            .into_iter()
            .map(|(oid, namespace_oid)| StatisticsExt {
                oid,
                name: format!("st{oid}"),
                namespace_oid,
                table_oid: 103,
                ..StatisticsExt::default()
            })
            .collect();
        cat
    }

    fn find(objects: &[DumpObject], kind: ObjectKind, name: &str) -> DumpId {
        objects
            .iter()
            .find(|o| o.kind == kind && o.name == name)
            .map(|o| o.id)
            .unwrap_or_else(|| panic!("no {kind:?} {name}"))
    }

    #[test]
    fn indexes_constraints_attachments_in_dump_id_order() {
        let g = build(
            &partitioned(),
            Wanted {
                schema: true,
                data: false,
                sequence_data: false,
                large_objects: None,
            },
        );
        let kinds: Vec<(ObjectKind, &str)> = g
            .objects
            .iter()
            .filter(|o| o.kind >= ObjectKind::Index && o.kind <= ObjectKind::FkConstraint)
            .map(|o| (o.kind, o.name.as_str()))
            .collect();
        use ObjectKind::*;
        assert_eq!(
            kinds,
            [
                (Index, "idx200"),
                (Constraint, "idx300"),
                (Index, "idx201"),
                (Constraint, "idx301"),
                (Index, "idx202"),
                (Constraint, "idx302"),
                (Index, "idx203"),
                (IndexAttach, "idx201"),
                (IndexAttach, "idx202"),
                (StatsExt, "st500"),
                (StatsExt, "st501"),
                (FkConstraint, "fk"),
            ]
        );
    }

    #[test]
    fn attachments_depend_on_both_indexes_and_tables() {
        let g = build(
            &partitioned(),
            Wanted {
                schema: true,
                data: false,
                sequence_data: false,
                large_objects: None,
            },
        );
        let o = &g.objects;
        let attach = g
            .get(find(o, ObjectKind::IndexAttach, "idx202"))
            .expect("attach object");
        assert_eq!(attach.subject, Subject::IndexAttach(2, 1));
        assert_eq!(
            attach.deps[..4],
            [
                find(o, ObjectKind::Index, "idx202"),
                find(o, ObjectKind::Index, "idx201"),
                find(o, ObjectKind::Table, "leaf"),
                find(o, ObjectKind::Table, "middle"),
            ]
        );
        // The foreign key waits for every level of attachments under the referenced key.
        let fk = g.get(find(o, ObjectKind::FkConstraint, "fk")).expect("fk");
        for child in ["idx201", "idx202"] {
            assert!(fk.deps.contains(&find(o, ObjectKind::IndexAttach, child)));
        }
    }

    #[test]
    fn statistics_follow_their_schema_and_table() {
        let mut cat = partitioned();
        let wanted = Wanted {
            schema: true,
            data: false,
            sequence_data: false,
            large_objects: None,
        };
        let dumped = |cat: &Catalog| -> Vec<bool> {
            let g = build(cat, wanted);
            ["st500", "st501"]
                .iter()
                .map(|n| {
                    g.get(find(&g.objects, ObjectKind::StatsExt, n))
                        .is_some_and(|o| o.dump)
                })
                .collect()
        };
        assert_eq!(dumped(&cat), [true, false]);
        cat.relations[3].selected = false;
        assert_eq!(dumped(&cat), [false, false]);
    }
}
