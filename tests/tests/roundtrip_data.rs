//! Data fidelity through archives: tusk_dump's custom, directory and tar archives of
//! fixtures/data.sql (with COPY data, and with INSERTs), restored by pg_restore 18 and by
//! tusk_restore, give back the source: schema, row hashes of every table, sequence values,
//! large objects' contents, owners and privileges.

use tusk_tests::compare::{
    RESTRICT_KEY, assert_same_database, assert_same_text, mask_version_header,
};
use tusk_tests::harness::{Cluster, run, run_stdout, tusk_bin, upstream_bin};
use tusk_tests::parity::load_fixture;

const LO_ACLS: &str = "SELECT string_agg(oid || ' ' || pg_catalog.pg_get_userbyid(lomowner) || ' ' \
                       || coalesce(lomacl::text, '-'), ', ' ORDER BY oid) \
                       FROM pg_catalog.pg_largeobject_metadata";

fn data_round_trips(major: u32) {
    let c = Cluster::shared(major);
    let src = load_fixture(c, "data.sql").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tusk_dump = tusk_bin("tusk_dump").unwrap();
    let restorers = [
        upstream_bin(18, "pg_restore").unwrap(),
        tusk_bin("tusk_restore").unwrap(),
    ];
    let expected_los = c.psql(&src, LO_ACLS).unwrap();
    // pg_restore 18 sets transaction_timeout, an error on servers before 17: restore into an
    // 18 server, with the fixture's cluster-wide roles made there first.
    let target = Cluster::shared(18);
    let roles: String = std::fs::read_to_string(tusk_tests::parity::fixture_path("data.sql"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("DO $$ BEGIN CREATE ROLE"))
        .map(|l| format!("{l}\n"))
        .collect();
    target.psql("postgres", &roles).unwrap();
    // COPY data comes back as it was. INSERTs print numbers bare, so a float's -0 comes back
    // as 0, as it does from pg_dump 18: those cases are held to pg_dump 18's own round trip,
    // and pg_restore 18 prints the same script from both archives (same TOC, same members).
    let cases: &[(&[&str], bool)] = &[
        (&["-Fc"], false),
        (&["-Fd"], false),
        (&["-Ft"], false),
        (&["-Fc", "--inserts"], true),
        (&["-Fd", "-j", "2", "--column-inserts"], true),
    ];
    let dump = |program: &std::path::Path, args: &[&str], archive: &std::path::Path| {
        run(
            &format!("{} {args:?}", program.display()),
            c.command(program)
                .args(args)
                .arg("-f")
                .arg(archive)
                .arg(&src),
            None,
        )
        .unwrap();
    };
    for (i, &(args, lossy)) in cases.iter().enumerate() {
        let format = args.join(" ");
        let archive = dir.path().join(format!("tusk_{i}"));
        dump(&tusk_dump, args, &archive);
        let expected = if lossy {
            let reference = dir.path().join(format!("pg_dump_{i}"));
            dump(&upstream_bin(18, "pg_dump").unwrap(), args, &reference);
            let script = |archive: &std::path::Path| {
                let key = format!("--restrict-key={RESTRICT_KEY}");
                let mut cmd = target.command(&restorers[0]);
                cmd.args([key.as_str(), "-f", "-"]).arg(archive);
                mask_version_header(&run_stdout("pg_restore -f -", &mut cmd, None).unwrap())
            };
            // Below 17 tusk_dump writes the server's own archive version, whose large objects
            // are entries of their own, where pg_dump 18 always writes 1.16.
            if c.major() >= 17 {
                assert_same_text(
                    &script(&reference),
                    &script(&archive),
                    &format!("pg_dump 18 {format}"),
                    &format!("tusk_dump {format}"),
                );
            }
            let db = target.new_database("data_ref").unwrap();
            run(
                "pg_restore 18 of pg_dump 18's archive",
                target
                    .command(&restorers[0])
                    .args(["-d", &db])
                    .arg(&reference),
                None,
            )
            .unwrap();
            (target, db)
        } else {
            (c, src.clone())
        };
        for restorer in &restorers {
            let dst = target.new_database("data_rt").unwrap();
            let label = format!("tusk_dump {format} → {}", restorer.display());
            run(
                &label,
                target.command(restorer).args(["-d", &dst]).arg(&archive),
                None,
            )
            .unwrap();
            assert_same_database((expected.0, &expected.1), (target, &dst));
            assert_eq!(target.psql(&dst, LO_ACLS).unwrap(), expected_los, "{label}");
        }
    }
}

tusk_tests::for_majors!(data_round_trip => data_round_trips);
