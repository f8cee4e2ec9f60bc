//! Statistics objects (pg_dump's RelStatsInfo): one per relation or index whose statistics
//! are dumped, created right after its owner as getTables and getIndexes do.

use std::collections::HashMap;

use tusk_format::{CatalogId, DumpId};

use super::{ObjectGraph, ObjectKind, Subject, object};
use crate::catalog::Catalog;

/// `getRelationStatistics`: the statistics of relation or index `oid`, if they are dumped,
/// depending on `owner` (its object). An index's are post-data.
pub(super) fn push_stats(
    g: &mut ObjectGraph,
    cat: &Catalog,
    oid: u32,
    owner: DumpId,
) -> Option<DumpId> {
    let stats = &cat.relation_stats;
    let i = stats.index_of(oid)?;
    let rs = &stats.relations[i];
    // A nil catalog id, so that no pg_depend row matches it.
    let mut obj = object(
        ObjectKind::RelStats,
        CatalogId::default(),
        &rs.name,
        Some(&rs.schema),
        Subject::RelStats(i),
    );
    obj.separate = rs.is_index;
    obj.deps.push(owner);
    Some(g.push(obj))
}

/// A refresh replaces a materialized view's storage and resets its statistics, so they are
/// restored after it, in post-data (makeTableDataInfo). `data_ids`: data objects by relation.
pub(super) fn after_refreshes(g: &mut ObjectGraph, cat: &Catalog, data_ids: &HashMap<u32, DumpId>) {
    for obj in &mut g.objects {
        let Subject::RelStats(i) = obj.subject else {
            continue;
        };
        let oid = cat.relation_stats.relations[i].oid;
        if cat.relation(oid).is_some_and(|r| r.relkind == b'm') {
            if let Some(&refresh) = data_ids.get(&oid) {
                obj.separate = true;
                obj.deps.push(refresh);
            }
        }
    }
}
