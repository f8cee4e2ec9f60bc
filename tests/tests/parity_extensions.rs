//! tusk_dump equals pg_dump 18 for extensions (and what uses them), foreign-data wrappers,
//! servers, user mappings, foreign tables, publications and subscriptions, with the extension
//! selection options, --include-foreign-data, --no-publications and --no-subscriptions (round
//! trips: tests/objects.rs).

use tusk_tests::harness::Cluster;
use tusk_tests::parity::{assert_parity, assert_same_failure, load_fixture};

const FIXTURE: &str = "objects.sql";

fn options(major: u32) {
    let c = Cluster::shared(major);
    let db = load_fixture(c, FIXTURE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let filter = dir.path().join("filter");
    std::fs::write(
        &filter,
        "include extension c*\nexclude extension \"cube\"\n# the file form\n\
         include foreign_data files\n",
    )
    .unwrap();
    let filter = format!("--filter={}", filter.display());
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &["-s", "-c", "--if-exists"],
            &["-s", "--no-owner"],
            &["-s", "--no-privileges"],
            &["-s", "--no-comments"],
            &["-s", "-n", "\"Ext Schema\""],
            &["-s", "-N", "public"],
            &[],
            &["-a"],
            &["-s", "-e", "citext"],
            &["-s", "-e", "c*", "-e", "hstore", "--exclude-extension=cube"],
            &["-s", "--exclude-extension", "*e*"],
            &["-s", "-n", "public", "-e", "pg_trgm"],
            &["-a", &filter],
            &["-n", "public", &filter],
            &["-s", "--strict-names", "-e", "hstore"],
            &["-s", "-n", "\"Foreign Schema\""],
            &["-s", "-T", "\"Foreign Schema\".parted_far"],
            &["--include-foreign-data=files"],
            &[
                "-a",
                "--include-foreign-data",
                "f*",
                "--include-foreign-data=files",
            ],
            &["-s", "--no-publications"],
            &["-s", "--no-subscriptions", "-c"],
            &["-s", "-T", "\"Pub Schema\".*"],
            &["-s", "-n", "\"Pub Schema\""],
        ],
    );
    assert_same_failure(
        c,
        &db,
        &[
            &["-s", "-e", "nothing*"],
            &["-s", "-e", "public.hstore"],
            &["-s", "--exclude-extension", "a.b.c"],
            &["-s", "--strict-names", "-e", "hstore", "-e", "nothing"],
            &[
                "--include-foreign-data=files",
                "--include-foreign-data=nothing",
            ],
            &["--include-foreign-data=public.files"],
            &["-s", "--include-foreign-data=files"],
        ],
    );
}

/// Configuration tables, which only an extension's script can declare: made here by hand
/// (member tables, `extconfig` written directly), as no contrib module has one. Not in the
/// shared fixture, since CREATE EXTENSION on restore does not bring these tables back.
/// Two configuration tables referencing each other whose names sort the other way, a row
/// filter, a configuration sequence, and a user table referencing a configuration table;
/// also a schema made part of an extension by hand (its contents are dumped, not the schema,
/// but its changed privileges).
const CONFIG_TABLES: &str = r#"
CREATE SCHEMA "Cfg";
CREATE EXTENSION hstore WITH SCHEMA "Cfg";
CREATE EXTENSION cube;
CREATE TABLE "Cfg"."Settings" (k text PRIMARY KEY, v "Cfg".hstore, "System" boolean DEFAULT false);
CREATE TABLE public.z_cfg (id int PRIMARY KEY, note text);
CREATE TABLE public.a_refs (id int REFERENCES public.z_cfg, k text REFERENCES "Cfg"."Settings");
CREATE TABLE public.user_refs (id int REFERENCES public.z_cfg);
CREATE SEQUENCE "Cfg".cfg_seq;
SELECT pg_catalog.setval('"Cfg".cfg_seq', 42);
INSERT INTO "Cfg"."Settings" VALUES ('a', 'x=>1', false), ('sys', NULL, true);
INSERT INTO z_cfg VALUES (1, 'one'), (2, 'two');
INSERT INTO a_refs VALUES (1, 'a');
INSERT INTO user_refs VALUES (2);
ALTER EXTENSION hstore ADD TABLE "Cfg"."Settings";
ALTER EXTENSION hstore ADD SEQUENCE "Cfg".cfg_seq;
ALTER EXTENSION cube ADD TABLE public.z_cfg;
ALTER EXTENSION cube ADD TABLE public.a_refs;
UPDATE pg_catalog.pg_extension SET extconfig = ARRAY['"Cfg"."Settings"'::regclass::oid, '"Cfg".cfg_seq'::regclass::oid], extcondition = ARRAY['WHERE NOT "System"', ''] WHERE extname = 'hstore';
UPDATE pg_catalog.pg_extension SET extconfig = ARRAY['public.a_refs'::regclass::oid, 'public.z_cfg'::regclass::oid], extcondition = ARRAY['', ''] WHERE extname = 'cube';
CREATE SCHEMA "Ext Made";
CREATE TABLE "Ext Made".inside (id integer);
ALTER EXTENSION cube ADD SCHEMA "Ext Made";
GRANT USAGE ON SCHEMA "Ext Made" TO PUBLIC;
COMMENT ON SCHEMA "Ext Made" IS 'made by the extension';
"#;

fn config_tables(major: u32) {
    let c = Cluster::shared(major);
    let db = c.new_database("ext_config").unwrap();
    c.psql(&db, CONFIG_TABLES).unwrap();
    assert_parity(
        c,
        &db,
        &[
            &["-s"],
            &[],
            &["-a"],
            &["-n", "public"],
            &["-N", "public"],
            &["--exclude-extension=hstore"],
            &["-e", "hstore"],
            &["-e", "hstore", "-n", "public"],
            &["-t", "public.a_refs"],
            &["-T", "public.a_refs"],
            &["--exclude-table-data=public.z_cfg"],
            &["-s", "-n", "\"Ext Made\""],
            &["-s", "--exclude-extension=cube"],
        ],
    );
}

tusk_tests::for_majors! {
    options_equal_pg_dump_18 => options,
    configuration_tables_equal_pg_dump_18 => config_tables,
}
