//! A catalog of a thousand tables or more: tusk_dump reads the index definitions on a second
//! session in the leader's snapshot while the leader reads the rest, and on the leader alone
//! when the role may not open a second connection. Either way the output is pg_dump 18's.

use tusk_tests::harness::{Cluster, tusk_bin, upstream_bin};
use tusk_tests::parity::plain_dump;

/// At least tusk_dump's threshold for the helper session (`details::HELPER_MIN_TABLES`).
const TABLES: u32 = 1100;

/// `TABLES` tables owned by `owner`, each with a primary key, an index and an expression
/// index, and a partitioned table with a partitioned index and its attached partitions.
fn create_tables(c: &Cluster, db: &str, owner: &str) {
    c.psql(
        db,
        &format!(
            "SET ROLE {owner};
             DO $$ BEGIN FOR i IN 1..{TABLES} LOOP
               EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, name text NOT NULL, \
                               at timestamptz)', 't' || i);
               EXECUTE format('CREATE INDEX ON %I (name) INCLUDE (at)', 't' || i);
               EXECUTE format('CREATE UNIQUE INDEX ON %I (lower(name)) WHERE id > 0', 't' || i);
             END LOOP; END $$;
             CREATE TABLE measures (at date, v int) PARTITION BY RANGE (at);
             CREATE INDEX ON measures (at, v);
             CREATE TABLE measures_2024 PARTITION OF measures
               FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
             CREATE TABLE measures_2025 PARTITION OF measures
               FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
        ),
    )
    .unwrap();
}

/// The sessions tusk_dump started in `db` (authorized, even if refused later), and the ones the
/// server refused for the role's connection limit, since `from` (a length of the server log).
fn tusk_connections(c: &Cluster, db: &str, from: usize) -> (usize, usize) {
    let log = c.log();
    let new = &log[from..];
    let opened = new
        .lines()
        .filter(|l| l.contains("connection authorized") && l.contains(&format!("database={db} ")))
        .filter(|l| l.contains("application_name=tusk_dump"))
        .count();
    let refused = new
        .lines()
        .filter(|l| l.contains("too many connections for role"))
        .count();
    (opened, refused)
}

#[test]
fn a_big_catalogs_indexes_are_read_on_a_helper_session_or_on_the_leader() {
    let c = Cluster::options(18)
        .setting("log_connections", "on")
        .start()
        .unwrap();
    let db = c.new_database("big_catalog").unwrap();
    c.psql(
        "postgres",
        "CREATE ROLE lonely LOGIN CONNECTION LIMIT 1; CREATE ROLE owner_role;
         GRANT owner_role TO lonely, postgres;",
    )
    .unwrap();
    c.psql(&db, "GRANT CREATE ON SCHEMA public TO owner_role")
        .unwrap();
    create_tables(&c, &db, "owner_role");

    // As the superuser: the helper session reads the indexes.
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    let tusk_dump = tusk_bin("tusk_dump").unwrap();
    for args in [&["-s"][..], &["-s", "-t", "t1*", "-t", "measures*"]] {
        let theirs = plain_dump(&c, &pg_dump, &db, args);
        let from = c.log().len();
        let ours = plain_dump(&c, &tusk_dump, &db, args);
        assert!(
            theirs == ours,
            "tusk_dump {args:?} differs from pg_dump 18's:\n{}",
            tusk_tests::compare::diff(&theirs, &ours, "pg_dump", "tusk_dump")
        );
        let (opened, refused) = tusk_connections(&c, &db, from);
        // `-t t1*` selects 212 tables: below the threshold, one session as pg_dump's.
        let expected = if args.len() == 1 { 2 } else { 1 };
        assert_eq!(
            (opened, refused),
            (expected, 0),
            "tusk_dump {args:?}: sessions started and refused"
        );
    }

    // A role limited to one connection: the helper is refused, the leader reads the indexes.
    let args = ["-s", "-U", "lonely"];
    let theirs = plain_dump(&c, &pg_dump, &db, &args);
    let from = c.log().len();
    let ours = plain_dump(&c, &tusk_dump, &db, &args);
    assert!(
        theirs == ours,
        "tusk_dump {args:?} differs from pg_dump 18's:\n{}",
        tusk_tests::compare::diff(&theirs, &ours, "pg_dump", "tusk_dump")
    );
    assert_eq!(
        tusk_connections(&c, &db, from),
        (2, 1),
        "tusk_dump -U lonely: sessions started and refused"
    );
}
