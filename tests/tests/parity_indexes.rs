//! tusk_dump equals pg_dump 18 for indexes, index-backed constraints (PRIMARY KEY, UNIQUE,
//! EXCLUDE), partitioned indexes and their attachments, extended statistics and the foreign
//! keys that depend on them.

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, load_fixture};

fn indexes(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "relations.sql").unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &["-s", "--no-tablespaces"],
            &["-s", "--no-comments"],
            &["-s", "--clean", "--if-exists"],
            &[],
        ],
    );
}

#[test]
fn indexes_pg15() {
    indexes(15)
}

#[test]
fn indexes_pg18() {
    indexes(18)
}
