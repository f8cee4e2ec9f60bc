//! The pre-data kinds of issue 5's operators area, in the order pg_dump reads them
//! (getAggregates, getOperators, getAccessMethods, getOpclasses, getOpfamilies, getTSParsers,
//! getTSTemplates, getTSDictionaries, getTSConfigurations), with pg_dump_sort.c's tie-breaks:
//! argument count or operator kind, then argument types; access method name.

use std::collections::HashMap;

use tusk_format::{CatalogId, DumpId};

use super::{DumpObject, ObjectGraph, ObjectKind, Subject, object};
use crate::catalog::{Catalog, classid};

/// An object for the catalog row (`tableoid`, `oid`).
fn row(
    kind: ObjectKind,
    (tableoid, oid): (u32, u32),
    name: &str,
    schema: Option<&str>,
    subject: Subject,
) -> DumpObject {
    object(kind, CatalogId { tableoid, oid }, name, schema, subject)
}

/// Adds the objects, registering them by catalog id so that pg_depend edges reach them.
pub(super) fn add_operators(
    g: &mut ObjectGraph,
    cat: &Catalog,
    by_catalog: &mut HashMap<(u32, u32), DumpId>,
) {
    let mut push = |obj: DumpObject| {
        let key = (obj.catalog_id.tableoid, obj.catalog_id.oid);
        by_catalog.insert(key, g.push(obj));
    };
    for (i, a) in cat.aggregates.iter().enumerate() {
        let id = (classid::PG_PROC, a.oid);
        let mut obj = row(
            ObjectKind::Agg,
            id,
            &a.name,
            Some(&a.schema),
            Subject::Aggregate(i),
        );
        obj.sort_num = i32::try_from(a.arg_keys.len()).unwrap_or(i32::MAX);
        obj.sort_args = a.arg_keys.clone();
        push(obj);
    }
    for (i, op) in cat.operators.iter().enumerate() {
        let id = (classid::PG_OPERATOR, op.oid);
        let (kind, subject) = (ObjectKind::Operator, Subject::Operator(i));
        let mut obj = row(kind, id, &op.name, Some(&op.schema), subject);
        // Prefix before postfix before infix: oprkind in descending order.
        obj.sort_num = -i32::from(op.kind);
        obj.sort_args = vec![op.left_key.clone(), op.right_key.clone()];
        push(obj);
    }
    for (i, am) in cat.access_methods.iter().enumerate() {
        let id = (classid::PG_AM, am.oid);
        let (kind, subject) = (ObjectKind::AccessMethod, Subject::AccessMethod(i));
        push(row(kind, id, &am.name, None, subject));
    }
    for (i, c) in cat.opclasses.iter().enumerate() {
        let id = (classid::PG_OPCLASS, c.oid);
        let mut obj = row(
            ObjectKind::OpClass,
            id,
            &c.name,
            Some(&c.schema),
            Subject::OpClass(i),
        );
        obj.sort_table = c.method.clone();
        push(obj);
    }
    for (i, f) in cat.opfamilies.iter().enumerate() {
        let id = (classid::PG_OPFAMILY, f.oid);
        let (kind, subject) = (ObjectKind::OpFamily, Subject::OpFamily(i));
        let mut obj = row(kind, id, &f.name, Some(&f.schema), subject);
        obj.sort_table = f.method.clone();
        push(obj);
    }
    for (i, p) in cat.ts_parsers.iter().enumerate() {
        let id = (classid::PG_TS_PARSER, p.oid);
        let (kind, subject) = (ObjectKind::TsParser, Subject::TsParser(i));
        push(row(kind, id, &p.name, Some(&p.schema), subject));
    }
    for (i, t) in cat.ts_templates.iter().enumerate() {
        let id = (classid::PG_TS_TEMPLATE, t.oid);
        let (kind, subject) = (ObjectKind::TsTemplate, Subject::TsTemplate(i));
        push(row(kind, id, &t.name, Some(&t.schema), subject));
    }
    for (i, d) in cat.ts_dicts.iter().enumerate() {
        let id = (classid::PG_TS_DICT, d.oid);
        let (kind, subject) = (ObjectKind::TsDict, Subject::TsDict(i));
        push(row(kind, id, &d.name, Some(&d.schema), subject));
    }
    for (i, c) in cat.ts_configs.iter().enumerate() {
        let id = (classid::PG_TS_CONFIG, c.oid);
        let (kind, subject) = (ObjectKind::TsConfig, Subject::TsConfig(i));
        push(row(kind, id, &c.name, Some(&c.schema), subject));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{OpFamily, Operator};
    use crate::objects::type_name_order;

    fn key(schema: &str, name: &str) -> (String, String) {
        (schema.to_owned(), name.to_owned())
    }

    fn sorted_names(cat: &Catalog) -> Vec<String> {
        let mut g = ObjectGraph::default();
        add_operators(&mut g, cat, &mut HashMap::new());
        g.objects.sort_by(type_name_order);
        g.objects
            .iter()
            .map(|o| match o.subject {
                Subject::Operator(i) => {
                    let op = &cat.operators[i];
                    format!(
                        "{} {}({}, {})",
                        op.name, op.kind as char, op.left_key.1, op.right_key.1
                    )
                }
                Subject::OpFamily(i) => format!("{} {}", o.name, cat.opfamilies[i].method),
                _ => o.name.clone(),
            })
            .collect()
    }

    #[test]
    fn operators_sort_by_kind_then_argument_types() {
        let op = |oid, kind, left: &str, right: &str| Operator {
            oid,
            schema: "s".to_owned(),
            name: "#+#".to_owned(),
            kind,
            left_key: if left.is_empty() {
                key("", "")
            } else {
                key("pg_catalog", left)
            },
            right_key: key("pg_catalog", right),
            ..Operator::default()
        };
        let mut cat = Catalog::default();
        cat.operators = vec![
            op(1, b'b', "text", "text"),
            op(2, b'b', "int4", "int8"),
            op(3, b'l', "", "int8"),
            op(4, b'b', "int4", "int4"),
            op(5, b'b', "char", "char"),
        ];
        assert_eq!(
            sorted_names(&cat),
            [
                "#+# l(, int8)",
                "#+# b(char, char)",
                "#+# b(int4, int4)",
                "#+# b(int4, int8)",
                "#+# b(text, text)",
            ]
        );
    }

    #[test]
    fn families_of_one_name_sort_by_access_method() {
        let fam = |oid, method: &str| OpFamily {
            oid,
            schema: "s".to_owned(),
            name: "f".to_owned(),
            method: method.to_owned(),
            ..OpFamily::default()
        };
        let mut cat = Catalog::default();
        cat.opfamilies = vec![fam(1, "hash"), fam(2, "btree"), fam(3, "Ops AM")];
        assert_eq!(sorted_names(&cat), ["f Ops AM", "f btree", "f hash"]);
    }
}
