//! tusk_dump equals pg_dump 18 for enum, composite, range and domain types, collations,
//! conversions and default privileges (the `types` section of fixtures/objects.sql; round
//! trips: tests/objects.rs).

use tusk_tests::harness::Cluster;
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

#[test]
fn types_pg15() {
    types(15)
}

#[test]
fn types_pg18() {
    types(18)
}
