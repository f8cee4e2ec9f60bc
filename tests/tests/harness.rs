//! The harness itself, against PostgreSQL 15 (Debian's) and 18 (a wheel).

use std::path::Path;
use std::time::{Duration, Instant};

use tusk_tests::compare::{
    assert_same_database, compare_databases, row_fingerprints, schema_dump, schema_dump_with,
};
use tusk_tests::harness::{
    Cluster, ClusterOptions, HarnessError, make_test_ca, run, run_unchecked, upstream_bin,
};

/// Runs a check once per major, as its own test so they run in parallel.
macro_rules! for_majors {
    ($check:ident: $($name:ident => $major:expr),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $check($major);
            }
        )+
    };
}

for_majors!(shared_cluster_basics: basics_15 => 15, basics_18 => 18);
for_majors!(scram_password: scram_15 => 15, scram_18 => 18);
for_majors!(tls_verify_full: tls_15 => 15, tls_18 => 18);
for_majors!(fingerprints_see_changes: fingerprints_15 => 15, fingerprints_18 => 18);

fn shared_cluster_basics(major: u32) {
    let cluster = Cluster::shared(major);
    assert_eq!(cluster.major(), major);
    assert_eq!(cluster.host(), "127.0.0.1");
    assert!(cluster.socket_dir().is_dir());
    let version = cluster.server_version_num().unwrap();
    assert_eq!(version / 10000, major, "server_version_num {version}");

    let db = cluster.new_database("basics").unwrap();
    let other = cluster.new_database("basics").unwrap();
    assert_ne!(db, other);
    let out = cluster
        .psql(
            &db,
            "CREATE TABLE t (id int PRIMARY KEY, name text);\n\
             INSERT INTO t VALUES (1, 'one'), (2, 'two');\n\
             SELECT count(*) FROM t;",
        )
        .unwrap();
    assert_eq!(out.trim(), "2");

    let err = cluster.psql(&db, "SELECT * FROM missing").unwrap_err();
    assert!(
        err.to_string()
            .contains("relation \"missing\" does not exist"),
        "{err}"
    );

    // Upstream pg_dump over TCP, configured only by the environment.
    let mut pg_dump = cluster.upstream("pg_dump");
    pg_dump.args(["-Fp", "-d", &db]);
    let out = run("pg_dump", &mut pg_dump, None).unwrap();
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(sql.contains("CREATE TABLE public.t"), "{sql}");
    assert!(sql.contains("1\tone"), "{sql}");

    // The same URI works for libpq tools.
    let mut psql = cluster.upstream("psql");
    psql.args(["-XAt", "-c", "SELECT current_database()"])
        .arg(cluster.uri(&db));
    let out = run("psql by URI", &mut psql, None).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), db);

    // Copy the database with upstream tools; the comparators must call the
    // copy the same.
    let mut dump = cluster.upstream("pg_dump");
    dump.args(["-Fc", "-d", &db]);
    let archive = run("pg_dump -Fc", &mut dump, None).unwrap().stdout;
    let mut restore = cluster.upstream("pg_restore");
    restore.args(["-d", &other]);
    run("pg_restore", &mut restore, Some(&archive)).unwrap();
    assert_same_database((cluster, &db), (cluster, &other));

    let schema = schema_dump(cluster, &db).unwrap();
    assert!(
        !schema.contains("-- Dumped from database version"),
        "{schema}"
    );
    assert!(schema.contains("CREATE TABLE public.t"), "{schema}");
}

fn fingerprints_see_changes(major: u32) {
    let cluster = Cluster::shared(major);
    let a = cluster.new_database("fp_a").unwrap();
    let b = cluster.new_database("fp_b").unwrap();
    let setup = "CREATE SCHEMA \"odd|name\";\n\
                 CREATE TABLE \"odd|name\".\"t\nx\" (v text);\n\
                 INSERT INTO \"odd|name\".\"t\nx\" VALUES ('a|b'), (NULL);\n\
                 CREATE TABLE p (k int, v text) PARTITION BY RANGE (k);\n\
                 CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);\n\
                 INSERT INTO p VALUES (1, 'x'), (2, 'y');\n\
                 CREATE SEQUENCE s;\n\
                 SELECT nextval('s');\n\
                 SELECT lo_from_bytea(0, '\\x0102');";
    cluster.psql(&a, setup).unwrap();
    cluster.psql(&b, setup).unwrap();

    let fp = row_fingerprints(cluster, &a).unwrap();
    assert_eq!(fp["odd|name.t\nx"].0, 2);
    // A partitioned table is left to its partitions, which hold its rows.
    assert!(!fp.contains_key("public.p"), "{fp:?}");
    assert_eq!(fp["public.p1"].0, 2);
    assert_eq!(fp["public.s"], (1, "is_called=true".to_string()));
    assert_eq!(fp["pg_catalog.pg_largeobject"].0, 1);

    // Large object OIDs differ between the two databases unless forced equal.
    let lo = cluster
        .psql(&a, "SELECT oid FROM pg_largeobject_metadata")
        .unwrap();
    cluster
        .psql(
            &b,
            &format!(
                "SELECT lo_unlink(oid) FROM pg_largeobject_metadata;\n\
                 SELECT lo_from_bytea({}, '\\x0102');",
                lo.trim()
            ),
        )
        .unwrap();
    // The same rows stored in another order are still the same.
    cluster
        .psql(
            &b,
            "DELETE FROM p; INSERT INTO p VALUES (2, 'y'), (1, 'x');",
        )
        .unwrap();
    assert_eq!(
        compare_databases((cluster, &a), (cluster, &b)).unwrap(),
        None
    );

    cluster
        .psql(&b, "UPDATE p SET v = 'z' WHERE k = 2")
        .unwrap();
    let report = compare_databases((cluster, &a), (cluster, &b))
        .unwrap()
        .expect("a changed row must show");
    assert!(report.contains("row fingerprints differ"), "{report}");
    assert!(report.contains("public.p"), "{report}");

    cluster
        .psql(&b, "ALTER TABLE p ADD COLUMN extra int")
        .unwrap();
    let report = compare_databases((cluster, &a), (cluster, &b))
        .unwrap()
        .expect("a changed schema must show");
    assert!(report.contains("schema dumps differ"), "{report}");
    assert!(report.contains("+    extra integer"), "{report}");
}

fn scram_password(major: u32) {
    let cluster = ClusterOptions::new(major)
        .scram_password("s3cret p@ss")
        .start()
        .unwrap();
    assert_eq!(cluster.password(), Some("s3cret p@ss"));

    let connect = |password: Option<&str>| {
        let mut psql = cluster.upstream("psql");
        psql.env_remove("PGPASSWORD")
            .args(["-X", "-At", "-w", "-d", "postgres", "-c", "SELECT 1"]);
        if let Some(password) = password {
            psql.env("PGPASSWORD", password);
        }
        run_unchecked("psql with a password", &mut psql, None).unwrap()
    };
    let wrong = connect(Some("wrong"));
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    assert!(!connect(None).status.success());
    let right = connect(Some("s3cret p@ss"));
    assert!(
        right.status.success(),
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );

    // The URI carries the password, percent-encoded.
    let mut psql = cluster.upstream("psql");
    psql.env_remove("PGPASSWORD")
        .args(["-XAt", "-w", "-c", "SELECT current_user"])
        .arg(cluster.uri("postgres"));
    let out = run("psql by URI with password", &mut psql, None).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "postgres");

    // The harness's own path (the socket) still works.
    let db = cluster.new_database("scram").unwrap();
    assert_eq!(cluster.psql(&db, "SELECT 40 + 2").unwrap().trim(), "42");
    let method = cluster
        .psql(
            "postgres",
            "SELECT auth_method FROM pg_hba_file_rules WHERE type = 'host' LIMIT 1",
        )
        .unwrap();
    assert_eq!(method.trim(), "scram-sha-256");
}

fn tls_verify_full(major: u32) {
    let certs = tempfile::tempdir().unwrap();
    let ca = make_test_ca(certs.path()).unwrap();
    let cluster = ClusterOptions::new(major).tls(ca.server()).start().unwrap();
    assert!(cluster.tls());
    assert_eq!(cluster.psql("postgres", "SHOW ssl").unwrap().trim(), "on");

    let conninfo = |host: &str, root: &Path| {
        format!(
            "sslmode=verify-full sslrootcert={} host={host} hostaddr=127.0.0.1 port={} \
             user=postgres dbname=postgres",
            root.display(),
            cluster.port()
        )
    };
    let mut psql = cluster.upstream("psql");
    psql.args([
        "-XAt",
        "-c",
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    ])
    .arg(conninfo("localhost", &ca.ca_cert));
    let out = run("psql with verify-full", &mut psql, None).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "t");

    // A name the certificate does not carry must be refused.
    let mut psql = cluster.upstream("psql");
    psql.args(["-XAt", "-c", "SELECT 1"])
        .arg(conninfo("not-localhost.invalid", &ca.ca_cert));
    let out = run_unchecked("psql with the wrong host name", &mut psql, None).unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not match host name"), "{stderr}");
}

#[test]
fn other_majors_tools_work_against_a_server() {
    let cluster = Cluster::shared(15);
    let db = cluster.new_database("cross").unwrap();
    cluster
        .psql(&db, "CREATE TABLE t (x int); INSERT INTO t VALUES (7);")
        .unwrap();
    let pg_dump_18 = upstream_bin(18, "pg_dump").unwrap();
    let own = schema_dump(cluster, &db).unwrap();
    let by_18 = schema_dump_with(&pg_dump_18, cluster, &db).unwrap();
    assert!(by_18.contains("CREATE TABLE public.t"), "{by_18}");
    assert!(own.contains("CREATE TABLE public.t"), "{own}");
    assert!(matches!(
        upstream_bin(13, "pg_dump"),
        Err(HarnessError::UnsupportedMajor(13))
    ));
}

#[test]
fn a_dropped_cluster_stops_and_leaves_nothing() {
    let cluster = Cluster::start(15).unwrap();
    let dir = cluster.socket_dir().to_path_buf();
    let pid = std::fs::read_to_string(cluster.data_dir().join("postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(Path::new("/proc").join(&pid).exists());
    drop(cluster);
    // Drop waits for the server; the deadline only guards a broken harness.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Path::new("/proc").join(&pid).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !Path::new("/proc").join(&pid).exists(),
        "postmaster {pid} still runs"
    );
    assert!(!dir.exists(), "{} still exists", dir.display());
}

#[test]
fn a_failed_start_reports_the_server_log() {
    let err = ClusterOptions::new(15)
        .setting("shared_buffers", "not-a-size")
        .start()
        .err()
        .expect("a bad setting must fail the start");
    let text = err.to_string();
    assert!(matches!(err, HarnessError::Startup { .. }), "{text}");
    assert!(text.contains("shared_buffers"), "{text}");
}

/// Every supported major starts and answers, and its pg_dump dumps. Opt-in,
/// as the first run downloads three more PostgreSQL builds.
#[test]
#[ignore = "downloads PostgreSQL 14, 16 and 17; run with --ignored"]
fn every_major_starts() {
    for major in tusk_tests::harness::MAJORS {
        let cluster = Cluster::start(major).unwrap();
        assert_eq!(cluster.server_version_num().unwrap() / 10000, major);
        let db = cluster.new_database("every").unwrap();
        cluster.psql(&db, "CREATE TABLE t (x int)").unwrap();
        assert!(
            schema_dump(&cluster, &db)
                .unwrap()
                .contains("CREATE TABLE public.t")
        );
    }
}
