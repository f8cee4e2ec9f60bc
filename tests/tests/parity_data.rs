//! Data fidelity: tusk_dump's plain output equals pg_dump 18's for the awkward values of
//! fixtures/data.sql, under every data option tusk_dump has: COPY and INSERT data, partitions
//! loaded via their root, triggers disabled around data-only loads.

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, assert_same_failure, load_fixture};

fn data_options(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, "data.sql").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let filter = dir.path().join("filter.txt");
    std::fs::write(
        &filter,
        "# table data out, definitions in\nexclude table_data dat.many\n\
         exclude table_data_and_children dat.measures\n",
    )
    .unwrap();
    let filter = format!("--filter={}", filter.display());
    assert_parity(
        c,
        &db,
        &[
            &[],
            &["-a"],
            &["--exclude-table-data=dat.many"],
            &["--exclude-table-data=dat.measures*"],
            &["--exclude-table-data-and-children=dat.measures"],
            &["--exclude-table-data-and-children=dat.parent_t", "-a"],
            &["--table-and-children=dat.measures"],
            &["--table-and-children=dat.parent_t", "-a"],
            &["--exclude-table-and-children=dat.measures_us"],
            &["--no-unlogged-table-data"],
            &["--extra-float-digits=0", "-a", "-t", "dat.numbers"],
            &["--extra-float-digits=-15", "-a", "-t", "dat.numbers"],
            &["--extra-float-digits=3", "-a", "-t", "dat.numbers"],
            &["--enable-row-security", "-t", "dat.secured"],
            &["--enable-row-security", "-a"],
            &["--section=data"],
            &["--section=pre-data", "--section=data"],
            &["--no-data"],
            &["--no-schema"],
            &["--sequence-data", "-s"],
            &["--sequence-data", "-t", "dat.called"],
            &["-t", "dat.not_called", "-t", "dat.untouched"],
            &[filter.as_str()],
            &["-b"],
            &["-B"],
            &["-a", "-b"],
            &["-a", "-B"],
            &["-s", "-b"],
            &["-t", "dat.texts", "-b"],
            // Data as INSERT statements: every type's printing, NULLs, dropped and generated
            // columns, the 1,000-column table, a table without columns, identity columns.
            &["--inserts"],
            &["--column-inserts", "-a"],
            &[
                "--attribute-inserts",
                "-t",
                "dat.shaped",
                "-t",
                "dat.no_columns",
            ],
            &["--inserts", "--rows-per-insert=3"],
            &["--rows-per-insert=1000", "-a", "-t", "dat.many"],
            &["--column-inserts", "--on-conflict-do-nothing"],
            &[
                "--inserts",
                "--on-conflict-do-nothing",
                "--rows-per-insert=2",
                "-a",
            ],
            &[
                "--inserts",
                "-t",
                "dat.wide",
                "-t",
                "dat.shaped",
                "-t",
                "dat.no_columns",
            ],
            &["--column-inserts", "-t", "dat.wide", "-t", "dat.identified"],
            // Partitions loaded through their root: asked for, or forced by hash partitioning
            // on an enum (dat.by_mood, in every case above too).
            &["--load-via-partition-root"],
            &["--load-via-partition-root", "--inserts", "-a"],
            &[
                "--load-via-partition-root",
                "--table-and-children=dat.measures",
            ],
            // Triggers off around each table's data, in data-only output only.
            &["-a", "--disable-triggers"],
            &["-a", "--disable-triggers", "-S", "data owner"],
            &[
                "-a",
                "--disable-triggers",
                "--use-set-session-authorization",
            ],
            &[
                "-a",
                "--disable-triggers",
                "--column-inserts",
                "-t",
                "dat.stamped",
            ],
            &["--disable-triggers", "-t", "dat.stamped"],
            &["--disable-triggers", "--section=data", "-O"],
        ],
    );
    assert_same_failure(
        c,
        &db,
        &[
            &["--strict-names", "-t", "dat.no_such_table"],
            &["--strict-names", "-n", "no_such_schema"],
            &["--extra-float-digits=16"],
            &["--extra-float-digits=-16"],
            &["--extra-float-digits=x"],
            &["--sync-method=fdatasync"],
            &["-j", "x"],
            &["-j", "0"],
            &["-j", " 2x"],
            &["--on-conflict-do-nothing"],
            &["--rows-per-insert=0"],
            &["--rows-per-insert=x"],
            &["--rows-per-insert=2147483648"],
            &["--rows-per-insert=-1", "--inserts"],
        ],
    );
    // With standard_conforming_strings off, INSERTs double backslashes in their literals
    // (appendStringLiteralAH writes no E'' prefix).
    c.psql(
        &db,
        &format!("ALTER DATABASE {db} SET standard_conforming_strings = off"),
    )
    .unwrap();
    assert_parity(
        c,
        &db,
        &[
            &[
                "--inserts",
                "-t",
                "dat.texts",
                "-t",
                "dat.arrays",
                "-t",
                "dat.docs",
            ],
            &[
                "-a",
                "--disable-triggers",
                "--use-set-session-authorization",
            ],
        ],
    );
}

tusk_tests::for_majors!(data_option_parity => data_options);
