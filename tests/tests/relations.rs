//! Issue 4's acceptance on the committed fixture `fixtures/relations.sql`: tusk_dump's plain
//! schema output equals pg_dump 18's, and the custom archives of tusk_dump and pg_dump 18
//! restored by pg_restore 18 and tusk_restore give back the same schema. Servers 15 and 18
//! by default; 14, 16 and 17 with `TUSK_MATRIX=1`.

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, assert_round_trips, load_fixture};

const FIXTURE: &str = "relations.sql";

/// Each option of issue 4's list, on top of `-s`: one table, one comparison per row.
const OPTION_CASES: &[&[&str]] = &[
    &["-n", "\"Tbl Schema\""],
    &["-n", "\"Idx Schema\"", "-n", "stats"],
    &["-N", "\"Vüe Schema\"", "-N", "public"],
    &["-t", "\"Trig Schema\".*"],
    &["-t", "public.*", "-T", "public.z*"],
    &["-T", "\"Part Schema\".*"],
    &["--no-owner"],
    &["--no-privileges"],
    &["--no-comments"],
    &["--no-tablespaces"],
    &["--no-table-access-method"],
    &["--no-toast-compression"],
    &["--no-security-labels"],
    &["--no-policies"],
    &["--quote-all-identifiers"],
    &["--clean", "--if-exists"],
    &["--create"],
    &[
        "--create",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
    ],
];

fn options_parity(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, FIXTURE).unwrap();
    let cases: Vec<Vec<&str>> = OPTION_CASES
        .iter()
        .map(|extra| std::iter::once("-s").chain(extra.iter().copied()).collect())
        .collect();
    let cases: Vec<&[&str]> = cases.iter().map(Vec::as_slice).collect();
    assert_parity(c, &db, &cases);
}

fn schema_parity(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, FIXTURE).unwrap();
    assert_parity(c, &db, &[&["-s"], &[]]);
}

/// tusk_dump → pg_restore 18 and pg_dump 18 → tusk_restore, into an 18 server, give the
/// database that pg_dump 18 → pg_restore 18 gives (see `assert_round_trips`), in each format.
fn round_trips(major: u32) {
    let c = Cluster::shared(major);
    let target = Cluster::shared(18);
    let src = load_fixture(c, FIXTURE).unwrap();
    if major != 18 {
        load_fixture(target, FIXTURE).unwrap();
    }
    // Every format on 18 (the awkward names through each codec); custom from the others.
    let formats: &[&str] = if major == 18 {
        &["c", "d", "t"]
    } else {
        &["c"]
    };
    for format in formats {
        assert_round_trips(c, &src, target, format);
    }
}

tusk_tests::for_majors! {
    schema_equals_pg_dump_18 => schema_parity,
    options_equal_pg_dump_18 => options_parity,
    archives_restored_by_upstream_and_tusk => round_trips,
}
