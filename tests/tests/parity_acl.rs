//! Privileges: tusk_dump prints the GRANT/REVOKE entries pg_dump 18 prints (schemas, the
//! public schema, tables, partitioned tables, sequences, columns, the database with -C,
//! large objects), and leaves them out as it does with -x; -O and --no-security-labels too.

use tusk_tests::harness::{Cluster, run_unchecked, tusk_bin, upstream_bin};
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

/// Privileges changed on pg_catalog's types: pg_dump prints those of base and range types,
/// and for a pseudo-type only warns that its typtype "appears to be invalid". A grant that
/// restates the default changes nothing.
fn system_type_privileges(major: u32) {
    let c = Cluster::shared(major);
    let db = c.new_database("acl_system").unwrap();
    c.psql(
        &db,
        "REVOKE USAGE ON TYPE pg_catalog.int4range FROM PUBLIC;
         GRANT USAGE ON TYPE pg_catalog.int4 TO PUBLIC;
         REVOKE USAGE ON TYPE pg_catalog.float8 FROM PUBLIC;
         GRANT USAGE ON TYPE pg_catalog.anyelement TO PUBLIC;",
    )
    .unwrap();
    assert_parity(c, &db, &[&["-s"], &["-x"], &["-s", "-n", "public"]]);
    let stderr = |program: &std::path::Path| {
        let res = run_unchecked("dump", c.command(program).args(["-s", &db]), None).unwrap();
        assert!(res.status.success());
        String::from_utf8_lossy(&res.stderr).replace("pg_dump", "tusk_dump")
    };
    let theirs = stderr(&upstream_bin(18, "pg_dump").unwrap());
    assert!(
        theirs.contains("\"anyelement\" appears to be invalid"),
        "{theirs}"
    );
    assert_eq!(stderr(&tusk_bin("tusk_dump").unwrap()), theirs);
}

#[test]
fn system_type_privileges_pg15() {
    system_type_privileges(15)
}

#[test]
fn system_type_privileges_pg18() {
    system_type_privileges(18)
}
