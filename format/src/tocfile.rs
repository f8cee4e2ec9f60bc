//! The header and the TOC as bytes (archive-format.md §2, §3), shared by the custom format's
//! file and the directory and tar formats' `toc.dat`; only the per-entry trailer differs.
//!
//! Reading happens in two steps, because the encoding of every string is known only once the
//! ENCODING entry has been read: first raw bytes, with upstream's checks applied as each entry
//! arrives (ReadToc), then decoding into the model.

use std::borrow::Cow;
use std::io::Read;

use crate::encoding::{self, Encoding, quoted_value};
use crate::error::FormatError;
use crate::primitive::{
    ByteReader, OFFSET_NO_DATA, OFFSET_POS_NOT_SET, OFFSET_POS_SET, RawOffset, WRITE_INT_SIZE,
    WRITE_OFF_SIZE, What, put_int, put_str,
};
use crate::toc::{
    ArchiveFormat, ArchiveHeader, ArchiveVersion, CatalogId, Compression, CompressionAlgorithm,
    CreateTime, DataLocation, DumpId, Section, Toc, TocEntry,
};

pub(crate) const MAGIC: &[u8; 5] = b"PGDMP";

const fn v(minor: u8) -> ArchiveVersion {
    ArchiveVersion(1, minor, 0)
}

/// The header with its strings still undecoded.
pub(crate) struct RawHeader {
    pub version: ArchiveVersion,
    pub int_size: u8,
    pub off_size: u8,
    pub format: ArchiveFormat,
    pub compression: Compression,
    pub created: CreateTime,
    pub dbname: Option<Vec<u8>>,
    pub server_version: Option<Vec<u8>>,
    pub dump_version: Option<Vec<u8>>,
}

/// What follows each TOC entry: the custom format's Offset, or the directory/tar file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExtraKind {
    Offset,
    FileName,
}

/// Reads the header after the magic (which the caller has checked), in upstream's ReadHead
/// order, and sets the reader's integer layout.
pub(crate) fn read_header<R: Read>(
    r: &mut ByteReader<R>,
    expected_format: u8,
    warnings: &mut Vec<String>,
) -> Result<RawHeader, FormatError> {
    let major = r.read_byte(What::Header("major version"))?;
    let minor = r.read_byte(What::Header("minor version"))?;
    let rev = if major > 1 || (major == 1 && minor > 0) {
        r.read_byte(What::Header("version revision"))?
    } else {
        0
    };
    let version = ArchiveVersion(major, minor, rev);
    if version < ArchiveVersion(1, 0, 0) || version > ArchiveVersion::MAX {
        return Err(FormatError::UnsupportedVersion { major, minor, rev });
    }

    let int_size = r.read_byte(What::Header("integer size"))?;
    // Upstream accepts up to 32 and warns above 4, but its arithmetic breaks beyond 8 bytes.
    if int_size == 0 || int_size > 8 {
        return Err(FormatError::IntSize(int_size));
    }
    if int_size > 4 {
        warnings.push(
            "archive was made on a machine with larger integers, some operations might fail".into(),
        );
    }
    let off_size = if version >= v(7) {
        let off_size = r.read_byte(What::Header("offset size"))?;
        if off_size == 0 || off_size > 32 {
            return Err(FormatError::OffSize(off_size));
        }
        off_size
    } else {
        int_size
    };
    r.set_layout(int_size, off_size, version > v(0), version < v(7));

    let format_pos = r.pos();
    let found = r.read_byte(What::Header("format"))?;
    if found != expected_format {
        return Err(FormatError::FormatMismatch {
            expected: expected_format,
            found,
        });
    }
    let format = match found {
        1 => ArchiveFormat::Custom,
        3 => ArchiveFormat::Tar,
        5 => ArchiveFormat::Directory,
        _ => {
            return Err(FormatError::Invalid {
                what: What::Header("format").to_string(),
                offset: format_pos,
                detail: format!("unknown format code {found}"),
            });
        }
    };

    let compression = read_compression(r, version)?;

    let mut created = CreateTime::default();
    if version >= v(4) {
        for (field, name) in [
            (&mut created.sec, "tm_sec"),
            (&mut created.min, "tm_min"),
            (&mut created.hour, "tm_hour"),
            (&mut created.mday, "tm_mday"),
            (&mut created.mon, "tm_mon"),
            (&mut created.year, "tm_year"),
            (&mut created.isdst, "tm_isdst"),
        ] {
            *field = r.read_i32(What::Header(name))?;
        }
    }
    let dbname = if version >= v(4) {
        r.read_str(What::Header("database name"))?
    } else {
        None
    };
    let (server_version, dump_version) = if version >= v(10) {
        (
            r.read_str(What::Header("server version"))?,
            r.read_str(What::Header("pg_dump version"))?,
        )
    } else {
        (None, None)
    };
    Ok(RawHeader {
        version,
        int_size,
        off_size,
        format,
        compression,
        created,
        dbname,
        server_version,
        dump_version,
    })
}

fn read_compression<R: Read>(
    r: &mut ByteReader<R>,
    version: ArchiveVersion,
) -> Result<Compression, FormatError> {
    let what = What::Header("compression");
    let start = r.pos();
    if version >= v(15) {
        let algorithm = match r.read_byte(what)? {
            0 => CompressionAlgorithm::None,
            1 => CompressionAlgorithm::Gzip,
            2 => CompressionAlgorithm::Lz4,
            3 => CompressionAlgorithm::Zstd,
            other => {
                return Err(FormatError::Invalid {
                    what: what.to_string(),
                    offset: start,
                    detail: format!("unknown compression algorithm {other}"),
                });
            }
        };
        return Ok(Compression::of(algorithm));
    }
    let level = if version >= v(4) {
        r.read_i32(what)?
    } else if version >= v(2) {
        i32::from(r.read_byte(what)?)
    } else {
        // Before 1.2 every archive was zlib-compressed.
        return Ok(Compression::GZIP_DEFAULT);
    };
    // Like readers 16+: any non-zero level means gzip (12-15 refuse levels outside -1..9 only
    // when they reach the data).
    Ok(match level {
        0 => Compression::NONE,
        -1 => Compression::GZIP_DEFAULT,
        n => Compression {
            algorithm: CompressionAlgorithm::Gzip,
            level: Some(n),
            long: false,
        },
    })
}

/// One TOC entry with its strings still undecoded.
pub(crate) struct RawEntry {
    pub dump_id: DumpId,
    pub had_dumper: bool,
    pub catalog_id: CatalogId,
    pub tag: Vec<u8>,
    pub desc: Vec<u8>,
    pub section: Section,
    pub defn: Option<Vec<u8>>,
    pub drop_stmt: Option<Vec<u8>>,
    pub copy_stmt: Option<Vec<u8>>,
    pub namespace: Option<Vec<u8>>,
    pub tablespace: Option<Vec<u8>>,
    pub tableam: Option<Vec<u8>>,
    pub relkind: u8,
    pub owner: Option<Vec<u8>>,
    pub dependencies: Vec<DumpId>,
    pub data: RawData,
}

pub(crate) enum RawData {
    Offset(RawOffset),
    FileName(Vec<u8>),
}

/// What the entries said about the session, as upstream's ReadToc works it out.
pub(crate) struct TocFacts {
    pub encoding: Encoding,
}

/// Reads the TOC (§3.1) with the per-version gates, checking ENCODING and STDSTRINGS entries as
/// they come, as upstream does.
pub(crate) fn read_toc<R: Read>(
    r: &mut ByteReader<R>,
    version: ArchiveVersion,
    extra: ExtraKind,
    warnings: &mut Vec<String>,
) -> Result<(Vec<RawEntry>, TocFacts), FormatError> {
    let count_pos = r.pos();
    let count = r.read_i32(What::TocCount)?;
    let count = usize::try_from(count).map_err(|_| FormatError::Invalid {
        what: What::TocCount.to_string(),
        offset: count_pos,
        detail: format!("negative count {count}"),
    })?;
    // Every entry holds at least eight Ints' worth of fields in any version.
    if r.remaining()
        .is_some_and(|rest| (count as u64).saturating_mul(8 * r.int_len()) > rest)
    {
        return Err(FormatError::Truncated {
            what: format!("{} (claims {count} entries)", What::TocCount),
            offset: count_pos,
        });
    }

    let mut entries = Vec::with_capacity(count.min(4096));
    let mut facts = TocFacts {
        encoding: Encoding::SqlAscii,
    };
    let mut with_oids_warned = false;
    for index in 1..=count {
        let entry_pos = r.pos();
        let id_what = What::Entry {
            index,
            dump_id: None,
            field: "dump ID",
        };
        let raw_id = r.read_int(id_what)?;
        let dump_id = match i32::try_from(raw_id) {
            Ok(id) if id > 0 => id,
            _ => {
                return Err(FormatError::EntryIdOutOfRange {
                    dump_id: raw_id,
                    index,
                    offset: entry_pos,
                });
            }
        };
        let at = |field| What::Entry {
            index,
            dump_id: Some(raw_id),
            field,
        };
        let had_dumper = r.read_int(at("hadDumper"))? != 0;
        let tableoid = if version >= v(8) {
            read_oid_str(r, at("tableoid"))?
        } else {
            0
        };
        let oid = read_oid_str(r, at("oid"))?;
        let tag = read_required(r, at("tag"))?;
        let desc = read_required(r, at("desc"))?;
        let section = if version >= v(11) {
            let pos = r.pos();
            let code = r.read_int(at("section"))?;
            Section::from_code(code).ok_or_else(|| FormatError::Invalid {
                what: at("section").to_string(),
                offset: pos,
                detail: format!("unknown section {code}"),
            })?
        } else {
            section_from_desc(&desc)
        };
        let defn = r.read_str(at("defn"))?;
        let drop_stmt = r.read_str(at("dropStmt"))?;
        let copy_stmt = if version >= v(3) {
            r.read_str(at("copyStmt"))?
        } else {
            None
        };
        let namespace = if version >= v(6) {
            r.read_str(at("namespace"))?
        } else {
            None
        };
        let tablespace = if version >= v(10) {
            r.read_str(at("tablespace"))?
        } else {
            None
        };
        let tableam = if version >= v(14) {
            r.read_str(at("tableam"))?
        } else {
            None
        };
        let relkind = if version >= v(16) {
            let pos = r.pos();
            let code = r.read_int(at("relkind"))?;
            u8::try_from(code).map_err(|_| FormatError::Invalid {
                what: at("relkind").to_string(),
                offset: pos,
                detail: format!("{code} is not a relkind character"),
            })?
        } else {
            0
        };
        let owner = r.read_str(at("owner"))?;
        let with_oids = if version >= v(9) {
            read_required(r, at("withOids"))? == b"true"
        } else {
            true
        };
        if with_oids && !with_oids_warned {
            warnings.push("restoring tables WITH OIDS is not supported anymore".into());
            with_oids_warned = true;
        }
        let mut dependencies = Vec::new();
        if version >= v(5) {
            loop {
                let pos = r.pos();
                let Some(dep) = r.read_str(at("dependency"))? else {
                    break;
                };
                dependencies.push(parse_dump_id(&dep).ok_or_else(|| FormatError::Invalid {
                    what: at("dependency").to_string(),
                    offset: pos,
                    detail: format!("\"{}\" is not a dump ID", String::from_utf8_lossy(&dep)),
                })?);
            }
        }
        let data = match extra {
            ExtraKind::Offset => {
                let offset = r.read_offset(at("data offset"))?;
                if version < v(7) {
                    // Old archives stored a data size here too.
                    r.read_int(at("data size"))?;
                }
                RawData::Offset(offset)
            }
            ExtraKind::FileName => RawData::FileName(read_required(r, at("file name"))?),
        };

        let in_entry = |source| FormatError::InEntry {
            index,
            dump_id,
            offset: entry_pos,
            source: Box::new(source),
        };
        match desc.as_slice() {
            b"ENCODING" => {
                facts.encoding = check_encoding_entry(defn.as_deref()).map_err(in_entry)?
            }
            b"STDSTRINGS" => check_std_strings_entry(defn.as_deref()).map_err(in_entry)?,
            _ => {}
        }
        entries.push(RawEntry {
            dump_id,
            had_dumper,
            catalog_id: CatalogId { tableoid, oid },
            tag,
            desc,
            section,
            defn,
            drop_stmt,
            copy_stmt,
            namespace,
            tablespace,
            tableam,
            relkind,
            owner,
            dependencies,
            data,
        });
    }
    Ok((entries, facts))
}

/// A Str upstream dereferences without checking for NULL (it would crash on one).
fn read_required<R: Read>(r: &mut ByteReader<R>, what: What<'_>) -> Result<Vec<u8>, FormatError> {
    let pos = r.pos();
    r.read_str(what)?.ok_or_else(|| FormatError::Invalid {
        what: what.to_string(),
        offset: pos,
        detail: "NULL where a string is required".into(),
    })
}

/// An OID stored as a decimal string, read like upstream's `sscanf("%u")`: leading blanks and
/// a sign are allowed, anything after the digits is ignored, and no digits at all gives 0.
fn read_oid_str<R: Read>(r: &mut ByteReader<R>, what: What<'_>) -> Result<u32, FormatError> {
    let pos = r.pos();
    let text = read_required(r, what)?;
    let invalid = || FormatError::Invalid {
        what: what.to_string(),
        offset: pos,
        detail: format!("\"{}\" is not an OID", String::from_utf8_lossy(&text)),
    };
    let (negative, digits) = leading_number(&text);
    if digits.is_empty() {
        return Ok(0);
    }
    let value: u64 = std::str::from_utf8(digits)
        .ok()
        .and_then(|d| d.parse().ok())
        .ok_or_else(invalid)?;
    let value = u32::try_from(value).map_err(|_| invalid())?;
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

fn parse_dump_id(text: &[u8]) -> Option<DumpId> {
    let (negative, digits) = leading_number(text);
    let value: i32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if negative { -value } else { value })
}

/// Splits `  -123abc` into (true, "123") the way scanf's integer conversions read it.
fn leading_number(text: &[u8]) -> (bool, &[u8]) {
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let mut rest = &text[start..];
    let mut negative = false;
    if let Some((&sign @ (b'+' | b'-'), tail)) = rest.split_first() {
        negative = sign == b'-';
        rest = tail;
    }
    let len = rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    (negative, &rest[..len])
}

/// Sections of archives older than 1.11, which did not store them (upstream's ReadToc rules).
fn section_from_desc(desc: &[u8]) -> Section {
    match desc {
        b"COMMENT" | b"ACL" | b"ACL LANGUAGE" => Section::None,
        b"TABLE DATA" | b"BLOBS" | b"BLOB COMMENTS" => Section::Data,
        b"CONSTRAINT" | b"CHECK CONSTRAINT" | b"FK CONSTRAINT" | b"INDEX" | b"RULE"
        | b"TRIGGER" => Section::PostData,
        _ => Section::PreData,
    }
}

/// processEncodingEntry: `SET client_encoding = 'NAME';`, NAME a known encoding.
fn check_encoding_entry(defn: Option<&[u8]>) -> Result<Encoding, FormatError> {
    let defn = defn.unwrap_or_default();
    let name = quoted_value(defn)
        .ok_or_else(|| FormatError::InvalidEncodingItem(String::from_utf8_lossy(defn).into()))?;
    let name = String::from_utf8_lossy(name);
    Encoding::from_name(&name).ok_or_else(|| FormatError::UnknownEncoding(name.into()))
}

/// processStdStringsEntry: `'on'` or `'off'` right at the first quote.
fn check_std_strings_entry(defn: Option<&[u8]>) -> Result<(), FormatError> {
    let defn = defn.unwrap_or_default();
    let quoted = defn.iter().position(|&b| b == b'\'').map(|i| &defn[i..]);
    match quoted {
        Some(q) if q.starts_with(b"'on'") || q.starts_with(b"'off'") => Ok(()),
        _ => Err(FormatError::InvalidStdStringsItem(
            String::from_utf8_lossy(defn).into(),
        )),
    }
}

/// Upstream's readers refuse an archive whose STDSTRINGS entry they cannot parse; so does the
/// writer (ENCODING is checked when its encoding is looked up).
pub(crate) fn check_special_entries(toc: &Toc) -> Result<(), FormatError> {
    for e in toc.entries.iter().filter(|e| e.desc == "STDSTRINGS") {
        check_std_strings_entry(e.defn.as_deref().map(str::as_bytes))?;
    }
    Ok(())
}

/// Raw header and entries → the model, decoding every string with the archive's encoding.
pub(crate) fn decode_toc(
    header: RawHeader,
    entries: Vec<RawEntry>,
    encoding: Encoding,
) -> Result<Toc, FormatError> {
    let text = |bytes: Vec<u8>, place: &dyn Fn() -> String| {
        encoding::decode(bytes, encoding).map_err(|e| FormatError::BadText {
            place: place(),
            encoding: encoding.name(),
            detail: format!("invalid byte sequence at byte {}", e.valid_up_to),
        })
    };
    let opt = |bytes: Option<Vec<u8>>, place: &dyn Fn() -> String| {
        bytes.map(|b| text(b, place)).transpose()
    };

    let header = ArchiveHeader {
        version: header.version,
        int_size: header.int_size,
        off_size: header.off_size,
        format: header.format,
        compression: header.compression,
        created: header.created,
        dbname: opt(header.dbname, &|| "the database name in the header".into())?
            .unwrap_or_default(),
        server_version: opt(header.server_version, &|| {
            "the server version in the header".into()
        })?,
        dump_version: opt(header.dump_version, &|| {
            "the pg_dump version in the header".into()
        })?,
    };

    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let desc_shown = String::from_utf8_lossy(&e.desc).into_owned();
        let id = e.dump_id;
        let place = |field: &'static str| {
            let desc_shown = desc_shown.clone();
            move || format!("{field} of TOC entry {id} ({desc_shown})")
        };
        let data = match e.data {
            RawData::Offset(RawOffset {
                flag: OFFSET_POS_SET,
                value,
            }) => DataLocation::Offset(value),
            RawData::Offset(RawOffset {
                flag: OFFSET_POS_NOT_SET,
                ..
            }) => DataLocation::Unknown,
            RawData::Offset(_) => DataLocation::None,
            RawData::FileName(name) if name.is_empty() => DataLocation::None,
            RawData::FileName(name) => DataLocation::File(text(name, &place("file name"))?),
        };
        out.push(TocEntry {
            dump_id: e.dump_id,
            had_dumper: e.had_dumper,
            catalog_id: e.catalog_id,
            tag: text(e.tag, &place("tag"))?,
            desc: text(e.desc, &place("desc"))?,
            section: e.section,
            defn: opt(e.defn, &place("defn"))?,
            drop_stmt: opt(e.drop_stmt, &place("dropStmt"))?,
            copy_stmt: opt(e.copy_stmt, &place("copyStmt"))?,
            namespace: opt(e.namespace, &place("namespace"))?,
            tablespace: opt(e.tablespace, &place("tablespace"))?,
            tableam: opt(e.tableam, &place("tableam"))?,
            relkind: e.relkind,
            owner: opt(e.owner, &place("owner"))?,
            dependencies: e.dependencies,
            data,
        });
    }
    Ok(Toc {
        header,
        entries: out,
    })
}

/// The versions this crate writes.
pub(crate) fn check_writable_version(version: ArchiveVersion) -> Result<(), FormatError> {
    if version < v(12) || version > ArchiveVersion::MAX {
        return Err(FormatError::unwritable(format!(
            "archive version {version} is not supported for writing (1.12 to 1.16 are)"
        )));
    }
    Ok(())
}

/// Checks what the version can hold and that upstream's readers can use the entries.
pub(crate) fn check_writable(toc: &Toc) -> Result<(), FormatError> {
    let version = toc.header.version;
    check_writable_version(version)?;
    compression_field(toc.header.compression, version)?;
    let mut seen = std::collections::HashSet::with_capacity(toc.entries.len());
    for e in &toc.entries {
        if e.dump_id <= 0 {
            return Err(FormatError::unwritable(format!(
                "dump ID {} of {} {} is not positive; upstream readers refuse it",
                e.dump_id, e.desc, e.tag
            )));
        }
        if !seen.insert(e.dump_id) {
            return Err(FormatError::unwritable(format!(
                "dump ID {} is used twice",
                e.dump_id
            )));
        }
        if version < v(14) && e.tableam.is_some() {
            return Err(FormatError::unwritable(format!(
                "entry {} has a table access method, which archive version {version} cannot hold",
                e.dump_id
            )));
        }
    }
    Ok(())
}

/// The header's compression field for a version: an Int level up to 1.14, an algorithm byte
/// from 1.15 on.
enum CompressionField {
    Level(i32),
    Algorithm(u8),
}

fn compression_field(
    c: Compression,
    version: ArchiveVersion,
) -> Result<CompressionField, FormatError> {
    if version >= v(15) {
        return Ok(CompressionField::Algorithm(match c.algorithm {
            CompressionAlgorithm::None => 0,
            CompressionAlgorithm::Gzip => 1,
            CompressionAlgorithm::Lz4 => 2,
            CompressionAlgorithm::Zstd => 3,
        }));
    }
    match (c.algorithm, c.level) {
        (CompressionAlgorithm::None, _) => Ok(CompressionField::Level(0)),
        (CompressionAlgorithm::Gzip, None | Some(-1)) => Ok(CompressionField::Level(-1)),
        (CompressionAlgorithm::Gzip, Some(level @ 1..=9)) => Ok(CompressionField::Level(level)),
        (CompressionAlgorithm::Gzip, Some(level)) => Err(FormatError::unwritable(format!(
            "gzip level {level} cannot be recorded in an archive version {version} header \
             (-1 and 1 to 9 can; 0 there means no compression)"
        ))),
        (alg, _) => Err(FormatError::unwritable(format!(
            "{} compression needs archive version 1.15 or later, not {version}",
            alg.name()
        ))),
    }
}

fn encoded<'a>(
    s: &'a str,
    encoding: Encoding,
    place: &dyn Fn() -> String,
) -> Result<Cow<'a, [u8]>, FormatError> {
    encoding::encode(s, encoding).map_err(|e| FormatError::Unencodable {
        place: place(),
        encoding: encoding.name(),
        ch: e.ch,
        code: u32::from(e.ch),
    })
}

fn put_text(
    out: &mut Vec<u8>,
    s: Option<&str>,
    encoding: Encoding,
    place: &dyn Fn() -> String,
) -> Result<(), FormatError> {
    match s {
        None => put_str(out, None, place),
        Some(s) => put_str(out, Some(&encoded(s, encoding, place)?), place),
    }
}

/// Writes the header (WriteHead) with upstream's integer sizes, whatever the model says.
pub(crate) fn write_header(
    out: &mut Vec<u8>,
    h: &ArchiveHeader,
    format_code: u8,
    encoding: Encoding,
) -> Result<(), FormatError> {
    let ArchiveVersion(major, minor, rev) = h.version;
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[
        major,
        minor,
        rev,
        WRITE_INT_SIZE,
        WRITE_OFF_SIZE,
        format_code,
    ]);
    match compression_field(h.compression, h.version)? {
        CompressionField::Level(level) => put_int(out, level),
        CompressionField::Algorithm(code) => out.push(code),
    }
    let t = &h.created;
    for field in [t.sec, t.min, t.hour, t.mday, t.mon, t.year, t.isdst] {
        put_int(out, field);
    }
    put_text(out, Some(&h.dbname), encoding, &|| {
        "the database name in the header".into()
    })?;
    put_text(out, h.server_version.as_deref(), encoding, &|| {
        "the server version in the header".into()
    })?;
    put_text(out, h.dump_version.as_deref(), encoding, &|| {
        "the pg_dump version in the header".into()
    })?;
    Ok(())
}

/// Writes one entry's format-specific trailer into the buffer.
pub(crate) type WriteExtra<'a> =
    &'a mut dyn FnMut(&TocEntry, &mut Vec<u8>) -> Result<(), FormatError>;

/// Writes the TOC (WriteToc). `extra` writes each entry's trailer.
pub(crate) fn write_toc(
    out: &mut Vec<u8>,
    toc: &Toc,
    encoding: Encoding,
    extra: WriteExtra<'_>,
) -> Result<(), FormatError> {
    let version = toc.header.version;
    let count = i32::try_from(toc.entries.len())
        .map_err(|_| FormatError::unwritable("too many TOC entries"))?;
    put_int(out, count);
    for e in &toc.entries {
        let id = e.dump_id;
        let place = |field: &'static str| {
            let desc = e.desc.clone();
            move || format!("{field} of TOC entry {id} ({desc})")
        };
        put_int(out, e.dump_id);
        put_int(out, i32::from(e.had_dumper));
        // OIDs are stored as strings for historical reasons.
        put_str(
            out,
            Some(e.catalog_id.tableoid.to_string().as_bytes()),
            &place("tableoid"),
        )?;
        put_str(
            out,
            Some(e.catalog_id.oid.to_string().as_bytes()),
            &place("oid"),
        )?;
        put_text(out, Some(&e.tag), encoding, &place("tag"))?;
        put_text(out, Some(&e.desc), encoding, &place("desc"))?;
        put_int(out, e.section.code());
        put_text(out, e.defn.as_deref(), encoding, &place("defn"))?;
        put_text(out, e.drop_stmt.as_deref(), encoding, &place("dropStmt"))?;
        put_text(out, e.copy_stmt.as_deref(), encoding, &place("copyStmt"))?;
        put_text(out, e.namespace.as_deref(), encoding, &place("namespace"))?;
        put_text(out, e.tablespace.as_deref(), encoding, &place("tablespace"))?;
        if version >= v(14) {
            put_text(out, e.tableam.as_deref(), encoding, &place("tableam"))?;
        }
        // Versions before 1.16 cannot hold relkind; upstream's writers of those versions
        // leave it out too.
        if version >= v(16) {
            put_int(out, i32::from(e.relkind));
        }
        put_text(out, e.owner.as_deref(), encoding, &place("owner"))?;
        put_str(out, Some(b"false"), &place("withOids"))?;
        for dep in &e.dependencies {
            put_str(out, Some(dep.to_string().as_bytes()), &place("dependency"))?;
        }
        put_str(out, None, &place("dependencies"))?;
        extra(e, out)?;
    }
    Ok(())
}

/// The custom format's trailer for an entry before its data is written: NOT_SET when the
/// entry has data, NO_DATA otherwise.
pub(crate) fn initial_offset_flag(e: &TocEntry) -> u8 {
    if e.had_dumper {
        OFFSET_POS_NOT_SET
    } else {
        OFFSET_NO_DATA
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanf_like_numbers() {
        assert_eq!(parse_dump_id(b"3351"), Some(3351));
        assert_eq!(parse_dump_id(b" 12x"), Some(12));
        assert_eq!(parse_dump_id(b"-4"), Some(-4));
        assert_eq!(parse_dump_id(b"x"), None);
        assert_eq!(parse_dump_id(b""), None);
        assert_eq!(leading_number(b"  +77 "), (false, &b"77"[..]));
    }

    #[test]
    fn special_entries_are_checked_like_upstream() {
        assert_eq!(
            check_encoding_entry(Some(b"SET client_encoding = 'UTF8';\n")).unwrap(),
            Encoding::Utf8
        );
        assert_eq!(
            check_encoding_entry(Some(b"SET client_encoding = 'latin1';\n")).unwrap(),
            Encoding::Latin1
        );
        assert!(matches!(
            check_encoding_entry(Some(b"SET client_encoding = 'NOPE';")),
            Err(FormatError::UnknownEncoding(n)) if n == "NOPE"
        ));
        assert!(matches!(
            check_encoding_entry(Some(b"SET x")),
            Err(FormatError::InvalidEncodingItem(_))
        ));
        assert!(check_encoding_entry(None).is_err());
        assert!(
            check_std_strings_entry(Some(b"SET standard_conforming_strings = 'on';\n")).is_ok()
        );
        assert!(check_std_strings_entry(Some(b"SET standard_conforming_strings = 'off';")).is_ok());
        assert!(
            check_std_strings_entry(Some(b"SET standard_conforming_strings = 'yes';")).is_err()
        );
        assert!(check_std_strings_entry(Some(b"on")).is_err());
        assert!(check_std_strings_entry(None).is_err());
    }

    #[test]
    fn compression_field_per_version() {
        let gz = |level| Compression {
            algorithm: CompressionAlgorithm::Gzip,
            level,
            long: false,
        };
        let lvl = |c, ver| match compression_field(c, ver) {
            Ok(CompressionField::Level(l)) => Some(l),
            _ => None,
        };
        assert_eq!(lvl(Compression::NONE, v(14)), Some(0));
        assert_eq!(lvl(gz(None), v(14)), Some(-1));
        assert_eq!(lvl(gz(Some(-1)), v(14)), Some(-1));
        assert_eq!(lvl(gz(Some(9)), v(14)), Some(9));
        assert!(compression_field(gz(Some(0)), v(14)).is_err());
        let lz4 = Compression {
            algorithm: CompressionAlgorithm::Lz4,
            level: None,
            long: false,
        };
        assert!(compression_field(lz4, v(14)).is_err());
        assert!(matches!(
            compression_field(lz4, v(15)),
            Ok(CompressionField::Algorithm(2))
        ));
        assert!(matches!(
            compression_field(gz(Some(0)), v(16)),
            Ok(CompressionField::Algorithm(1))
        ));
    }
}
