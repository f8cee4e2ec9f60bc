//! tusk_restore against upstream pg_restore 18 on the archives upstream pg_dump 14 to 18 wrote
//! (fixtures/golden/versions, see its README.md): `-l` and `-f -` must print the same text,
//! whoever made the archive, in whatever format and compression. No server is needed.
//!
//! One test per archive, so a run lists which archives pass. Each test runs every comparison for
//! its archive and reports all the differences together before failing.

use std::path::{Path, PathBuf};
use std::process::Command;

use tusk_tests::compare::{RESTRICT_KEY, diff};
use tusk_tests::harness::{run_stdout, run_unchecked, tusk_bin, upstream_bin};

/// Diff lines shown per failing comparison: enough to see the first difference, not so many
/// that one broken archive buries the others in the output.
const DIFF_HEAD: usize = 40;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/golden/versions")
}

/// The environment both tools run in: `Archive created at` is printed in the reader's time
/// zone, and messages must not depend on the developer's locale.
fn prepare(cmd: &mut Command) {
    cmd.env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env_remove("LANGUAGE");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            cmd.env_remove(&key);
        }
    }
}

/// The option sets every archive is read with.
const BASIC: &[&[&str]] = &[&["-l"], &["-f", "-"]];

/// More option sets, for a few archives only: they exercise the emitter rather than the
/// reader, so one archive per format and archive version is enough.
const EXTRA: &[&[&str]] = &[
    &["-f", "-", "-s"],
    &["-f", "-", "-a"],
    &["-f", "-", "-c", "--if-exists"],
    &["-f", "-", "-O", "-x"],
];

/// Runs one comparison; `None` when both tools print the same text and tusk_restore exits 0.
fn compare(archive: &Path, name: &str, options: &[&str]) -> Option<String> {
    let mut args: Vec<String> = options.iter().map(|s| (*s).to_owned()).collect();
    // A fixed key makes the script's `\restrict` lines comparable; a listing has none.
    if !options.contains(&"-l") {
        args.push(format!("--restrict-key={RESTRICT_KEY}"));
    }
    let shown = args.join(" ");

    let pg_restore = upstream_bin(18, "pg_restore").expect("pg_restore 18");
    let mut upstream = Command::new(&pg_restore);
    prepare(&mut upstream);
    upstream.args(&args).arg(archive);
    let expected = match run_stdout("pg_restore 18", &mut upstream, None) {
        Ok(text) => text,
        Err(e) => return Some(format!("[{shown}] upstream pg_restore 18 failed: {e}")),
    };

    let mut ours = Command::new(tusk_bin("tusk_restore").expect("tusk_restore"));
    prepare(&mut ours);
    ours.args(&args).arg(archive);
    let out = match run_unchecked("tusk_restore", &mut ours, None) {
        Ok(out) => out,
        Err(e) => return Some(format!("[{shown}] could not run tusk_restore: {e}")),
    };
    let actual = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);

    let mut problems = Vec::new();
    if !out.status.success() {
        problems.push(format!(
            "tusk_restore {}; stderr:\n{}",
            match out.status.code() {
                Some(code) => format!("exited with status {code}"),
                None => format!("was killed ({})", out.status),
            },
            stderr.trim_end()
        ));
    }
    if expected != actual {
        let text = diff(
            &expected,
            &actual,
            &format!("pg_restore 18 {shown} {name}"),
            &format!("tusk_restore {shown} {name}"),
        );
        let total = text.lines().count();
        let mut head: String = text
            .lines()
            .take(DIFF_HEAD)
            .flat_map(|l| [l, "\n"])
            .collect();
        if total > DIFF_HEAD {
            head.push_str(&format!("... ({} more diff lines)\n", total - DIFF_HEAD));
        }
        problems.push(head);
    }
    if problems.is_empty() {
        None
    } else {
        Some(format!("[{shown}] {}", problems.join("\n")))
    }
}

fn check(name: &str, extra: bool) {
    let archive = golden_dir().join(name);
    assert!(
        archive.exists(),
        "{} is missing: run fixtures/golden/versions/make.sh",
        archive.display()
    );
    let sets = BASIC.iter().chain(if extra { EXTRA } else { &[] }).copied();
    let failures: Vec<String> = sets
        .filter_map(|options| compare(&archive, name, options))
        .collect();
    if !failures.is_empty() {
        panic!(
            "{name}: {} comparison(s) differ from pg_restore 18\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

macro_rules! golden {
    ($($test:ident => $file:literal $(, $extra:ident)?;)*) => {
        $(
            #[test]
            fn $test() {
                check($file, golden!(@extra $($extra)?));
            }
        )*

        /// Every archive make.sh writes has a test above, and every test an archive.
        const ALL: &[&str] = &[$($file),*];
    };
    (@extra extra) => { true };
    (@extra) => { false };
}

golden! {
    pg14_c_gzip => "pg14-c-gzip.dump", extra;
    pg14_c_none => "pg14-c-none.dump";
    pg14_d_gzip => "pg14-d-gzip", extra;
    pg14_d_none => "pg14-d-none";
    pg14_t => "pg14-t.tar", extra;
    pg15_c_gzip => "pg15-c-gzip.dump";
    pg15_c_none => "pg15-c-none.dump";
    pg15_d_gzip => "pg15-d-gzip";
    pg15_d_none => "pg15-d-none";
    pg15_t => "pg15-t.tar";
    pg16_c_none => "pg16-c-none.dump", extra;
    pg16_c_gzip => "pg16-c-gzip.dump";
    pg16_c_lz4 => "pg16-c-lz4.dump";
    pg16_c_zstd => "pg16-c-zstd.dump";
    pg16_d_none => "pg16-d-none";
    pg16_d_gzip => "pg16-d-gzip";
    pg16_d_lz4 => "pg16-d-lz4";
    pg16_d_zstd => "pg16-d-zstd", extra;
    pg16_t => "pg16-t.tar";
    pg17_c_none => "pg17-c-none.dump";
    pg17_c_gzip => "pg17-c-gzip.dump", extra;
    pg17_c_lz4 => "pg17-c-lz4.dump";
    pg17_c_zstd => "pg17-c-zstd.dump";
    pg17_d_none => "pg17-d-none";
    pg17_d_gzip => "pg17-d-gzip";
    pg17_d_lz4 => "pg17-d-lz4";
    pg17_d_zstd => "pg17-d-zstd";
    pg17_t => "pg17-t.tar";
    pg18_c_none => "pg18-c-none.dump";
    pg18_c_gzip => "pg18-c-gzip.dump", extra;
    pg18_c_lz4 => "pg18-c-lz4.dump", extra;
    pg18_c_zstd => "pg18-c-zstd.dump";
    pg18_d_none => "pg18-d-none";
    pg18_d_gzip => "pg18-d-gzip";
    pg18_d_lz4 => "pg18-d-lz4", extra;
    pg18_d_zstd => "pg18-d-zstd";
    pg18_t => "pg18-t.tar", extra;
}

#[test]
fn every_golden_archive_has_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(golden_dir())
        .expect("fixtures/golden/versions")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with("pg"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = ALL.iter().map(|s| (*s).to_owned()).collect();
    listed.sort();
    assert_eq!(
        listed, on_disk,
        "the golden! list in this file and the archives in fixtures/golden/versions differ"
    );
}
