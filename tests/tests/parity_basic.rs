//! tusk_dump -s equals pg_dump 18 -s for the objects of the walking skeleton.

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, load_fixture};

fn basic(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "relations/basic.sql").unwrap();
    assert_parity(c, &db, &[&["-s"]]);
}

#[test]
fn basic_pg15() {
    basic(15)
}

#[test]
fn basic_pg18() {
    basic(18)
}
