//! The database's own entries (`dumpDatabase`, `dumpDatabaseConfig`): CREATE DATABASE with
//! what cannot change later, then comment, privileges and DATABASE PROPERTIES.

use crate::acl::Acl;
use crate::catalog::{Catalog, Database};
use crate::ddl::{DdlOptions, SessionFacts, split_guc_list, toc_entries};
use crate::objects::{Wanted, build};

/// Every DATABASE-related entry of a catalog holding only `db`, as `desc tag (owner, deps):
/// defn` and its drop statement.
fn database_entries(db: Database) -> String {
    let mut cat = Catalog::default();
    cat.database = db;
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
    let opts = DdlOptions {
        database: true,
        ..DdlOptions::for_tests()
    };
    toc_entries(&cat, &graph, &facts, opts)
        .expect("entries build")
        .iter()
        .filter(|e| !matches!(e.desc.as_str(), "ENCODING" | "STDSTRINGS" | "SEARCHPATH"))
        .map(|e| {
            format!(
                "{} {} (owner {}, {} deps):\n{}-- drop:\n{}\n",
                e.desc,
                e.tag,
                e.owner.as_deref().unwrap_or("-"),
                e.dependencies.len(),
                e.defn.as_deref().unwrap_or_default(),
                e.drop_stmt.as_deref().unwrap_or("(none)")
            )
        })
        .collect()
}

fn libc_database() -> Database {
    Database {
        oid: 16384,
        name: "Stats \"DB\"".into(),
        owner: "stats owner".into(),
        encoding: "UTF8".into(),
        locale_provider: b'c',
        collate: "C".into(),
        ctype: "C".into(),
        connection_limit: -1,
        ..Database::default()
    }
}

#[test]
fn settings_limit_comment_and_privileges() {
    let db = Database {
        connection_limit: 40,
        comment: Some("it's the \"stats\" database".into()),
        settings: vec![
            "search_path=public, \"$user\", \"Stats \"\"Schema\"\"\"".into(),
            "work_mem=8MB".into(),
            "application_name=it's".into(),
        ],
        role_settings: vec![("stats reader".into(), "DateStyle=SQL, DMY".into())],
        acl: Acl {
            acl: Some(vec![
                "=c/\"stats owner\"".into(),
                "\"stats owner\"=CTc/\"stats owner\"".into(),
            ]),
            default: vec![
                "=Tc/\"stats owner\"".into(),
                "\"stats owner\"=CTc/\"stats owner\"".into(),
            ],
            init: None,
        },
        ..libc_database()
    };
    insta::assert_snapshot!(database_entries(db));
}

/// A template cannot be dropped until it is unmarked; collate and ctype apart.
#[test]
fn template_with_split_locale() {
    let db = Database {
        is_template: true,
        collate: "C".into(),
        ctype: "en_US.UTF-8".into(),
        tablespace: "fast space".into(),
        ..libc_database()
    };
    insta::assert_snapshot!(database_entries(db));
}

#[test]
fn icu_and_builtin_providers() {
    let icu = database_entries(Database {
        locale_provider: b'i',
        locale: Some("und-u-ks-level2".into()),
        icu_rules: Some("&a < b".into()),
        ..libc_database()
    });
    let builtin = database_entries(Database {
        locale_provider: b'b',
        locale: Some("C.UTF-8".into()),
        ..libc_database()
    });
    insta::assert_snapshot!(format!("{icu}\n{builtin}"));
}

#[test]
fn guc_lists_split_as_upstream() {
    let split = |s: &str| split_guc_list(s);
    assert_eq!(split(""), Some(vec![]));
    assert_eq!(split("  "), Some(vec![]));
    assert_eq!(
        split(" a , \"b \"\"c\"\"\",\"\" ,d"),
        Some(vec![
            "a".into(),
            "b \"c\"".into(),
            String::new(),
            "d".into()
        ])
    );
    assert_eq!(split("a,"), None);
    assert_eq!(split("a b"), None);
    assert_eq!(split("\"open"), None);
}
