//! The archive's text encoding. Upstream never transcodes: TOC strings are stored in the
//! client encoding named by the ENCODING entry, and restore replays them byte for byte. The model
//! holds Rust `String`s, so reading must decode and writing must give back the very same bytes.
//!
//! UTF8 archives are decoded as UTF-8. Every other encoding is mapped byte b ↦ char U+00b
//! (the Latin-1 code points), which is lossless whatever the encoding really is, multibyte
//! Asian encodings and SQL_ASCII holding anything included. A consumer that writes text back
//! out (the script emitter) must go through [`encode`] to get the archive's bytes.

use std::borrow::Cow;

use crate::error::FormatError;
use crate::toc::Toc;

/// PostgreSQL's encodings (`pg_enc`), by their canonical names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    SqlAscii,
    EucJp,
    EucCn,
    EucKr,
    EucTw,
    EucJis2004,
    Utf8,
    MuleInternal,
    Latin1,
    Latin2,
    Latin3,
    Latin4,
    Latin5,
    Latin6,
    Latin7,
    Latin8,
    Latin9,
    Latin10,
    Win1256,
    Win1258,
    Win866,
    Win874,
    Koi8R,
    Win1251,
    Win1252,
    Iso8859_5,
    Iso8859_6,
    Iso8859_7,
    Iso8859_8,
    Win1250,
    Win1253,
    Win1254,
    Win1255,
    Win1257,
    Koi8U,
    Sjis,
    Big5,
    Gbk,
    Uhc,
    Gb18030,
    Johab,
    ShiftJis2004,
}

/// Upstream's `pg_encname_tbl` (src/common/encnames.c): every spelling `pg_char_to_encoding`
/// accepts, after lower-casing and dropping everything that is not alphanumeric.
const ALIASES: &[(&str, Encoding)] = &[
    ("abc", Encoding::Win1258),
    ("alt", Encoding::Win866),
    ("big5", Encoding::Big5),
    ("euccn", Encoding::EucCn),
    ("eucjis2004", Encoding::EucJis2004),
    ("eucjp", Encoding::EucJp),
    ("euckr", Encoding::EucKr),
    ("euctw", Encoding::EucTw),
    ("gb18030", Encoding::Gb18030),
    ("gbk", Encoding::Gbk),
    ("iso88591", Encoding::Latin1),
    ("iso885910", Encoding::Latin6),
    ("iso885913", Encoding::Latin7),
    ("iso885914", Encoding::Latin8),
    ("iso885915", Encoding::Latin9),
    ("iso885916", Encoding::Latin10),
    ("iso88592", Encoding::Latin2),
    ("iso88593", Encoding::Latin3),
    ("iso88594", Encoding::Latin4),
    ("iso88595", Encoding::Iso8859_5),
    ("iso88596", Encoding::Iso8859_6),
    ("iso88597", Encoding::Iso8859_7),
    ("iso88598", Encoding::Iso8859_8),
    ("iso88599", Encoding::Latin5),
    ("johab", Encoding::Johab),
    ("koi8", Encoding::Koi8R),
    ("koi8r", Encoding::Koi8R),
    ("koi8u", Encoding::Koi8U),
    ("latin1", Encoding::Latin1),
    ("latin10", Encoding::Latin10),
    ("latin2", Encoding::Latin2),
    ("latin3", Encoding::Latin3),
    ("latin4", Encoding::Latin4),
    ("latin5", Encoding::Latin5),
    ("latin6", Encoding::Latin6),
    ("latin7", Encoding::Latin7),
    ("latin8", Encoding::Latin8),
    ("latin9", Encoding::Latin9),
    ("mskanji", Encoding::Sjis),
    ("muleinternal", Encoding::MuleInternal),
    ("shiftjis", Encoding::Sjis),
    ("shiftjis2004", Encoding::ShiftJis2004),
    ("sjis", Encoding::Sjis),
    ("sqlascii", Encoding::SqlAscii),
    ("tcvn", Encoding::Win1258),
    ("tcvn5712", Encoding::Win1258),
    ("uhc", Encoding::Uhc),
    ("unicode", Encoding::Utf8),
    ("utf8", Encoding::Utf8),
    ("vscii", Encoding::Win1258),
    ("win", Encoding::Win1251),
    ("win1250", Encoding::Win1250),
    ("win1251", Encoding::Win1251),
    ("win1252", Encoding::Win1252),
    ("win1253", Encoding::Win1253),
    ("win1254", Encoding::Win1254),
    ("win1255", Encoding::Win1255),
    ("win1256", Encoding::Win1256),
    ("win1257", Encoding::Win1257),
    ("win1258", Encoding::Win1258),
    ("win866", Encoding::Win866),
    ("win874", Encoding::Win874),
    ("win932", Encoding::Sjis),
    ("win936", Encoding::Gbk),
    ("win949", Encoding::Uhc),
    ("win950", Encoding::Big5),
    ("windows1250", Encoding::Win1250),
    ("windows1251", Encoding::Win1251),
    ("windows1252", Encoding::Win1252),
    ("windows1253", Encoding::Win1253),
    ("windows1254", Encoding::Win1254),
    ("windows1255", Encoding::Win1255),
    ("windows1256", Encoding::Win1256),
    ("windows1257", Encoding::Win1257),
    ("windows1258", Encoding::Win1258),
    ("windows866", Encoding::Win866),
    ("windows874", Encoding::Win874),
    ("windows932", Encoding::Sjis),
    ("windows936", Encoding::Gbk),
    ("windows949", Encoding::Uhc),
    ("windows950", Encoding::Big5),
];

/// NAMEDATALEN: upstream refuses longer names before looking them up.
const NAME_MAX: usize = 64;

impl Encoding {
    /// Looks a name up the way upstream's `pg_char_to_encoding` does: case-insensitive,
    /// ignoring non-alphanumerics, with all of upstream's aliases (`latin1`, `ISO-8859-1`,
    /// `unicode`, `win1252`, …).
    pub fn from_name(name: &str) -> Option<Encoding> {
        if name.is_empty() || name.len() >= NAME_MAX {
            return None;
        }
        let key: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        ALIASES
            .binary_search_by(|(alias, _)| alias.cmp(&key.as_str()))
            .ok()
            .map(|i| ALIASES[i].1)
    }

    /// The canonical name (`pg_encoding_to_char`), as written in `SET client_encoding`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::SqlAscii => "SQL_ASCII",
            Encoding::EucJp => "EUC_JP",
            Encoding::EucCn => "EUC_CN",
            Encoding::EucKr => "EUC_KR",
            Encoding::EucTw => "EUC_TW",
            Encoding::EucJis2004 => "EUC_JIS_2004",
            Encoding::Utf8 => "UTF8",
            Encoding::MuleInternal => "MULE_INTERNAL",
            Encoding::Latin1 => "LATIN1",
            Encoding::Latin2 => "LATIN2",
            Encoding::Latin3 => "LATIN3",
            Encoding::Latin4 => "LATIN4",
            Encoding::Latin5 => "LATIN5",
            Encoding::Latin6 => "LATIN6",
            Encoding::Latin7 => "LATIN7",
            Encoding::Latin8 => "LATIN8",
            Encoding::Latin9 => "LATIN9",
            Encoding::Latin10 => "LATIN10",
            Encoding::Win1256 => "WIN1256",
            Encoding::Win1258 => "WIN1258",
            Encoding::Win866 => "WIN866",
            Encoding::Win874 => "WIN874",
            Encoding::Koi8R => "KOI8R",
            Encoding::Win1251 => "WIN1251",
            Encoding::Win1252 => "WIN1252",
            Encoding::Iso8859_5 => "ISO_8859_5",
            Encoding::Iso8859_6 => "ISO_8859_6",
            Encoding::Iso8859_7 => "ISO_8859_7",
            Encoding::Iso8859_8 => "ISO_8859_8",
            Encoding::Win1250 => "WIN1250",
            Encoding::Win1253 => "WIN1253",
            Encoding::Win1254 => "WIN1254",
            Encoding::Win1255 => "WIN1255",
            Encoding::Win1257 => "WIN1257",
            Encoding::Koi8U => "KOI8U",
            Encoding::Sjis => "SJIS",
            Encoding::Big5 => "BIG5",
            Encoding::Gbk => "GBK",
            Encoding::Uhc => "UHC",
            Encoding::Gb18030 => "GB18030",
            Encoding::Johab => "JOHAB",
            Encoding::ShiftJis2004 => "SHIFT_JIS_2004",
        }
    }

    pub fn is_utf8(self) -> bool {
        self == Encoding::Utf8
    }

    /// The encoding a TOC's strings are stored in: the ENCODING entry's, or SQL_ASCII when
    /// there is none (upstream's initial `AH->public.encoding`).
    pub fn of_toc(toc: &Toc) -> Result<Encoding, FormatError> {
        match toc.entries.iter().rev().find(|e| e.desc == "ENCODING") {
            None => Ok(Encoding::SqlAscii),
            Some(e) => {
                let defn = e.defn.as_deref().unwrap_or("");
                let name = quoted_value(defn.as_bytes())
                    .ok_or_else(|| FormatError::InvalidEncodingItem(defn.to_owned()))?;
                let name = String::from_utf8_lossy(name);
                Encoding::from_name(&name).ok_or_else(|| FormatError::UnknownEncoding(name.into()))
            }
        }
    }
}

/// The bytes between the first two single quotes, as upstream's processEncodingEntry takes them.
pub(crate) fn quoted_value(defn: &[u8]) -> Option<&[u8]> {
    let start = defn.iter().position(|&b| b == b'\'')? + 1;
    let len = defn[start..].iter().position(|&b| b == b'\'')?;
    Some(&defn[start..start + len])
}

/// Why bytes could not become a model string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Index of the first byte that is not valid UTF-8.
    pub valid_up_to: usize,
}

/// Archive bytes → model string. Only UTF8 can fail; the others map byte for byte.
pub fn decode(bytes: Vec<u8>, encoding: Encoding) -> Result<String, DecodeError> {
    if encoding.is_utf8() || bytes.is_ascii() {
        return String::from_utf8(bytes).map_err(|e| DecodeError {
            valid_up_to: e.utf8_error().valid_up_to(),
        });
    }
    Ok(bytes.iter().map(|&b| char::from(b)).collect())
}

/// A character that has no byte in a single-byte mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeError {
    pub ch: char,
}

/// Model string → archive bytes: the inverse of [`decode`]. Borrows when the bytes are the
/// string's own (UTF8 archives, ASCII text). Fails only for a non-UTF8 encoding and a
/// character above U+00FF, which no decoded string contains.
pub fn encode(text: &str, encoding: Encoding) -> Result<Cow<'_, [u8]>, EncodeError> {
    if encoding.is_utf8() || text.is_ascii() {
        return Ok(Cow::Borrowed(text.as_bytes()));
    }
    text.chars()
        .map(|ch| u8::try_from(u32::from(ch)).map_err(|_| EncodeError { ch }))
        .collect::<Result<Vec<u8>, _>>()
        .map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_table_is_sorted_for_binary_search() {
        assert!(ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn names_resolve_like_pg_char_to_encoding() {
        assert_eq!(Encoding::from_name("UTF8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::from_name("utf-8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::from_name("Unicode"), Some(Encoding::Utf8));
        assert_eq!(Encoding::from_name("ISO-8859-1"), Some(Encoding::Latin1));
        assert_eq!(Encoding::from_name("SQL_ASCII"), Some(Encoding::SqlAscii));
        assert_eq!(Encoding::from_name("WIN1252"), Some(Encoding::Win1252));
        assert_eq!(
            Encoding::from_name("SHIFT_JIS_2004"),
            Some(Encoding::ShiftJis2004)
        );
        assert_eq!(Encoding::from_name("klingon"), None);
        assert_eq!(Encoding::from_name(""), None);
        // Every canonical name finds its own encoding again.
        for &(_, enc) in ALIASES {
            assert_eq!(Encoding::from_name(enc.name()), Some(enc), "{}", enc.name());
        }
    }

    #[test]
    fn utf8_decodes_and_rejects_invalid() {
        assert_eq!(
            decode("crème".as_bytes().to_vec(), Encoding::Utf8).unwrap(),
            "crème"
        );
        let err = decode(vec![b'a', 0xe9, b'b'], Encoding::Utf8).unwrap_err();
        assert_eq!(err.valid_up_to, 1);
    }

    #[test]
    fn single_byte_mapping_round_trips_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        for enc in [
            Encoding::Latin1,
            Encoding::SqlAscii,
            Encoding::Win1252,
            Encoding::Sjis,
        ] {
            let s = decode(all.clone(), enc).unwrap();
            assert_eq!(s.chars().count(), 256);
            assert_eq!(encode(&s, enc).unwrap().as_ref(), &all[..]);
        }
        // UTF-8 bytes in a SQL_ASCII archive stay the same bytes, even though they show as
        // two Latin-1 characters each in the model.
        let s = decode("é".as_bytes().to_vec(), Encoding::SqlAscii).unwrap();
        assert_eq!(s, "\u{c3}\u{a9}");
        assert_eq!(
            encode(&s, Encoding::SqlAscii).unwrap().as_ref(),
            "é".as_bytes()
        );
    }

    #[test]
    fn encode_refuses_wide_characters_in_single_byte_encodings() {
        assert_eq!(
            encode("a€", Encoding::Latin1).unwrap_err(),
            EncodeError { ch: '€' }
        );
        assert_eq!(
            encode("a€", Encoding::Utf8).unwrap().as_ref(),
            "a€".as_bytes()
        );
        assert!(matches!(
            encode("plain", Encoding::Latin1).unwrap(),
            Cow::Borrowed(_)
        ));
    }
}
