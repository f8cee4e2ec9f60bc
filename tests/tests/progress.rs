//! `--progress` (a tusk extension) of tusk_dump, tusk_restore and tusk_copy: the bar redraws in a
//! terminal, `--progress=json` events add up to what was dumped and restored, and without the
//! option a piped stderr stays as upstream's.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use tusk_tests::harness::{Cluster, outcome, run, run_unchecked, tusk_bin};

/// The rows of `table` in `db`.
fn count(c: &Cluster, db: &str, table: &str) -> u64 {
    c.psql(db, &format!("SELECT count(*) FROM {table}"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The percentages an indicatif bar printed (`NN%`), in order of appearance.
fn percentages(screen: &str) -> Vec<u32> {
    screen
        .split('%')
        .filter_map(|before| {
            let digits: String = before
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.chars().rev().collect::<String>().parse().ok()
        })
        .collect()
}

#[test]
fn the_bar_is_redrawn_in_a_terminal() {
    let c = Cluster::shared(18);
    let db = c.new_database("progress_bar").unwrap();
    // About 8 MB of COPY text, read at 2 MB/s: four seconds of redraws.
    c.psql(
        &db,
        "CREATE TABLE big (id int, t text); \
         INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 60000) g; \
         ANALYZE big;",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("big.dump");
    let line = format!(
        "'{}' --progress -Fc --max-rate=2MB -f '{}' '{db}'",
        tusk_bin("tusk_dump").unwrap().display(),
        archive.display()
    );
    // script(1) gives the dump a pseudo-terminal and copies what it draws to our pipe.
    let out = run(
        "script",
        c.command("script").args(["-qfec", &line, "/dev/null"]),
        None,
    )
    .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    let mut seen = percentages(&screen);
    seen.dedup();
    assert!(seen.len() >= 3, "percentages {seen:?} in {screen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(
        screen.contains("public.big"),
        "no worker line in {screen:?}"
    );
    assert!(
        screen.contains('\r') || screen.contains("\x1b["),
        "{screen:?}"
    );
    // The archive is whole.
    let listing = run(
        "tusk_restore -l",
        c.command(tusk_bin("tusk_restore").unwrap())
            .arg("-l")
            .arg(&archive),
        None,
    )
    .unwrap();
    assert!(String::from_utf8_lossy(&listing.stdout).contains("TABLE DATA public big"));

    // tusk_restore draws too, and ends on its totals.
    let target = c.new_database("progress_bar_to").unwrap();
    let line = format!(
        "'{}' --progress -d '{target}' '{}'",
        tusk_bin("tusk_restore").unwrap().display(),
        archive.display()
    );
    let out = run(
        "script",
        c.command("script").args(["-qfec", &line, "/dev/null"]),
        None,
    )
    .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        screen.contains("100%") && screen.contains("60,000 rows"),
        "{screen:?}"
    );
    assert_eq!(count(c, &target, "big"), 60000);
}

/// Checks a run's JSON events and returns each table's rows and bytes.
fn events(what: &str, stderr: &[u8]) -> BTreeMap<String, (u64, u64)> {
    let text = String::from_utf8_lossy(stderr);
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{what}: {l:?}: {e}")))
        .collect();
    let kind = |e: &Value| e["event"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        events.iter().filter(|e| kind(e) == "start").count(),
        1,
        "{what}: {text}"
    );
    assert_eq!(
        events.last().map(kind).as_deref(),
        Some("finish"),
        "{what}: {text}"
    );
    assert!(events.iter().any(|e| kind(e) == "phase"), "{what}: {text}");
    let mut rows = BTreeMap::new();
    let mut bytes = 0;
    for e in events.iter().filter(|e| kind(e) == "table_done") {
        let table = e["table"].as_str().unwrap().to_owned();
        let n = (e["rows"].as_u64().unwrap(), e["bytes"].as_u64().unwrap());
        bytes += n.1;
        assert!(
            rows.insert(table, n).is_none(),
            "{what}: a table twice: {text}"
        );
    }
    let finish = &events[events.len() - 1];
    assert_eq!(finish["tables"].as_u64(), Some(rows.len() as u64), "{what}");
    assert_eq!(
        finish["rows"].as_u64(),
        Some(rows.values().map(|n| n.0).sum()),
        "{what}"
    );
    assert_eq!(finish["bytes"].as_u64(), Some(bytes), "{what}");
    assert!(finish["seconds"].as_f64().is_some(), "{what}");
    rows
}

#[test]
fn json_events_add_up_to_the_dump_and_the_restore() {
    let c = Cluster::shared(18);
    let db = c.new_database("progress_json").unwrap();
    c.psql(
        &db,
        "CREATE TABLE a (id int, t text); CREATE TABLE b (id int, t text); \
         CREATE TABLE empty (id int); CREATE TABLE lines (t text); \
         INSERT INTO a SELECT g, md5(g::text) FROM generate_series(1, 1000) g; \
         INSERT INTO b SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 20000) g; \
         INSERT INTO lines VALUES (''), (E'two\\nlines'), ('\\.'), (NULL); \
         ANALYZE;",
    )
    .unwrap();
    let tables = ["a", "b", "empty", "lines"];
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("dir");
    // Small tables split too, so a table read in pieces by both workers is counted once.
    let out = run(
        "tusk_dump",
        c.command(tusk_bin("tusk_dump").unwrap())
            .env("TUSK_SPLIT_MIN_PAGES", "8")
            .args(["--progress=json", "-Fd", "-j", "2", "-f"])
            .arg(&archive)
            .arg(&db),
        None,
    )
    .unwrap();
    let dumped = events("tusk_dump", &out.stderr);
    for t in tables {
        let rows = dumped.get(&format!("public.{t}")).map(|n| n.0);
        assert_eq!(rows, Some(count(c, &db, t)), "{t}");
    }
    assert_eq!(dumped.len(), tables.len(), "{dumped:?}");

    // Then with every table's load split across both workers too: a table loaded in shares
    // is done once.
    for split_min in ["4194304", "1"] {
        let target = c.new_database("progress_json_to").unwrap();
        let out = run_unchecked(
            "tusk_restore",
            c.command(tusk_bin("tusk_restore").unwrap())
                .env("TUSK_SPLIT_RESTORE_MIN_BYTES", split_min)
                .args(["--progress=json", "-j", "2", "-d", &target])
                .arg(&archive),
            None,
        )
        .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The same rows and the same bytes of COPY text, table by table.
        let restored = events("tusk_restore", &out.stderr);
        assert_eq!(restored, dumped, "split from {split_min} bytes");
        for t in tables {
            assert_eq!(count(c, &target, t), count(c, &db, t), "{t}");
        }
    }

    // tusk_copy counts on the target's side only: each row once, though it is both read and
    // written.
    for jobs in ["1", "2"] {
        let target = c.new_database("progress_json_copy").unwrap();
        let out = run(
            "tusk_copy",
            c.command(tusk_bin("tusk_copy").unwrap())
                .env("TUSK_SPLIT_RESTORE_MIN_BYTES", "1")
                .args(["--progress=json", "-j", jobs, &db])
                .arg(format!("--target={target}")),
            None,
        )
        .unwrap();
        assert_eq!(events("tusk_copy", &out.stderr), dumped, "-j {jobs}");
    }
}

fn restore(c: &Cluster, args: &[&str], archive: &Path, db: &str) -> std::process::Output {
    run_unchecked(
        "tusk_restore",
        c.command(tusk_bin("tusk_restore").unwrap())
            .args(args)
            .args(["-d", db])
            .arg(archive),
        None,
    )
    .unwrap()
}

#[test]
fn nothing_new_on_a_piped_stderr() {
    let c = Cluster::shared(18);
    let db = c.new_database("progress_off").unwrap();
    c.psql(
        &db,
        "CREATE TABLE t AS SELECT generate_series(1, 100) AS id",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("t.dump");
    for args in [
        &[][..],
        &["--no-progress"],
        &["--progress=json", "--no-progress"],
    ] {
        let out = run(
            "tusk_dump",
            c.command(tusk_bin("tusk_dump").unwrap())
                .args(args)
                .args(["-Fc", "-f"])
                .arg(&archive)
                .arg(&db),
            None,
        )
        .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
        let target = c.new_database("progress_off_to").unwrap();
        let out = restore(c, args, &archive, &target);
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
    for program in ["tusk_dump", "tusk_restore"] {
        let (status, stderr) = outcome(
            c.command(tusk_bin(program).unwrap())
                .args(["--progress=xml", "-d", "postgres"]),
            false,
        )
        .unwrap();
        assert_eq!(status, Some(1));
        assert_eq!(
            stderr,
            [format!(
                "{program}: error: invalid value \"xml\" for option --progress: use bar or json"
            )]
        );
    }
}
