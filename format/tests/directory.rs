//! The directory format (`-Fd`): our writer read back by our reader, archives made by upstream
//! pg_dump 15 and 18 (fixtures/golden/directory, see its README.md), and upstream pg_restore
//! reading our rewrites of them. The pg_restore comparisons are skipped, with a note, when the
//! binaries are missing.

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tusk_format::archive::{self, ArchiveWrite};
use tusk_format::compress::{CodecError, FileDecompressor};
use tusk_format::directory::{DirBlobsWriter, DirMemberWriter, DirectoryReader, DirectoryWriter};
use tusk_format::{
    ArchiveFormat, ArchiveVersion, CatalogId, Compression, CompressionAlgorithm, DataLocation,
    DumpId, Encoding, FormatError, Section, Toc, TocEntry,
};

use support::{
    Collect, FixtureSet, Input, ToBlobs, ToMember, pg_restore, sample_header, special, write_los,
};

const FIXTURES: FixtureSet = FixtureSet("directory");

/// Entry `id`'s data, as [`support::read`] gives it but through a shared reference: the
/// directory reader reads from several threads at once.
fn read(r: &DirectoryReader, id: DumpId) -> Collect {
    let mut c = Collect::default();
    r.read_data(id, &mut c)
        .unwrap_or_else(|e| panic!("entry {id}: {e}"));
    c
}

/// Whether this build decodes an algorithm (lz4 and zstd arrive separately).
fn decodes(algorithm: CompressionAlgorithm) -> bool {
    match FileDecompressor::new(algorithm) {
        Ok(_) => true,
        Err(CodecError::Unsupported(_)) => false,
        Err(e) => panic!("{e}"),
    }
}

// ---- the golden archives ----

struct Golden {
    dir: &'static str,
    version: ArchiveVersion,
    algorithm: CompressionAlgorithm,
    blobs: DumpId,
    list: &'static str,
}

const GOLDEN: &[Golden] = &[
    Golden {
        dir: "pg15-gzip",
        version: ArchiveVersion::V1_14,
        algorithm: CompressionAlgorithm::Gzip,
        blobs: 3351,
        list: "blobs.toc",
    },
    Golden {
        dir: "pg15-none",
        version: ArchiveVersion::V1_14,
        algorithm: CompressionAlgorithm::None,
        blobs: 3351,
        list: "blobs.toc",
    },
    Golden {
        dir: "pg18-gzip",
        version: ArchiveVersion::V1_16,
        algorithm: CompressionAlgorithm::Gzip,
        blobs: 3350,
        list: "blobs_3350.toc",
    },
    Golden {
        dir: "pg18-none",
        version: ArchiveVersion::V1_16,
        algorithm: CompressionAlgorithm::None,
        blobs: 3350,
        list: "blobs_3350.toc",
    },
    Golden {
        dir: "pg18-lz4",
        version: ArchiveVersion::V1_16,
        algorithm: CompressionAlgorithm::Lz4,
        blobs: 3350,
        list: "blobs_3350.toc",
    },
    Golden {
        dir: "pg18-zstd",
        version: ArchiveVersion::V1_16,
        algorithm: CompressionAlgorithm::Zstd,
        blobs: 3350,
        list: "blobs_3350.toc",
    },
];

const FRUIT_DATA: DumpId = 3346;
const EMPTY_DATA: DumpId = 3347;

/// (dump ID, desc, tag) of every entry after the four special ones (ENCODING, STDSTRINGS,
/// SEARCHPATH, DATABASE), in archive order.
fn expected_entries(version: ArchiveVersion) -> Vec<(DumpId, &'static str, &'static str)> {
    let mut v = vec![
        (216, "SEQUENCE", "counter"),
        (215, "TABLE", "empty"),
        (214, "TABLE", "fruit"),
    ];
    if version >= ArchiveVersion::V1_16 {
        v.extend([
            (3357, "COMMENT", "TABLE fruit"),
            (3347, "TABLE DATA", "empty"),
            (3346, "TABLE DATA", "fruit"),
            (3358, "SEQUENCE SET", "counter"),
            (3349, "BLOB METADATA", "16500..16501"),
            (3350, "BLOBS", "16500..16501"),
        ]);
    } else {
        v.extend([
            (3358, "COMMENT", "TABLE fruit"),
            (3349, "BLOB", "16500"),
            (3350, "BLOB", "16501"),
            (3347, "TABLE DATA", "empty"),
            (3346, "TABLE DATA", "fruit"),
            (3359, "SEQUENCE SET", "counter"),
            (3351, "BLOBS", "BLOBS"),
        ]);
    }
    v.extend([
        (3203, "CONSTRAINT", "fruit fruit_pkey"),
        (3201, "INDEX", "fruit_name_idx"),
    ]);
    v
}

fn expected_los() -> Vec<(u32, Vec<u8>)> {
    vec![
        (16500, b"hello lo".to_vec()),
        (16501, vec![0x00, 0xff, 0x0a, 0x5c, 0x09]),
    ]
}

/// Checks the TOC and (when this build decodes the algorithm) every payload.
fn check_contents(g: &Golden, r: &DirectoryReader) {
    let toc = r.toc();
    assert_eq!(toc.header.version, g.version, "{}", g.dir);
    assert_eq!(toc.header.format, ArchiveFormat::Directory);
    assert_eq!(toc.header.compression.algorithm, g.algorithm, "{}", g.dir);
    assert_eq!(toc.header.dbname, "dirgold");
    let got: Vec<_> = toc
        .entries
        .iter()
        .map(|e| (e.dump_id, e.desc.as_str(), e.tag.as_str()))
        .collect();
    assert_eq!(got[4..], expected_entries(g.version), "{}", g.dir);
    assert_eq!(
        got[..4].iter().map(|e| e.1).collect::<Vec<_>>(),
        ["ENCODING", "STDSTRINGS", "SEARCHPATH", "DATABASE"]
    );
    for e in &toc.entries {
        let has_data = e.desc == "TABLE DATA" || e.desc == "BLOBS";
        assert_eq!(e.had_dumper, has_data, "{} {}", g.dir, e.dump_id);
        let want = if e.desc == "BLOBS" {
            DataLocation::File(g.list.into())
        } else if has_data {
            DataLocation::File(format!("{}.dat", e.dump_id))
        } else {
            DataLocation::None
        };
        assert_eq!(e.data, want, "{} {}", g.dir, e.dump_id);
    }
    let comment = toc.entries.iter().find(|e| e.desc == "COMMENT").unwrap();
    assert!(comment.defn.as_deref().unwrap().contains("crème brûlée"));
    assert!(r.warnings().is_empty(), "{}: {:?}", g.dir, r.warnings());

    if !decodes(g.algorithm) {
        let err = r
            .read_data(FRUIT_DATA, &mut Collect::default())
            .unwrap_err();
        assert!(
            matches!(
                err,
                FormatError::FileCodec {
                    source: CodecError::Unsupported(_),
                    ..
                }
            ),
            "{}: {err}",
            g.dir
        );
        return;
    }
    // Any order, and again: every member is its own file.
    for _ in 0..2 {
        let blobs = read(r, g.blobs);
        assert_eq!(blobs.data, b"", "{}", g.dir);
        assert_eq!(blobs.los, expected_los(), "{}", g.dir);
        assert_eq!(
            read(r, FRUIT_DATA).data,
            FIXTURES.fruit_payload(Encoding::Utf8),
            "{}",
            g.dir
        );
        assert_eq!(read(r, EMPTY_DATA).data, b"\\.\n\n\n", "{}", g.dir);
    }
    // Entries without data give nothing.
    assert_eq!(read(r, 214), Collect::default());
}

#[test]
fn upstream_archives_read() {
    for g in GOLDEN {
        let r = DirectoryReader::open(&FIXTURES.path(g.dir)).unwrap();
        check_contents(g, &r);
    }
}

#[test]
fn upstream_archives_open_through_format_detection() {
    for g in GOLDEN {
        let path = FIXTURES.path(g.dir);
        let path = path.to_str().unwrap();
        for forced in [None, Some(ArchiveFormat::Directory)] {
            let mut r = archive::open(Some(path), forced).unwrap();
            assert_eq!(r.format(), ArchiveFormat::Directory);
            assert_eq!(r.toc().header.version, g.version);
            if decodes(g.algorithm) {
                let mut c = Collect::default();
                r.read_data(g.blobs, &mut c).unwrap();
                assert_eq!(c.los, expected_los());
            }
            // Parallel workers' readers share this one's TOC and read the same.
            let mut again = r.reopener(Some(path))().unwrap();
            assert!(std::ptr::eq(r.toc(), again.toc()));
            if decodes(g.algorithm) {
                let mut c = Collect::default();
                again.read_data(g.blobs, &mut c).unwrap();
                assert_eq!(c.los, expected_los());
            }
        }
    }
}

// ---- rewriting with our writer ----

/// Rewrites a golden archive into `out` with our writer, members in `order` (`None`: reversed
/// TOC order), each member written by its own thread.
fn rewrite(g: &Golden, out: &Path, reverse: bool) -> Toc {
    let r = DirectoryReader::open(&FIXTURES.path(g.dir)).unwrap();
    let toc = r.toc().clone();
    let mut ids: Vec<(DumpId, bool)> = toc
        .entries
        .iter()
        .filter(|e| e.had_dumper)
        .map(|e| (e.dump_id, e.desc == "BLOBS"))
        .collect();
    if reverse {
        ids.reverse();
    }
    let mut w = DirectoryWriter::create(out, &toc).unwrap();
    w.set_sync(false);
    std::thread::scope(|s| {
        for &(id, blobs) in &ids {
            let (r, w) = (&r, &w);
            s.spawn(move || {
                if blobs {
                    let mut b = w.blobs_writer(id).unwrap();
                    r.read_data(id, &mut ToBlobs(&mut b)).unwrap();
                    b.finish().unwrap();
                } else {
                    let mut m = w.member_writer(id).unwrap();
                    r.read_data(id, &mut ToMember(&mut m)).unwrap();
                    m.finish().unwrap();
                }
            });
        }
    });
    w.finish().unwrap();
    toc
}

/// Every file of a directory, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn rewrites_read_back_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    for g in GOLDEN.iter().filter(|g| decodes(g.algorithm)) {
        for reverse in [false, true] {
            let out = tmp.path().join(format!("{}-{reverse}", g.dir));
            let toc = rewrite(g, &out, reverse);
            let r = DirectoryReader::open(&out).unwrap();
            assert_eq!(*r.toc(), toc, "{}", g.dir);
            check_contents(g, &r);
            assert_eq!(
                fs::metadata(&out).unwrap().permissions().mode() & 0o777,
                0o700
            );
        }
    }
}

#[test]
fn rewrites_are_byte_identical() {
    // toc.dat has no offsets, so it is the same bytes; uncompressed files are copies. Gzip files
    // match too because zlib-rs deflates exactly as C zlib does; should an upgrade change
    // that, only the gzip data files here differ, and archives stay correct.
    let tmp = tempfile::tempdir().unwrap();
    for g in GOLDEN.iter().filter(|g| {
        matches!(
            g.algorithm,
            CompressionAlgorithm::None | CompressionAlgorithm::Gzip
        )
    }) {
        let out = tmp.path().join(g.dir);
        rewrite(g, &out, true);
        let original = files(&FIXTURES.path(g.dir));
        let ours = files(&out);
        assert_eq!(
            ours.keys().collect::<Vec<_>>(),
            original.keys().collect::<Vec<_>>(),
            "{}",
            g.dir
        );
        for (name, bytes) in &original {
            assert!(ours[name] == *bytes, "{}: {name} differs", g.dir);
        }
    }
}

// ---- upstream pg_restore on what we write ----

/// Standard output and standard error of a successful run.
fn run(exe: &Path, args: &[&str], archive: &Path) -> (String, String) {
    let (stdout, stderr) = support::run(exe, args, Input::Path(archive));
    // `--verbose` stamps the script with the current time ("-- Completed on ..."), which two
    // runs need not share.
    let stdout: String = String::from_utf8(stdout)
        .unwrap()
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("-- Completed on "))
        .collect();
    (stdout, String::from_utf8(stderr).unwrap())
}

#[test]
fn upstream_pg_restore_reads_our_rewrites_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for g in GOLDEN.iter().filter(|g| decodes(g.algorithm)) {
        let majors: &[u32] = if g.version >= ArchiveVersion::V1_15 {
            &[18]
        } else {
            &[15, 18]
        };
        let original = FIXTURES.path(g.dir);
        for reverse in [false, true] {
            let out = tmp.path().join(format!("{}-{reverse}", g.dir));
            rewrite(g, &out, reverse);
            for &major in majors {
                let Some(exe) = pg_restore(major) else {
                    continue;
                };
                for args in [
                    &["-l"][..],
                    &["-f", "-", "--restrict-key=golden"],
                    &["-f", "-", "--restrict-key=golden", "--data-only"],
                    // Verbose output names each entry's file ("-- File: 3346.dat").
                    &["-f", "-", "--restrict-key=golden", "--verbose"],
                ] {
                    let want = run(&exe, args, &original);
                    let got = run(&exe, args, &out);
                    assert_eq!(
                        got, want,
                        "pg_restore {major} {args:?} on our rewrite of {}",
                        g.dir
                    );
                    if !args.contains(&"--verbose") {
                        assert_eq!(got.1, "");
                    }
                    compared += 1;
                }
            }
        }
    }
    eprintln!("compared {compared} pg_restore outputs");
}

// ---- round trips of our own archives ----

const TABLE: DumpId = 214;
const DATA: DumpId = 3346;
const EMPTY: DumpId = 3347;
const BLOBS: DumpId = 3350;
const ROWS: &[&[u8]] = &[
    b"1\tapple\t\\N\n",
    b"2\tcr\xc3\xa8me\tx\\\\y\n",
    b"\\.\n\n\n",
];

fn sample_toc(version: ArchiveVersion, compression: Compression) -> Toc {
    let mut table = TocEntry::new(TABLE, "TABLE", "fruit", Section::PreData);
    table.catalog_id = CatalogId {
        tableoid: 1259,
        oid: 16385,
    };
    table.defn = Some("CREATE TABLE public.fruit (\n    name text\n);\n".into());
    table.namespace = Some("public".into());
    table.tablespace = Some(String::new());
    table.tableam = Some("heap".into());
    table.relkind = if version >= ArchiveVersion::V1_16 {
        b'r'
    } else {
        0
    };
    table.owner = Some("postgres".into());
    let mut data = TocEntry::new(DATA, "TABLE DATA", "fruit", Section::Data);
    data.had_dumper = true;
    data.catalog_id.oid = 16385;
    data.copy_stmt = Some("COPY public.fruit (name) FROM stdin;\n".into());
    data.dependencies = vec![TABLE];
    let mut empty = data.clone();
    empty.dump_id = EMPTY;
    empty.tag = "empty".into();
    let mut blobs = TocEntry::new(BLOBS, "BLOBS", "BLOBS", Section::Data);
    blobs.had_dumper = true;
    Toc {
        header: sample_header(version, ArchiveFormat::Directory, compression),
        entries: vec![
            special(3354, "ENCODING", "SET client_encoding = 'UTF8';\n"),
            special(
                3355,
                "STDSTRINGS",
                "SET standard_conforming_strings = 'on';\n",
            ),
            table,
            empty,
            data,
            blobs,
        ],
    }
}

fn sample_los() -> Vec<(u32, Vec<u8>)> {
    // Incompressible bytes, so the gzip file is larger than one deflate buffer.
    let mut state = 0x2545_f491_u32;
    let noise: Vec<u8> = (0..100_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    vec![
        (16500, b"hello lo".to_vec()),
        (16501, Vec::new()),
        (u32::MAX, noise),
    ]
}

/// Writes the sample data through the format-neutral trait, in `order`.
fn write_sample(w: &mut dyn ArchiveWrite, order: &[DumpId]) {
    for &id in order {
        match id {
            BLOBS => {
                let mut b = w.blobs(BLOBS).unwrap();
                write_los(b.as_mut(), sample_los(), 16384);
                b.finish().unwrap();
            }
            DATA => {
                let mut m = w.data(DATA).unwrap();
                for row in ROWS {
                    m.write_all(row).unwrap();
                }
                m.finish().unwrap();
            }
            EMPTY => {
                let mut m = w.data(EMPTY).unwrap();
                m.write_all(b"\\.\n\n\n").unwrap();
                m.finish().unwrap();
            }
            _ => unreachable!(),
        }
    }
}

fn variants() -> Vec<(ArchiveVersion, Compression)> {
    let gz = |level| Compression {
        level: Some(level),
        ..Compression::GZIP_DEFAULT
    };
    vec![
        (ArchiveVersion::V1_14, Compression::NONE),
        (ArchiveVersion::V1_14, Compression::GZIP_DEFAULT),
        (ArchiveVersion::V1_14, gz(9)),
        (ArchiveVersion::V1_14, gz(1)),
        (ArchiveVersion::V1_15, Compression::GZIP_DEFAULT),
        (ArchiveVersion::V1_16, Compression::NONE),
        (ArchiveVersion::V1_16, Compression::GZIP_DEFAULT),
        (ArchiveVersion::V1_16, gz(9)),
    ]
}

#[test]
fn round_trip_every_version_and_compression() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, (version, compression)) in variants().into_iter().enumerate() {
        let toc = sample_toc(version, compression);
        let out = tmp.path().join(format!("rt{i}"));
        let mut w: Box<dyn ArchiveWrite> = Box::new({
            let mut w = DirectoryWriter::create(&out, &toc).unwrap();
            w.set_sync(i % 2 == 0);
            w
        });
        // Out of TOC order.
        write_sample(&mut *w, &[BLOBS, DATA, EMPTY]);
        assert!(!out.exists(), "nothing at the target before finish");
        w.finish().unwrap();

        let gz = compression.algorithm == CompressionAlgorithm::Gzip;
        let suffix = if gz { ".gz" } else { "" };
        let list = if version >= ArchiveVersion::V1_16 {
            format!("blobs_{BLOBS}.toc")
        } else {
            "blobs.toc".to_owned()
        };
        let mut names: Vec<String> = files(&out).into_keys().collect();
        names.sort();
        let mut want = vec![
            format!("3346.dat{suffix}"),
            format!("3347.dat{suffix}"),
            format!("blob_16500.dat{suffix}"),
            format!("blob_16501.dat{suffix}"),
            format!("blob_4294967295.dat{suffix}"),
            list.clone(),
            "toc.dat".to_owned(),
        ];
        want.sort();
        assert_eq!(names, want, "{version} {compression:?}");
        assert_eq!(
            fs::read_to_string(out.join(&list)).unwrap(),
            "16500 blob_16500.dat\n16501 blob_16501.dat\n4294967295 blob_4294967295.dat\n"
        );
        let toc_dat = fs::read(out.join("toc.dat")).unwrap();
        assert_eq!(&toc_dat[..5], b"PGDMP");
        assert_eq!(toc_dat[10], 3, "format byte 3, as tar");
        if gz {
            let member = fs::read(out.join("3346.dat.gz")).unwrap();
            let xfl = match compression.level {
                Some(9) => 2,
                Some(1) => 4,
                _ => 0,
            };
            assert_eq!(&member[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
        }

        let r = DirectoryReader::open(&out).unwrap();
        let mut expected = toc.clone();
        if version >= ArchiveVersion::V1_15 {
            expected.header.compression.level = None;
        }
        for e in &mut expected.entries {
            e.data = match (e.had_dumper, e.desc.as_str()) {
                (true, "BLOBS") => DataLocation::File(list.clone()),
                (true, _) => DataLocation::File(format!("{}.dat", e.dump_id)),
                _ => DataLocation::None,
            };
        }
        assert_eq!(*r.toc(), expected, "{version} {compression:?}");
        assert_eq!(read(&r, DATA).data, ROWS.concat());
        assert_eq!(read(&r, EMPTY).data, b"\\.\n\n\n");
        assert_eq!(read(&r, BLOBS).los, sample_los());
    }
}

#[test]
fn members_are_written_by_several_threads_at_once() {
    fn assert_send<T: Send>() {}
    assert_send::<DirMemberWriter>();
    assert_send::<DirBlobsWriter>();
    fn assert_sync<T: Sync>() {}
    assert_sync::<DirectoryWriter>();
    assert_sync::<DirectoryReader>();

    let tmp = tempfile::tempdir().unwrap();
    let mut toc = sample_toc(ArchiveVersion::V1_16, Compression::GZIP_DEFAULT);
    let template = toc.entries[4].clone();
    let ids: Vec<DumpId> = (5000..5040).collect();
    for &id in &ids {
        let mut e = template.clone();
        e.dump_id = id;
        toc.entries.push(e);
    }
    let out = tmp.path().join("parallel");
    let w = DirectoryWriter::create(&out, &toc).unwrap();
    // Interleaved: every member open at once, written a row at a time in turn.
    let mut members: Vec<_> = ids
        .iter()
        .map(|&id| (id, w.member_writer(id).unwrap()))
        .collect();
    for row in 0..50 {
        for (id, m) in &mut members {
            writeln!(m, "{id}\trow {row}").unwrap();
        }
    }
    std::thread::scope(|s| {
        for (_, m) in members {
            s.spawn(move || m.finish().unwrap());
        }
        s.spawn(|| {
            let mut b = w.blobs_writer(BLOBS).unwrap();
            b.start_lo(1).unwrap();
            b.end_lo().unwrap();
            b.finish().unwrap();
        });
        s.spawn(|| {
            let mut m = w.member_writer(DATA).unwrap();
            m.write_all(&ROWS.concat()).unwrap();
            m.finish().unwrap();
        });
        s.spawn(|| w.member_writer(EMPTY).unwrap().finish().unwrap());
    });
    w.finish().unwrap();
    let r = DirectoryReader::open(&out).unwrap();
    std::thread::scope(|s| {
        for &id in &ids {
            let r = &r;
            s.spawn(move || {
                let want: String = (0..50).map(|row| format!("{id}\trow {row}\n")).collect();
                assert_eq!(read(r, id).data, want.as_bytes());
            });
        }
    });
    assert_eq!(read(&r, EMPTY).data, b"");
}

// ---- the writer's rules ----

fn err_text<T>(r: Result<T, FormatError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn target_must_be_new_or_an_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let toc = sample_toc(ArchiveVersion::V1_14, Compression::NONE);

    let full = tmp.path().join("full");
    fs::create_dir(&full).unwrap();
    fs::write(full.join("x"), b"").unwrap();
    assert_eq!(
        err_text(DirectoryWriter::create(&full, &toc)),
        format!("directory \"{}\" is not empty", full.display())
    );

    let file = tmp.path().join("file");
    fs::write(&file, b"").unwrap();
    assert_eq!(
        err_text(DirectoryWriter::create(&file, &toc)),
        format!(
            "could not open directory \"{}\": Not a directory",
            file.display()
        )
    );

    let orphan = tmp.path().join("no/such/parent");
    assert_eq!(
        err_text(DirectoryWriter::create(&orphan, &toc)),
        format!(
            "could not create directory \"{}\": No such file or directory",
            orphan.display()
        )
    );
    assert_eq!(
        err_text(DirectoryWriter::create(Path::new(""), &toc)),
        "no output directory specified"
    );

    // An existing empty directory is taken, and replaced by the archive at the end.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    fs::set_permissions(&empty, fs::Permissions::from_mode(0o755)).unwrap();
    let mut w: Box<dyn ArchiveWrite> = Box::new(DirectoryWriter::create(&empty, &toc).unwrap());
    write_sample(&mut *w, &[DATA, EMPTY, BLOBS]);
    w.finish().unwrap();
    assert!(empty.join("toc.dat").is_file());
    assert_eq!(
        fs::metadata(&empty).unwrap().permissions().mode() & 0o777,
        0o700
    );
    // Only the archive is left in the parent.
    let mut left: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["empty", "file", "full"]);
}

#[test]
fn unfinished_writers_leave_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let toc = sample_toc(ArchiveVersion::V1_16, Compression::GZIP_DEFAULT);
    let out = tmp.path().join("out");

    let w = DirectoryWriter::create(&out, &toc).unwrap();
    let temp = w.temp_dir().to_owned();
    assert!(temp.is_dir());
    assert_eq!(temp.parent(), Some(tmp.path()));
    let mut m = w.member_writer(DATA).unwrap();
    m.write_all(b"x").unwrap();
    drop(w);
    assert!(!temp.exists(), "a dropped writer removes its directory");
    assert!(!out.exists());
    // A member still held by a worker learns the archive is gone.
    assert!(err_text(m.finish()).contains("abandoned"));

    // Finish refuses an archive with a member missing or still open, and cleans up.
    let w = DirectoryWriter::create(&out, &toc).unwrap();
    let temp = w.temp_dir().to_owned();
    w.member_writer(DATA).unwrap().finish().unwrap();
    let open = w.member_writer(EMPTY).unwrap();
    assert_eq!(
        err_text(w.finish()),
        "cannot write archive: the data of entry 3347 was not finished"
    );
    drop(open);
    assert!(!temp.exists() && !out.exists());

    let w = DirectoryWriter::create(&out, &toc).unwrap();
    w.member_writer(DATA).unwrap().finish().unwrap();
    let msg = err_text(w.finish());
    assert!(
        msg.contains("the data of entry 3347 was never written"),
        "{msg}"
    );
    assert!(!out.exists());
}

#[test]
fn member_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let toc = sample_toc(ArchiveVersion::V1_14, Compression::GZIP_DEFAULT);
    let out = tmp.path().join("out");
    let w = DirectoryWriter::create(&out, &toc).unwrap();

    // A dropped member removes its file and may be written again.
    let mut m = w.member_writer(DATA).unwrap();
    m.write_all(b"partial").unwrap();
    drop(m);
    assert!(!w.temp_dir().join("3346.dat.gz").exists());
    let mut m = w.member_writer(DATA).unwrap();
    assert!(err_text(w.member_writer(DATA)).contains("already being written"));
    m.write_all(&ROWS.concat()).unwrap();
    m.finish().unwrap();
    assert!(err_text(w.member_writer(DATA)).contains("already written"));

    assert!(err_text(w.member_writer(TABLE)).contains("has no data"));
    assert_eq!(
        err_text(w.member_writer(999)),
        "no TOC entry with dump ID 999"
    );
    assert!(err_text(w.member_writer(BLOBS)).contains("is a BLOBS entry"));
    assert!(err_text(w.blobs_writer(EMPTY)).contains("not a BLOBS entry"));

    // A dropped BLOBS writer removes its list and object files.
    let mut b = w.blobs_writer(BLOBS).unwrap();
    b.start_lo(7).unwrap();
    b.write_all(b"seven").unwrap();
    b.end_lo().unwrap();
    b.start_lo(8).unwrap();
    assert!(err_text(b.start_lo(9)).contains("was not ended"));
    drop(b);
    let left: Vec<_> = files(w.temp_dir()).into_keys().collect();
    assert_eq!(left, ["3346.dat.gz"]);

    let mut b = w.blobs_writer(BLOBS).unwrap();
    assert!(err_text(b.start_lo(0)).contains("invalid OID"));
    assert!(b.write_all(b"outside").is_err());
    assert!(err_text(b.end_lo()).contains("without start_lo"));
    b.start_lo(7).unwrap();
    b.end_lo().unwrap();
    // The same object twice would overwrite its file.
    assert!(err_text(b.start_lo(7)).contains("File exists"));
    b.finish().unwrap();
    w.member_writer(EMPTY).unwrap().finish().unwrap();
    w.finish().unwrap();
    let r = DirectoryReader::open(&out).unwrap();
    assert_eq!(read(&r, BLOBS).los, vec![(7, Vec::new())]);
    assert_eq!(read(&r, DATA).data, ROWS.concat());
}

#[test]
fn writer_refusals() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    // Readers before 1.16 read "blobs.toc" for every BLOBS entry: two cannot coexist.
    let mut toc = sample_toc(ArchiveVersion::V1_14, Compression::NONE);
    let mut second = toc.entries[5].clone();
    second.dump_id = 3360;
    toc.entries.push(second);
    assert!(err_text(DirectoryWriter::create(&out, &toc)).contains("only one BLOBS entry"));
    toc.header.version = ArchiveVersion::V1_16;
    let w = DirectoryWriter::create(&out, &toc).unwrap();
    drop(w);

    let lz4 = Compression {
        algorithm: CompressionAlgorithm::Lz4,
        ..Compression::NONE
    };
    assert!(
        err_text(DirectoryWriter::create(
            &out,
            &sample_toc(ArchiveVersion::V1_14, lz4)
        ))
        .contains("1.15")
    );
    if !decodes(CompressionAlgorithm::Lz4) {
        assert!(
            err_text(DirectoryWriter::create(
                &out,
                &sample_toc(ArchiveVersion::V1_16, lz4)
            ))
            .contains("not supported")
        );
    }
    assert!(!out.exists());
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0, "no temp left");
}

// ---- reading damaged or unusual archives ----

/// A copy of a golden archive to tamper with.
fn copy_golden(name: &str, to: &Path) -> PathBuf {
    let dest = to.join(name);
    fs::create_dir(&dest).unwrap();
    for (file, bytes) in files(&FIXTURES.path(name)) {
        fs::write(dest.join(file), bytes).unwrap();
    }
    dest
}

/// A gzip file made by our file compressor.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut c = tusk_format::compress::FileCompressor::new(Compression::GZIP_DEFAULT).unwrap();
    c.write(bytes, &mut |b| {
        out.extend_from_slice(b);
        Ok(())
    })
    .unwrap();
    c.finish(&mut |b| {
        out.extend_from_slice(b);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn detection_and_open_errors_are_upstreams() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let p = empty.to_str().unwrap();
    let msg = match archive::open(Some(p), None) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("opened an empty directory"),
    };
    assert_eq!(
        msg,
        format!(
            "directory \"{p}\" does not appear to be a valid archive (\"toc.dat\" does not exist)"
        )
    );
    let msg = match archive::open(Some(p), Some(ArchiveFormat::Directory)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("opened an empty directory"),
    };
    assert_eq!(
        msg,
        format!("could not open input file \"{p}/toc.dat\": No such file or directory")
    );
    assert!(matches!(
        archive::open(None, Some(ArchiveFormat::Directory)),
        Err(archive::OpenError::Format(FormatError::NoDirectory))
    ));

    // A toc.dat with the directory format code (5) is refused, as upstream refuses it.
    let dir = copy_golden("pg15-none", tmp.path());
    let mut toc = fs::read(dir.join("toc.dat")).unwrap();
    toc[10] = 5;
    fs::write(dir.join("toc.dat"), &toc).unwrap();
    assert_eq!(
        err_text(DirectoryReader::open(&dir)),
        "expected format (3) differs from format found in file (5)"
    );
    toc[10] = 3;
    toc[0] = b'X';
    fs::write(dir.join("toc.dat"), &toc).unwrap();
    assert!(err_text(DirectoryReader::open(&dir)).contains("did not find magic string"));
}

#[test]
fn compressed_toc_dat_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_golden("pg18-none", tmp.path());
    let toc = fs::read(dir.join("toc.dat")).unwrap();
    fs::remove_file(dir.join("toc.dat")).unwrap();
    fs::write(dir.join("toc.dat.gz"), gzip(&toc)).unwrap();
    let p = dir.to_str().unwrap();
    let r = archive::open(Some(p), None).unwrap();
    let original = DirectoryReader::open(&FIXTURES.path("pg18-none")).unwrap();
    assert_eq!(r.toc(), original.toc());
    // A plain toc.dat wins over a compressed one.
    fs::write(dir.join("toc.dat"), &toc[..20]).unwrap();
    assert!(DirectoryReader::open(&dir).is_err());
}

#[test]
fn missing_and_damaged_data_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_golden("pg15-gzip", tmp.path());
    let r = DirectoryReader::open(&dir).unwrap();

    fs::remove_file(dir.join("3347.dat.gz")).unwrap();
    assert_eq!(
        err_text(r.read_data(EMPTY_DATA, &mut Collect::default())),
        format!(
            "could not open input file \"{}/3347.dat\": No such file or directory",
            dir.display()
        )
    );
    // Suffix discovery: a plain file wins over the .gz one.
    fs::write(dir.join("3347.dat"), b"plain\n").unwrap();
    assert_eq!(read(&r, EMPTY_DATA).data, b"plain\n");
    fs::remove_file(dir.join("3347.dat")).unwrap();
    // An empty compressed file is an empty member (§10 item 26).
    fs::write(dir.join("3347.dat.gz"), b"").unwrap();
    assert_eq!(read(&r, EMPTY_DATA).data, b"");
    for alg in ["lz4", "zst"] {
        fs::remove_file(dir.join("3347.dat.gz")).ok();
        fs::remove_file(dir.join("3347.dat.lz4")).ok();
        fs::write(dir.join(format!("3347.dat.{alg}")), b"").unwrap();
        let algorithm = if alg == "lz4" {
            CompressionAlgorithm::Lz4
        } else {
            CompressionAlgorithm::Zstd
        };
        let got = r.read_data(EMPTY_DATA, &mut Collect::default());
        if decodes(algorithm) {
            got.unwrap();
        } else {
            assert!(err_text(got).contains("not supported"));
        }
    }

    // Several gzip members, as gzread reads them; bytes after the last member are ignored.
    let payload = FIXTURES.fruit_payload(Encoding::Utf8);
    let (a, b) = payload.split_at(10);
    let mut two = gzip(a);
    two.extend_from_slice(&gzip(b));
    fs::write(dir.join("3346.dat.gz"), &two).unwrap();
    assert_eq!(read(&r, FRUIT_DATA).data, payload);
    two.extend_from_slice(b"\0\0\0 trailing junk");
    fs::write(dir.join("3346.dat.gz"), &two).unwrap();
    assert_eq!(read(&r, FRUIT_DATA).data, payload);
    // A .gz file that is not gzip at all is read as it is.
    fs::write(dir.join("3346.dat.gz"), &payload).unwrap();
    assert_eq!(read(&r, FRUIT_DATA).data, payload);

    // Every cut of a gzip file past its magic is an error, never a panic.
    let good = gzip(&payload);
    for cut in 2..good.len() {
        fs::write(dir.join("3346.dat.gz"), &good[..cut]).unwrap();
        let e = r
            .read_data(FRUIT_DATA, &mut Collect::default())
            .unwrap_err();
        assert!(matches!(e, FormatError::FileCodec { .. }), "cut {cut}: {e}");
    }
    let mut bad_crc = good.clone();
    let n = bad_crc.len();
    bad_crc[n - 6] ^= 1;
    fs::write(dir.join("3346.dat.gz"), &bad_crc).unwrap();
    let msg = err_text(r.read_data(FRUIT_DATA, &mut Collect::default()));
    assert!(
        msg.starts_with(&format!(
            "file \"{}/3346.dat.gz\" of TOC entry 3346: could not uncompress data",
            dir.display()
        )),
        "{msg}"
    );
}

#[test]
fn large_object_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_golden("pg18-none", tmp.path());
    let r = DirectoryReader::open(&dir).unwrap();
    let list = dir.join("blobs_3350.toc");
    let try_list = |text: &[u8]| {
        fs::write(&list, text).unwrap();
        let mut c = Collect::default();
        r.read_data(3350, &mut c).map(|()| c.los)
    };
    // sscanf("%u %1024s") leniency: blanks, a missing final newline, extra words.
    assert_eq!(
        try_list(b"  16500\tblob_16500.dat extra\n16501 blob_16501.dat").unwrap(),
        expected_los()
    );
    assert_eq!(try_list(b"").unwrap(), vec![]);
    for bad in [
        &b"\n"[..],
        b"16500\n",
        b"x blob_16500.dat\n",
        b"0 blob_16500.dat\n",
        b"99999999999 blob_16500.dat\n",
        b"16500 ../pg18-gzip/blob_16500.dat\n",
        b"16500 /etc/passwd\n",
    ] {
        let e = try_list(bad).unwrap_err();
        assert!(
            matches!(e, FormatError::BadLoTocLine { .. }),
            "{:?}: {e}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_eq!(
        err_text(try_list(b"16500 blob_16500.dat\nnonsense\n")),
        format!(
            "invalid line in large object TOC file \"{}\": \"nonsense\"",
            list.display()
        )
    );
    let long = format!("16500 {}\n", "b".repeat(2000));
    assert!(matches!(
        try_list(long.as_bytes()),
        Err(FormatError::BadLoTocLine { .. })
    ));
    // A listed object whose file is missing.
    let e = err_text(try_list(b"16502 blob_16502.dat\n"));
    assert!(e.starts_with("could not open input file"), "{e}");
    // The list missing altogether.
    fs::remove_file(&list).unwrap();
    let e = err_text(r.read_data(3350, &mut Collect::default()));
    assert_eq!(
        e,
        format!(
            "could not open large object TOC file \"{}\" for input: No such file or directory",
            list.display()
        )
    );
}

#[test]
fn pre_1_16_archives_use_blobs_toc_whatever_the_entry_says() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_golden("pg15-none", tmp.path());
    // Rename the entry's file name in toc.dat (same length, so nothing else moves).
    let mut toc = fs::read(dir.join("toc.dat")).unwrap();
    let at = toc.windows(9).position(|w| w == b"blobs.toc").unwrap();
    toc[at..at + 9].copy_from_slice(b"other.toc");
    fs::write(dir.join("toc.dat"), &toc).unwrap();
    let r = DirectoryReader::open(&dir).unwrap();
    assert_eq!(read(&r, 3351).los, expected_los());
}

#[test]
fn file_names_that_leave_the_directory_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_golden("pg15-none", tmp.path());
    let mut toc = fs::read(dir.join("toc.dat")).unwrap();
    let at = toc.windows(8).position(|w| w == b"3346.dat").unwrap();
    toc[at..at + 8].copy_from_slice(b"../x.dat");
    fs::write(dir.join("toc.dat"), &toc).unwrap();
    let r = DirectoryReader::open(&dir).unwrap();
    assert_eq!(
        err_text(r.read_data(FRUIT_DATA, &mut Collect::default())),
        "invalid file name \"../x.dat\" in TOC entry 3346: not a file name inside the archive directory"
    );
}

#[test]
fn damaged_toc_dat_never_panics() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_golden("pg18-none", tmp.path());
    let original = fs::read(dir.join("toc.dat")).unwrap();
    for cut in 0..original.len() {
        fs::write(dir.join("toc.dat"), &original[..cut]).unwrap();
        assert!(DirectoryReader::open(&dir).is_err(), "cut at {cut}");
    }
    for i in 0..original.len() {
        let mut bytes = original.clone();
        bytes[i] ^= 0xff;
        fs::write(dir.join("toc.dat"), &bytes).unwrap();
        if let Ok(r) = DirectoryReader::open(&dir) {
            for e in &r.toc().entries {
                let _ = r.read_data(e.dump_id, &mut Collect::default());
            }
        }
    }
}

#[test]
fn lz4_and_zstd_files_may_hold_several_frames() {
    let tmp = tempfile::tempdir().unwrap();
    for (algorithm, suffix) in [
        (CompressionAlgorithm::Lz4, "lz4"),
        (CompressionAlgorithm::Zstd, "zst"),
    ] {
        if !decodes(algorithm) {
            continue;
        }
        let dir = copy_golden(
            &format!("pg18-{}", if suffix == "zst" { "zstd" } else { suffix }),
            tmp.path(),
        );
        let frame = |bytes: &[u8]| {
            let mut out = Vec::new();
            let mut c = tusk_format::compress::FileCompressor::new(Compression {
                algorithm,
                ..Compression::NONE
            })
            .unwrap();
            let mut push = |b: &[u8]| {
                out.extend_from_slice(b);
                Ok(())
            };
            c.write(bytes, &mut push).unwrap();
            c.finish(&mut push).unwrap();
            out
        };
        let payload = FIXTURES.fruit_payload(Encoding::Utf8);
        let (a, b) = payload.split_at(7);
        let mut file = frame(a);
        file.extend_from_slice(&frame(b));
        fs::write(dir.join(format!("3346.dat.{suffix}")), &file).unwrap();
        let r = DirectoryReader::open(&dir).unwrap();
        assert_eq!(read(&r, FRUIT_DATA).data, payload, "{suffix}");
        // Cut inside the second frame.
        fs::write(
            dir.join(format!("3346.dat.{suffix}")),
            &file[..file.len() - 2],
        )
        .unwrap();
        assert!(
            r.read_data(FRUIT_DATA, &mut Collect::default()).is_err(),
            "{suffix}"
        );
    }
}
