//! Data fidelity: tusk_dump's plain output equals pg_dump 18's for the awkward values of
//! fixtures/data.sql, under every data option tusk_dump has.

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
        ],
    );
}

tusk_tests::for_majors!(data_option_parity => data_options);
