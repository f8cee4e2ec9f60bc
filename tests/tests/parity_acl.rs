//! Privileges: tusk_dump prints the GRANT/REVOKE entries pg_dump 18 prints (schemas, the
//! public schema, tables, partitioned tables, sequences, columns, the database with -C,
//! large objects), and leaves them out as it does with -x; -O and --no-security-labels too.

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, load_fixture};

fn acl(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "relations/acl.sql").unwrap();
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
