//! Issue 4's acceptance on the committed fixture `fixtures/relations.sql`: tusk_dump's plain
//! schema output equals pg_dump 18's, and tusk_dump's custom archive restored by upstream
//! pg_restore gives back the same schema. Servers 15 and 18 by default; 14, 16 and 17 with
//! `TUSK_MATRIX=1`.

use tusk_tests::compare::{assert_same_text, schema_dump_with};
use tusk_tests::harness::{Cluster, run, tusk_bin, upstream_bin};
use tusk_tests::parity::{assert_parity, load_fixture, matrix_enabled};

const FIXTURE: &str = "relations.sql";

fn schema_parity(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, FIXTURE).unwrap();
    assert_parity(c, &db, &[&["-s"], &[]]);
}

/// tusk_dump -Fc → the server's own pg_restore → pg_dump 18 -s of the result equals pg_dump 18
/// -s of the source. (pg_restore 18 sets `transaction_timeout`, which older servers reject.)
fn restored_by_upstream(major: u32) {
    let c = Cluster::shared(major);
    let src = load_fixture(c, FIXTURE).unwrap();
    let dst = c.new_database("relations_restored").unwrap();
    let archive = tempfile::NamedTempFile::new().unwrap();
    let mut dump = c.command(tusk_bin("tusk_dump").unwrap());
    dump.args(["-Fc", "-f"]).arg(archive.path()).arg(&src);
    run("tusk_dump -Fc", &mut dump, None).unwrap();
    let mut restore = c.upstream("pg_restore");
    restore
        .args(["--exit-on-error", "-d", &dst])
        .arg(archive.path());
    run("pg_restore", &mut restore, None).unwrap();
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    let theirs = schema_dump_with(&pg_dump, c, &src).unwrap();
    let ours = schema_dump_with(&pg_dump, c, &dst).unwrap();
    assert_same_text(
        &theirs,
        &ours,
        "pg_dump -s of the source",
        "pg_dump -s of the restore",
    );
}

macro_rules! majors {
    ($($name:ident => $f:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn pg15() { super::$f(15) }
                #[test]
                fn pg18() { super::$f(18) }
                #[test]
                fn pg14() { if super::matrix_enabled() { super::$f(14) } }
                #[test]
                fn pg16() { if super::matrix_enabled() { super::$f(16) } }
                #[test]
                fn pg17() { if super::matrix_enabled() { super::$f(17) } }
            }
        )*
    };
}

majors! {
    schema_equals_pg_dump_18 => schema_parity,
    custom_archive_restored_by_upstream_pg_restore => restored_by_upstream,
}
