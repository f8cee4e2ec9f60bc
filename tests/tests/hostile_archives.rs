//! Archives whose TOC lies about dependencies (issue 10, item 2): an entry that depends on a
//! dump id no entry has, and two entries that depend on each other. pg_restore drops the
//! first kind of dependency and leaves a cycle's entries to its leader after the parallel
//! pass; tusk_restore must list, print and restore such an archive exactly as pg_restore 18
//! does, in serial and in parallel, and never hang or panic. And an archive whose SQL hides a
//! psql meta-command: neither its script replayed by psql nor its restore runs it.

use std::fs::File;
use std::path::Path;

use tusk_format::Toc;
use tusk_format::archive;
use tusk_format::custom::CustomWriter;
use tusk_tests::compare::{RESTRICT_KEY, mask_version_header, schema_dump_with};
use tusk_tests::harness::{Cluster, outcome, run_stdout, run_unchecked, tusk_bin, upstream_bin};

/// The golden pg18 custom archive with its TOC doctored by `edit`.
fn doctored(out: &Path, edit: impl FnOnce(&mut Toc)) {
    let golden =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/golden/versions/pg18-c-none.dump");
    let mut reader = archive::open(golden.to_str(), None).unwrap();
    let mut toc = reader.toc().clone();
    edit(&mut toc);
    let writer = CustomWriter::new(File::create(out).unwrap(), &toc).unwrap();
    archive::copy_members(reader.as_mut(), Box::new(writer)).unwrap();
}

/// The index of the entry `desc` `tag`.
fn entry(toc: &Toc, desc: &str, tag: &str) -> usize {
    toc.entries
        .iter()
        .position(|e| e.desc == desc && e.tag == tag)
        .unwrap_or_else(|| panic!("no {desc} {tag} in the golden archive"))
}

/// A dependency on nothing, and a cycle between two post-data entries.
fn lie_about_dependencies(toc: &mut Toc) {
    let customer = entry(toc, "TABLE", "customer");
    toc.entries[customer].dependencies.push(99_999);
    let a = entry(toc, "INDEX", "event_at_idx");
    let b = entry(toc, "CONSTRAINT", "customer customer_pkey");
    let (id_a, id_b) = (toc.entries[a].dump_id, toc.entries[b].dump_id);
    toc.entries[a].dependencies.push(id_b);
    toc.entries[b].dependencies.push(id_a);
}

#[test]
fn lying_dependencies_restore_as_upstream() {
    let c = Cluster::shared(18);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("doctored.dump");
    doctored(&archive, lie_about_dependencies);
    let archive = archive.to_str().unwrap();
    let pg_restore = upstream_bin(18, "pg_restore").unwrap();
    let tusk_restore = tusk_bin("tusk_restore").unwrap();

    let key = format!("--restrict-key={RESTRICT_KEY}");
    for args in [&["-l"][..], &["-f", "-", &key]] {
        let print = |program: &Path| {
            run_stdout(
                "restore",
                c.command(program).env("TZ", "UTC").args(args).arg(archive),
                None,
            )
            .unwrap()
        };
        assert_eq!(print(&tusk_restore), print(&pg_restore), "{args:?}");
    }

    // Into databases, in parallel: the same errors (the archive's roles may be missing) and
    // the same schema.
    let restore = |program: &Path| {
        let db = c.new_database("doctored").unwrap();
        let result = outcome(
            c.command(program)
                .args(["-j", "2", "-O", "-x", "-d", &db])
                .arg(archive),
            true,
        )
        .unwrap();
        (result, db)
    };
    let (theirs, their_db) = restore(&pg_restore);
    let (ours, our_db) = restore(&tusk_restore);
    assert_eq!(ours, theirs);
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    assert_eq!(
        schema_dump_with(&pg_dump, c, &our_db).unwrap(),
        schema_dump_with(&pg_dump, c, &their_db).unwrap()
    );
}

/// A definition that ends its statement and goes on with `\! touch pwned_defn`: the script
/// tusk_restore prints is pg_restore's, under `\restrict`, so psql refuses the meta-command;
/// restored into a database it is only SQL, which the server rejects as pg_restore's is.
#[test]
fn meta_commands_in_an_archive_never_run() {
    let c = Cluster::shared(18);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("meta.dump");
    doctored(&archive, |toc| {
        let comment = entry(toc, "COMMENT", "SCHEMA shop");
        let defn = toc.entries[comment].defn.get_or_insert_with(String::new);
        defn.push_str("\n\\! touch pwned_defn\n");
    });
    let archive = archive.to_str().unwrap();
    let pg_restore = upstream_bin(18, "pg_restore").unwrap();
    let tusk_restore = tusk_bin("tusk_restore").unwrap();
    let pwned = dir.path().join("pwned_defn");

    let script = |program: &Path| {
        run_stdout(
            "restore -f -",
            c.command(program).args(["-f", "-", archive]),
            None,
        )
        .unwrap()
    };
    let ours = script(&tusk_restore);
    assert_eq!(
        mask_version_header(&ours),
        mask_version_header(&script(&pg_restore))
    );
    let db = c.new_database("meta_script").unwrap();
    let mut psql = c.upstream("psql");
    psql.current_dir(dir.path()).args(["-X", "-q", "-d", &db]);
    let _ = run_unchecked("psql", &mut psql, Some(ours.as_bytes())).unwrap();
    assert!(!pwned.exists(), "psql ran the archive's meta-command");

    let restore = |program: &Path| {
        let db = c.new_database("meta_db").unwrap();
        outcome(
            c.command(program)
                .current_dir(dir.path())
                .args(["-O", "-x", "-d", &db, archive]),
            false,
        )
        .unwrap()
    };
    assert_eq!(restore(&tusk_restore), restore(&pg_restore));
    assert!(
        !pwned.exists(),
        "the restore ran the archive's meta-command"
    );
}
