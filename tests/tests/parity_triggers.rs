//! tusk_dump equals pg_dump 18 for triggers, row-level security and policies.

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, load_fixture};

fn triggers(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "relations.sql").unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &["-s", "--no-policies"],
            &["-s", "--no-comments"],
            &["-s", "-c", "--if-exists"],
            &[],
            &["-a"],
        ],
    );
}

#[test]
fn triggers_pg15() {
    triggers(15)
}

#[test]
fn triggers_pg18() {
    triggers(18)
}
