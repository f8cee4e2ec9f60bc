//! The dump's text in its client encoding. Catalog text arrives in UTF-8 (the session's
//! encoding, which tokio-postgres requires), but pg_dump writes an archive in its client
//! encoding: the database's, or `-E`'s. The server converts the generated SQL, so the bytes
//! are the ones pg_dump writes and a character the encoding lacks fails as it fails for
//! pg_dump. The archive model keeps non-UTF8 text as one char per byte
//! (`tusk_format::encoding`), which the archive writers and the script sink turn back into
//! those bytes.

use tusk_connect::Session;
use tusk_format::TocEntry;
use tusk_format::encoding::{self, Encoding};

use crate::error::DumpError;

/// Converts every text field of `entries` from UTF-8 into `encoding`'s byte-per-char form.
/// ASCII is the same in every encoding pg_dump can write, so only the rest goes to the server.
pub fn convert_entries(
    session: &Session,
    entries: &mut [TocEntry],
    encoding: Encoding,
) -> Result<(), DumpError> {
    if encoding.is_utf8() {
        return Ok(());
    }
    let mut fields: Vec<&mut String> = entries
        .iter_mut()
        .flat_map(|te| {
            let TocEntry {
                tag,
                desc,
                defn,
                drop_stmt,
                copy_stmt,
                namespace,
                tablespace,
                tableam,
                owner,
                ..
            } = te;
            [Some(tag), Some(desc)]
                .into_iter()
                .chain(
                    [
                        defn, drop_stmt, copy_stmt, namespace, tablespace, tableam, owner,
                    ]
                    .map(Option::as_mut),
                )
                .flatten()
        })
        .filter(|s| !s.is_ascii())
        .collect();
    if fields.is_empty() {
        return Ok(());
    }
    let texts: Vec<&str> = fields.iter().map(|s| s.as_str()).collect();
    let converted = session
        .encode_texts(&texts, encoding.name())
        .map_err(DumpError::query(
            "converting the dump's text to the client encoding",
        ))?;
    for (field, bytes) in fields.iter_mut().zip(converted) {
        // Cannot fail: only UTF8 has invalid byte sequences.
        **field = encoding::decode(bytes, encoding).unwrap_or_default();
    }
    Ok(())
}
