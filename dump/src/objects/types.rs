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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::Acl;
    use crate::catalog::types::{DomainConstraint, DomainInfo};
    use crate::catalog::{Depend, DerivedType, Namespace, UserType};
    use crate::objects::{DumpObject, Wanted, build, type_name_order};

    fn user_type(oid: u32, name: &str, kind: TypeKind) -> UserType {
        UserType {
            oid,
            namespace_oid: 2200,
            schema: "public".to_owned(),
            name: name.to_owned(),
            owner: "o".to_owned(),
            acl: Acl::default(),
            kind,
        }
    }

    fn depend(classid: u32, objid: u32, refobjid: u32) -> Depend {
        Depend {
            classid,
            objid,
            refclassid: classid::PG_TYPE,
            refobjid,
            deptype: b'n',
        }
    }

    /// A domain with a valid and a NOT VALID constraint, its array type, and a composite type
    /// with an attribute of the domain.
    fn catalog() -> Catalog {
        let constraint = |oid, name: &str, validated| DomainConstraint {
            oid,
            name: name.to_owned(),
            contype: b'c',
            definition: "CHECK ((VALUE > 0))".to_owned(),
            validated,
        };
        let mut cat = Catalog::default();
        cat.namespaces = vec![Namespace {
            oid: 2200,
            name: "public".to_owned(),
            selected: true,
            ..Namespace::default()
        }];
        cat.types = vec![
            user_type(
                600,
                "d",
                TypeKind::Domain(DomainInfo {
                    base: "integer".to_owned(),
                    constraints: vec![constraint(700, "a", true), constraint(701, "later", false)],
                    ..DomainInfo::default()
                }),
            ),
            user_type(
                610,
                "pair",
                TypeKind::Composite {
                    relid: 620,
                    attributes: Vec::new(),
                },
            ),
        ];
        cat.derived_types = vec![DerivedType {
            oid: 601,
            name: "_d".to_owned(),
            schema: "public".to_owned(),
            base_oid: 600,
        }];
        cat.depends = vec![
            depend(classid::PG_TYPE, 601, 600),
            depend(classid::PG_CLASS, 620, 601),
            // The composite's pg_class entry depends internally on its type.
            depend(classid::PG_CLASS, 620, 610),
        ];
        cat
    }

    fn id_of(objects: &[DumpObject], kind: ObjectKind, name: &str) -> DumpId {
        objects
            .iter()
            .find(|o| o.kind == kind && o.name == name)
            .map(|o| o.id)
            .unwrap_or_else(|| panic!("no {kind:?} {name}"))
    }

    #[test]
    fn domains_need_their_valid_constraints_and_composites_their_attribute_types() {
        let g = build(
            &catalog(),
            Wanted {
                schema: true,
                data: false,
                sequence_data: false,
                large_objects: None,
            },
        );
        let o = &g.objects;
        let domain = id_of(o, ObjectKind::Type, "d");
        let valid = id_of(o, ObjectKind::Constraint, "a");
        let later = id_of(o, ObjectKind::Constraint, "later");
        let deps = |id| g.get(id).map(|o| o.deps.clone()).unwrap_or_default();
        assert!(deps(domain).contains(&valid));
        assert!(!deps(domain).contains(&later));
        let later = g.get(later).expect("constraint");
        assert!(later.separate && later.check_of == Some(domain));
        assert_eq!(later.sort_table, "d");
        // Through the array type; the type's own pg_class entry is no dependency.
        let pair = id_of(o, ObjectKind::Type, "pair");
        let array = id_of(o, ObjectKind::DummyType, "_d");
        assert!(deps(pair).contains(&array) && !deps(pair).contains(&pair));
        assert!(deps(array).contains(&domain));
    }

    #[test]
    fn domain_constraints_sort_before_table_constraints_of_one_name() {
        let g = build(
            &catalog(),
            Wanted {
                schema: true,
                data: false,
                sequence_data: false,
                large_objects: None,
            },
        );
        let domain_con = g
            .get(id_of(&g.objects, ObjectKind::Constraint, "later"))
            .expect("constraint")
            .clone();
        let table_con = DumpObject {
            sort_num: 0,
            sort_table: "a_table".to_owned(),
            ..domain_con.clone()
        };
        assert_eq!(
            type_name_order(&domain_con, &table_con),
            std::cmp::Ordering::Less
        );
    }
}
