//! tusk_dump equals pg_dump 18 for aggregates, operators, operator classes and families, access
//! methods and text search objects (the `operators` section of fixtures/objects.sql; round
//! trips: tests/objects.rs).

use tusk_tests::harness::Cluster;
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

#[test]
fn operators_pg15() {
    operators(15)
}

#[test]
fn operators_pg18() {
    operators(18)
}
