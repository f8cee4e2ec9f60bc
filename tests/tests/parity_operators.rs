//! tusk_dump equals pg_dump 18 for aggregates, operators, operator classes and families, access
//! methods and text search objects (the `operators` section of fixtures/objects.sql), and its
//! custom archive restored by upstream pg_restore gives back the same schema.

use tusk_tests::compare::{assert_same_text, schema_dump_with};
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin, upstream_bin};
use tusk_tests::parity::{assert_parity, load_fixture};

const FIXTURE: &str = "objects.sql";

fn operators(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, FIXTURE).unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &["-s", "-c", "--if-exists"],
            &["-s", "--no-owner"],
            &["-s", "--no-privileges"],
            &["-s", "--no-comments"],
            &["-s", "-n", "ops_other"],
            &["-s", "-n", "\"Ops Schema\""],
            &["-s", "-N", "ops_other"],
            &["-s", "-t", "ops_other.measures"],
            &["-s", "--quote-all-identifiers"],
            &["-a"],
            &[],
        ],
    );
}

/// tusk_dump -Fc → pg_restore 18 into a new database of the same cluster: pg_dump 18 -s sees
/// the same schema as in the source. (The fixture is made so that this holds for pg_dump's own
/// archive too: an operator's negator link is declared on both sides.)
fn restored_by_upstream(major: u32) {
    let c = Cluster::shared(major);
    let src = load_fixture(c, FIXTURE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("operators.dump");
    let mut dump = c.command(tusk_bin("tusk_dump").unwrap());
    dump.args(["-Fc", "-f"]).arg(&archive).arg(&src);
    run("tusk_dump -Fc", &mut dump, None).unwrap();
    let dst = c
        .new_database(&format!("operators_restored_{major}"))
        .unwrap();
    let mut restore = c.command(upstream_bin(18, "pg_restore").unwrap());
    restore.args(["-d", &dst]).arg(&archive);
    let out = run_unchecked("pg_restore", &mut restore, None).unwrap();
    // pg_restore 18 sets transaction_timeout, which servers before 17 do not know: that one
    // error is upstream's, any other is ours.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("ERROR") && !l.contains("\"transaction_timeout\""))
        .collect();
    assert!(errors.is_empty(), "pg_restore: {stderr}");
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    assert_same_text(
        &schema_dump_with(&pg_dump, c, &src).unwrap(),
        &schema_dump_with(&pg_dump, c, &dst).unwrap(),
        "pg_dump -s of the fixture",
        "pg_dump -s after restoring tusk_dump's archive",
    );
}

#[test]
fn operators_pg15() {
    operators(15)
}

#[test]
fn operators_pg18() {
    operators(18)
}

#[test]
fn restored_by_upstream_pg15() {
    restored_by_upstream(15)
}

#[test]
fn restored_by_upstream_pg18() {
    restored_by_upstream(18)
}
