//! tusk_dump equals pg_dump 18 for views, materialized views and rules: schema only, with
//! data (REFRESH entries), data only, with DROP statements, without comments, owners or
//! tablespaces.

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, load_fixture};

fn views(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "relations.sql").unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &[],
            &["-s", "--clean", "--if-exists"],
            &["-a"],
            &["--no-comments", "--no-owner", "--no-tablespaces"],
        ],
    );
}

#[test]
fn views_pg15() {
    views(15)
}

#[test]
fn views_pg18() {
    views(18)
}
