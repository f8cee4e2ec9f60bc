//! lz4 and zstd against upstream (fixtures/golden/compression, see its README.md): the custom
//! reader decodes pg_dump 16's and 18's archives, the file codecs decode their directory-format
//! files, and upstream pg_restore reads what our writer and file compressor make exactly as it
//! reads upstream's own. The pg_restore comparisons are skipped, with a note, when the binaries
//! are missing.

mod support;

use std::fs;
use std::io::{Cursor, Read, Seek, Write};
use std::path::Path;

use tusk_format::compress::{FileCompressor, FileDecompressor};
use tusk_format::{
    ArchiveVersion, Compression, CompressionAlgorithm, CustomReader, CustomWriter, DataLocation,
    DumpId, Encoding, Toc,
};

use support::{FixtureSet, Input, Pipe, copy_member, pg_restore, read, run_quiet};

const LZ4: CompressionAlgorithm = CompressionAlgorithm::Lz4;
const ZSTD: CompressionAlgorithm = CompressionAlgorithm::Zstd;

const FIXTURES: FixtureSet = FixtureSet("compression");

struct Golden {
    file: &'static str,
    version: ArchiveVersion,
    algorithm: CompressionAlgorithm,
    /// The BLOBS entry (1.15 has a BLOB entry per large object before it).
    blobs: DumpId,
}

const GOLDEN: &[Golden] = &[
    Golden {
        file: "pg18-lz4.dump",
        version: ArchiveVersion::V1_16,
        algorithm: LZ4,
        blobs: 3352,
    },
    Golden {
        file: "pg18-zstd.dump",
        version: ArchiveVersion::V1_16,
        algorithm: ZSTD,
        blobs: 3352,
    },
    Golden {
        file: "pg18-zstd-long.dump",
        version: ArchiveVersion::V1_16,
        algorithm: ZSTD,
        blobs: 3352,
    },
    Golden {
        file: "pg16-lz4.dump",
        version: ArchiveVersion::V1_15,
        algorithm: LZ4,
        blobs: 3353,
    },
    Golden {
        file: "pg16-zstd.dump",
        version: ArchiveVersion::V1_15,
        algorithm: ZSTD,
        blobs: 3353,
    },
];

const FRUIT_DATA: DumpId = 3348;
const EMPTY_DATA: DumpId = 3349;
const BIG_DATA: DumpId = 3350;

const END_OF_COPY: &[u8] = b"\\.\n\n\n";

/// `public.big` as make.sh fills it, in COPY text: more than one 64 KiB LZ4 block.
fn big_payload() -> Vec<u8> {
    let mut rows = String::new();
    for n in 1..=1500 {
        rows.push_str(&format!("{n}\trow {n} {}\n", "ab".repeat(n % 40)));
    }
    [rows.as_bytes(), END_OF_COPY].concat()
}

fn los() -> Vec<(u32, Vec<u8>)> {
    vec![(16500, b"hello lo".to_vec()), (16501, Vec::new())]
}

fn check_contents<R: Read + Seek>(g: &Golden, r: &mut CustomReader<R>) {
    assert_eq!(r.toc().header.version, g.version, "{}", g.file);
    assert_eq!(r.toc().header.compression.algorithm, g.algorithm);
    // In archive order, which a pipe needs.
    assert!(read(r, BIG_DATA).data == big_payload(), "{}", g.file);
    assert_eq!(read(r, EMPTY_DATA).data, END_OF_COPY, "{}", g.file);
    assert_eq!(
        read(r, FRUIT_DATA).data,
        FIXTURES.fruit_payload(Encoding::Utf8),
        "{}",
        g.file
    );
    let blobs = read(r, g.blobs);
    assert_eq!(blobs.data, b"");
    assert_eq!(blobs.los, los(), "{}", g.file);
    assert!(r.warnings().is_empty(), "{}: {:?}", g.file, r.warnings());
}

#[test]
fn upstream_lz4_and_zstd_archives_decode() {
    for g in GOLDEN {
        let bytes = FIXTURES.read(g.file);
        let mut r = CustomReader::open(Cursor::new(&bytes)).unwrap();
        check_contents(g, &mut r);
        let mut r = CustomReader::open(Pipe(&bytes[..])).unwrap();
        check_contents(g, &mut r);
    }
}

/// The chunk lengths of an entry's data block, read straight from the archive bytes (Int:
/// sign byte, 4 bytes little-endian).
fn chunk_lengths(archive: &[u8], entry: DumpId) -> Vec<usize> {
    let toc = CustomReader::open(Cursor::new(archive))
        .unwrap()
        .toc()
        .clone();
    let e = toc.entries.iter().find(|e| e.dump_id == entry).unwrap();
    let DataLocation::Offset(pos) = e.data else {
        panic!("entry {entry} has no offset: {:?}", e.data);
    };
    let int = |at: usize| {
        let v = u32::from_le_bytes(archive[at + 1..at + 5].try_into().unwrap()) as usize;
        assert_eq!(archive[at], 0, "negative Int");
        v
    };
    let mut at = pos as usize + 1 + 5;
    let mut lengths = Vec::new();
    loop {
        let len = int(at);
        at += 5;
        if len == 0 {
            return lengths;
        }
        lengths.push(len);
        at += len;
    }
}

fn write_archive<W: Write + Seek>(out: W, toc: &Toc, copy_from: &[u8]) -> W {
    let mut r = CustomReader::open(Cursor::new(copy_from)).unwrap();
    let mut w = CustomWriter::new(out, toc).unwrap();
    for e in toc.entries.iter().filter(|e| e.had_dumper) {
        copy_member(&mut r, &mut w, e.dump_id);
    }
    w.finish().unwrap()
}

#[test]
fn our_lz4_framing_is_upstreams() {
    for g in GOLDEN.iter().filter(|g| g.algorithm == LZ4) {
        let original = FIXTURES.read(g.file);
        let toc = CustomReader::open(Cursor::new(&original))
            .unwrap()
            .toc()
            .clone();
        let ours = write_archive(Cursor::new(Vec::new()), &toc, &original).into_inner();
        for id in [FRUIT_DATA, EMPTY_DATA, BIG_DATA] {
            let theirs = chunk_lengths(&original, id);
            let mine = chunk_lengths(&ours, id);
            // The 7-byte header, one chunk per finished 64 KiB block, the last block with the
            // end mark.
            assert_eq!(theirs[0], 7, "{} entry {id}: {theirs:?}", g.file);
            assert_eq!(mine[0], 7, "{} entry {id}: {mine:?}", g.file);
            assert_eq!(theirs.len(), mine.len(), "{} entry {id}", g.file);
        }
        assert_eq!(chunk_lengths(&original, BIG_DATA).len(), 3);
        let header = |a: &[u8], id| {
            let toc = CustomReader::open(Cursor::new(a)).unwrap().toc().clone();
            let e = toc.entries.iter().find(|e| e.dump_id == id).unwrap();
            let DataLocation::Offset(pos) = e.data else {
                panic!()
            };
            let at = pos as usize + 1 + 5 + 5;
            a[at..at + 7].to_vec()
        };
        assert_eq!(header(&original, BIG_DATA), header(&ours, BIG_DATA));
        assert_eq!(
            header(&ours, BIG_DATA),
            [0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0]
        );
    }
}

#[test]
fn our_lz4_and_zstd_archives_read_back() {
    for g in GOLDEN {
        let original = FIXTURES.read(g.file);
        let mut toc = CustomReader::open(Cursor::new(&original))
            .unwrap()
            .toc()
            .clone();
        for compression in [
            Compression::of(LZ4),
            Compression::of(ZSTD),
            Compression {
                algorithm: ZSTD,
                level: Some(19),
                long: true,
            },
        ] {
            toc.header.compression = compression;
            let file = write_archive(Cursor::new(Vec::new()), &toc, &original).into_inner();
            let pipe = write_archive(Pipe(Vec::new()), &toc, &original).0;
            let g = Golden {
                algorithm: compression.algorithm,
                ..*g
            };
            check_contents(&g, &mut CustomReader::open(Cursor::new(&file)).unwrap());
            check_contents(&g, &mut CustomReader::open(Pipe(&pipe[..])).unwrap());
        }
    }
}

#[test]
fn lz4_and_zstd_need_archive_version_1_15() {
    let original = FIXTURES.read("pg18-lz4.dump");
    let mut toc = CustomReader::open(Cursor::new(&original))
        .unwrap()
        .toc()
        .clone();
    toc.header.version = ArchiveVersion::V1_14;
    for algorithm in [LZ4, ZSTD] {
        toc.header.compression = Compression::of(algorithm);
        let err = CustomWriter::new(Cursor::new(Vec::new()), &toc)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains(&format!(
                "{} compression needs archive version 1.15 or later",
                algorithm.name()
            )),
            "{err}"
        );
    }
}

// ---- directory-format files ----

fn decode_file(algorithm: CompressionAlgorithm, bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    let mut sink = |b: &[u8]| {
        plain.extend_from_slice(b);
        Ok(())
    };
    let mut d = FileDecompressor::new(algorithm).unwrap();
    // Pieces of a size unrelated to anything in the file.
    for piece in bytes.chunks(1000) {
        d.feed(piece, &mut sink).unwrap();
    }
    d.finish(&mut sink).unwrap();
    plain
}

fn encode_file(compression: Compression, plain: &[u8]) -> Vec<u8> {
    let mut file = Vec::new();
    let mut sink = |b: &[u8]| {
        file.extend_from_slice(b);
        Ok(())
    };
    let mut c = FileCompressor::new(compression).unwrap();
    // One write per COPY row, as pg_dump writes them.
    for row in plain.split_inclusive(|&b| b == b'\n') {
        c.write(row, &mut sink).unwrap();
    }
    c.finish(&mut sink).unwrap();
    file
}

const DIRS: [(&str, CompressionAlgorithm, &str); 2] = [
    ("pg18-lz4.dir", LZ4, ".lz4"),
    ("pg18-zstd.dir", ZSTD, ".zst"),
];

#[test]
fn upstream_directory_files_decode() {
    for (dir, algorithm, suffix) in DIRS {
        let file = |name: &str| FIXTURES.read(&format!("{dir}/{name}{suffix}"));
        assert_eq!(
            decode_file(algorithm, &file("3348.dat")),
            FIXTURES.fruit_payload(Encoding::Utf8)
        );
        assert_eq!(decode_file(algorithm, &file("3349.dat")), END_OF_COPY);
        assert!(decode_file(algorithm, &file("3350.dat")) == big_payload());
        assert_eq!(decode_file(algorithm, &file("blob_16500.dat")), b"hello lo");
        // A large object with no bytes: upstream never started its frame.
        assert!(file("blob_16501.dat").is_empty());
        assert_eq!(decode_file(algorithm, &file("blob_16501.dat")), b"");
    }
}

// ---- upstream pg_restore on what we write ----

/// pg_restore's standard output, which must be all it prints.
fn run(exe: &Path, args: &[&str], archive: &Path) -> String {
    String::from_utf8(run_quiet(exe, args, Input::Path(archive))).unwrap()
}

const SCRIPT: &[&str] = &["-f", "-", "--restrict-key=golden"];

#[test]
fn upstream_pg_restore_reads_our_lz4_and_zstd_archives_identically() {
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for g in GOLDEN {
        let majors: &[u32] = if g.version == ArchiveVersion::V1_15 {
            &[16, 18]
        } else {
            &[18]
        };
        let original_path = FIXTURES.path(g.file);
        let original = FIXTURES.read(g.file);
        let toc = CustomReader::open(Cursor::new(&original))
            .unwrap()
            .toc()
            .clone();
        let as_is = write_archive(Cursor::new(Vec::new()), &toc, &original).into_inner();
        let piped = write_archive(Pipe(Vec::new()), &toc, &original).0;
        // The other algorithm, and zstd at level 19 with long-distance matching: the script
        // must not change (the listing names the algorithm, so only the script is compared).
        let mut other_toc = toc.clone();
        other_toc.header.compression = Compression::of(if g.algorithm == LZ4 { ZSTD } else { LZ4 });
        let other = write_archive(Cursor::new(Vec::new()), &other_toc, &original).into_inner();
        let mut long_toc = toc.clone();
        long_toc.header.compression = Compression {
            algorithm: ZSTD,
            level: Some(19),
            long: true,
        };
        let long = write_archive(Cursor::new(Vec::new()), &long_toc, &original).into_inner();
        let variants = [
            ("file", &as_is, true),
            ("pipe", &piped, true),
            ("other", &other, false),
            ("long", &long, false),
        ];
        for (kind, bytes, listing) in variants {
            let path = dir.path().join(format!("{kind}-{}", g.file));
            fs::write(&path, bytes).unwrap();
            for &major in majors {
                let Some(exe) = pg_restore(major) else {
                    continue;
                };
                let mut runs = vec![SCRIPT];
                if listing {
                    runs.push(&["-l"]);
                }
                for args in runs {
                    let want = run(&exe, args, &original_path);
                    if args == SCRIPT {
                        // The data is there, not just the DDL.
                        assert!(want.contains("\n1500\trow 1500 abab"), "{}", g.file);
                    }
                    let got = run(&exe, args, &path);
                    assert_eq!(
                        got, want,
                        "pg_restore {major} {args:?} on {kind} {}",
                        g.file
                    );
                    compared += 1;
                }
            }
        }
        // The piped archive through a real pipe, as in `tusk_dump -Z lz4 | pg_restore`.
        if let Some(exe) = pg_restore(18) {
            let (out, _) = support::run(&exe, SCRIPT, Input::Stdin(&piped));
            let want = run(&exe, SCRIPT, &original_path);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                want,
                "{} from stdin",
                g.file
            );
            compared += 1;
        }
    }
    eprintln!("compared {compared} pg_restore outputs");
}

/// Our file compressor in upstream's directory archive: every compressed data file replaced by
/// ours, and pg_restore must print the same script.
#[test]
fn upstream_pg_restore_reads_our_lz4_and_zstd_files_identically() {
    let Some(exe) = pg_restore(18) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    for (dir, algorithm, suffix) in DIRS {
        let original = FIXTURES.path(dir);
        let copy = tmp.path().join(dir);
        fs::create_dir(&copy).unwrap();
        let mut replaced = 0;
        for entry in fs::read_dir(&original).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            let bytes = fs::read(entry.path()).unwrap();
            let bytes = if name.ends_with(suffix) {
                replaced += 1;
                encode_file(Compression::of(algorithm), &decode_file(algorithm, &bytes))
            } else {
                bytes
            };
            fs::write(copy.join(&name), bytes).unwrap();
        }
        assert_eq!(replaced, 5);
        // The empty large object stays a 0-byte file.
        assert!(
            fs::read(copy.join(format!("blob_16501.dat{suffix}")))
                .unwrap()
                .is_empty()
        );
        let want = run(&exe, SCRIPT, &original);
        let got = run(&exe, SCRIPT, &copy);
        assert_eq!(got, want, "{dir}");
        assert!(want.contains("lowrite(0, '\\x68656c6c6f206c6f')"), "{dir}");
    }
}
