//! Base types with their shell types and array types (getTypes' TypeInfo, ShellTypeInfo and
//! the array's DO_DUMMY_TYPE).

use std::collections::HashMap;

use tusk_format::{CatalogId, DumpId};

use super::{ObjectGraph, ObjectKind, Subject, object};
use crate::catalog::{Catalog, classid};

/// Adds each base type, the shell its I/O functions may need (dumped only if the sort says
/// so), and its array type, through which dependencies on the array reach the type.
pub(super) fn add_base_types(
    g: &mut ObjectGraph,
    cat: &Catalog,
    by_catalog: &mut HashMap<(u32, u32), DumpId>,
) {
    for (i, ty) in cat.base_types.iter().enumerate() {
        let cid = CatalogId {
            tableoid: classid::PG_TYPE,
            oid: ty.oid,
        };
        let id = g.push(object(
            ObjectKind::Type,
            cid,
            &ty.name,
            Some(&ty.schema),
            Subject::BaseType(i),
        ));
        by_catalog.insert((cid.tableoid, cid.oid), id);
        // No catalog id: the type's pg_depend rows are not the shell's. pg_catalog's types,
        // dumped for their privileges only, have none.
        if ty.definition.is_some() && ty.schema != "pg_catalog" {
            g.push(object(
                ObjectKind::ShellType,
                CatalogId::default(),
                &ty.name,
                Some(&ty.schema),
                Subject::ShellType(i),
            ));
        }
        if let Some((oid, name)) = &ty.array {
            let cid = CatalogId {
                tableoid: classid::PG_TYPE,
                oid: *oid,
            };
            let id = g.push(object(
                ObjectKind::DummyType,
                cid,
                name,
                Some(&ty.schema),
                Subject::BaseType(i),
            ));
            by_catalog.insert((cid.tableoid, cid.oid), id);
        }
    }
}
