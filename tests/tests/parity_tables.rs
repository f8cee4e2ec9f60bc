//! tusk_dump equals pg_dump 18 for what dumpTableSchema prints: columns and their settings,
//! table properties, CHECK constraints, inheritance and partitioning.

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, load_fixture};

fn tables(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "relations.sql").unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &["-s", "--no-comments", "--no-table-access-method"],
            &["-s", "--no-toast-compression", "--no-tablespaces"],
            &["-a"],
            // Full dump: partitions and children carry the rows, generated columns are not
            // copied.
            &[],
        ],
    );
}

#[test]
fn tables_pg15() {
    tables(15)
}

#[test]
fn tables_pg18() {
    tables(18)
}
