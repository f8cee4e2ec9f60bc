//! tusk_dump equals pg_dump 18 for enum, composite, range and domain types, collations,
//! conversions and default privileges (the `types` section of fixtures/objects.sql), and its
//! custom archive restores to the same schema.

use tusk_tests::compare::{assert_same_text, schema_dump_with};
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin, upstream_bin};
use tusk_tests::parity::{assert_parity, load_fixture};

const FIXTURE: &str = "objects.sql";

fn types(major: u32) {
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
            &["-s", "--no-security-labels"],
            &["-s", "-n", "typ_other"],
            &["-s", "-n", "\"Typ Schema\"", "-n", "typ_other"],
            &["-s", "-N", "typ_other"],
            &["-s", "-t", "\"Typ Schema\".uses_types"],
            &["-s", "--quote-all-identifiers"],
            &[],
            &["-a"],
        ],
    );
}

/// tusk_dump -Fc → pg_restore 18 into a new database of the same cluster: pg_dump 18 -s sees
/// the source's schema, and pg_restore fails where it fails with pg_dump 18's archive (into 15:
/// `SET transaction_timeout`).
fn round_trip(major: u32) {
    let c = Cluster::shared(major);
    let src = load_fixture(c, FIXTURE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let restore = |dump_program: &std::path::Path, name: &str| {
        let archive = dir.path().join(format!("{name}.dump"));
        let mut dump = c.command(dump_program);
        dump.args(["-Fc", "-f"]).arg(&archive).arg(&src);
        run(name, &mut dump, None).unwrap();
        let dst = c.new_database(&format!("types_from_{name}")).unwrap();
        let mut restore = c.command(upstream_bin(18, "pg_restore").unwrap());
        restore.args(["-d", &dst]).arg(&archive);
        let out = run_unchecked("pg_restore", &mut restore, None).unwrap();
        let errors: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("ERROR"))
            .map(str::to_owned)
            .collect();
        (dst, out.status.code(), errors)
    };
    let (_, their_status, their_errors) = restore(&upstream_bin(18, "pg_dump").unwrap(), "pg_dump");
    let (ours, our_status, our_errors) = restore(&tusk_bin("tusk_dump").unwrap(), "tusk_dump");
    assert_eq!(
        (our_status, our_errors),
        (their_status, their_errors),
        "pg_restore of tusk_dump's archive against pg_restore of pg_dump's"
    );
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    assert_same_text(
        &schema_dump_with(&pg_dump, c, &src).unwrap(),
        &schema_dump_with(&pg_dump, c, &ours).unwrap(),
        "pg_dump -s of the fixture",
        "pg_dump -s after restoring tusk_dump's archive",
    );
}

#[test]
fn types_pg15() {
    types(15)
}

#[test]
fn types_pg18() {
    types(18)
}

#[test]
fn round_trip_pg15() {
    round_trip(15)
}

#[test]
fn round_trip_pg18() {
    round_trip(18)
}
