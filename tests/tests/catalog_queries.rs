//! tusk_dump reads the catalog with set-based queries: the number of statements it sends does
//! not grow with the number of tables (past a thousand tables it adds a fixed few, for the
//! second session that reads the indexes). Counted from the server's statement log.

use tusk_tests::harness::{Cluster, run_stdout, tusk_bin};

/// Creates `n` tables in schema `many`, each with a serial primary key (so a sequence too), a
/// secondary index and a comment, committing as it goes so the locks held stay few.
fn create_tables(cluster: &Cluster, n: usize) -> String {
    let db = cluster.new_database("many").unwrap();
    cluster
        .psql(
            &db,
            &format!(
                "CREATE SCHEMA many;
                 DO $$ BEGIN
                   FOR i IN 1..{n} LOOP
                     EXECUTE format('CREATE TABLE many.t%s (id serial PRIMARY KEY, v integer)', i);
                     EXECUTE format('CREATE INDEX ON many.t%s (v)', i);
                     EXECUTE format('COMMENT ON TABLE many.t%s IS %L', i, 'table number ' || i);
                     IF i % 500 = 0 THEN COMMIT; END IF;
                   END LOOP;
                 END $$;"
            ),
        )
        .unwrap();
    db
}

/// Runs `tusk_dump -s` (or `--statistics-only` with `statistics`) on `db` under `app` as
/// application name and counts the statements the server logged for it.
fn statements_of_dump(cluster: &Cluster, db: &str, app: &str, statistics: bool) -> usize {
    let mut cmd = cluster.command(tusk_bin("tusk_dump").unwrap());
    let (what, expected) = if statistics {
        ("--statistics-only", "'relname', 't1',")
    } else {
        ("-s", "CREATE TABLE many.t1 (")
    };
    cmd.env("PGAPPNAME", app).arg(what).arg(db);
    let out = run_stdout(&format!("tusk_dump {what}"), &mut cmd, None).unwrap();
    assert!(out.contains(expected), "the dump holds the tables");
    let prefix = format!("{app}|");
    cluster
        .log()
        .lines()
        .filter(|l| {
            l.starts_with(&prefix)
                && (l.contains("LOG:  statement: ") || l.contains("LOG:  execute "))
        })
        .count()
}

fn statement_count(major: u32) {
    let cluster = Cluster::options(major)
        .setting("log_statement", "all")
        .setting("log_line_prefix", "%a|")
        .setting("max_locks_per_transaction", "256")
        .start()
        .unwrap();
    // 1,200 and 5,000 tables are both past the point where tusk_dump reads the indexes on a
    // second session too, in a fixed number of ranges; 50 tables are not.
    let few = create_tables(&cluster, 50);
    let some = create_tables(&cluster, 1200);
    let many = create_tables(&cluster, 5000);
    let with_few = statements_of_dump(&cluster, &few, "tusk_count_few", false);
    let with_some = statements_of_dump(&cluster, &some, "tusk_count_some", false);
    let with_many = statements_of_dump(&cluster, &many, "tusk_count_many", false);
    eprintln!(
        "server {major}: {with_few} statements for 50 tables, {with_some} for 1200, \
         {with_many} for 5000"
    );
    // The log does show the dump's statements (setup, transaction, catalog queries).
    assert!(with_few >= 10, "only {with_few} statements logged");
    // About one query per object kind, as pg_dump: 68 on 15 and 18 once every kind was read.
    assert!(with_few < 80, "{with_few} statements to dump 50 tables");
    assert_eq!(
        with_some, with_many,
        "statements for 1200 tables and for 5000 tables"
    );
    // The second session's setup and transaction, the snapshot's export, 15 more ranges.
    assert!(
        with_many <= with_few + 25,
        "{with_many} statements for 5000 tables, {with_few} for 50"
    );
    let stats_some = statements_of_dump(&cluster, &some, "tusk_stats_some", true);
    let stats_many = statements_of_dump(&cluster, &many, "tusk_stats_many", true);
    eprintln!("server {major}: with statistics, {stats_some} and {stats_many} statements");
    assert_eq!(
        stats_some, stats_many,
        "statistics statements for 1200 tables and for 5000 tables"
    );
}

/// Before 18, sequence values are read from each sequence relation.
#[test]
fn statement_count_does_not_grow_with_tables_pg15() {
    statement_count(15)
}

#[test]
fn statement_count_does_not_grow_with_tables_pg18() {
    statement_count(18)
}
