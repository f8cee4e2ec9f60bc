//! `tusk_dump --max-rate`: the bytes all sessions read from the server stay under the cap,
//! serially and with `-j` (one bucket shared by the workers), whether they come as COPY
//! text, as rows for INSERTs or as large objects; bad values are refused.

use std::time::Instant;

use tusk_tests::harness::{Cluster, outcome, run, tusk_bin};

/// The cap the tests use: 5 MB/s, as the acceptance figure.
const RATE: f64 = 5.0 * 1024.0 * 1024.0;

/// Two tables of about 12 MB of COPY text each, so `-j 2` reads both at once; about 50 MB
/// each with `TUSK_MATRIX=1`, the 100 MB dump in 20 s.
fn database(c: &Cluster) -> String {
    let rows = if tusk_tests::parity::matrix_enabled() {
        375_000
    } else {
        90_000
    };
    let db = c.new_database("max_rate").unwrap();
    c.psql(
        &db,
        &format!(
            "CREATE TABLE a (id int, t text); CREATE TABLE b (id int, t text); \
             INSERT INTO a SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, {rows}) g; \
             INSERT INTO b SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, {rows}) g;"
        ),
    )
    .unwrap();
    db
}

/// Wall seconds of one uncompressed dump, and the size of what it wrote (≈ the COPY bytes).
fn dump(c: &Cluster, db: &str, args: &[&str]) -> (f64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let start = Instant::now();
    run(
        "tusk_dump",
        c.command(tusk_bin("tusk_dump").unwrap())
            .args(["-Fd", "-Z", "0"])
            .args(args)
            .arg("-f")
            .arg(&out)
            .arg(db),
        None,
    )
    .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let bytes = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    (seconds, bytes)
}

#[test]
fn max_rate_caps_every_session_together() {
    let c = Cluster::shared(18);
    let db = database(c);
    let (free, bytes) = dump(c, &db, &[]);
    let expected = bytes as f64 / RATE;
    assert!(expected > 4.0, "only {bytes} bytes of data");
    for args in [&["--max-rate=5MB"][..], &["--max-rate", "5M", "-j", "2"]] {
        let (seconds, _) = dump(c, &db, args);
        // The burst lets a tenth of a second through at once; setup costs the unthrottled time.
        assert!(
            seconds >= expected * 0.8 && seconds <= (expected + free) * 1.2,
            "{args:?}: {seconds:.2} s for {bytes} bytes, expected {expected:.2} s"
        );
    }
}

/// INSERT statements and large objects (about 25 MB of them) are held to the cap as COPY
/// text is.
#[test]
fn max_rate_caps_inserts_and_large_objects() {
    let c = Cluster::shared(18);
    let db = database(c);
    let lobs = c.new_database("max_rate_lo").unwrap();
    c.psql(
        &lobs,
        "SELECT lo_from_bytea(0, convert_to(string_agg(md5((g * n)::text), ''), 'UTF8')) \
         FROM generate_series(1, 6) n, generate_series(1, 130000) g GROUP BY n;",
    )
    .unwrap();
    for (db, args) in [(&db, &["--inserts"][..]), (&lobs, &[])] {
        let (free, bytes) = dump(c, db, args);
        let expected = bytes as f64 / RATE;
        assert!(expected > 4.0, "only {bytes} bytes of data");
        let (seconds, _) = dump(c, db, &[args, &["--max-rate=5MB"]].concat());
        assert!(
            seconds >= expected * 0.8 && seconds <= (expected + free) * 1.2,
            "{args:?}: {seconds:.2} s for {bytes} bytes, expected {expected:.2} s"
        );
    }
}

#[test]
fn bad_rates_are_refused() {
    let c = Cluster::shared(18);
    for rate in ["abc", "0", "-5MB", "1.5MB", "10XB", ""] {
        let (status, stderr) = outcome(
            c.command(tusk_bin("tusk_dump").unwrap())
                .arg(format!("--max-rate={rate}"))
                .arg("postgres"),
            false,
        )
        .unwrap();
        assert_eq!(status, Some(1), "{rate:?}");
        // As pg_dump's bad option values (option_parse_int): the error alone, no hint.
        assert_eq!(
            stderr,
            [format!(
                "tusk_dump: error: invalid value \"{rate}\" for option --max-rate: expected a \
                 positive number of bytes with an optional unit kB, MB or GB"
            )],
            "{rate:?}"
        );
    }
}
