//! Issue 11's cross-version matrix: databases dumped from older servers restored into 18, and
//! from 18 into 15, by tusk end to end and mixed with upstream's tools, each compared with
//! upstream's own round trip (exit status, errors, `pg_dump -s`, row counts and checksums);
//! and whole clusters migrated to 18 with tusk_dumpall and psql, compared with pg_dumpall 18's
//! migration, and by the README's commands. By default the pair 15 → 18 (and 18 → 15); with
//! `TUSK_MATRIX=1` every source from 14 to 17. objects.sql and relations.sql from older
//! servers are covered by `objects`' round trips.

use std::path::Path;

use tusk_tests::compare::{assert_same_text, mask_version_header};
use tusk_tests::fixtures;
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin, upstream_bin};
use tusk_tests::parity::{assert_round_trips, load_fixtures, matrix_enabled};

fn older_majors() -> Vec<u32> {
    if matrix_enabled() {
        vec![14, 15, 16, 17]
    } else {
        vec![15]
    }
}

#[test]
fn older_servers_restore_into_18() {
    let target = Cluster::shared(18);
    for major in older_majors() {
        let source = Cluster::shared(major);
        let data = load_fixtures(source, &["data.sql"]).unwrap();
        load_fixtures(target, &["data.sql"]).unwrap();
        assert_round_trips(source, &data, target, "c");
        let bench = fixtures::pgbench(source, 1).unwrap();
        assert_round_trips(source, &bench, target, "d");
    }
}

/// Downgrades: what pg_dump 18 writes for an 18 database, restored into 15, fails where the
/// objects need 18 (and so must tusk's, with the same errors) and gives the same database.
#[test]
fn server_18_restores_into_15() {
    let source = Cluster::shared(18);
    let target = Cluster::shared(15);
    for fixture in [&["data.sql"][..], &["objects.sql", "relations.sql"]] {
        let db = load_fixtures(source, fixture).unwrap();
        // Roles and tablespaces are cluster-wide: the target needs them too.
        load_fixtures(target, fixture).unwrap();
        assert_round_trips(source, &db, target, "c");
    }
}

/// An older cluster's globals as servers before 16 have them: no grant options, no grantors
/// (privileges on parameters, from 15 on, come apart: [`PARAMETER_GRANT`]).
const GLOBALS: &str = "
    CREATE ROLE alice LOGIN PASSWORD 'secret' VALID UNTIL '2030-01-01 00:00:00+00';
    CREATE ROLE \"Bob O'Neil\" CREATEDB NOINHERIT CONNECTION LIMIT 3;
    CREATE ROLE admins;
    COMMENT ON ROLE alice IS 'the first user';
    GRANT admins TO alice WITH ADMIN OPTION;
    GRANT admins TO \"Bob O'Neil\";
    GRANT pg_read_all_data TO admins;
    ALTER ROLE alice SET work_mem = '64MB';
    ALTER ROLE alice IN DATABASE app SET work_mem = '16MB';
    CREATE TABLESPACE inplace OWNER alice LOCATION '';
    COMMENT ON TABLESPACE inplace IS 'in place';
    ALTER DATABASE app SET search_path = public, extra;
    GRANT CONNECT ON DATABASE app TO admins;
";

const PARAMETER_GRANT: &str = "GRANT SET ON PARAMETER work_mem TO admins;";

fn start(major: u32) -> Cluster {
    Cluster::options(major)
        .setting("allow_in_place_tablespaces", "on")
        .start()
        .unwrap()
}

/// A cluster of `major` with the globals above, a table in the in-place tablespace,
/// data.sql's database and one with an awkward name.
fn source_cluster(major: u32) -> Cluster {
    let source = start(major);
    source
        .psql(
            "postgres",
            "CREATE DATABASE app; CREATE DATABASE \"Odd Db\";",
        )
        .unwrap();
    source.psql("postgres", GLOBALS).unwrap();
    if major >= 15 {
        source.psql("postgres", PARAMETER_GRANT).unwrap();
    }
    source
        .psql(
            "app",
            "CREATE TABLE t (id int PRIMARY KEY, v text) TABLESPACE inplace;
             INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g;
             GRANT SELECT ON t TO admins;",
        )
        .unwrap();
    load_fixtures(&source, &["data.sql"]).unwrap();
    source
}

/// A fresh 18 cluster after psql ran `script` in it: psql's ERROR lines (without their
/// location) and what pg_dumpall 18 then sees, version lines masked.
fn restored_with_psql(script: &Path) -> (Cluster, Vec<String>) {
    let target = start(18);
    let out = run_unchecked(
        "psql",
        target
            .upstream("psql")
            .args(["-X", "-q", "-d", "postgres", "-f"])
            .arg(script),
        None,
    )
    .unwrap();
    let errors = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.split_once("ERROR").map(|(_, e)| e.to_owned()))
        .collect();
    (target, errors)
}

fn whole_cluster(c: &Cluster) -> String {
    let out = run(
        "pg_dumpall",
        c.upstream("pg_dumpall").arg("--restrict-key=MIGRATED"),
        None,
    )
    .unwrap();
    mask_version_header(&String::from_utf8_lossy(&out.stdout))
}

/// Whole clusters from the older majors (15 by default) moved to 18 by tusk_dumpall and
/// psql: the script is pg_dumpall 18's, and so is the cluster it makes.
#[test]
fn clusters_migrate_from_older_servers_to_18() {
    for major in older_majors() {
        cluster_migrates_to_18(major);
    }
}

fn cluster_migrates_to_18(major: u32) {
    let source = source_cluster(major);
    let dir = tempfile::tempdir().unwrap();
    let migrate = |name: &str| {
        let bin = match name {
            "pg_dumpall" => upstream_bin(18, "pg_dumpall").unwrap(),
            _ => tusk_bin(name).unwrap(),
        };
        let script = dir.path().join(format!("{name}.sql"));
        run(name, source.command(bin).arg("-f").arg(&script), None).unwrap();
        let (target, errors) = restored_with_psql(&script);
        let text = mask_version_header(&std::fs::read_to_string(&script).unwrap());
        (text, errors, whole_cluster(&target))
    };
    let (their_script, their_errors, theirs) = migrate("pg_dumpall");
    let (our_script, our_errors, ours) = migrate("tusk_dumpall");
    assert_same_text(
        &their_script,
        &our_script,
        &format!("pg_dumpall 18 of a {major} cluster"),
        &format!("tusk_dumpall of a {major} cluster"),
    );
    assert_eq!(
        our_errors, their_errors,
        "psql errors restoring the scripts of a {major} cluster"
    );
    assert_same_text(
        &theirs,
        &ours,
        &format!("18 cluster migrated from {major} by pg_dumpall"),
        &format!("18 cluster migrated from {major} by tusk_dumpall"),
    );
}

/// The README's "Migrating a cluster" commands, 15 → 18: globals by `tusk_dumpall -g`, each
/// database by `tusk_dump -Fc -j 4 -Z zstd --manifest`, verified, then psql and
/// `tusk_restore -j`; the new cluster is the one pg_dumpall 18's script makes.
#[test]
fn the_readme_migration_recipe_moves_a_cluster() {
    let source = source_cluster(15);
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let tusk = |name: &str, c: &Cluster| c.command(tusk_bin(name).unwrap());

    run(
        "tusk_dumpall -g",
        tusk("tusk_dumpall", &source)
            .args(["-g", "-f"])
            .arg(path("globals.sql")),
        None,
    )
    .unwrap();
    let databases = source
        .psql(
            "postgres",
            "SELECT datname FROM pg_database WHERE datallowconn AND datname <> 'template0' \
             ORDER BY 1",
        )
        .unwrap();
    let databases: Vec<&str> = databases.lines().collect();
    for db in &databases {
        run(
            "tusk_dump",
            tusk("tusk_dump", &source)
                .args(["-Fc", "-j", "4", "-Z", "zstd", "--manifest", "-f"])
                .arg(path(&format!("{db}.dump")))
                .arg(db),
            None,
        )
        .unwrap();
    }

    let target = start(18);
    for db in &databases {
        run(
            "tusk_restore --verify",
            tusk("tusk_restore", &target)
                .arg("--verify")
                .arg(path(&format!("{db}.dump"))),
            None,
        )
        .unwrap();
    }
    let out = run_unchecked(
        "psql",
        target
            .upstream("psql")
            .args(["-X", "-q", "-d", "postgres", "-f"])
            .arg(path("globals.sql")),
        None,
    )
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(
        errors.len() == 1 && errors[0].ends_with("role \"postgres\" already exists"),
        "{stderr}"
    );
    for db in &databases {
        let archive = path(&format!("{db}.dump"));
        let mut restore = tusk("tusk_restore", &target);
        match *db {
            "postgres" => restore.args(["-c", "-C", "-d", "template1"]),
            "template1" => restore.args(["-d", "template1"]),
            _ => restore.args(["-C", "-d", "postgres"]),
        };
        run(
            "tusk_restore",
            restore.args(["-j", "8"]).arg(&archive),
            None,
        )
        .unwrap();
    }

    let (reference, _) = {
        let script = path("reference.sql");
        run(
            "pg_dumpall",
            source
                .command(upstream_bin(18, "pg_dumpall").unwrap())
                .arg("-f")
                .arg(&script),
            None,
        )
        .unwrap();
        restored_with_psql(&script)
    };
    assert_same_text(
        &whole_cluster(&reference),
        &whole_cluster(&target),
        "18 cluster migrated by pg_dumpall 18 and psql",
        "18 cluster migrated by the README's commands",
    );
}
