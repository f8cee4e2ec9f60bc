//! The tar writer and reader against each other: archive versions 1.14 and 1.16, large
//! objects, members produced out of order, pipes, damaged and truncated input, and the
//! writer's refusals.

mod support;

use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};

use tusk_format::tar::{TarOptions, TarReader, TarWriter};
use tusk_format::{
    ArchiveFormat, ArchiveVersion, CatalogId, Compression, DataLocation, DataSink, DumpId,
    FormatError, Section, Toc, TocEntry,
};

use support::{Collect, Pipe, sample_header, special, try_read, write_los};

/// A pipe that hands out at most 7 bytes per read.
struct Dribble<'a>(&'a [u8]);

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(7).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

impl Seek for Dribble<'_> {
    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
        Err(io::Error::from_raw_os_error(29))
    }
}

const TABLE: DumpId = 214;
const DATA: DumpId = 3346;
const EMPTY_DATA: DumpId = 3347;
/// The BLOBS entry of 1.14, or the first group of 1.16.
const BLOBS: DumpId = 3350;
/// The second group of 1.16.
const BLOBS2: DumpId = 3352;

const ROWS: &[u8] = b"1\tapple\t\\N\n2\tcr\xc3\xa8me\ttab\\there\n\\.\n\n\n";

/// Large objects as (OID, contents).
type Los = Vec<(u32, Vec<u8>)>;

fn group1() -> Los {
    vec![
        (16500, b"hello lo".to_vec()),
        (16501, Vec::new()),
        (16502, (0..=255u8).cycle().take(1500).collect()),
    ]
}

fn group2() -> Los {
    vec![(16600, b"second group".to_vec())]
}

fn sample_toc(version: ArchiveVersion) -> Toc {
    let v16 = version >= ArchiveVersion::V1_16;
    let mut table = TocEntry::new(TABLE, "TABLE", "fruit", Section::PreData);
    table.catalog_id = CatalogId {
        tableoid: 1259,
        oid: 16385,
    };
    table.defn = Some("CREATE TABLE public.fruit (\n    id integer,\n    name text\n);\n".into());
    table.drop_stmt = Some("DROP TABLE public.fruit;\n".into());
    table.namespace = Some("public".into());
    table.tablespace = Some(String::new());
    table.tableam = Some("heap".into());
    table.relkind = if v16 { b'r' } else { 0 };
    table.owner = Some("postgres".into());
    let mut data = TocEntry::new(DATA, "TABLE DATA", "fruit", Section::Data);
    data.had_dumper = true;
    data.catalog_id = CatalogId {
        tableoid: 0,
        oid: 16385,
    };
    data.copy_stmt = Some("COPY public.fruit (id, name) FROM stdin;\n".into());
    data.namespace = Some("public".into());
    data.owner = Some("postgres".into());
    data.dependencies = vec![TABLE];
    data.defn = Some(String::new());
    let mut empty = data.clone();
    empty.dump_id = EMPTY_DATA;
    empty.tag = "empty".into();
    empty.copy_stmt = Some("COPY public.empty (x) FROM stdin;\n".into());

    let mut entries = vec![
        special(3354, "ENCODING", "SET client_encoding = 'UTF8';\n"),
        special(
            3355,
            "STDSTRINGS",
            "SET standard_conforming_strings = 'on';\n",
        ),
        special(
            3356,
            "SEARCHPATH",
            "SELECT pg_catalog.set_config('search_path', '', false);\n",
        ),
        table,
    ];
    let lo_entry = |id: DumpId, desc: &str, tag: &str| {
        let mut e = TocEntry::new(id, desc, tag, Section::Data);
        e.owner = Some("postgres".into());
        e
    };
    if v16 {
        entries.push(empty);
        entries.push(data);
        for (meta_id, blobs_id, group) in [(3349, BLOBS, group1()), (3351, BLOBS2, group2())] {
            let first = group[0].0;
            let last = group[group.len() - 1].0;
            let tag = if first == last {
                first.to_string()
            } else {
                format!("{first}..{last}")
            };
            let mut meta = lo_entry(meta_id, "BLOB METADATA", &tag);
            meta.catalog_id = CatalogId {
                tableoid: 2613,
                oid: first,
            };
            meta.defn = Some(group.iter().map(|(oid, _)| format!("{oid}\n")).collect());
            meta.drop_stmt = Some("-- dummy".into());
            let mut blobs = lo_entry(blobs_id, "BLOBS", &tag);
            blobs.had_dumper = true;
            blobs.dependencies = vec![meta_id];
            entries.push(meta);
            entries.push(blobs);
        }
    } else {
        for (i, (oid, _)) in group1().iter().enumerate() {
            let mut blob = lo_entry(3340 + i as DumpId, "BLOB", &oid.to_string());
            blob.section = Section::PreData;
            blob.catalog_id = CatalogId {
                tableoid: 2613,
                oid: *oid,
            };
            blob.defn = Some(format!("SELECT pg_catalog.lo_create('{oid}');\n"));
            blob.drop_stmt = Some(format!("SELECT pg_catalog.lo_unlink('{oid}');\n"));
            entries.push(blob);
        }
        entries.push(empty);
        entries.push(data);
        let mut blobs = TocEntry::new(BLOBS, "BLOBS", "BLOBS", Section::Data);
        blobs.had_dumper = true;
        entries.push(blobs);
    }
    let mut index = TocEntry::new(3201, "INDEX", "fruit_name_idx", Section::PostData);
    index.defn = Some("CREATE INDEX fruit_name_idx ON public.fruit USING btree (name);\n".into());
    index.drop_stmt = Some("DROP INDEX public.fruit_name_idx;\n".into());
    index.namespace = Some("public".into());
    index.owner = Some("postgres".into());
    entries.push(index);
    Toc {
        header: sample_header(version, ArchiveFormat::Tar, Compression::NONE),
        entries,
    }
}

fn groups(version: ArchiveVersion) -> Vec<(DumpId, Los)> {
    if version >= ArchiveVersion::V1_16 {
        vec![(BLOBS, group1()), (BLOBS2, group2())]
    } else {
        vec![(BLOBS, group1())]
    }
}

fn data_ids(version: ArchiveVersion) -> Vec<DumpId> {
    let mut ids = vec![EMPTY_DATA, DATA];
    ids.extend(groups(version).iter().map(|(id, _)| *id));
    ids
}

fn write_entry<W: Write>(w: &mut TarWriter<W>, version: ArchiveVersion, id: DumpId) {
    match groups(version).into_iter().find(|(g, _)| *g == id) {
        Some((_, los)) => {
            let mut b = w.blobs(id).unwrap();
            // In uneven pieces.
            write_los(&mut b, los, 333);
            b.finish().unwrap();
        }
        None => {
            let mut m = w.data(id).unwrap();
            if id == DATA {
                for piece in ROWS.chunks(5) {
                    m.write_all(piece).unwrap();
                }
            } else {
                m.write_all(b"\\.\n\n\n").unwrap();
            }
            m.finish().unwrap();
        }
    }
}

fn write_archive(toc: &Toc, order: &[DumpId], options: TarOptions) -> Vec<u8> {
    let mut w = TarWriter::create_with(Vec::new(), toc, options).unwrap();
    for &id in order {
        write_entry(&mut w, toc.header.version, id);
    }
    w.finish().unwrap()
}

fn fixed_time() -> TarOptions {
    TarOptions {
        mtime: Some(1_795_465_572),
        ..TarOptions::default()
    }
}

/// (name, size) of each member, and checks the trailer.
fn member_list(tar: &[u8]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let h = &tar[at..at + 512];
        if h.iter().all(|&b| b == 0) {
            assert_eq!(&tar[at..], &[0u8; 1024][..]);
            return out;
        }
        let name_len = h[..100].iter().position(|&b| b == 0).unwrap();
        let size = h[124..135]
            .iter()
            .fold(0usize, |a, b| a * 8 + usize::from(b - b'0'));
        out.push((String::from_utf8(h[..name_len].to_vec()).unwrap(), size));
        at += 512 + size.div_ceil(512) * 512;
    }
}

fn check_contents<R: Read + Seek>(r: &mut TarReader<R>, toc: &Toc) {
    let version = toc.header.version;
    let mut expected = toc.clone();
    for e in &mut expected.entries {
        e.data = if e.had_dumper {
            DataLocation::File(format!("{}.dat", e.dump_id))
        } else {
            DataLocation::None
        };
    }
    assert_eq!(r.toc(), &expected);
    assert_eq!(try_read(r, EMPTY_DATA).unwrap().data, b"\\.\n\n\n");
    assert_eq!(try_read(r, DATA).unwrap().data, ROWS);
    for (id, los) in groups(version) {
        let c = try_read(r, id).unwrap();
        assert_eq!(c.los, los, "{version} group {id}");
        assert!(c.data.is_empty());
    }
    // Entries without data give nothing.
    assert_eq!(try_read(r, TABLE).unwrap(), Collect::default());
    assert!(r.warnings().is_empty());
}

const VERSIONS: [ArchiveVersion; 2] = [ArchiveVersion::V1_14, ArchiveVersion::V1_16];

#[test]
fn round_trip_in_and_out_of_order() {
    for version in VERSIONS {
        let toc = sample_toc(version);
        let in_order = data_ids(version);
        let reversed: Vec<_> = in_order.iter().rev().copied().collect();
        let mut shuffled = in_order.clone();
        shuffled.rotate_left(1);
        let reference = write_archive(&toc, &in_order, fixed_time());
        for (order, memory) in [
            (&in_order, usize::MAX),
            (&reversed, usize::MAX),
            (&reversed, 0),
            (&shuffled, 100),
        ] {
            let bytes = write_archive(
                &toc,
                order,
                TarOptions {
                    spool_memory: memory,
                    ..fixed_time()
                },
            );
            // The order members are produced in does not show in the archive.
            assert!(bytes == reference, "{version} {order:?} {memory}");

            let mut r = TarReader::open(Cursor::new(&bytes)).unwrap();
            assert!(r.is_seekable());
            check_contents(&mut r, &toc);
            let mut r = TarReader::open(Pipe(&bytes[..])).unwrap();
            assert!(!r.is_seekable());
            check_contents(&mut r, &toc);
            let mut r = TarReader::open(Dribble(&bytes)).unwrap();
            check_contents(&mut r, &toc);
        }
    }
}

#[test]
fn members_come_in_upstreams_order() {
    let names = |version| {
        let toc = sample_toc(version);
        let bytes = write_archive(&toc, &data_ids(version), fixed_time());
        member_list(&bytes)
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(ArchiveVersion::V1_14),
        [
            "toc.dat",
            "3347.dat",
            "3346.dat",
            "blob_16500.dat",
            "blob_16501.dat",
            "blob_16502.dat",
            "blobs.toc",
            "restore.sql"
        ]
    );
    assert_eq!(
        names(ArchiveVersion::V1_16),
        [
            "toc.dat",
            "3347.dat",
            "3346.dat",
            "blob_16500.dat",
            "blob_16501.dat",
            "blob_16502.dat",
            "blobs_3350.toc",
            "blob_16600.dat",
            "blobs_3352.toc",
            "restore.sql"
        ]
    );
    let toc = sample_toc(ArchiveVersion::V1_16);
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_16), fixed_time());
    let list_at = bytes
        .windows(15)
        .position(|w| w == b"blobs_3350.toc\0")
        .unwrap();
    let list = &bytes[list_at + 512..list_at + 512 + 63];
    assert_eq!(
        list,
        b"16500 blob_16500.dat\n16501 blob_16501.dat\n16502 blob_16502.dat\n"
    );
}

#[test]
fn restore_sql_points_at_the_files() {
    let toc = sample_toc(ArchiveVersion::V1_16);
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_16), fixed_time());
    let at = bytes
        .windows(12)
        .position(|w| w == b"restore.sql\0")
        .unwrap();
    let size = member_list(&bytes).last().unwrap().1;
    let script = String::from_utf8(bytes[at + 512..at + 512 + size].to_vec()).unwrap();
    assert!(script.starts_with(
        "--\n-- NOTE:\n--\n-- File paths need to be edited. Search for $$PATH$$ and\n"
    ));
    assert!(script.contains(
        "COPY public.fruit (id, name) FROM stdin;\n\\.\nCOPY public.fruit (id, name) FROM '$$PATH$$/3346.dat';\n\n"
    ));
    assert!(script.contains("\n\\i $$PATH$$/3350.dat\n\n"));
    assert!(script.contains("\n\\i $$PATH$$/3352.dat\n\n"));
    assert!(!script.contains("lowrite"));
    assert!(!script.contains("BEGIN;"));
    // As pg_dump's: with create_db only the database is dropped (there is none here).
    assert!(!script.contains("DROP TABLE"));

    let mut options = fixed_time();
    options.script.create_db = false;
    options.script.clean = false;
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_16), options);
    let at = member_at(&bytes, "restore.sql");
    let size = member_list(&bytes).last().unwrap().1;
    let script = String::from_utf8(bytes[at + 512..at + 512 + size].to_vec()).unwrap();
    assert!(
        script.contains("DROP TABLE public.fruit;\n"),
        "clean is forced on"
    );
}

/// Where a member's header starts.
fn member_at(tar: &[u8], name: &str) -> usize {
    let mut at = 0;
    for (n, size) in member_list(tar) {
        if n == name {
            return at;
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    panic!("no member {name}");
}

#[test]
fn seekable_input_reads_in_any_order_and_again() {
    for version in VERSIONS {
        let toc = sample_toc(version);
        let bytes = write_archive(&toc, &data_ids(version), fixed_time());
        let mut r = TarReader::open(Cursor::new(&bytes)).unwrap();
        for (id, los) in groups(version).into_iter().rev() {
            assert_eq!(try_read(&mut r, id).unwrap().los, los);
        }
        assert_eq!(try_read(&mut r, DATA).unwrap().data, ROWS);
        assert_eq!(try_read(&mut r, EMPTY_DATA).unwrap().data, b"\\.\n\n\n");
        assert_eq!(try_read(&mut r, BLOBS).unwrap().los, group1());
        assert_eq!(try_read(&mut r, DATA).unwrap().data, ROWS);
    }
}

#[test]
fn a_pipe_refuses_what_it_has_passed() {
    let toc = sample_toc(ArchiveVersion::V1_16);
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_16), fixed_time());
    let mut r = TarReader::open(Pipe(&bytes[..])).unwrap();
    assert_eq!(try_read(&mut r, BLOBS2).unwrap().los, group2());
    let err = try_read(&mut r, DATA).unwrap_err();
    assert_eq!(
        err.to_string(),
        "restoring data out of order is not supported in this archive format: \"3346.dat\" is \
         required, but comes before \"blob_16600.dat\" in the archive file."
    );
    // Upstream never gets here (it restores in TOC order); the words are the same.
    let err = try_read(&mut r, BLOBS).unwrap_err();
    assert_eq!(
        err.to_string(),
        "restoring data out of order is not supported in this archive format: \"blob_16500.dat\" \
         is required, but comes before \"blob_16600.dat\" in the archive file."
    );
    // 1.14: the one run of blob members has been passed.
    let toc = sample_toc(ArchiveVersion::V1_14);
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_14), fixed_time());
    let mut r = TarReader::open(Pipe(&bytes[..])).unwrap();
    assert_eq!(try_read(&mut r, BLOBS).unwrap().los, group1());
    assert!(matches!(
        try_read(&mut r, BLOBS),
        Err(FormatError::TarMemberNotFound(_))
    ));
    // Nothing beyond the end.
    assert_eq!(
        try_read(&mut r, 9999).unwrap_err().to_string(),
        "no TOC entry with dump ID 9999"
    );
}

#[test]
fn a_sink_failure_does_not_lose_the_position() {
    struct Fail;
    impl DataSink for Fail {
        fn data(&mut self, _: &[u8]) -> io::Result<()> {
            Err(io::Error::other("server went away"))
        }
        fn start_lo(&mut self, _: u32) -> io::Result<()> {
            Ok(())
        }
        fn end_lo(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let toc = sample_toc(ArchiveVersion::V1_14);
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_14), fixed_time());
    let mut r = TarReader::open(Dribble(&bytes)).unwrap();
    let err = r.read_data(DATA, &mut Fail).unwrap_err();
    assert!(
        matches!(err, FormatError::Sink { dump_id: DATA, .. }),
        "{err}"
    );
    assert_eq!(try_read(&mut r, BLOBS).unwrap().los, group1());
}

#[test]
fn large_members_stream_through_temporary_files() {
    let toc = sample_toc(ArchiveVersion::V1_16);
    let mut payload = Vec::new();
    for i in 0..200_000u32 {
        payload.extend_from_slice(format!("{i}\t{}\n", i.wrapping_mul(2_654_435_761)).as_bytes());
    }
    let dir = tempfile::tempdir().unwrap();
    let mut w = TarWriter::create_with(
        Vec::new(),
        &toc,
        TarOptions {
            spool_dir: Some(dir.path().to_owned()),
            ..fixed_time()
        },
    )
    .unwrap();
    // Produced first but written out last: it waits on disk, not in memory.
    write_entry(&mut w, ArchiveVersion::V1_16, BLOBS2);
    let mut m = w.data(DATA).unwrap();
    for piece in payload.chunks(4096) {
        m.write_all(piece).unwrap();
    }
    m.finish().unwrap();
    // Held-back members leave no names behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    write_entry(&mut w, ArchiveVersion::V1_16, BLOBS);
    write_entry(&mut w, ArchiveVersion::V1_16, EMPTY_DATA);
    let bytes = w.finish().unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    struct Count {
        max: usize,
        all: Vec<u8>,
    }
    impl DataSink for Count {
        fn data(&mut self, b: &[u8]) -> io::Result<()> {
            self.max = self.max.max(b.len());
            self.all.extend_from_slice(b);
            Ok(())
        }
        fn start_lo(&mut self, _: u32) -> io::Result<()> {
            Ok(())
        }
        fn end_lo(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut r = TarReader::open(Pipe(&bytes[..])).unwrap();
    try_read(&mut r, EMPTY_DATA).unwrap();
    let mut sink = Count {
        max: 0,
        all: Vec::new(),
    };
    r.read_data(DATA, &mut sink).unwrap();
    assert!(sink.all == payload);
    assert!(sink.max <= 64 * 1024);
}

#[test]
fn members_before_toc_dat_are_passed_over() {
    let toc = sample_toc(ArchiveVersion::V1_14);
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_14), fixed_time());
    // Move restore.sql in front (the trailer stays last).
    let list = member_list(&bytes);
    let at = bytes
        .windows(12)
        .position(|w| w == b"restore.sql\0")
        .unwrap();
    let script_len = 512 + list.last().unwrap().1.div_ceil(512) * 512;
    let mut moved = bytes[at..at + script_len].to_vec();
    moved.extend_from_slice(&bytes[..at]);
    moved.extend_from_slice(&bytes[at + script_len..]);
    assert_eq!(moved.len(), bytes.len());
    let mut r = TarReader::open(Pipe(&moved[..])).unwrap();
    check_contents(&mut r, &toc);
}

#[test]
fn compressed_headers_are_refused_on_read() {
    let toc = sample_toc(ArchiveVersion::V1_16);
    let mut bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_16), fixed_time());
    // The compression byte of toc.dat's header (1.16: offset 11), and the tar checksum.
    // (Only the tar headers have checksums, so nothing else needs changing.)
    bytes[512 + 11] = 1;
    let mut r = TarReader::open(Cursor::new(&bytes)).unwrap();
    assert_eq!(try_read(&mut r, TABLE).unwrap(), Collect::default());
    assert_eq!(
        try_read(&mut r, DATA).unwrap_err().to_string(),
        "compression is not supported by tar archive format"
    );
}

#[test]
fn corrupt_headers_are_reported() {
    let toc = sample_toc(ArchiveVersion::V1_14);
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_14), fixed_time());
    let at = member_at(&bytes, "3346.dat");
    let mut bad = bytes.clone();
    bad[at + 130] ^= 1; // a size digit
    let mut r = TarReader::open(Cursor::new(&bad)).unwrap();
    try_read(&mut r, EMPTY_DATA).unwrap();
    let err = try_read(&mut r, DATA).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("corrupt tar header found in 3346.dat (expected "),
        "{msg}"
    );
    assert!(msg.ends_with(&format!("file position {at}")), "{msg}");
    // A bad first block: not even toc.dat.
    let mut bad = bytes.clone();
    bad[3] = b'X';
    assert!(matches!(
        TarReader::open(Cursor::new(&bad)),
        Err(FormatError::TarCorruptHeader { .. })
    ));
    // No toc.dat at all.
    let err = TarReader::open(Cursor::new(&[0u8; 1024][..]))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "could not find header for file \"toc.dat\" in tar archive"
    );
}

fn read_everything<R: Read + Seek>(input: R, ids: &[DumpId]) -> Result<(), FormatError> {
    let mut r = TarReader::open(input)?;
    for &id in ids {
        try_read(&mut r, id)?;
    }
    Ok(())
}

#[test]
fn truncation_before_the_last_list_file_is_an_error() {
    for version in VERSIONS {
        let toc = sample_toc(version);
        let ids = data_ids(version);
        let bytes = write_archive(&toc, &ids, fixed_time());
        // Everything up to the end of the last list file is needed; restore.sql and the
        // trailer are not (upstream reads no further either).
        let list = if version >= ArchiveVersion::V1_16 {
            "blobs_3352.toc"
        } else {
            "blobs.toc"
        };
        let needed = member_at(&bytes, list) + 512;
        assert!(read_everything(Cursor::new(&bytes[..needed]), &ids).is_ok());
        // Every cut in a header block or near the start of toc.dat, and a sample elsewhere
        // (each try parses the whole TOC again).
        let headers: Vec<usize> = member_list(&bytes)
            .iter()
            .scan(0, |at, (_, size)| {
                let here = *at;
                *at += 512 + size.div_ceil(512) * 512;
                Some(here)
            })
            .collect();
        let cuts = (0..needed).filter(|&cut| {
            cut < 1024 || cut % 7 == 0 || headers.iter().any(|&h| (h..h + 513).contains(&cut))
        });
        for cut in cuts {
            let seekable = read_everything(Cursor::new(&bytes[..cut]), &ids);
            assert!(
                seekable.is_err(),
                "{version}: cut at {cut} read without error"
            );
            let piped = read_everything(Pipe(&bytes[..cut]), &ids);
            assert!(piped.is_err(), "{version}: cut at {cut}, piped");
        }
    }
}

#[test]
fn damaged_bytes_never_panic() {
    let toc = sample_toc(ArchiveVersion::V1_16);
    let ids = data_ids(ArchiveVersion::V1_16);
    let bytes = write_archive(&toc, &ids, fixed_time());
    let mut ids_and_more = ids.clone();
    ids_and_more.extend([TABLE, DATA, BLOBS]);
    // The fields of every header that the reader looks at, and the start of toc.dat.
    let mut headers = vec![0];
    for (_, size) in member_list(&bytes) {
        let last = *headers.last().unwrap();
        headers.push(last + 512 + size.div_ceil(512) * 512);
    }
    let interesting = headers
        .iter()
        .flat_map(|&h| (h..h + 160).chain(h + 257..h + 265))
        .chain(512..600)
        .filter(|&i| i < bytes.len());
    for at in interesting {
        for value in [0u8, 0x80, bytes[at] ^ 1] {
            let mut damaged = bytes.clone();
            damaged[at] = value;
            // Either outcome is fine; reaching the end of the loop is the test.
            let _ = read_everything(Cursor::new(&damaged), &ids_and_more);
            let _ = read_everything(Pipe(&damaged[..]), &ids_and_more);
        }
    }
}

#[test]
fn huge_sizes_in_headers_are_handled() {
    let toc = sample_toc(ArchiveVersion::V1_14);
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_14), fixed_time());
    let at = member_at(&bytes, "3346.dat");
    let mut bad = bytes.clone();
    // Base-256 size of 2^64-1, with a checksum to match.
    bad[at + 124] = 0x80;
    bad[at + 125..at + 136].fill(0xff);
    let sum: u32 = bad[at..at + 512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    bad[at + 148..at + 156].copy_from_slice(format!("{sum:07o} ").as_bytes());
    for seekable in [true, false] {
        let result = if seekable {
            read_everything(Cursor::new(&bad), &[EMPTY_DATA, DATA, BLOBS])
        } else {
            read_everything(Pipe(&bad[..]), &[EMPTY_DATA, DATA, BLOBS])
        };
        assert!(result.is_err());
    }
}

#[test]
fn writer_refusals() {
    let refuse = |toc: &Toc| {
        TarWriter::create(Vec::new(), toc)
            .err()
            .unwrap()
            .to_string()
    };
    let mut gz = sample_toc(ArchiveVersion::V1_14);
    gz.header.compression = Compression::GZIP_DEFAULT;
    assert_eq!(
        refuse(&gz),
        "compression is not supported by tar archive format"
    );
    let mut tag = sample_toc(ArchiveVersion::V1_16);
    tag.entries
        .iter_mut()
        .find(|e| e.dump_id == BLOBS)
        .unwrap()
        .tag = "BLOBS".into();
    assert!(refuse(&tag).contains("first OID in the tag"));
    let mut copy = sample_toc(ArchiveVersion::V1_14);
    copy.entries
        .iter_mut()
        .find(|e| e.dump_id == DATA)
        .unwrap()
        .copy_stmt = Some("COPY public.fruit TO stdout;\n".into());
    assert_eq!(
        refuse(&copy),
        "unexpected COPY statement syntax: \"COPY public.fruit TO stdout;\n\""
    );
    let mut old = sample_toc(ArchiveVersion(1, 11, 0));
    old.entries.iter_mut().for_each(|e| e.tableam = None);
    assert!(refuse(&old).contains("1.11"));

    let toc = sample_toc(ArchiveVersion::V1_16);
    let mut w = TarWriter::create(Vec::new(), &toc).unwrap();
    assert!(matches!(w.data(999), Err(FormatError::NoSuchEntry(999))));
    assert!(w.data(TABLE).err().unwrap().to_string().contains("no data"));
    assert!(w.data(BLOBS).err().unwrap().to_string().contains("BLOBS"));
    assert!(
        w.blobs(DATA)
            .err()
            .unwrap()
            .to_string()
            .contains("not BLOBS")
    );
    {
        let mut b = w.blobs(BLOBS).unwrap();
        assert!(b.write(b"x").is_err());
        assert!(b.start_lo(0).is_err());
        let err = b.start_lo(16501).unwrap_err().to_string();
        assert!(err.contains("must be 16500"), "{err}");
        b.start_lo(16500).unwrap();
        assert!(b.start_lo(16501).is_err());
        b.end_lo().unwrap();
        assert!(b.end_lo().is_err());
        // After the first, any OID.
        b.start_lo(1).unwrap();
        b.end_lo().unwrap();
        b.finish().unwrap();
    }
    assert!(
        w.blobs(BLOBS)
            .err()
            .unwrap()
            .to_string()
            .contains("already written")
    );
    let err = w.blobs(BLOBS2).unwrap().finish().unwrap_err().to_string();
    assert!(err.contains("no large objects"), "{err}");
    // The BLOBS2 writer above was finished with an error: the archive cannot go on.
    assert!(
        w.data(DATA)
            .err()
            .unwrap()
            .to_string()
            .contains("not finished")
    );

    let mut w = TarWriter::create(Vec::new(), &toc).unwrap();
    w.data(DATA).unwrap().finish().unwrap();
    let err = w.finish().unwrap_err().to_string();
    assert_eq!(
        err,
        "cannot write archive: the data of entry 3347 (TABLE DATA empty) was never written"
    );
    let mut w = TarWriter::create(Vec::new(), &toc).unwrap();
    drop(w.data(DATA).unwrap());
    assert!(w.finish().unwrap_err().to_string().contains("not finished"));
}

#[test]
fn upstream_header_fields() {
    let toc = sample_toc(ArchiveVersion::V1_14);
    let bytes = write_archive(&toc, &data_ids(ArchiveVersion::V1_14), fixed_time());
    let h = &bytes[..512];
    assert_eq!(&h[100..124], b"0000600 0004000 0002000 ");
    assert_eq!(&h[136..148], format!("{:011o} ", 1_795_465_572).as_bytes());
    assert_eq!(&h[257..265], b"ustar\x0000");
    assert_eq!(&h[265..273], b"postgres");
    // toc.dat is the header and TOC exactly as a custom archive has them, but for the format
    // byte (3) and the file names.
    assert_eq!(&bytes[512..523], b"PGDMP\x01\x0e\x00\x04\x08\x03");
    // 1.14: compression level 0.
    assert_eq!(&bytes[523..528], b"\x00\x00\x00\x00\x00");
    // With the time left to the writer, it is the time of writing.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let bytes = write_archive(
        &toc,
        &data_ids(ArchiveVersion::V1_14),
        TarOptions::default(),
    );
    let mtime = u64::from_str_radix(std::str::from_utf8(&bytes[136..147]).unwrap(), 8).unwrap();
    assert!(mtime.abs_diff(now) < 60);
}

#[test]
fn output_errors_stop_the_writer() {
    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from_raw_os_error(28)) // ENOSPC
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let toc = sample_toc(ArchiveVersion::V1_14);
    // toc.dat fits the output buffer, so the failure shows with the first large member.
    let mut w = TarWriter::create(Full, &toc).unwrap();
    let mut m = w.data(EMPTY_DATA).unwrap();
    m.write_all(&vec![b'x'; 200_000]).unwrap();
    let err = m.finish().unwrap_err();
    assert!(matches!(err, FormatError::Write(_)), "{err}");
    let err = w.data(DATA).err().unwrap().to_string();
    assert!(err.contains("cannot be completed"), "{err}");
    assert!(w.finish().is_err());
}
