//! Aggregates, operators, operator classes and families (getAggregates, getOperators,
//! getOpclasses, getOpfamilies): schema-bound, dumped with their schema, sorted with
//! pg_dump_sort.c's tie-breaks (argument count or operator kind, then argument types; access
//! method name).

use std::collections::HashMap;

use tusk_format::{CatalogId, DumpId};

use super::{ObjectGraph, ObjectKind, Subject, object};
use crate::catalog::{Catalog, classid};

/// Adds the aggregates, operators, operator classes, then families, as pg_dump reads them.
pub(super) fn add_operators(
    g: &mut ObjectGraph,
    cat: &Catalog,
    by_catalog: &mut HashMap<(u32, u32), DumpId>,
) {
    let mut add = |g: &mut ObjectGraph, obj: super::DumpObject| {
        let key = (obj.catalog_id.tableoid, obj.catalog_id.oid);
        by_catalog.insert(key, g.push(obj));
    };
    for (i, agg) in cat.aggregates.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_PROC,
            oid: agg.oid,
        };
        let mut obj = object(
            ObjectKind::Agg,
            cid,
            &agg.name,
            Some(&agg.schema),
            Subject::Aggregate(i),
        );
        obj.sort_num = i32::try_from(agg.arg_keys.len()).unwrap_or(i32::MAX);
        obj.sort_args = agg.arg_keys.clone();
        add(g, obj);
    }
    for (i, op) in cat.operators.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_OPERATOR,
            oid: op.oid,
        };
        let mut obj = object(
            ObjectKind::Operator,
            cid,
            &op.name,
            Some(&op.schema),
            Subject::Operator(i),
        );
        // Prefix before postfix before infix: oprkind in descending order.
        obj.sort_num = -i32::from(op.kind);
        obj.sort_args = vec![op.left_key.clone(), op.right_key.clone()];
        add(g, obj);
    }
    for (i, c) in cat.opclasses.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_OPCLASS,
            oid: c.oid,
        };
        let mut obj = object(
            ObjectKind::OpClass,
            cid,
            &c.name,
            Some(&c.schema),
            Subject::OpClass(i),
        );
        obj.sort_table = c.method.clone();
        add(g, obj);
    }
    for (i, f) in cat.opfamilies.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_OPFAMILY,
            oid: f.oid,
        };
        let mut obj = object(
            ObjectKind::OpFamily,
            cid,
            &f.name,
            Some(&f.schema),
            Subject::OpFamily(i),
        );
        obj.sort_table = f.method.clone();
        add(g, obj);
    }
}
