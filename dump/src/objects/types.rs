//! Type objects (pg_dump's getTypes): each type, a domain followed by its constraints, then
//! the dummies of array and multirange types.

use std::collections::HashMap;

use tusk_format::{CatalogId, DumpId};

use super::{ObjectGraph, ObjectKind, Subject, object};
use crate::catalog::{Catalog, TypeKind, classid};

/// Sorts a domain's constraints before tables' ones of the same name (`DOTypeNameCompare`).
pub(super) const DOMAIN_CONSTRAINT_SORT: i32 = -1;

pub(super) fn add_types(
    g: &mut ObjectGraph,
    cat: &Catalog,
    by_catalog: &mut HashMap<(u32, u32), DumpId>,
) {
    let mut type_index: HashMap<u32, usize> = HashMap::new();
    for (i, ty) in cat.types.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_TYPE,
            oid: ty.oid,
        };
        let id = g.push(object(
            ObjectKind::Type,
            cid,
            &ty.name,
            Some(&ty.schema),
            Subject::Type(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
        type_index.insert(ty.oid, i);
        match &ty.kind {
            // The attributes' dependencies are recorded on the type's pg_class entry, which
            // pg_dump turns around into the type's own (getDependencies).
            TypeKind::Composite { relid, .. } => {
                by_catalog.insert((classid::PG_CLASS, *relid), id);
            }
            TypeKind::Domain(d) => {
                for (j, con) in d.constraints.iter().enumerate() {
                    let cid = CatalogId {
                        tableoid: classid::PG_CONSTRAINT,
                        oid: con.oid,
                    };
                    let mut obj = object(
                        ObjectKind::Constraint,
                        cid,
                        &con.name,
                        Some(&ty.schema),
                        Subject::DomainConstraint(i, j),
                    );
                    obj.sort_num = DOMAIN_CONSTRAINT_SORT;
                    obj.sort_table = ty.name.clone();
                    // A valid constraint is printed inside CREATE DOMAIN, which needs it first;
                    // the loop this makes is repaired as a table's CHECK constraint's is.
                    obj.separate = !con.validated;
                    obj.check_of = Some(id);
                    let con_id = g.push(obj);
                    by_catalog.insert((cid.tableoid, cid.oid), con_id);
                    if con.validated {
                        if let Some(t) = g.get_mut(id) {
                            t.deps.push(con_id);
                        }
                    }
                }
            }
            TypeKind::Enum(_) | TypeKind::Range(_) => {}
        }
    }
    for dt in &cat.derived_types {
        let Some(&i) = type_index.get(&dt.base_oid) else {
            continue;
        };
        let cid = CatalogId {
            tableoid: classid::PG_TYPE,
            oid: dt.oid,
        };
        let id = g.push(object(
            ObjectKind::DummyType,
            cid,
            &dt.name,
            Some(&dt.schema),
            Subject::Type(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
}

/// Collation and conversion objects (getCollations, getConversions), a collation's encoding
/// as its `DOTypeNameCompare` tie-breaker.
pub(super) fn add_collations_and_conversions(
    g: &mut ObjectGraph,
    cat: &Catalog,
    by_catalog: &mut HashMap<(u32, u32), DumpId>,
) {
    for (i, coll) in cat.collations.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_COLLATION,
            oid: coll.oid,
        };
        let mut obj = object(
            ObjectKind::Collation,
            cid,
            &coll.name,
            Some(&coll.schema),
            Subject::Collation(i),
        );
        obj.sort_num = coll.encoding;
        let id = g.push(obj);
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
    for (i, conv) in cat.conversions.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_CONVERSION,
            oid: conv.oid,
        };
        let id = g.push(object(
            ObjectKind::Conversion,
            cid,
            &conv.name,
            Some(&conv.schema),
            Subject::Conversion(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
    }
}
