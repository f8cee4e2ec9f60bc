//! tusk_dump equals pg_dump 18 for relation and column statistics (`--statistics` and the
//! options around it) and for the database's own entries (`-C`); its archives restore with
//! upstream pg_restore 18, statistics included.

use tusk_tests::compare::{assert_same_text, schema_dump_with};
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin, upstream_bin};
use tusk_tests::parity::{assert_parity, assert_same_failure, load_fixture};

const FIXTURE: &str = "objects.sql";

fn statistics(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, FIXTURE).unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &["-s", "-c", "--if-exists"],
            &["-s", "--no-owner"],
            &["-s", "--no-privileges"],
            &["-s", "--no-comments"],
            &["-s", "-n", "\"Stats \"\"Schema\"\"\""],
            &[],
            &["--statistics"],
            &["--statistics-only"],
            &["--no-statistics"],
            &["--statistics", "-c", "--if-exists"],
            &["--statistics", "--no-data"],
            &["--statistics", "--no-schema"],
            &["--statistics", "-n", "public"],
            &["--statistics-only", "-N", "public"],
            // A dumped child makes its parent's indexes "interesting": their statistics come.
            &["--statistics", "-t", "public.stat_child"],
            &[
                "--statistics",
                "--exclude-table-data",
                "\"Stats \"\"Schema\"\"\".stat_mv",
            ],
            &["--statistics", "--quote-all-identifiers"],
            // Table statistics are data, index and refreshed materialized view ones post-data.
            &["--section=pre-data"],
            &["--section=data", "--statistics"],
            &["--section=post-data", "--statistics"],
            &[
                "--section=pre-data",
                "--section=post-data",
                "--statistics",
                "-c",
            ],
        ],
    );
    // pg_dump 18 refuses these combinations.
    assert_same_failure(
        c,
        &db,
        &[
            &["-s", "--statistics"],
            &["-a", "--statistics"],
            &["--statistics-only", "--no-statistics"],
            &["--section=bogus"],
        ],
    );
}

/// Every relation kind of the relations fixture, analyzed (its tables are too small for
/// autovacuum to analyze them again between the two dumps).
fn relations_statistics(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "relations.sql").unwrap();
    c.psql(&db, "ANALYZE").unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["--statistics"],
            &["--statistics-only", "-c", "--if-exists"],
        ],
    );
}

#[test]
fn relations_statistics_pg15() {
    relations_statistics(15)
}

#[test]
fn relations_statistics_pg18() {
    relations_statistics(18)
}

#[test]
fn statistics_pg15() {
    statistics(15)
}

#[test]
fn statistics_pg18() {
    statistics(18)
}

fn database(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, FIXTURE).unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-C", "-s"],
            &["-C", "-s", "-c", "--if-exists"],
            &["-C", "-s", "--no-owner", "--no-privileges"],
            &["-C", "-s", "--no-comments"],
            &["-C", "--statistics-only"],
        ],
    );
    // Properties CREATE DATABASE fixes, on databases of their own: a template with its
    // collation and character type apart, and the locale providers the server has (this
    // build of 18 has no ICU; the builtin provider is 17+).
    // A tablespace in the data directory, once per cluster.
    c.psql(
        "postgres",
        "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_tablespace WHERE spcname = 'stats space') \
             AS need_tablespace \\gset\n\
         \\if :need_tablespace\n\
         SET allow_in_place_tablespaces = on;\n\
         CREATE TABLESPACE \"stats space\" LOCATION '';\n\
         \\endif\n",
    )
    .unwrap();
    let mut extra = vec![
        (
            "stats \"template\"",
            "IS_TEMPLATE true CONNECTION LIMIT 3 LC_COLLATE 'C' LC_CTYPE 'POSIX'",
        ),
        ("stats spaced", "TABLESPACE \"stats space\""),
    ];
    if major < 18 {
        extra.push((
            "stats icu",
            "LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C'",
        ));
    } else {
        extra.push((
            "stats builtin",
            "LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8' LOCALE 'C'",
        ));
    }
    for (name, properties) in extra {
        let quoted = name.replace('"', "\"\"");
        c.psql(
            "postgres",
            &format!("CREATE DATABASE \"{quoted}\" TEMPLATE template0 {properties}"),
        )
        .unwrap();
        c.psql(
            name,
            &format!("COMMENT ON DATABASE \"{quoted}\" IS 'made by parity_statistics'"),
        )
        .unwrap();
        assert_parity(
            c,
            name,
            &[
                &["-C", "-s"],
                &["-C", "-s", "-c", "--if-exists"],
                &["-C", "-s", "--no-tablespaces"],
            ],
        );
    }
}

#[test]
fn database_pg15() {
    database(15)
}

#[test]
fn database_pg18() {
    database(18)
}

/// `tusk_dump -Fc --statistics` of the fixture restored by pg_restore 18 into a new database
/// of an 18 server (pg_restore 18 writes for its own version) fails only as pg_dump's archive
/// does and gives what upstream's own round trip gives: the same schema, the same pg_class
/// counters (index builds after the statistics reset some of them, upstream's alike), and the
/// source's pg_stats rows.
fn restored_by_upstream(major: u32) {
    let c = Cluster::shared(major);
    let target = Cluster::shared(18);
    let src = load_fixture(c, FIXTURE).unwrap();
    if major != 18 {
        // The fixture's roles are cluster-wide: make them on the target too.
        load_fixture(target, FIXTURE).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let restore = |dump_program: &std::path::Path, name: &str| {
        let archive = dir.path().join(format!("{name}.dump"));
        let mut dump = c.command(dump_program);
        dump.args(["-Fc", "--statistics", "-f"]).arg(&archive);
        run(name, dump.arg(&src), None).unwrap();
        let dst = target
            .new_database(&format!("statistics_from_{name}_{major}"))
            .unwrap();
        let mut restore = target.upstream("pg_restore");
        restore.args(["-d", &dst]).arg(&archive);
        let out = run_unchecked("pg_restore", &mut restore, None).unwrap();
        let errors: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("ERROR"))
            .map(str::to_owned)
            .collect();
        (dst, out.status.code(), errors)
    };
    let (theirs, their_status, their_errors) =
        restore(&upstream_bin(18, "pg_dump").unwrap(), "pg_dump");
    let (ours, our_status, our_errors) = restore(&tusk_bin("tusk_dump").unwrap(), "tusk_dump");
    // Only what the target cannot have may fail (ICU collations of a 15 source on an 18 server
    // built without ICU), and alike for both archives.
    assert_eq!(
        (our_status, &our_errors),
        (their_status, &their_errors),
        "pg_restore exit status and errors"
    );
    assert!(
        their_errors
            .iter()
            .all(|e| e.contains("ICU") || e.contains("collation")),
        "{their_errors:?}"
    );
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    assert_same_text(
        &schema_dump_with(&pg_dump, target, &theirs).unwrap(),
        &schema_dump_with(&pg_dump, target, &ours).unwrap(),
        "pg_dump -s after restoring pg_dump's archive",
        "pg_dump -s after restoring tusk_dump's archive",
    );
    assert_same_text(
        &target.psql(&theirs, RELATION_COUNTERS).unwrap(),
        &target.psql(&ours, RELATION_COUNTERS).unwrap(),
        "pg_class counters after restoring pg_dump's archive",
        "pg_class counters after restoring tusk_dump's archive",
    );
    let query = column_stats(major >= 17);
    let columns = c.psql(&src, &query).unwrap();
    assert!(columns.lines().count() > 20, "{columns}");
    assert_same_text(
        &columns,
        &target.psql(&ours, &query).unwrap(),
        "pg_stats rows of the source",
        "pg_stats rows after restoring tusk_dump's archive",
    );
}

/// The counters pg_restore_relation_stats sets, for the fixture's relations and indexes.
const RELATION_COUNTERS: &str = "SELECT n.nspname, c.relname, c.relkind, c.relpages, c.reltuples, \
        c.relallvisible FROM pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname IN ('public', 'Stats \"Schema\"') AND c.relkind IN ('r', 'p', 'm', 'i', 'I') \
     ORDER BY 1, 2";

/// The pg_stats rows of the fixture's relations; range statistics are in pg_stats from 17 on.
fn column_stats(ranges: bool) -> String {
    format!(
        "SELECT schemaname, tablename, attname, inherited, null_frac, avg_width, n_distinct, \
                most_common_vals::text, most_common_freqs, histogram_bounds::text, correlation, \
                most_common_elems::text, most_common_elem_freqs, elem_count_histogram{} \
         FROM pg_catalog.pg_stats WHERE schemaname IN ('public', 'Stats \"Schema\"') \
         ORDER BY 1, 2, 3, 4",
        if ranges {
            ", range_length_histogram::text, range_empty_frac, range_bounds_histogram::text"
        } else {
            ""
        }
    )
}

#[test]
fn restored_by_upstream_pg15() {
    restored_by_upstream(15)
}

#[test]
fn restored_by_upstream_pg18() {
    restored_by_upstream(18)
}
