//! Integrity for archives carried where nobody can ask for them again (air-gapped transfers):
//! what an archive holds, written beside it as `ARCHIVE.manifest.json` by `tusk_dump
//! --manifest`, and the check of an archive against it (or against itself: every member
//! decompresses and is framed as COPY data) by `tusk_restore --verify`.
//!
//! The manifest is computed from the finished archive, by reading it back, so it describes
//! the bytes on disk whatever wrote them: SHA-256 of every file (the archive, or each file of
//! a directory archive), of each custom-format data block, and per data member its
//! uncompressed size and its rows or large objects.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::archive::{self, ArchiveRead};
use crate::custom::DataSink;
use crate::toc::{ArchiveFormat, DataLocation, DumpId, TocEntry};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// What wrote the manifest: `tusk 0.1.0`.
    pub made_by: String,
    pub server_version: Option<String>,
    pub dump_version: Option<String>,
    pub format: String,
    /// Every file of the archive: the archive itself, or each file of a directory archive.
    pub files: Vec<FileHash>,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    /// The name within a directory archive; the archive's own file name otherwise.
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// One data member: a TABLE DATA, BLOBS or other entry with stored data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub dump_id: DumpId,
    pub desc: String,
    /// `schema.name` as the TOC names it.
    pub object: String,
    /// Custom format: SHA-256 of the data block as stored (compressed).
    pub block_sha256: Option<String>,
    pub uncompressed_bytes: u64,
    /// COPY rows, for data in COPY form.
    pub rows: Option<u64>,
    /// Large objects, for BLOBS entries.
    pub large_objects: Option<u64>,
}

/// The outcome for one file or member: what was checked, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub what: String,
    pub problems: Vec<String>,
}

/// Reads the archive at `path` and describes it. Fails only if the archive cannot be opened;
/// a member that cannot be read is described by what could be read, and reported in the
/// findings.
pub fn examine(path: &Path, made_by: &str) -> Result<(Manifest, Vec<Finding>), archive::OpenError> {
    let mut reader = archive::open(path.to_str(), None)?;
    let format = reader.format();
    let mut findings = Vec::new();
    let files = file_hashes(path, format).unwrap_or_else(|e| {
        findings.push(Finding {
            what: format!("archive {}", path.display()),
            problems: vec![format!("could not read: {e}")],
        });
        Vec::new()
    });
    let blocks = if format == ArchiveFormat::Custom {
        block_hashes(path, reader.as_ref())
    } else {
        BTreeMap::new()
    };
    let toc = reader.toc().clone();
    let mut members = Vec::new();
    for te in toc.entries.iter().filter(|te| has_data(te)) {
        let mut count = Counter::default();
        let mut problems = Vec::new();
        if let Err(e) = reader.read_data(te.dump_id, &mut count) {
            problems.push(format!("could not read its data: {e}"));
        }
        let is_copy = te.copy_stmt.as_deref().is_some_and(|c| !c.is_empty());
        if is_copy && problems.is_empty() {
            problems.extend(count.copy_framing());
        }
        let member = Member {
            dump_id: te.dump_id,
            desc: te.desc.clone(),
            object: object(te),
            block_sha256: blocks.get(&te.dump_id).cloned(),
            uncompressed_bytes: count.bytes,
            rows: is_copy.then_some(count.rows),
            large_objects: (te.desc == "BLOBS").then_some(count.large_objects),
        };
        findings.push(Finding {
            what: describe(&member),
            problems,
        });
        members.push(member);
    }
    let header = &toc.header;
    let manifest = Manifest {
        made_by: made_by.to_owned(),
        server_version: header.server_version.clone(),
        dump_version: header.dump_version.clone(),
        format: format!("{format:?}").to_uppercase(),
        files,
        members,
    };
    Ok((manifest, findings))
}

/// Checks the archive at `path`: every member readable and framed, and with `expected`, every
/// file, block and member as the manifest says. The findings list every file and member, with
/// no problems where all is well.
pub fn verify(
    path: &Path,
    expected: Option<&Manifest>,
) -> Result<Vec<Finding>, archive::OpenError> {
    let (found, mut findings) = examine(path, "")?;
    let Some(expected) = expected else {
        return Ok(findings);
    };
    let files: BTreeMap<&str, &FileHash> =
        found.files.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut file_findings: Vec<Finding> = expected
        .files
        .iter()
        .map(|want| {
            let problems = match files.get(want.name.as_str()) {
                None => vec!["missing".to_owned()],
                Some(got) if got.bytes != want.bytes => vec![format!(
                    "{} bytes where the manifest says {}",
                    got.bytes, want.bytes
                )],
                Some(got) if got.sha256 != want.sha256 => {
                    vec!["SHA-256 differs from the manifest".to_owned()]
                }
                Some(_) => Vec::new(),
            };
            Finding {
                what: format!("file {}", want.name),
                problems,
            }
        })
        .collect();
    let wanted: Vec<&str> = expected.files.iter().map(|f| f.name.as_str()).collect();
    file_findings.extend(
        found
            .files
            .iter()
            .filter(|f| !wanted.contains(&f.name.as_str()))
            .map(|f| Finding {
                what: format!("file {}", f.name),
                problems: vec!["not in the manifest".to_owned()],
            }),
    );
    let by_id: BTreeMap<DumpId, &Member> = found.members.iter().map(|m| (m.dump_id, m)).collect();
    for want in &expected.members {
        let Some(got) = by_id.get(&want.dump_id) else {
            findings.push(Finding {
                what: describe(want),
                problems: vec!["missing from the archive".to_owned()],
            });
            continue;
        };
        let Some(finding) = findings.iter_mut().find(|f| f.what == describe(got)) else {
            continue;
        };
        if got.block_sha256 != want.block_sha256 {
            finding
                .problems
                .push("stored block's SHA-256 differs from the manifest".to_owned());
        }
        if got.object != want.object || got.desc != want.desc {
            finding
                .problems
                .push(format!("the manifest has {} here", describe(want)));
        }
        for (what, got, want) in [
            ("rows", got.rows, want.rows),
            ("large objects", got.large_objects, want.large_objects),
            (
                "uncompressed bytes",
                Some(got.uncompressed_bytes),
                Some(want.uncompressed_bytes),
            ),
        ] {
            if got != want {
                finding.problems.push(format!(
                    "{} {what} where the manifest says {}",
                    got.map_or("no".to_owned(), |n| n.to_string()),
                    want.map_or("none".to_owned(), |n| n.to_string())
                ));
            }
        }
    }
    file_findings.extend(findings);
    Ok(file_findings)
}

/// Where `tusk_dump --manifest` puts the manifest of the archive at `archive`.
pub fn manifest_path(archive: &Path) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(".manifest.json");
    PathBuf::from(name)
}

fn has_data(te: &TocEntry) -> bool {
    te.had_dumper && te.data != DataLocation::None
}

fn object(te: &TocEntry) -> String {
    match te.namespace.as_deref().filter(|n| !n.is_empty()) {
        Some(ns) => format!("{ns}.{}", te.tag),
        None => te.tag.clone(),
    }
}

fn describe(m: &Member) -> String {
    format!("{} {} {}", m.dump_id, m.desc, m.object)
}

/// SHA-256 of the archive file, or of each file of a directory archive (sorted by name).
fn file_hashes(path: &Path, format: ArchiveFormat) -> io::Result<Vec<FileHash>> {
    let mut paths: Vec<(String, PathBuf)> = if format == ArchiveFormat::Directory {
        std::fs::read_dir(path)?
            .map(|e| e.map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())))
            .collect::<io::Result<_>>()?
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        vec![(name, path.to_owned())]
    };
    paths.sort();
    paths
        .into_iter()
        .map(|(name, p)| {
            let (bytes, sha256) = hash(&mut File::open(&p)?, u64::MAX)?;
            Ok(FileHash {
                name,
                bytes,
                sha256,
            })
        })
        .collect()
}

/// SHA-256 of each custom-format data block, from its offset to the next block's.
fn block_hashes(path: &Path, reader: &dyn ArchiveRead) -> BTreeMap<DumpId, String> {
    let sizes = reader.data_sizes();
    let Ok(mut file) = File::open(path) else {
        return BTreeMap::new();
    };
    reader
        .toc()
        .entries
        .iter()
        .filter_map(|te| match te.data {
            DataLocation::Offset(offset) => {
                let len = sizes.get(&te.dump_id).copied()?;
                file.seek(SeekFrom::Start(offset)).ok()?;
                let (_, sha) = hash(&mut file, len).ok()?;
                Some((te.dump_id, sha))
            }
            _ => None,
        })
        .collect()
}

/// Bytes read (at most `limit`) and their SHA-256 in hex.
fn hash(input: &mut dyn Read, limit: u64) -> io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    let mut input = input.take(limit);
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    let digest = hasher.finalize();
    Ok((total, digest.iter().map(|b| format!("{b:02x}")).collect()))
}

/// Counts a member's data as it is decompressed: bytes, rows (newline-ended lines before the
/// `\.` terminator), large objects; and remembers the end, to check the COPY framing.
#[derive(Default)]
struct Counter {
    bytes: u64,
    rows: u64,
    large_objects: u64,
    /// The start of the current line, enough of it to recognise `\.`.
    line: Vec<u8>,
    /// The terminator line has been seen; only blank lines may follow.
    terminated: bool,
    junk_after_end: bool,
}

impl Counter {
    fn copy_framing(&self) -> Option<String> {
        if !self.terminated {
            Some("COPY data does not end with the \\. line".to_owned())
        } else if self.junk_after_end {
            Some("COPY data goes on after its \\. line".to_owned())
        } else {
            None
        }
    }

    fn line_done(&mut self) {
        if self.terminated {
            self.junk_after_end |= !self.line.is_empty();
        } else if self.line == b"\\." {
            self.terminated = true;
        } else {
            self.rows += 1;
        }
        self.line.clear();
    }
}

impl DataSink for Counter {
    fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.bytes += bytes.len() as u64;
        for &b in bytes {
            if b == b'\n' {
                self.line_done();
            } else if self.line.len() < 3 {
                self.line.push(b);
            } else if self.terminated {
                self.junk_after_end = true;
            } else {
                // A long row: only its length matters, not its content.
                self.line.truncate(3);
            }
        }
        Ok(())
    }

    fn start_lo(&mut self, _oid: u32) -> io::Result<()> {
        self.large_objects += 1;
        Ok(())
    }

    fn end_lo(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(chunks: &[&[u8]]) -> Counter {
        let mut c = Counter::default();
        for chunk in chunks {
            c.data(chunk).unwrap();
        }
        c
    }

    #[test]
    fn rows_and_framing() {
        let c = count(&[b"1\ta\n2\tb", b"\n\\.\n\n\n"]);
        assert_eq!((c.rows, c.copy_framing()), (2, None));
        let c = count(&[b"1\ta\n2\tb\n"]);
        assert!(c.copy_framing().is_some());
        let c = count(&[b"1\n\\.\nextra\n"]);
        assert!(c.copy_framing().is_some());
        // A row that starts like the terminator is a row.
        let c = count(&[b"\\.x\n\\.\n"]);
        assert_eq!((c.rows, c.copy_framing()), (1, None));
    }
}
