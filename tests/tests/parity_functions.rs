//! tusk_dump equals pg_dump 18 for functions and procedures, base and shell types, procedural
//! languages, casts, transforms and event triggers (round trips: tests/objects.rs).

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, load_fixture};

const FIXTURE: &str = "objects.sql";

fn functions(major: u32) {
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
            &["-s", "-n", "fn_other"],
            &["-s", "-N", "fn_other"],
            &["-s", "-n", "\"Fn Schema\"", "-N", "fn_other"],
            &["-s", "-t", "fn_other.uses"],
            &["-s", "--quote-all-identifiers"],
            &["-s", "--disable-dollar-quoting"],
            &[],
        ],
    );
}

tusk_tests::for_majors! {
    functions_equal_pg_dump_18 => functions,
}
