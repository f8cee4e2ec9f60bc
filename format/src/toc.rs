//! The archive's table of contents: header and entries, independent of the container format.

use std::fmt;

/// Archive version as stored in the header: (major, minor, revision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArchiveVersion(pub u8, pub u8, pub u8);

impl ArchiveVersion {
    pub const V1_12: Self = Self(1, 12, 0);
    pub const V1_13: Self = Self(1, 13, 0);
    pub const V1_14: Self = Self(1, 14, 0);
    pub const V1_15: Self = Self(1, 15, 0);
    pub const V1_16: Self = Self(1, 16, 0);
    /// The newest version this reader understands (upstream's K_VERS_MAX for 1.16).
    pub const MAX: Self = Self(1, 16, 255);
}

impl fmt::Display for ArchiveVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}-{}", self.0, self.1, self.2)
    }
}

/// Container format code as stored in the header byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveFormat {
    Custom,
    /// Tar archives, and also directory archives' `toc.dat` (upstream writes 3 there).
    Tar,
    Directory,
}

impl ArchiveFormat {
    pub fn code(self) -> u8 {
        match self {
            ArchiveFormat::Custom => 1,
            ArchiveFormat::Tar | ArchiveFormat::Directory => 3,
        }
    }
}

/// Compression algorithm of the archive's data members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompressionAlgorithm {
    None,
    Gzip,
    Lz4,
    Zstd,
}

impl CompressionAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            CompressionAlgorithm::None => "none",
            CompressionAlgorithm::Gzip => "gzip",
            CompressionAlgorithm::Lz4 => "lz4",
            CompressionAlgorithm::Zstd => "zstd",
        }
    }
}

/// What the header says about compression. Up to 1.14 it stores a zlib level (-1 = default),
/// from 1.15 on only the algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compression {
    pub algorithm: CompressionAlgorithm,
    /// The level as requested; `None` means the algorithm's default (-1 in a 1.14 header).
    pub level: Option<i32>,
    /// zstd long-distance matching (`-Z zstd:long`). No archive stores it: it only changes
    /// how the writer compresses, so an archive read back always has `false`.
    pub long: bool,
}

impl Compression {
    pub const NONE: Self = Self::of(CompressionAlgorithm::None);
    pub const GZIP_DEFAULT: Self = Self::of(CompressionAlgorithm::Gzip);

    /// `algorithm` at its default level, without long-distance matching.
    pub const fn of(algorithm: CompressionAlgorithm) -> Self {
        Self {
            algorithm,
            level: None,
            long: false,
        }
    }
}

/// The broken-down local creation time stored in the header (C `struct tm` semantics:
/// `mon` is 0-11, `year` is years since 1900).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CreateTime {
    pub sec: i32,
    pub min: i32,
    pub hour: i32,
    pub mday: i32,
    pub mon: i32,
    pub year: i32,
    pub isdst: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveHeader {
    pub version: ArchiveVersion,
    pub int_size: u8,
    pub off_size: u8,
    pub format: ArchiveFormat,
    pub compression: Compression,
    pub created: CreateTime,
    pub dbname: String,
    pub server_version: Option<String>,
    pub dump_version: Option<String>,
}

/// Restore section of an entry (upstream's `teSection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    None,
    PreData,
    Data,
    PostData,
}

impl Section {
    pub fn code(self) -> i32 {
        match self {
            Section::None => 1,
            Section::PreData => 2,
            Section::Data => 3,
            Section::PostData => 4,
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            1 => Section::None,
            2 => Section::PreData,
            3 => Section::Data,
            4 => Section::PostData,
            _ => return None,
        })
    }
}

/// A dump id: positive, unique within an archive, not dense.
pub type DumpId = i32;

/// Catalog identity of the object an entry describes: (pg_class oid of its catalog, its oid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct CatalogId {
    pub tableoid: u32,
    pub oid: u32,
}

/// Where an entry's data lives. Custom archives store offsets, directory and tar archives
/// store a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataLocation {
    /// The entry has no data member.
    None,
    /// Custom format: the entry has data, but its position is not recorded (piped output).
    Unknown,
    /// Custom format: absolute offset of the block's type byte.
    Offset(u64),
    /// Directory or tar format: the member's file name (without compression suffix).
    File(String),
}

/// One TOC entry, in the archive's encoding-decoded form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    pub dump_id: DumpId,
    pub had_dumper: bool,
    pub catalog_id: CatalogId,
    pub tag: String,
    pub desc: String,
    pub section: Section,
    pub defn: Option<String>,
    pub drop_stmt: Option<String>,
    pub copy_stmt: Option<String>,
    pub namespace: Option<String>,
    pub tablespace: Option<String>,
    pub tableam: Option<String>,
    /// `pg_class.relkind` as a character code (1.16+ archives; 0 when not a relation).
    pub relkind: u8,
    pub owner: Option<String>,
    pub dependencies: Vec<DumpId>,
    pub data: DataLocation,
}

impl TocEntry {
    /// A schema-less entry with everything optional left empty; callers fill in what they have.
    pub fn new(
        dump_id: DumpId,
        desc: impl Into<String>,
        tag: impl Into<String>,
        section: Section,
    ) -> Self {
        TocEntry {
            dump_id,
            had_dumper: false,
            catalog_id: CatalogId::default(),
            tag: tag.into(),
            desc: desc.into(),
            section,
            defn: None,
            drop_stmt: None,
            copy_stmt: None,
            namespace: None,
            tablespace: None,
            tableam: None,
            relkind: 0,
            owner: None,
            dependencies: Vec::new(),
            data: DataLocation::None,
        }
    }
}

/// Header plus entries in restore order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toc {
    pub header: ArchiveHeader,
    pub entries: Vec<TocEntry>,
}

impl Toc {
    /// The client encoding named by the ENCODING entry, if any.
    pub fn encoding(&self) -> Option<&str> {
        self.special_value("ENCODING")
    }

    /// Whether the STDSTRINGS entry says `standard_conforming_strings` was on (default on).
    pub fn std_strings(&self) -> bool {
        self.special_value("STDSTRINGS").is_none_or(|v| v == "on")
    }

    /// The SEARCHPATH entry's statement, if the archive has one.
    pub fn search_path(&self) -> Option<&str> {
        self.entries
            .iter()
            .find(|e| e.desc == "SEARCHPATH")
            .and_then(|e| e.defn.as_deref())
    }

    /// The text between the first pair of single quotes in a special entry's defn.
    fn special_value(&self, desc: &str) -> Option<&str> {
        let defn = self
            .entries
            .iter()
            .find(|e| e.desc == desc)?
            .defn
            .as_deref()?;
        let start = defn.find('\'')? + 1;
        let len = defn[start..].find('\'')?;
        Some(&defn[start..start + len])
    }
}
