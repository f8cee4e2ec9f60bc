//! The pre-data kinds of issue 5's operators area, in the order pg_dump reads them
//! (getAggregates, getOperators, getAccessMethods, getOpclasses, getOpfamilies, getTSParsers,
//! getTSTemplates, getTSDictionaries, getTSConfigurations), with pg_dump_sort.c's tie-breaks:
//! argument count or operator kind, then argument types; access method name.

use std::collections::HashMap;

use tusk_format::{CatalogId, DumpId};

use super::{DumpObject, ObjectGraph, ObjectKind, Subject, object};
use crate::catalog::{Catalog, classid};

/// Adds the objects, registering them by catalog id so that pg_depend edges reach them.
pub(super) fn add_operators(
    g: &mut ObjectGraph,
    cat: &Catalog,
    by_catalog: &mut HashMap<(u32, u32), DumpId>,
) {
    let mut add = |tableoid: u32,
                   oid: u32,
                   kind: ObjectKind,
                   name: &str,
                   schema: Option<&str>,
                   subject: Subject,
                   tie_break: &dyn Fn(&mut DumpObject)| {
        let cid = CatalogId { tableoid, oid };
        let mut obj = object(kind, cid, name, schema, subject);
        tie_break(&mut obj);
        by_catalog.insert((tableoid, oid), g.push(obj));
    };
    let none = |_: &mut DumpObject| {};
    for (i, a) in cat.aggregates.iter().enumerate() {
        add(
            classid::PG_PROC,
            a.oid,
            ObjectKind::Agg,
            &a.name,
            Some(&a.schema),
            Subject::Aggregate(i),
            &|o| {
                o.sort_num = i32::try_from(a.arg_keys.len()).unwrap_or(i32::MAX);
                o.sort_args = a.arg_keys.clone();
            },
        );
    }
    for (i, op) in cat.operators.iter().enumerate() {
        add(
            classid::PG_OPERATOR,
            op.oid,
            ObjectKind::Operator,
            &op.name,
            Some(&op.schema),
            Subject::Operator(i),
            // Prefix before postfix before infix: oprkind in descending order.
            &|o| {
                o.sort_num = -i32::from(op.kind);
                o.sort_args = vec![op.left_key.clone(), op.right_key.clone()];
            },
        );
    }
    for (i, am) in cat.access_methods.iter().enumerate() {
        let (kind, subject) = (ObjectKind::AccessMethod, Subject::AccessMethod(i));
        add(classid::PG_AM, am.oid, kind, &am.name, None, subject, &none);
    }
    for (i, c) in cat.opclasses.iter().enumerate() {
        add(
            classid::PG_OPCLASS,
            c.oid,
            ObjectKind::OpClass,
            &c.name,
            Some(&c.schema),
            Subject::OpClass(i),
            &|o| o.sort_table = c.method.clone(),
        );
    }
    for (i, f) in cat.opfamilies.iter().enumerate() {
        add(
            classid::PG_OPFAMILY,
            f.oid,
            ObjectKind::OpFamily,
            &f.name,
            Some(&f.schema),
            Subject::OpFamily(i),
            &|o| o.sort_table = f.method.clone(),
        );
    }
    for (i, p) in cat.ts_parsers.iter().enumerate() {
        let (kind, subject) = (ObjectKind::TsParser, Subject::TsParser(i));
        add(
            classid::PG_TS_PARSER,
            p.oid,
            kind,
            &p.name,
            Some(&p.schema),
            subject,
            &none,
        );
    }
    for (i, t) in cat.ts_templates.iter().enumerate() {
        let (kind, subject) = (ObjectKind::TsTemplate, Subject::TsTemplate(i));
        add(
            classid::PG_TS_TEMPLATE,
            t.oid,
            kind,
            &t.name,
            Some(&t.schema),
            subject,
            &none,
        );
    }
    for (i, d) in cat.ts_dicts.iter().enumerate() {
        let (kind, subject) = (ObjectKind::TsDict, Subject::TsDict(i));
        add(
            classid::PG_TS_DICT,
            d.oid,
            kind,
            &d.name,
            Some(&d.schema),
            subject,
            &none,
        );
    }
    for (i, c) in cat.ts_configs.iter().enumerate() {
        let (kind, subject) = (ObjectKind::TsConfig, Subject::TsConfig(i));
        add(
            classid::PG_TS_CONFIG,
            c.oid,
            kind,
            &c.name,
            Some(&c.schema),
            subject,
            &none,
        );
    }
}
