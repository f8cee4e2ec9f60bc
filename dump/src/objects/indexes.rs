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
