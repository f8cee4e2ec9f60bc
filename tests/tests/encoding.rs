//! Dumps of a LATIN1 database, byte for byte: pg_dump writes in its client encoding (the
//! database's by default, or `-E`'s), and so must tusk_dump, in plain output and in archives,
//! while tusk_restore writes scripts in the archive's encoding and restores into databases of
//! any encoding as pg_restore does.

use std::path::Path;
use std::process::Command;

use tusk_tests::compare::{RESTRICT_KEY, assert_same_text, mask_version_header};
use tusk_tests::harness::{Cluster, run, run_unchecked, tusk_bin, upstream_bin};
use tusk_tests::parity::fixture_path;

/// Output bytes as text without loss whatever their encoding (one char per byte), so that
/// texts compare and diff.
fn bytes_text(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn database_in(c: &Cluster, encoding: &str) -> String {
    let db = format!("{}_{}", encoding.to_lowercase(), std::process::id());
    c.psql(
        "postgres",
        &format!(
            "CREATE DATABASE {db} TEMPLATE template0 ENCODING '{encoding}' LC_COLLATE 'C' LC_CTYPE 'C'"
        ),
    )
    .unwrap();
    let sql = std::fs::read_to_string(fixture_path("latin1.sql")).unwrap();
    c.psql(&db, &sql).unwrap();
    db
}

fn output(what: &str, cmd: &mut Command) -> String {
    let out = run(what, cmd, None).unwrap_or_else(|e| panic!("{e}"));
    mask_version_header(&bytes_text(&out.stdout))
}

fn dump(c: &Cluster, program: &Path, db: &str, args: &[&str]) -> String {
    output(
        &format!("{} {args:?}", program.display()),
        c.command(program)
            .arg(format!("--restrict-key={RESTRICT_KEY}"))
            .args(args)
            .arg(db),
    )
}

fn script(c: &Cluster, program: &Path, archive: &Path) -> String {
    output(
        &format!("{} -f - {}", program.display(), archive.display()),
        c.command(program)
            .arg(format!("--restrict-key={RESTRICT_KEY}"))
            .args(["-f", "-"])
            .arg(archive),
    )
}

/// The fixture in a database of `encoding` (one whose bytes are LATIN1's for its characters,
/// so that the -E cases fail alike), dumped and restored.
fn dumps_in(major: u32, encoding: &str) {
    let c = Cluster::shared(major);
    let db = database_in(c, encoding);
    let pg_dump = upstream_bin(18, "pg_dump").unwrap();
    let pg_restore = upstream_bin(18, "pg_restore").unwrap();
    let tusk_dump = tusk_bin("tusk_dump").unwrap();
    let tusk_restore = tusk_bin("tusk_restore").unwrap();

    // Plain output in the database's encoding and converted by -E, schema and data.
    for args in [
        &[][..],
        &["-a"],
        &["-E", "UTF8"],
        &["-E", "utf-8", "-a"],
        &["-E", "SQL_ASCII"],
        &["--encoding", encoding, "-C"],
        &["--inserts", "-a"],
        &["--column-inserts", "-E", "UTF8"],
    ] {
        let theirs = dump(c, &pg_dump, &db, args);
        assert!(
            theirs.contains('\u{e9}') || theirs.contains("Ã©"),
            "no é in {args:?}"
        );
        assert_same_text(
            &theirs,
            &dump(c, &tusk_dump, &db, args),
            &format!("pg_dump 18 {args:?}"),
            &format!("tusk_dump {args:?}"),
        );
    }
    // Encodings the server cannot convert the database into fail as for pg_dump.
    for args in [&["-E", "NOPE"][..], &["-E", "LATIN9"]] {
        let fail = |program: &Path| {
            let out = run_unchecked("dump", c.command(program).args(args).arg(&db), None).unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).replace("pg_dump", "tusk_dump"),
            )
        };
        let theirs = fail(&pg_dump);
        assert_ne!(theirs.0, Some(0), "pg_dump {args:?} succeeded");
        assert_eq!(fail(&tusk_dump), theirs, "tusk_dump {args:?}");
    }

    // Archives: the same script from ours and theirs, whoever prints it; -j workers' COPY
    // converts too.
    let dir = tempfile::tempdir().unwrap();
    let archive = |program: &Path, name: &str, args: &[&str]| {
        let path = dir.path().join(name);
        run(
            name,
            c.command(program).args(args).arg("-f").arg(&path).arg(&db),
            None,
        )
        .unwrap();
        path
    };
    let theirs = archive(&pg_dump, "theirs.dump", &["-Fc"]);
    let reference = script(c, &pg_restore, &theirs);
    // tusk writes a 15 server's archive in 1.14 by default (what pg_restore 15 reads),
    // pg_dump 18 always in 1.16.
    for (name, args) in [
        ("ours.dump", &["-Fc", "--archive-version=1.16"][..]),
        ("ours.dir", &["-Fd", "-j", "2", "--archive-version=1.16"]),
        ("ours.tar", &["-Ft", "--archive-version=1.16"]),
    ] {
        let ours = archive(&tusk_dump, name, args);
        assert_same_text(
            &reference,
            &script(c, &pg_restore, &ours),
            "pg_restore 18 -f - of pg_dump 18 -Fc",
            &format!("pg_restore 18 -f - of tusk_dump {args:?}"),
        );
    }
    assert_same_text(
        &reference,
        &script(c, &tusk_restore, &theirs),
        "pg_restore 18 -f - of pg_dump 18 -Fc",
        "tusk_restore -f - of pg_dump 18 -Fc",
    );
    let utf8 = archive(&pg_dump, "utf8.dump", &["-Fc", "-E", "UTF8"]);
    assert_same_text(
        &script(c, &pg_restore, &utf8),
        &script(c, &tusk_restore, &utf8),
        "pg_restore 18 -f - of pg_dump 18 -Fc -E UTF8",
        "tusk_restore -f - of pg_dump 18 -Fc -E UTF8",
    );

    // Into databases: the archive restored into a database of its encoding and into a UTF8 one
    // by tusk_restore and by pg_restore gives the same databases.
    for target_encoding in [encoding, "UTF8"] {
        let restored = |program: &Path, who: &str| {
            let target = format!("{db}_into_{}_{who}", target_encoding.to_lowercase());
            c.psql(
                "postgres",
                &format!(
                    "CREATE DATABASE {target} TEMPLATE template0 ENCODING '{target_encoding}' \
                     LC_COLLATE 'C' LC_CTYPE 'C'"
                ),
            )
            .unwrap();
            let out = run_unchecked(
                who,
                c.command(program).args(["-d", &target]).arg(&theirs),
                None,
            )
            .unwrap();
            // pg_restore 18 sends SET transaction_timeout to servers before 17 too, which
            // reject it: its one error there, tusk has none.
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success()
                    || stderr.matches("ERROR").count() == 1
                        && stderr.contains("transaction_timeout"),
                "{who} into {target_encoding}: {stderr}"
            );
            dump(c, &pg_dump, &target, &["-E", "UTF8"])
        };
        assert_same_text(
            &restored(&pg_restore, "upstream"),
            &restored(&tusk_restore, "tusk"),
            &format!("pg_restore 18 -d into {target_encoding}"),
            &format!("tusk_restore -d into {target_encoding}"),
        );
    }
}

fn latin1(major: u32) {
    dumps_in(major, "LATIN1");
}

/// An encoding whose text the model does not hold as Unicode: tusk_restore has the server
/// convert it.
fn win1252(major: u32) {
    dumps_in(major, "WIN1252");
}

tusk_tests::for_majors!(latin1_database => latin1);
tusk_tests::for_majors!(win1252_database => win1252);
