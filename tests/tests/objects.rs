//! Issue 5's acceptance on the committed fixtures `fixtures/objects.sql` and
//! `fixtures/relations.sql` loaded together: tusk_dump's plain output equals pg_dump 18's
//! (schema, `--create`, `--statistics`, `--no-owner`, `--no-privileges`, everything), and the custom
//! archives of tusk_dump and pg_dump 18 restored by pg_restore 18 and tusk_restore give back
//! the same schema. Servers 15 and 18 by default; 14, 16 and 17 with `TUSK_MATRIX=1`.

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, assert_round_trips, load_fixtures};

const FIXTURES: &[&str] = &["relations.sql", "objects.sql"];

fn parity(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixtures(c, FIXTURES).unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &["-s", "--create"],
            &["-s", "--no-owner"],
            &["-s", "--no-privileges"],
            &["--statistics"],
            &["--create", "--clean", "--if-exists"],
            &[],
        ],
    );
}

fn round_trips(major: u32) {
    let c = Cluster::shared(major);
    let target = Cluster::shared(18);
    let src = load_fixtures(c, FIXTURES).unwrap();
    if major != 18 {
        // Roles and tablespaces are cluster-wide: the target needs them too.
        load_fixtures(target, FIXTURES).unwrap();
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
    plain_equals_pg_dump_18 => parity,
    archives_restored_by_upstream_and_tusk => round_trips,
}
