//! `tusk_copy`: a source database copied into a target with no archive in between. The
//! target equals the source (upstream pg_dump -s and row hashes) for the fixture databases,
//! serially and with four jobs; a non-empty target is refused unless --clean is given; the
//! selection options are pg_dump's.

use tusk_tests::compare::assert_same_database;
use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, outcome, run, tusk_bin};
use tusk_tests::parity::load_fixture;

fn tusk_copy(c: &Cluster) -> std::process::Command {
    let mut cmd = c.command(tusk_bin("tusk_copy").unwrap());
    // Every table's rows split across the jobs, however small.
    cmd.env("TUSK_SPLIT_RESTORE_MIN_BYTES", "1");
    cmd
}

fn copy(c: &Cluster, args: &[&str], src: &str, dst: &str) {
    run(
        "tusk_copy",
        tusk_copy(c)
            .args(args)
            .arg(src)
            .arg(format!("--target={dst}")),
        None,
    )
    .unwrap();
}

/// pgbench with large objects, then each committed SQL fixture.
fn sources(c: &Cluster) -> Vec<String> {
    let pgbench = fixtures::pgbench(c, 1).unwrap();
    c.psql(
        &pgbench,
        "CREATE INDEX ON pgbench_history (aid); SELECT lo_from_bytea(0, 'large'::bytea); ANALYZE;",
    )
    .unwrap();
    let mut dbs = vec![pgbench];
    for fixture in ["relations.sql", "data.sql", "objects.sql"] {
        dbs.push(load_fixture(c, fixture).unwrap());
    }
    dbs
}

/// How a command ended, its stderr's program names made tusk_copy's and its lines sorted.
fn ended(cmd: &mut std::process::Command) -> (Option<i32>, Vec<String>) {
    let (status, lines) = outcome(cmd, true).unwrap();
    let lines = lines
        .into_iter()
        .map(|l| l.replace("tusk_restore", "tusk_copy"))
        .collect();
    (status, lines)
}

/// What `pg_dump -Fc | pg_restore -j N` makes of each source, tusk_copy -j N makes, with the
/// same errors where the objects do not restore (relations.sql's comment on an inherited
/// constraint); where they do, the copy is the source.
#[test]
fn a_copy_is_pg_dump_piped_to_pg_restore_serially_and_in_parallel() {
    let c = Cluster::shared(18);
    let dir = tempfile::tempdir().unwrap();
    for src in sources(c) {
        let archive = dir.path().join(format!("{src}.dump"));
        run(
            "pg_dump",
            c.upstream("pg_dump")
                .args(["-Fc", "-f"])
                .arg(&archive)
                .arg(&src),
            None,
        )
        .unwrap();
        // In parallel, a table's GRANT by a role that gets USAGE on the schema in another
        // ACL entry races that entry (so the parallel runs leave privileges out, and
        // pg_restore's result is taken from the first of up to five tries with no error);
        // and relations.sql's partition index ATTACHes can deadlock each other, in
        // pg_restore -j 4 and tusk's alike (its scheduler is pg_restore's), so relations.sql
        // is copied serially only.
        let parallel: &[&[&str]] = if src.starts_with("relations") {
            &[]
        } else {
            &[&["-j", "4", "-x"]]
        };
        for args in std::iter::once(&["-j", "1"][..]).chain(parallel.iter().copied()) {
            let tries = if args.len() == 2 { 1 } else { 5 };
            let mut upstream = Vec::new();
            for _ in 0..tries {
                let theirs = c.new_database("copy_theirs").unwrap();
                let ended = ended(
                    c.upstream("pg_restore")
                        .args(args)
                        .args(["-d", &theirs])
                        .arg(&archive),
                );
                let clean = ended.0 == Some(0);
                upstream.push((theirs, ended));
                if clean {
                    break;
                }
            }
            let (theirs, expected) = upstream.pop().unwrap();
            let ours = c.new_database("copy_ours").unwrap();
            let got = ended(
                tusk_copy(c)
                    .args(args)
                    .arg(&src)
                    .arg(format!("--target={ours}")),
            );
            assert_eq!(
                got, expected,
                "{src} {args:?}: tusk_copy (left), pg_restore (right)"
            );
            assert_same_database((c, &theirs), (c, &ours));
            // pgbench's restores whole; the fixtures' odd objects do not, upstream's either.
            if src.starts_with("bench") && args.len() == 2 {
                assert_same_database((c, &src), (c, &ours));
            }
            // objects.sql's subscriptions keep their databases from being dropped.
            for db in upstream.iter().map(|(db, _)| db).chain([&theirs, &ours]) {
                let _ = c.drop_database(db);
            }
        }
    }
}

#[test]
fn a_non_empty_target_is_refused_unless_clean() {
    let c = Cluster::shared(18);
    let src = fixtures::pgbench(c, 1).unwrap();
    let dst = c.new_database("copy_full").unwrap();
    copy(c, &[], &src, &dst);
    c.psql(&src, "UPDATE pgbench_branches SET bbalance = 7")
        .unwrap();
    let (status, stderr) =
        outcome(tusk_copy(c).arg(&src).arg(format!("--target={dst}")), false).unwrap();
    assert_eq!(status, Some(1), "{stderr:?}");
    assert!(
        stderr.iter().any(|l| l.contains("is not empty")),
        "{stderr:?}"
    );
    // Refused before anything was changed.
    let kept = c
        .psql(
            &dst,
            "SELECT count(*) FROM pgbench_branches WHERE bbalance = 7",
        )
        .unwrap();
    assert_eq!(kept.trim(), "0");
    copy(c, &["--clean", "-j", "2"], &src, &dst);
    assert_same_database((c, &src), (c, &dst));
}

#[test]
fn selection_options_are_pg_dumps() {
    let c = Cluster::shared(18);
    let src = fixtures::pgbench(c, 1).unwrap();
    let dst = c.new_database("copy_some").unwrap();
    copy(
        c,
        &[
            "-t",
            "pgbench_b*",
            "-t",
            "pgbench_tellers",
            "--exclude-table-data=pgbench_tellers",
        ],
        &src,
        &dst,
    );
    let tables = c
        .psql(
            &dst,
            "SELECT string_agg(relname || ':' || (xpath('/row/n/text()', \
               query_to_xml('SELECT count(*) AS n FROM ' || oid::regclass, false, true, '')))[1]::text, ' ' \
               ORDER BY relname) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
        )
        .unwrap();
    assert_eq!(tables.trim(), "pgbench_branches:1 pgbench_tellers:0");
}

#[test]
fn archive_options_are_refused_before_connecting() {
    let c = Cluster::shared(18);
    let (status, stderr) = outcome(
        tusk_copy(c).args(["-Fc", "nosuchdb", "--target=other"]),
        false,
    )
    .unwrap();
    assert_eq!(status, Some(1));
    assert_eq!(
        stderr,
        ["tusk_copy: error: option --format cannot be used with tusk_copy"]
    );
}
