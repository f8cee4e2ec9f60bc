use tusk_format::quote::ident;
use tusk_format::{CatalogId, TocEntry};

use super::super::{Builder, DdlOptions};
use crate::acl::Acl;
use crate::catalog::{
    Catalog, Column, ColumnAcl, Database, LargeObject, Namespace, Relation, SecLabel, classid,
    public_schema_base_acl,
};
use crate::objects::ObjectGraph;
use crate::objects::{DumpObject, ObjectKind, Subject};

fn items(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn options() -> DdlOptions {
    DdlOptions {
        data: true,
        database: true,
        ..DdlOptions::for_tests()
    }
}

fn builder(cat: &Catalog, opts: DdlOptions) -> Builder<'_> {
    let mut b = Builder::new(cat, &ObjectGraph::default(), opts);
    b.next_id = 100;
    b
}

fn object(id: i32, kind: ObjectKind, oid: u32, tableoid: u32, subject: Subject) -> DumpObject {
    DumpObject {
        id,
        kind,
        catalog_id: CatalogId { tableoid, oid },
        name: String::new(),
        namespace: None,
        deps: Vec::new(),
        subject,
        separate: false,
        sort_num: 0,
        sort_table: String::new(),
        sort_args: Vec::new(),
        dump: true,
        check_of: None,
    }
}

/// The entries as a reviewer reads them: header fields, then the SQL.
fn render(entries: &[TocEntry]) -> String {
    entries
        .iter()
        .map(|te| {
            format!(
                "-- {} | {} | ns={:?} | owner={:?} | deps={:?}\n{}",
                te.desc,
                te.tag,
                te.namespace,
                te.owner,
                te.dependencies,
                te.defn.as_deref().unwrap_or("")
            )
        })
        .collect()
}

fn relation(oid: u32, name: &str, relkind: u8) -> Relation {
    Relation {
        oid,
        schema: "Sch ema".to_owned(),
        name: name.to_owned(),
        relkind,
        owner: "Role With Space".to_owned(),
        persistence: b'p',
        columns: vec![Column {
            num: 1,
            name: "Col".to_owned(),
            type_name: "integer".to_owned(),
            is_local: true,
            ..Column::default()
        }],
        selected: true,
        ..Relation::default()
    }
}

fn label(classoid: u32, objoid: u32, objsubid: i32, label: &str) -> SecLabel {
    SecLabel {
        classoid,
        objoid,
        objsubid,
        provider: "dummy".to_owned(),
        label: label.to_owned(),
    }
}

fn catalog() -> Catalog {
    let owner = "Role With Space";
    let mut table = relation(16500, "My Table", b'r');
    table.acl = Acl {
        acl: Some(items(&[
            "\"Role With Space\"=arwdDxtm/\"Role With Space\"",
            "=r/\"Role With Space\"",
            "reader=r*/\"Role With Space\"",
        ])),
        default: items(&["\"Role With Space\"=arwdDxtm/\"Role With Space\""]),
        init: None,
    };
    table.column_acls = vec![
        ColumnAcl {
            name: "Col".to_owned(),
            acl: Acl {
                acl: Some(items(&["reader=w/\"Role With Space\""])),
                ..Acl::default()
            },
        },
        ColumnAcl {
            name: "ctid".to_owned(),
            acl: Acl {
                acl: Some(items(&["=r/\"Role With Space\""])),
                ..Acl::default()
            },
        },
    ];
    let mut seq = relation(16510, "seq", b'S');
    seq.acl = Acl {
        acl: Some(items(&[
            "\"Role With Space\"=rwU/\"Role With Space\"",
            "reader=U/reader",
        ])),
        default: items(&["\"Role With Space\"=rwU/\"Role With Space\""]),
        init: None,
    };
    let mut seclabels = vec![
        label(classid::PG_NAMESPACE, 2200, 0, "public label"),
        label(classid::PG_CLASS, 16500, 0, "it's a table"),
        label(classid::PG_CLASS, 16500, 1, "column"),
        label(classid::PG_CLASS, 16510, 0, "sequence"),
        label(classid::PG_DATABASE, 5, 0, "db"),
        label(classid::PG_LARGEOBJECT, 16600, 0, "lo"),
    ];
    seclabels.sort_by_key(|l| (l.classoid, l.objoid, l.objsubid));
    let lo = |oid| LargeObject {
        oid,
        owner: owner.to_owned(),
        acl: Some("{...}".to_owned()),
        privileges: Acl {
            acl: Some(items(&[
                "\"Role With Space\"=rw/\"Role With Space\"",
                "=r/\"Role With Space\"",
            ])),
            default: items(&["\"Role With Space\"=rw/\"Role With Space\""]),
            init: None,
        },
    };
    let mut cat = Catalog::default();
    cat.database = Database {
        oid: 5,
        name: "My DB".to_owned(),
        owner: owner.to_owned(),
        acl: Acl {
            acl: Some(items(&[
                "\"Role With Space\"=CTc/\"Role With Space\"",
                "reader=c/\"Role With Space\"",
            ])),
            default: items(&[
                "=Tc/\"Role With Space\"",
                "\"Role With Space\"=CTc/\"Role With Space\"",
            ]),
            init: None,
        },
        ..Database::default()
    };
    cat.large_objects = vec![lo(16600), lo(16601), lo(16700)];
    cat.namespaces = vec![
        Namespace {
            oid: 2200,
            name: "public".to_owned(),
            owner: owner.to_owned(),
            selected: true,
            create: false,
            acl: Acl {
                acl: Some(items(&["\"Role With Space\"=UC/\"Role With Space\""])),
                default: items(&["\"Role With Space\"=UC/\"Role With Space\""]),
                init: Some(public_schema_base_acl(owner)),
            },
        },
        Namespace {
            oid: 16400,
            name: "Sch ema".to_owned(),
            owner: owner.to_owned(),
            selected: true,
            create: true,
            acl: Acl {
                acl: Some(items(&[
                    "\"Role With Space\"=UC/\"Role With Space\"",
                    "=U/reader",
                ])),
                default: items(&["\"Role With Space\"=UC/\"Role With Space\""]),
                init: None,
            },
        },
    ];
    cat.relations = vec![table, seq];
    cat.seclabels = seclabels;
    cat
}

fn everything(cat: &Catalog, opts: DdlOptions) -> String {
    let mut b = builder(cat, opts);
    // As `Builder::object` does: schemas only in dumps of the schema.
    for (i, ns) in cat.namespaces.iter().enumerate().filter(|_| opts.schema) {
        let obj = object(
            i as i32 + 1,
            ObjectKind::Namespace,
            ns.oid,
            classid::PG_NAMESPACE,
            Subject::Namespace(i),
        );
        b.namespace(&obj, i);
    }
    for (i, rel) in cat.relations.iter().enumerate() {
        let obj = object(
            i as i32 + 10,
            ObjectKind::Table,
            rel.oid,
            classid::PG_CLASS,
            Subject::Relation(i),
        );
        if rel.relkind == b'S' {
            b.seclabel(
                "SEQUENCE",
                &ident(&rel.name),
                Some(&rel.schema),
                &rel.owner,
                obj.catalog_id,
                0,
                obj.id,
            );
        } else {
            b.relation_seclabels(&obj, rel, "TABLE");
        }
        b.relation_privileges(&obj, rel);
    }
    b.database_labels_and_privileges(&cat.database, 20);
    let group = object(
        30,
        ObjectKind::LargeObject,
        16600,
        classid::PG_LARGEOBJECT,
        Subject::LargeObjects(0, 2),
    );
    b.large_object_privileges(&group, &cat.large_objects[0..2]);
    let single = object(
        31,
        ObjectKind::LargeObject,
        16700,
        classid::PG_LARGEOBJECT,
        Subject::LargeObjects(2, 3),
    );
    b.large_object_privileges(&single, &cat.large_objects[2..3]);
    assert!(b.failure.is_none());
    render(&b.entries)
}

#[test]
fn acl_and_label_entries() {
    insta::assert_snapshot!(everything(&catalog(), options()));
}

#[test]
fn no_privileges_no_labels() {
    let out = everything(
        &catalog(),
        DdlOptions {
            privileges: false,
            security_labels: false,
            ..options()
        },
    );
    // Only the public schema's entry and comment remain.
    insta::assert_snapshot!(out);
}

#[test]
fn data_only_keeps_large_object_privileges() {
    let out = everything(
        &catalog(),
        DdlOptions {
            schema: false,
            ..options()
        },
    );
    insta::assert_snapshot!(out);
}

#[test]
fn bad_acl_item_is_an_error() {
    let mut cat = catalog();
    cat.relations[0].acl.acl = Some(items(&["garbage"]));
    let mut b = builder(&cat, options());
    let obj = object(
        10,
        ObjectKind::Table,
        16500,
        classid::PG_CLASS,
        Subject::Relation(0),
    );
    b.relation_privileges(&obj, &cat.relations[0]);
    assert!(b.failure.is_some());
}
