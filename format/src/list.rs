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
