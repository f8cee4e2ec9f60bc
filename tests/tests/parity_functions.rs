//! tusk_dump equals pg_dump 18 for functions and procedures, base and shell types, procedural
//! languages, casts and event triggers, and its archive of them restores with upstream
//! pg_restore to the same schema.

use tusk_tests::compare::{assert_same_text, schema_dump_with};
use tusk_tests::harness::{Cluster, run, tusk_bin, upstream_bin};
use tusk_tests::parity::{assert_parity, load_fixture, matrix_enabled};

const FIXTURE: &str = "objects.sql";

fn functions(major: u32) {
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
            &["-s", "-n", "fn_other"],
            &["-s", "-N", "fn_other"],
            &["-s", "-n", "\"Fn Schema\"", "-N", "fn_other"],
            &["-s", "-t", "fn_other.uses"],
            &["-s", "--quote-all-identifiers"],
            &["-s", "--disable-dollar-quoting"],
            &[],
        ],
    );
}

/// tusk_dump -Fc → pg_restore 18 into a new database gives the schema that pg_dump 18 -Fc →
/// pg_restore 18 gives, as pg_dump 18 -s sees them. The target is an 18 server (the source's
/// own cluster for 18): pg_restore 18 sets parameters older servers do not have, and an 18
/// server prints some definitions differently from the source, hence upstream's own round trip
/// as the reference.
fn restored_by_upstream(major: u32) {
    let c = Cluster::shared(major);
    let target = Cluster::shared(18);
    let src = load_fixture(c, FIXTURE).unwrap();
    if major != 18 {
        // The fixture's roles are cluster-wide: make them on the target too.
        load_fixture(target, FIXTURE).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let restored = |dump_program: &std::path::Path, name: &str| {
        let archive = dir.path().join(format!("{name}.dump"));
        let mut dump = c.command(dump_program);
        dump.args(["-Fc", "-f"]).arg(&archive).arg(&src);
        run(name, &mut dump, None).unwrap();
        let dst = target
            .new_database(&format!("functions_from_{name}_{major}"))
            .unwrap();
        let mut restore = target.command(upstream_bin(18, "pg_restore").unwrap());
        restore.args(["--exit-on-error", "-d", &dst]).arg(&archive);
        run("pg_restore 18", &mut restore, None).unwrap();
        dst
    };
    let theirs = restored(&upstream_bin(18, "pg_dump").unwrap(), "pg_dump");
    let ours = restored(&tusk_bin("tusk_dump").unwrap(), "tusk_dump");
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    assert_same_text(
        &schema_dump_with(&pg_dump, target, &theirs).unwrap(),
        &schema_dump_with(&pg_dump, target, &ours).unwrap(),
        "pg_dump -s after restoring pg_dump's archive",
        "pg_dump -s after restoring tusk_dump's archive",
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
    functions_equal_pg_dump_18 => functions,
    functions_restored_by_upstream_pg_restore => restored_by_upstream,
}
