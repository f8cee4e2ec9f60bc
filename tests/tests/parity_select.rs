//! Object selection (-n/-N/-t/-T, patterns, --filter, large-object switches) and the options
//! that shape the output: tusk_dump prints what pg_dump 18 prints, and fails as it fails.

use tusk_tests::harness::{Cluster, run_unchecked, tusk_bin};
use tusk_tests::parity::{assert_parity, assert_same_failure, load_fixture};

/// Compared with `-s` added: selection, pattern rules, and output options.
#[rustfmt::skip]
const SCHEMA_CASES: &[&[&str]] = &[
    &[],
    &["-n", "sales"],
    &["-n", "public"],
    &["-n", "SALES*"],
    &["-n", "sales|order"],
    &["-n", "\"Sales Archive\""],
    &["-n", "\"weird\"\"quote\""],
    &["-n", "?rder", "-n", "sales_archive"],
    &["-N", "sales*"],
    &["-N", "public", "-N", "\"ünïcode\""],
    &["-n", "sales", "-N", "sales"],
    &["-t", "sales.customers"],
    &["-t", "SALES.CUSTOMERS"],
    &["-t", "sales.*"],
    &["-t", "*.customers"],
    &["-t", "\"Sales Archive\".\"Customers\""],
    &["-t", "\"Sales Archive\".*", "-T", "\"Sales Archive\".customers"],
    &["-t", "pl?n"],
    &["-t", "pl*", "-T", "plan"],
    &["-t", "\"a.b\""],
    &["-t", "dollar$name"],
    &["-t", "\"ünïcode\".*"],
    &["-t", "\"weird\"\"quote\".\"tab\"\"le\""],
    &["-t", "t_*"],
    &["-t", "sales.orders", "-t", "order.select"],
    &["-t", "sales_archive.q1"],
    &["-t", "sales_archive.q1_id_seq"],
    &["-t", "sales.customers", "-n", "sales"],
    &["--table-and-children", "sales.customers"],
    &["-T", "sales.customers"],
    &["-T", "sales_archive.q1"],
    &["--exclude-table-and-children", "sales.*"],
    &["-T", "pg_catalog.pg_proc"],
    &["-N", "pg_catalog"],
    &["-n", "sales", "-T", "sales.\"Order Lines\""],
    &["--strict-names", "-n", "sales", "-N", "nosuch", "-T", "nosuch"],
    &["--no-owner"],
    &["--no-privileges"],
    &["--no-comments"],
    &["--no-tablespaces"],
    &["--no-table-access-method"],
    &["--no-toast-compression"],
    &["--no-security-labels"],
    &["--no-policies"],
    &["--quote-all-identifiers"],
    &["--quote-all-identifiers", "-n", "public"],
    &["--clean"],
    &["--clean", "--if-exists"],
    &["--create"],
    &["--create", "--clean", "--if-exists", "--no-owner"],
];

/// Compared as they are: table data, sequence values and large objects follow the selection.
const DATA_CASES: &[&[&str]] = &[
    &["-n", "sales"],
    &["-t", "sales.customers"],
    &["-n", "sales", "-b"],
    &["-B"],
    &["--exclude-table-data", "sales.orders"],
    &["--exclude-table-data", "sales.*", "-N", "public"],
    &["--exclude-table-data-and-children", "sales.customers"],
    &["--no-unlogged-table-data"],
    &["-a", "-t", "sales.orders"],
    &["-a", "-n", "sales_archive"],
];

/// Failures: exit status and message as pg_dump 18's.
#[rustfmt::skip]
const FAILURE_CASES: &[&[&str]] = &[
    &["-s", "-n", "nosuch"],
    &["-s", "--strict-names", "-n", "nosuch"],
    &["-s", "--strict-names", "-n", "sales", "-n", "nosuch"],
    &["-s", "-t", "nosuch"],
    &["-s", "-t", "customers"],
    &["-s", "--strict-names", "-t", "nosuch"],
    &["-s", "--strict-names", "--table-and-children", "nosuch"],
    &["-s", "-n", "sales", "-t", "nosuch"],
    &["-s", "-n", "other.sales"],
    &["-s", "-n", "a.b.c"],
    &["-s", "-t", "a.b.c.d"],
    &["-s", "-t", "otherdb.sales.orders"],
    &["-s", "--strict-names", "-t", "sales.orders", "-t", "a.b.c.d"],
    &["-s", "--strict-names", "-n", "nosuch", "-t", "a.b.c.d"],
    &["-s", "-t", "nosuch", "-T", "a.b.c.d"],
];

/// Filter files: (contents, whether pg_dump accepts it).
#[rustfmt::skip]
const FILTERS: &[(&str, bool)] = &[
    (
        "# selection by file\n\ninclude table sales.customers\n\
         include table_and_children \"Sales Archive\".*  # trailing comment\n\
         exclude table \"Sales Archive\".customers\n EXCLUDE Table_Data sales.orders\n",
        true,
    ),
    ("include schema sales\nexclude table sales.\"Order Lines\"\n", true),
    ("include table \"Order\n Lines\"\ninclude table sales.orders\n", true),
    ("include table_data sales.orders\n", false),
    ("exclude function f\n", false),
    ("incl table x\n", false),
    ("include\n", false),
    ("include view v\n", false),
    ("include table\n", false),
    ("include table   # nothing\n", false),
    ("include table \"open\n\n", false),
    ("exclude foreign_data x\n", false),
];

fn select(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "relations.sql").unwrap();

    let schema_cases: Vec<Vec<&str>> = SCHEMA_CASES
        .iter()
        .map(|args| [&["-s"][..], args].concat())
        .collect();
    let schema_cases: Vec<&[&str]> = schema_cases.iter().map(Vec::as_slice).collect();
    assert_parity(c, &db, &schema_cases);
    assert_parity(c, &db, DATA_CASES);

    // A database part must name the database dumped.
    let qualified = format!("{db}.sales.orders");
    assert_parity(c, &db, &[&["-s", "-t", &qualified]]);
    assert_same_failure(c, &db, FAILURE_CASES);

    let dir = tempfile::tempdir().unwrap();
    for (i, (text, accepted)) in FILTERS.iter().enumerate() {
        let path = dir.path().join(format!("filter{i}"));
        std::fs::write(&path, text).unwrap();
        let arg = format!("--filter={}", path.display());
        if *accepted {
            assert_parity(c, &db, &[&["-s", &arg], &[&arg]]);
        } else {
            assert_same_failure(c, &db, &[&["-s", &arg]]);
        }
    }
    let missing = format!("--filter={}", dir.path().join("missing").display());
    assert_same_failure(c, &db, &[&["-s", &missing], &["-s", "-a", &missing]]);

    // pg_dump would dump the system catalogs these match; tusk_dump says it does not.
    for pattern in [["-n", "pg_catalog"], ["-t", "*"]] {
        let mut cmd = c.command(tusk_bin("tusk_dump").unwrap());
        cmd.arg("-s").args(pattern).arg(&db);
        let out = run_unchecked("tusk_dump", &mut cmd, None).unwrap();
        assert_eq!(out.status.code(), Some(1), "{pattern:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "tusk_dump: error: pattern \"{}\" matches objects of system schema \"pg_catalog\", \
                 which tusk_dump does not dump\n",
                pattern[1]
            )
        );
    }
}

#[test]
fn select_pg15() {
    select(15)
}

#[test]
fn select_pg18() {
    select(18)
}

/// Privileges changed on pg_catalog's types are dumped only when no schema or table is named
/// (as pg_dump dumps pg_catalog's ACLs then).
#[test]
fn system_privileges_follow_the_selection() {
    let c = Cluster::shared(18);
    let db = c.new_database("scoped").unwrap();
    c.psql(
        &db,
        "CREATE SCHEMA a; CREATE TABLE a.t (x integer PRIMARY KEY);
         CREATE SCHEMA b; CREATE TABLE b.u (y integer);
         REVOKE USAGE ON TYPE pg_catalog.int4range FROM PUBLIC;",
    )
    .unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s", "-n", "a"],
            &["-s", "-n", "b"],
            &["-t", "a.t"],
            &["-s", "-N", "b"],
            &["-s"],
        ],
    );
}
