//! tusk_dump equals pg_dump 18 for extensions (and what uses them), with the extension
//! selection options; tusk_dump's archive restored by upstream pg_restore gives the fixture
//! back.

use tusk_tests::compare::{assert_same_text, schema_dump_with};
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin, upstream_bin};
use tusk_tests::parity::{assert_parity, assert_same_failure, load_fixture};

const FIXTURE: &str = "objects.sql";

fn options(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, FIXTURE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let filter = dir.path().join("filter");
    std::fs::write(
        &filter,
        "include extension c*\nexclude extension \"cube\"\n# the file form\n",
    )
    .unwrap();
    let filter = format!("--filter={}", filter.display());
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &["-s", "-c", "--if-exists"],
            &["-s", "--no-owner"],
            &["-s", "--no-privileges"],
            &["-s", "--no-comments"],
            &["-s", "-n", "\"Ext Schema\""],
            &["-s", "-N", "public"],
            &[],
            &["-a"],
            &["-s", "-e", "citext"],
            &["-s", "-e", "c*", "-e", "hstore", "--exclude-extension=cube"],
            &["-s", "--exclude-extension", "*e*"],
            &["-s", "-n", "public", "-e", "pg_trgm"],
            &["-s", &filter],
            &["-s", "--strict-names", "-e", "hstore"],
        ],
    );
    assert_same_failure(
        c,
        &db,
        &[
            &["-s", "-e", "nothing*"],
            &["-s", "-e", "public.hstore"],
            &["-s", "--exclude-extension", "a.b.c"],
            &["-s", "--strict-names", "-e", "hstore", "-e", "nothing"],
        ],
    );
}

/// tusk_dump -Fc → pg_restore 18 into a new database of the same server gives what pg_dump 18
/// -Fc → pg_restore 18 gives, as pg_dump 18 -s sees them. (Not the source itself: CREATE
/// EXTENSION brings back the comment the fixture removed from pg_trgm, whoever dumped it.)
fn restored_by_upstream(major: u32) {
    let c = Cluster::shared(major);
    let src = load_fixture(c, FIXTURE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let restore = |dump_program: &std::path::Path, name: &str| {
        let archive = dir.path().join(format!("{name}.dump"));
        let mut dump = c.command(dump_program);
        dump.args(["-Fc", "-f"]).arg(&archive).arg(&src);
        run(name, &mut dump, None).unwrap();
        let dst = c.new_database(&format!("objects_from_{name}")).unwrap();
        let mut restore = c.command(upstream_bin(18, "pg_restore").unwrap());
        restore.args(["-d", &dst]).arg(&archive);
        // Into a 15 server, pg_restore 18 fails to set transaction_timeout and goes on.
        let out = run_unchecked("pg_restore", &mut restore, None).unwrap();
        let errors: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("ERROR"))
            .map(str::to_owned)
            .collect();
        (dst, out.status.code(), errors)
    };
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    let (theirs, their_status, their_errors) = restore(&pg_dump, "pg_dump");
    let (ours, our_status, our_errors) = restore(&tusk_bin("tusk_dump").unwrap(), "tusk_dump");
    assert_eq!(
        (our_status, our_errors),
        (their_status, their_errors),
        "pg_restore exit status and errors"
    );
    assert_same_text(
        &schema_dump_with(&pg_dump, c, &theirs).unwrap(),
        &schema_dump_with(&pg_dump, c, &ours).unwrap(),
        "pg_dump -s after restoring pg_dump's archive",
        "pg_dump -s after restoring tusk_dump's archive",
    );
}

#[test]
fn options_pg15() {
    options(15)
}

#[test]
fn options_pg18() {
    options(18)
}

#[test]
fn restored_by_upstream_pg15() {
    restored_by_upstream(15)
}

#[test]
fn restored_by_upstream_pg18() {
    restored_by_upstream(18)
}
