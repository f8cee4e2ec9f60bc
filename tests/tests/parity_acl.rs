//! Privileges: tusk_dump prints the GRANT/REVOKE entries pg_dump 18 prints (schemas, the
//! public schema, tables, partitioned tables, sequences, columns, the database with -C,
//! large objects), and leaves them out as it does with -x; -O and --no-security-labels too.

use tusk_tests::harness::{Cluster, run_unchecked, tusk_bin};
use tusk_tests::parity::{assert_parity, load_fixture};

fn acl(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "relations.sql").unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &[],
            &["-x"],
            &["-O"],
            &["-s", "-x", "-O"],
            &["-C", "-s"],
            &["-C", "-x"],
            &["-a"],
            &["-a", "-x"],
            &["--no-security-labels"],
            &["--use-set-session-authorization"],
            &["-c", "-s"],
            &["-c", "--if-exists", "-s", "-O"],
            &["--quote-all-identifiers", "-C"],
        ],
    );
}

#[test]
fn acl_pg15() {
    acl(15)
}

#[test]
fn acl_pg18() {
    acl(18)
}

/// Privileges changed on pg_catalog's types other than base types (which pg_dump dumps too)
/// are refused, not silently left out; a fresh database has none.
fn system_privileges_refused(major: u32) {
    let c = Cluster::shared(major);
    for (grant, count) in [
        ("REVOKE USAGE ON TYPE pg_catalog.int4range FROM PUBLIC", 1),
        ("GRANT USAGE ON TYPE pg_catalog.int4 TO PUBLIC", 0),
    ] {
        let db = c.new_database("acl_system").unwrap();
        c.psql(&db, grant).unwrap();
        let res = run_unchecked(
            "tusk_dump",
            c.command(tusk_bin("tusk_dump").unwrap()).args(["-s", &db]),
            None,
        )
        .unwrap();
        let err = String::from_utf8_lossy(&res.stderr);
        if count == 0 {
            // Already the type's default: nothing changed.
            assert!(res.status.success(), "{grant}: {err}");
        } else {
            assert!(
                err.contains(&format!("{count} privileges changed on pg_catalog objects")),
                "{grant}: {err}"
            );
        }
    }
}

#[test]
fn system_privileges_refused_pg15() {
    system_privileges_refused(15)
}

#[test]
fn system_privileges_refused_pg18() {
    system_privileges_refused(18)
}
