//! The `pg_restore -l` listing (`PrintTOCSummary`) and, later, `-L` list files.

use std::collections::HashMap;
use std::fmt::Write;

use crate::script::sanitize_line;
use crate::select::Reqs;
use crate::toc::{ArchiveFormat, CreateTime, DumpId, Toc};

/// The listing exactly as pg_restore 18 prints it. `reqs` says which entries are selected;
/// with `verbose` every entry is listed with its dependencies.
pub fn listing(
    toc: &Toc,
    reqs: &HashMap<DumpId, Reqs>,
    verbose: bool,
    format: ArchiveFormat,
) -> String {
    let h = &toc.header;
    let mut out = String::new();
    let _ = write!(out, ";\n; Archive created at {}\n", created_at(&h.created));
    let _ = write!(
        out,
        ";     dbname: {}\n;     TOC Entries: {}\n;     Compression: {}\n",
        sanitize_line(Some(&h.dbname), false),
        toc.entries.len(),
        h.compression.algorithm.name()
    );
    let _ = writeln!(out, ";     Dump Version: {}", h.version);
    let name = match format {
        ArchiveFormat::Custom => "CUSTOM",
        ArchiveFormat::Directory => "DIRECTORY",
        ArchiveFormat::Tar => "TAR",
    };
    let _ = writeln!(out, ";     Format: {name}");
    let _ = writeln!(out, ";     Integer: {} bytes", h.int_size);
    let _ = writeln!(out, ";     Offset: {} bytes", h.off_size);
    if let Some(v) = &h.server_version {
        let _ = writeln!(out, ";     Dumped from database version: {v}");
    }
    if let Some(v) = &h.dump_version {
        let _ = writeln!(out, ";     Dumped by pg_dump version: {v}");
    }
    out.push_str(";\n;\n; Selected TOC Entries:\n;\n");
    for te in &toc.entries {
        let selected = reqs.get(&te.dump_id).is_some_and(|r| r.any_restorable());
        if verbose || selected {
            let _ = writeln!(
                out,
                "{}; {} {} {} {} {} {}",
                te.dump_id,
                te.catalog_id.tableoid,
                te.catalog_id.oid,
                te.desc,
                sanitize_line(te.namespace.as_deref(), true),
                sanitize_line(Some(&te.tag), false),
                sanitize_line(te.owner.as_deref(), false)
            );
        }
        if verbose && !te.dependencies.is_empty() {
            out.push_str(";\tdepends on:");
            for d in &te.dependencies {
                let _ = write!(out, " {d}");
            }
            out.push('\n');
        }
    }
    out
}

/// The header's broken-down time, read as local time of this host and printed with
/// `%Y-%m-%d %H:%M:%S %Z`, as pg_restore does (`[unknown]` if it is not a valid time).
fn created_at(t: &CreateTime) -> String {
    let civil = jiff::civil::DateTime::new(
        i16::try_from(t.year + 1900).unwrap_or(-1),
        i8::try_from(t.mon + 1).unwrap_or(-1),
        i8::try_from(t.mday).unwrap_or(-1),
        i8::try_from(t.hour).unwrap_or(-1),
        i8::try_from(t.min).unwrap_or(-1),
        i8::try_from(t.sec).unwrap_or(-1),
        0,
    );
    match civil.and_then(|dt| dt.to_zoned_datetime(jiff::tz::TimeZone::system())) {
        Ok(z) => z.strftime("%Y-%m-%d %H:%M:%S %Z").to_string(),
        Err(_) => "[unknown]".to_owned(),
    }
}

/// A `-L` list file read against an archive: the wanted dump ids in the file's order, and
/// upstream's warnings for the lines it ignored.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ListFile {
    pub ids: Vec<DumpId>,
    pub warnings: Vec<String>,
}

/// Parses a list file as `SortTocFromFile` does: text after `;` is a comment, blank lines are
/// skipped, each line starts with a dump id (`strtol`: leading blanks and a sign allowed,
/// trailing text ignored); a line without a number, with an id ≤ 0, above `max_dump_id` or
/// already listed is ignored with a warning.
pub fn parse_list_file(text: &str, max_dump_id: DumpId) -> ListFile {
    let mut out = ListFile::default();
    let mut seen = std::collections::HashSet::new();
    for raw in text.split_inclusive('\n') {
        let line = raw.split(';').next().unwrap_or_default();
        if line.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
            continue;
        }
        match strtol(line) {
            Some(id) if id > 0 && id <= i64::from(max_dump_id) && seen.insert(id) => {
                out.ids.push(id as DumpId);
            }
            _ => out.warnings.push(format!("line ignored: {line}")),
        }
    }
    out
}

/// C's `strtol(s, &end, 10)` when it consumed something: leading whitespace, an optional sign,
/// then digits. Saturates like strtol does on overflow.
fn strtol(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let n: String = digits.chars().take_while(|c| c.is_ascii_digit()).collect();
    if n.is_empty() {
        return None;
    }
    let v = n.parse::<i64>().unwrap_or(i64::MAX);
    Some(if neg { -v } else { v })
}

/// Applies a list file to the TOC: listed entries move to the end in the file's order (so
/// unlisted ones end up first, as upstream arranges them for the parallel scheduler). An id
/// within range but absent from the archive is an error, as upstream makes it.
pub fn apply_list(toc: &mut Toc, ids: &[DumpId]) -> Result<(), String> {
    let mut listed = Vec::with_capacity(ids.len());
    for id in ids {
        let pos = toc
            .entries
            .iter()
            .position(|e| e.dump_id == *id)
            .ok_or_else(|| format!("could not find entry for ID {id}"))?;
        listed.push(toc.entries.remove(pos));
    }
    toc.entries.extend(listed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_file_rules() {
        let text = "; header\n\n12; 0 0 TABLE x\n  7 junk\n7\n-3\n99\nabc\n5\r\n";
        let l = parse_list_file(text, 50);
        assert_eq!(l.ids, vec![12, 7, 5]);
        assert_eq!(
            l.warnings,
            vec![
                "line ignored: 7\n",
                "line ignored: -3\n",
                "line ignored: 99\n",
                "line ignored: abc\n"
            ]
        );
    }
}
