//! The tar codec against archives made by upstream pg_dump 15 and 18 (fixtures/golden/tar, see
//! its README.md): our reader reads them from files and pipes, and what our writer makes of
//! them is read by upstream pg_restore exactly as the originals are, with the same restore.sql.
//! The comparisons with upstream binaries are skipped, with a note, when a binary is missing.

mod support;

use std::fs::{self, File};
use std::io::{self, Cursor, Read, Seek, Write};
use std::path::Path;
use std::process::Command;

use tusk_format::archive;
use tusk_format::tar::{TarOptions, TarReader, TarWriter};
use tusk_format::{
    ArchiveFormat, ArchiveVersion, CompressionAlgorithm, DataLocation, DumpId, Encoding,
    FormatError, Toc,
};

use support::{Collect, FixtureSet, Input, Pipe, copy_member, pg_restore, read, run_quiet};

const FIXTURES: FixtureSet = FixtureSet("tar");

struct Golden {
    file: &'static str,
    version: ArchiveVersion,
    encoding: Encoding,
    blobs: DumpId,
    /// The pg_restore majors that read it.
    readers: &'static [u32],
}

const GOLDEN: &[Golden] = &[
    Golden {
        file: "pg15.tar",
        version: ArchiveVersion::V1_14,
        encoding: Encoding::Utf8,
        blobs: 3351,
        readers: &[15, 18],
    },
    Golden {
        file: "pg15-latin1.tar",
        version: ArchiveVersion::V1_14,
        encoding: Encoding::Latin1,
        blobs: 3351,
        readers: &[15, 18],
    },
    Golden {
        file: "pg18.tar",
        version: ArchiveVersion::V1_16,
        encoding: Encoding::Utf8,
        blobs: 3350,
        readers: &[18],
    },
    Golden {
        file: "pg18-stdout.tar",
        version: ArchiveVersion::V1_16,
        encoding: Encoding::Utf8,
        blobs: 3350,
        readers: &[18],
    },
];

const FRUIT_DATA: DumpId = 3346;
const EMPTY_DATA: DumpId = 3347;

fn large_objects() -> Vec<(u32, Vec<u8>)> {
    vec![
        (16500, b"hello lo".to_vec()),
        (16501, vec![0x00, 0xff, 0x0a, 0x5c, 0x09]),
    ]
}

fn check_toc(g: &Golden, toc: &Toc) {
    assert_eq!(toc.header.version, g.version, "{}", g.file);
    assert_eq!(toc.header.format, ArchiveFormat::Tar);
    assert_eq!(toc.header.compression.algorithm, CompressionAlgorithm::None);
    assert_eq!(toc.header.dbname, "tarball");
    for e in &toc.entries {
        let has_data = e.desc == "TABLE DATA" || e.desc == "BLOBS";
        assert_eq!(e.had_dumper, has_data, "{} {}", g.file, e.dump_id);
        // BLOBS too names a `<dumpId>.dat`, which is never written (upstream quirk).
        let want = if has_data {
            DataLocation::File(format!("{}.dat", e.dump_id))
        } else {
            DataLocation::None
        };
        assert_eq!(e.data, want, "{} {}", g.file, e.dump_id);
    }
    let blobs = toc.entries.iter().find(|e| e.desc == "BLOBS").unwrap();
    assert_eq!(blobs.dump_id, g.blobs);
    let tag = if g.version >= ArchiveVersion::V1_16 {
        "16500..16501"
    } else {
        "BLOBS"
    };
    assert_eq!(blobs.tag, tag);
    let comment = toc.entries.iter().find(|e| e.desc == "COMMENT").unwrap();
    assert!(comment.defn.as_deref().unwrap().contains("crème brûlée"));
}

/// Reads the data entries in archive order, which a pipe needs.
fn check_data<R: Read + Seek>(g: &Golden, r: &mut TarReader<R>) {
    assert_eq!(r.encoding(), g.encoding);
    check_toc(g, r.toc());
    assert_eq!(read(r, EMPTY_DATA).data, b"\\.\n\n\n", "{}", g.file);
    assert_eq!(
        read(r, FRUIT_DATA).data,
        FIXTURES.fruit_payload(g.encoding),
        "{}",
        g.file
    );
    let blobs = read(r, g.blobs);
    assert_eq!(blobs.data, b"");
    assert_eq!(blobs.los, large_objects(), "{}", g.file);
    assert!(r.warnings().is_empty(), "{}: {:?}", g.file, r.warnings());
}

#[test]
fn upstream_archives_read_from_files() {
    for g in GOLDEN {
        let mut r = TarReader::open(File::open(FIXTURES.path(g.file)).unwrap()).unwrap();
        assert!(r.is_seekable());
        check_data(g, &mut r);
        // Seekable input: any order, and again.
        assert_eq!(read(&mut r, g.blobs).los, large_objects());
        assert_eq!(read(&mut r, EMPTY_DATA).data, b"\\.\n\n\n");
        assert_eq!(
            read(&mut r, FRUIT_DATA).data,
            FIXTURES.fruit_payload(g.encoding)
        );
        let mut r = TarReader::open(File::open(FIXTURES.path(g.file)).unwrap()).unwrap();
        assert_eq!(read(&mut r, g.blobs).los, large_objects());
        assert_eq!(read(&mut r, EMPTY_DATA).data, b"\\.\n\n\n");
    }
}

#[test]
fn upstream_archives_read_from_pipes() {
    for g in GOLDEN {
        let bytes = FIXTURES.read(g.file);
        let mut r = TarReader::open(Pipe(&bytes[..])).unwrap();
        assert!(!r.is_seekable());
        check_data(g, &mut r);
        let err = r
            .read_data(EMPTY_DATA, &mut Collect::default())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "could not find header for file \"3347.dat\" in tar archive"
        );
    }
}

#[test]
fn out_of_order_from_a_pipe_fails_like_upstream() {
    let bytes = FIXTURES.read("pg15.tar");
    let mut r = TarReader::open(Pipe(&bytes[..])).unwrap();
    assert_eq!(
        read(&mut r, FRUIT_DATA).data,
        FIXTURES.fruit_payload(Encoding::Utf8)
    );
    let err = r
        .read_data(EMPTY_DATA, &mut Collect::default())
        .unwrap_err();
    assert!(matches!(err, FormatError::TarOutOfOrder { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "restoring data out of order is not supported in this archive format: \"3347.dat\" is \
         required, but comes before \"3346.dat\" in the archive file."
    );
    // The reader can go on with what lies ahead.
    assert_eq!(read(&mut r, 3351).los, large_objects());
}

#[test]
fn archive_open_detects_tar_in_files_and_fifos() {
    for g in GOLDEN {
        let path = FIXTURES.path(g.file);
        let mut a = archive::open(Some(path.to_str().unwrap()), None).unwrap();
        assert_eq!(a.format(), ArchiveFormat::Tar);
        check_toc(g, a.toc());
        let mut c = Collect::default();
        a.read_data(g.blobs, &mut c).unwrap();
        assert_eq!(c.los, large_objects());
        // Seekable: earlier members are still there.
        let mut c = Collect::default();
        a.read_data(FRUIT_DATA, &mut c).unwrap();
        assert_eq!(c.data, FIXTURES.fruit_payload(g.encoding));
    }

    // A named pipe: open() hands the reader the 512 bytes it looked at, then the rest.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("note: mkfifo failed; skipping the named-pipe case");
        return;
    }
    for g in GOLDEN {
        let bytes = FIXTURES.read(g.file);
        let writer_path = fifo.clone();
        let feeder = std::thread::spawn(move || {
            let mut f = File::options().write(true).open(writer_path)?;
            // The reader may stop before the end (it never needs restore.sql).
            match f.write_all(&bytes) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            }
        });
        {
            let mut a = archive::open(Some(fifo.to_str().unwrap()), None).unwrap();
            assert_eq!(a.format(), ArchiveFormat::Tar);
            check_toc(g, a.toc());
            for (id, want) in [
                (EMPTY_DATA, b"\\.\n\n\n".to_vec()),
                (FRUIT_DATA, FIXTURES.fruit_payload(g.encoding)),
            ] {
                let mut c = Collect::default();
                a.read_data(id, &mut c).unwrap();
                assert_eq!(c.data, want, "{}", g.file);
            }
            let mut c = Collect::default();
            a.read_data(g.blobs, &mut c).unwrap();
            assert_eq!(c.los, large_objects());
            let mut c = Collect::default();
            let err = a.read_data(FRUIT_DATA, &mut c).unwrap_err();
            assert!(matches!(err, FormatError::TarMemberNotFound(_)), "{err}");
        }
        feeder.join().unwrap().unwrap();
    }
}

// ---- rewriting with our writer ----

/// The members of a tar file: (name, mtime, data).
fn members(tar: &[u8]) -> Vec<(String, u64, Vec<u8>)> {
    let octal = |f: &[u8]| {
        f.iter()
            .take_while(|b| (b'0'..=b'7').contains(*b))
            .fold(0u64, |a, b| a * 8 + u64::from(b - b'0'))
    };
    let mut out = Vec::new();
    let mut at = 0;
    while at + 512 <= tar.len() {
        let h = &tar[at..at + 512];
        if h.iter().all(|&b| b == 0) {
            assert!(tar[at..].iter().all(|&b| b == 0), "data after the trailer");
            assert_eq!(tar.len() - at, 1024, "trailer of two zero blocks");
            return out;
        }
        let name_len = h[..100].iter().position(|&b| b == 0).unwrap_or(100);
        let name = String::from_utf8(h[..name_len].to_vec()).unwrap();
        let size = octal(&h[124..136]) as usize;
        let mtime = octal(&h[136..148]);
        out.push((name, mtime, tar[at + 512..at + 512 + size].to_vec()));
        at += 512 + size.div_ceil(512) * 512;
    }
    panic!("no trailer");
}

/// Rewrites an upstream archive with our writer, producing the members in `order`.
fn rewrite(original: &[u8], order: &[DumpId], options: TarOptions) -> Vec<u8> {
    let mut r = TarReader::open(Cursor::new(original)).unwrap();
    let toc = r.toc().clone();
    let mut w = TarWriter::create_with(Vec::new(), &toc, options).unwrap();
    for &id in order {
        copy_member(&mut r, &mut w, id);
    }
    w.finish().unwrap()
}

fn options_like(original: &[u8], spool_memory: usize) -> TarOptions {
    TarOptions {
        mtime: Some(members(original)[0].1),
        spool_memory,
        ..TarOptions::default()
    }
}

/// Where two texts first differ, with some lines of context from each.
fn first_difference(ours: &str, theirs: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), ours.lines().collect());
    let at = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let from = at.saturating_sub(3);
    format!(
        "from line {}:\n--- upstream\n{}\n+++ ours\n{}",
        at + 1,
        a[from..(at + 8).min(a.len())].join("\n"),
        b[from..(at + 8).min(b.len())].join("\n")
    )
}

#[test]
fn rewrites_are_byte_identical() {
    for g in GOLDEN {
        let original = FIXTURES.read(g.file);
        let theirs = members(&original);
        let order = [EMPTY_DATA, FRUIT_DATA, g.blobs];
        for (order, memory) in [
            (&order[..], usize::MAX),
            (&[g.blobs, FRUIT_DATA, EMPTY_DATA][..], 0),
            (&[FRUIT_DATA, g.blobs, EMPTY_DATA][..], 16),
        ] {
            let again = rewrite(&original, order, options_like(&original, memory));
            let ours = members(&again);
            let names = |m: &[(String, u64, Vec<u8>)]| {
                m.iter().map(|(n, _, _)| n.clone()).collect::<Vec<_>>()
            };
            assert_eq!(names(&ours), names(&theirs), "{}", g.file);
            for ((name, _, a), (_, _, b)) in ours.iter().zip(&theirs) {
                if name != "restore.sql" {
                    assert!(a == b, "{}: member {name} differs", g.file);
                }
            }
            // With the mtime blanked (and so the checksum), the whole archive is the same
            // bytes: entirely so for pg_dump 18's (restore.sql included), up to restore.sql for
            // pg_dump 15's (see restore_sql_is_upstreams).
            let (a, b) = (without_mtimes(&again), without_mtimes(&original));
            if g.version >= ArchiveVersion::V1_16 {
                assert!(a == b, "{}: rewrite differs", g.file);
            } else {
                let script_at = |t: &[u8]| t.windows(12).position(|w| w == b"restore.sql\0");
                let at = script_at(&b).unwrap();
                assert_eq!(script_at(&a), Some(at));
                assert!(a[..at] == b[..at], "{}", g.file);
            }
            // Where upstream's members all have one mtime, ours with that mtime are identical.
            if g.version >= ArchiveVersion::V1_16 && theirs.iter().all(|m| m.1 == theirs[0].1) {
                assert!(again == original, "{}: rewrite differs", g.file);
            }
        }
    }
}

/// The archive with every header's mtime and checksum fields blanked.
fn without_mtimes(tar: &[u8]) -> Vec<u8> {
    let mut out = tar.to_vec();
    let mut at = 0;
    while at + 512 <= out.len() && out[at..at + 512].iter().any(|&b| b != 0) {
        let size = members(&tar[at..])[0].2.len();
        out[at + 136..at + 156].fill(b'?');
        at += 512 + size.div_ceil(512) * 512;
    }
    out
}

/// Our restore.sql is what pg_dump 18's archiver prints. pg_dump 15's differs in two ways
/// that do not depend on the archive: no `SET transaction_timeout` (a 17 setting), and
/// `ALTER TABLE` where 17 and later say `ALTER SEQUENCE` for a sequence's owner. Those two are
/// mapped back before comparing with a pg_dump 15 archive; the rest must be the same bytes.
fn as_pg_dump_15_prints_it(script: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(script.len());
    for line in script.split_inclusive(|&b| b == b'\n') {
        if line == b"SET transaction_timeout = 0;\n" {
            continue;
        }
        match line.strip_prefix(b"ALTER SEQUENCE ") {
            Some(rest) if rest.windows(10).any(|w| w == b" OWNER TO ") => {
                out.extend_from_slice(b"ALTER TABLE ");
                out.extend_from_slice(rest);
            }
            _ => out.extend_from_slice(line),
        }
    }
    out
}

#[test]
fn restore_sql_is_upstreams() {
    for g in GOLDEN {
        let original = FIXTURES.read(g.file);
        let again = rewrite(
            &original,
            &[EMPTY_DATA, FRUIT_DATA, g.blobs],
            options_like(&original, usize::MAX),
        );
        let script = |t: &[u8]| {
            members(t)
                .into_iter()
                .find(|m| m.0 == "restore.sql")
                .unwrap()
                .2
        };
        let (mut ours, theirs) = (script(&again), script(&original));
        if g.version < ArchiveVersion::V1_16 {
            ours = as_pg_dump_15_prints_it(&ours);
        }
        assert!(
            ours == theirs,
            "{}: restore.sql differs from upstream's, {}",
            g.file,
            first_difference(
                &String::from_utf8_lossy(&ours),
                &String::from_utf8_lossy(&theirs)
            )
        );
    }
}

// ---- upstream pg_restore and tar on what we write ----

#[test]
fn upstream_pg_restore_reads_our_rewrites_identically() {
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for g in GOLDEN {
        let original_path = FIXTURES.path(g.file);
        let original = FIXTURES.read(g.file);
        let variants = [
            (
                "in-order",
                rewrite(
                    &original,
                    &[EMPTY_DATA, FRUIT_DATA, g.blobs],
                    TarOptions::default(),
                ),
            ),
            (
                "reordered",
                rewrite(
                    &original,
                    &[g.blobs, FRUIT_DATA, EMPTY_DATA],
                    TarOptions {
                        spool_memory: 0,
                        ..TarOptions::default()
                    },
                ),
            ),
        ];
        for (kind, bytes) in &variants {
            let path = dir.path().join(format!("{kind}-{}", g.file));
            fs::write(&path, bytes).unwrap();
            for &major in g.readers {
                let Some(exe) = pg_restore(major) else {
                    continue;
                };
                for args in [
                    &["-l"][..],
                    &["-f", "-", "--restrict-key=golden"][..],
                    &["-f", "-", "--restrict-key=golden", "-C", "-c"][..],
                ] {
                    let want = run_quiet(&exe, args, Input::Path(&original_path));
                    let got = run_quiet(&exe, args, Input::Path(&path));
                    assert!(
                        got == want,
                        "pg_restore {major} {args:?} on the {kind} rewrite of {}:\n{}",
                        g.file,
                        String::from_utf8_lossy(&got)
                    );
                    compared += 1;
                }
                // As in `tusk_dump -Ft | pg_restore`.
                let args = &["-f", "-", "--restrict-key=golden"][..];
                let want = run_quiet(&exe, args, Input::Path(&original_path));
                let got = run_quiet(&exe, args, Input::Stdin(&bytes[..]));
                assert!(
                    got == want,
                    "pg_restore {major} from stdin, {kind} {}",
                    g.file
                );
                compared += 1;
            }
            // GNU tar sees the same members.
            let list = |p: &Path| {
                Command::new("tar")
                    .arg("tf")
                    .arg(p)
                    .output()
                    .ok()
                    .filter(|o| o.status.success())
                    .map(|o| o.stdout)
            };
            if let (Some(a), Some(b)) = (list(&path), list(&original_path)) {
                assert_eq!(a, b, "tar tf {kind} {}", g.file);
            }
        }
    }
    eprintln!("compared {compared} pg_restore outputs");
}

/// pg_dump 18 makes one BLOBS group per owner and ACL (up to 1000 objects each); pg_restore
/// finds each group by the first OID of its tag. The pg_dump 18 archive's one group, split in
/// two and produced last group first, must restore both objects.
#[test]
fn upstream_pg_restore_reads_our_blob_groups() {
    let Some(exe) = pg_restore(18) else {
        return;
    };
    let original = FIXTURES.read("pg18.tar");
    let mut r = TarReader::open(Cursor::new(&original)).unwrap();
    let mut toc = r.toc().clone();
    let meta_at = toc
        .entries
        .iter()
        .position(|e| e.desc == "BLOB METADATA")
        .unwrap();
    let blobs_id = toc.entries[meta_at + 1].dump_id;
    assert_eq!(toc.entries[meta_at + 1].desc, "BLOBS");
    let mut second = toc.entries[meta_at..meta_at + 2].to_vec();
    toc.entries[meta_at].tag = "16500".into();
    toc.entries[meta_at].defn = Some("16500\n".into());
    toc.entries[meta_at + 1].tag = "16500".into();
    second[0].dump_id = 3360;
    second[0].tag = "16501".into();
    second[0].catalog_id.oid = 16501;
    second[0].defn = Some("16501\n".into());
    second[1].dump_id = 3361;
    second[1].tag = "16501".into();
    second[1].dependencies = vec![3360];
    toc.entries.splice(meta_at + 2..meta_at + 2, second);

    let mut los = Collect::default();
    r.read_data(blobs_id, &mut los).unwrap();
    let mut w = TarWriter::create(Vec::new(), &toc).unwrap();
    for (id, (oid, bytes)) in [(3361, &los.los[1]), (blobs_id, &los.los[0])] {
        let mut b = w.blobs(id).unwrap();
        b.start_lo(*oid).unwrap();
        b.write_all(bytes).unwrap();
        b.end_lo().unwrap();
        b.finish().unwrap();
    }
    for id in [EMPTY_DATA, FRUIT_DATA] {
        copy_member(&mut r, &mut w, id);
    }
    let bytes = w.finish().unwrap();
    let names: Vec<String> = members(&bytes).into_iter().map(|m| m.0).collect();
    assert_eq!(
        names,
        [
            "toc.dat",
            "3347.dat",
            "3346.dat",
            "blob_16500.dat",
            &format!("blobs_{blobs_id}.toc"),
            "blob_16501.dat",
            "blobs_3361.toc",
            "restore.sql"
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("groups.tar");
    fs::write(&path, &bytes).unwrap();
    let args = &["-f", "-", "--restrict-key=golden"][..];
    let from_file = run_quiet(&exe, args, Input::Path(&path));
    let from_stdin = run_quiet(&exe, args, Input::Stdin(&bytes[..]));
    assert!(from_file == from_stdin);
    let text = String::from_utf8(from_file).unwrap();
    for want in [
        "SELECT pg_catalog.lo_open('16500', 131072);\nSELECT pg_catalog.lowrite(0, '\\x68656c6c6f206c6f');\n",
        "SELECT pg_catalog.lo_open('16501', 131072);\nSELECT pg_catalog.lowrite(0, '\\x00ff0a5c09');\n",
        "-- Data for Name: 16501; Type: BLOBS; Schema: -; Owner: postgres\n",
    ] {
        assert!(text.contains(want), "{want}\nnot in\n{text}");
    }
}
