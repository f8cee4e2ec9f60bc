//! The schema entries, `public` above all: what initdb created is left out, what the DBA
//! changed is kept.

use crate::catalog::{Catalog, Comment, Namespace, classid};
use crate::ddl::{DdlOptions, SessionFacts, toc_entries};
use crate::objects::{Wanted, build};

/// The SCHEMA and COMMENT entries of a catalog holding one schema, as `desc tag: defn`.
fn schema_entries(ns: Namespace, comment: Option<&str>) -> String {
    let mut cat = Catalog::default();
    cat.comments = comment
        .map(|text| Comment {
            classoid: classid::PG_NAMESPACE,
            objoid: ns.oid,
            objsubid: 0,
            text: text.to_owned(),
        })
        .into_iter()
        .collect();
    cat.namespaces = vec![ns];
    let graph = build(
        &cat,
        Wanted {
            schema: true,
            data: false,
            sequence_data: false,
            large_objects: None,
        },
    );
    let facts = SessionFacts {
        encoding: "UTF8".into(),
        std_strings: true,
        search_path: String::new(),
    };
    let opts = DdlOptions::for_tests();
    toc_entries(&cat, &graph, &facts, opts)
        .expect("entries build")
        .iter()
        .filter(|e| e.desc == "SCHEMA" || e.desc == "COMMENT")
        .map(|e| {
            format!(
                "{} {} (owner {}): {}",
                e.desc,
                e.tag,
                e.owner.as_deref().unwrap_or("-"),
                e.defn.as_deref().unwrap_or_default()
            )
        })
        .collect()
}

fn public(owner: &str, create: bool) -> Namespace {
    Namespace {
        oid: 2200,
        name: "public".into(),
        owner: owner.into(),
        selected: true,
        create,
        ..Namespace::default()
    }
}

#[test]
fn public_as_initdb_made_it_is_left_out() {
    let text = schema_entries(
        public("pg_database_owner", false),
        Some("standard public schema"),
    );
    assert_eq!(text, "");
}

#[test]
fn public_changed_by_the_dba() {
    insta::assert_snapshot!(
        "public_other_owner_own_comment",
        schema_entries(public("alice", false), Some("ours"))
    );
    insta::assert_snapshot!(
        "public_comment_removed",
        schema_entries(public("pg_database_owner", false), None)
    );
}

#[test]
fn public_named_by_n_is_created() {
    insta::assert_snapshot!(
        "public_selected_by_name",
        schema_entries(
            public("pg_database_owner", true),
            Some("standard public schema")
        )
    );
}

#[test]
fn other_schemas_are_created() {
    let ns = Namespace {
        oid: 16400,
        name: "Sales Archive".into(),
        owner: "bob".into(),
        selected: true,
        create: true,
        ..Namespace::default()
    };
    insta::assert_snapshot!(
        "schema_with_comment",
        schema_entries(ns, Some("it's archived"))
    );
}
