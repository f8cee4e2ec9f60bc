//! Parsing `key=value` conninfo strings and `postgresql://` URIs the way
//! libpq's `parse_connection_string` does, with libpq's error texts.

use crate::keywords::Options;

const URI_DESIGNATOR: &str = "postgresql://";
const SHORT_URI_DESIGNATOR: &str = "postgres://";

/// C's `isspace` in the C locale; Rust's `is_ascii_whitespace` omits `\v`.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn uri_prefix_length(s: &str) -> usize {
    if s.starts_with(URI_DESIGNATOR) {
        URI_DESIGNATOR.len()
    } else if s.starts_with(SHORT_URI_DESIGNATOR) {
        SHORT_URI_DESIGNATOR.len()
    } else {
        0
    }
}

/// libpq's `recognized_connection_string`: what `expand_dbname` expands.
pub fn is_connection_string(s: &str) -> bool {
    uri_prefix_length(s) != 0 || s.contains('=')
}

/// Parses a conninfo string or URI into the keywords it sets (no defaults).
pub fn parse_connection_string(s: &str) -> Result<Options, String> {
    if uri_prefix_length(s) != 0 {
        parse_uri(s)
    } else {
        parse_conninfo(s)
    }
}

/// libpq's `conninfo_storeval`: `requiressl` is an alias of `sslmode`.
fn store(
    options: &mut Options,
    keyword: &str,
    value: &str,
    uri_decode: bool,
) -> Result<(), StoreError> {
    let (keyword, value) = if keyword == "requiressl" {
        let v = if value.starts_with('1') {
            "require"
        } else {
            "prefer"
        };
        ("sslmode", v)
    } else {
        (keyword, value)
    };
    if crate::keywords::index(keyword).is_none() {
        return Err(StoreError::UnknownKeyword);
    }
    let value = if uri_decode {
        uri_decode_str(value).map_err(StoreError::Message)?
    } else {
        value.to_owned()
    };
    options.set(keyword, value);
    Ok(())
}

enum StoreError {
    UnknownKeyword,
    Message(String),
}

fn store_conninfo(options: &mut Options, keyword: &str, value: &str) -> Result<(), String> {
    store(options, keyword, value, false).map_err(|e| match e {
        StoreError::UnknownKeyword => format!("invalid connection option \"{keyword}\""),
        StoreError::Message(m) => m,
    })
}

fn parse_conninfo(conninfo: &str) -> Result<Options, String> {
    let mut options = Options::new();
    let buf = conninfo.as_bytes();
    let mut cp = 0;
    while cp < buf.len() {
        if is_c_space(buf[cp]) {
            cp += 1;
            continue;
        }

        let name_start = cp;
        let name_end;
        loop {
            if cp >= buf.len() || buf[cp] == b'=' {
                name_end = cp;
                break;
            }
            if is_c_space(buf[cp]) {
                name_end = cp;
                cp += 1;
                while cp < buf.len() && is_c_space(buf[cp]) {
                    cp += 1;
                }
                break;
            }
            cp += 1;
        }
        let pname = lossy(&buf[name_start..name_end]);

        if cp >= buf.len() || buf[cp] != b'=' {
            return Err(format!(
                "missing \"=\" after \"{pname}\" in connection info string"
            ));
        }
        cp += 1;

        while cp < buf.len() && is_c_space(buf[cp]) {
            cp += 1;
        }

        let mut value = Vec::new();
        if cp < buf.len() && buf[cp] == b'\'' {
            cp += 1;
            loop {
                if cp >= buf.len() {
                    return Err("unterminated quoted string in connection info string".to_owned());
                }
                match buf[cp] {
                    b'\\' => {
                        cp += 1;
                        if cp < buf.len() {
                            value.push(buf[cp]);
                            cp += 1;
                        }
                    }
                    b'\'' => {
                        cp += 1;
                        break;
                    }
                    c => {
                        value.push(c);
                        cp += 1;
                    }
                }
            }
        } else {
            while cp < buf.len() {
                let c = buf[cp];
                if is_c_space(c) {
                    cp += 1;
                    break;
                }
                if c == b'\\' {
                    cp += 1;
                    if cp < buf.len() {
                        value.push(buf[cp]);
                        cp += 1;
                    }
                } else {
                    value.push(c);
                    cp += 1;
                }
            }
        }

        store_conninfo(&mut options, &pname, &lossy(&value))?;
    }
    Ok(options)
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// libpq's `conninfo_uri_parse_options`.
fn parse_uri(uri: &str) -> Result<Options, String> {
    let mut options = Options::new();
    let buf = uri.as_bytes();
    let start = uri_prefix_length(uri);
    let at = |i: usize| -> u8 { buf.get(i).copied().unwrap_or(0) };
    let text = |a: usize, b: usize| -> String { lossy(&buf[a..b]) };

    let uri_store = |options: &mut Options, kw: &str, value: &str| -> Result<(), String> {
        store(options, kw, value, true).map_err(|e| match e {
            StoreError::UnknownKeyword => format!("invalid connection option \"{kw}\""),
            StoreError::Message(m) => m,
        })
    };

    // Credentials are present only if an '@' comes before any '/'.
    let mut p = start;
    while at(p) != 0 && at(p) != b'@' && at(p) != b'/' {
        p += 1;
    }
    if at(p) == b'@' {
        let user_start = start;
        p = user_start;
        while at(p) != 0 && at(p) != b':' && at(p) != b'@' {
            p += 1;
        }
        let prevchar = at(p);
        if p > user_start {
            uri_store(&mut options, "user", &text(user_start, p))?;
        }
        if prevchar == b':' {
            let pw_start = p + 1;
            p = pw_start;
            while at(p) != 0 && at(p) != b'@' {
                p += 1;
            }
            if p > pw_start {
                uri_store(&mut options, "password", &text(pw_start, p))?;
            }
        }
        p += 1;
    } else {
        p = start;
    }

    let mut hostbuf = String::new();
    let mut portbuf = String::new();
    let mut prevchar;
    loop {
        let host;
        if at(p) == b'[' {
            p += 1;
            let host_start = p;
            while at(p) != 0 && at(p) != b']' {
                p += 1;
            }
            if at(p) == 0 {
                return Err(format!(
                    "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"{uri}\""
                ));
            }
            if p == host_start {
                return Err(format!(
                    "IPv6 host address may not be empty in URI: \"{uri}\""
                ));
            }
            host = text(host_start, p);
            p += 1;
            let c = at(p);
            if c != 0 && c != b':' && c != b'/' && c != b'?' && c != b',' {
                return Err(format!(
                    "unexpected character \"{}\" at position {} in URI (expected \":\" or \"/\"): \"{uri}\"",
                    char_at(uri, p),
                    p + 1
                ));
            }
        } else {
            let host_start = p;
            while !matches!(at(p), 0 | b':' | b'/' | b'?' | b',') {
                p += 1;
            }
            host = text(host_start, p);
        }
        prevchar = at(p);
        hostbuf.push_str(&host);

        if prevchar == b':' {
            p += 1;
            let port_start = p;
            while !matches!(at(p), 0 | b'/' | b'?' | b',') {
                p += 1;
            }
            prevchar = at(p);
            portbuf.push_str(&text(port_start, p));
        }

        if prevchar != b',' {
            break;
        }
        p += 1;
        hostbuf.push(',');
        portbuf.push(',');
    }

    if !hostbuf.is_empty() {
        uri_store(&mut options, "host", &hostbuf)?;
    }
    if !portbuf.is_empty() {
        uri_store(&mut options, "port", &portbuf)?;
    }

    if prevchar != 0 && prevchar != b'?' {
        p += 1;
        let db_start = p;
        while at(p) != 0 && at(p) != b'?' {
            p += 1;
        }
        prevchar = at(p);
        // An empty dbname is not stored so that PGDATABASE still applies.
        if p > db_start {
            uri_store(&mut options, "dbname", &text(db_start, p))?;
        }
    }

    if prevchar != 0 {
        p += 1;
        parse_uri_params(&buf[p.min(buf.len())..], &mut options)?;
    }

    Ok(options)
}

fn char_at(s: &str, byte: usize) -> char {
    s.get(byte..)
        .and_then(|rest| rest.chars().next())
        .unwrap_or('\0')
}

/// libpq's `conninfo_uri_parse_params`.
fn parse_uri_params(params: &[u8], options: &mut Options) -> Result<(), String> {
    let mut rest = params;
    while !rest.is_empty() {
        let mut keyword_end = None;
        let mut p = 0;
        let end;
        loop {
            let c = rest.get(p).copied().unwrap_or(0);
            if c == b'=' {
                if keyword_end.is_some() {
                    let keyword = lossy(&rest[..keyword_end.unwrap_or(0)]);
                    return Err(format!(
                        "extra key/value separator \"=\" in URI query parameter: \"{keyword}\""
                    ));
                }
                keyword_end = Some(p);
                p += 1;
            } else if c == b'&' || c == 0 {
                end = p;
                break;
            } else {
                p += 1;
            }
        }
        let Some(kend) = keyword_end else {
            let keyword = lossy(&rest[..end]);
            return Err(format!(
                "missing key/value separator \"=\" in URI query parameter: \"{keyword}\""
            ));
        };
        let keyword = uri_decode_str(&lossy(&rest[..kend]))?;
        let value = uri_decode_str(&lossy(&rest[kend + 1..end]))?;

        // JDBC compatibility, as in libpq.
        let (keyword, value) = if keyword == "ssl" && value == "true" {
            ("sslmode".to_owned(), "require".to_owned())
        } else {
            (keyword, value)
        };

        match store(options, &keyword, &value, false) {
            Ok(()) => {}
            Err(StoreError::UnknownKeyword) => {
                return Err(format!("invalid URI query parameter: \"{keyword}\""));
            }
            Err(StoreError::Message(m)) => return Err(m),
        }

        rest = if end < rest.len() {
            &rest[end + 1..]
        } else {
            &[]
        };
    }
    Ok(())
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// libpq's `conninfo_uri_decode`: percent-decoding that also trims spaces
/// and rejects inner ones.
pub(crate) fn uri_decode_str(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut q = 0;
    while q < bytes.len() && bytes[q] == b' ' {
        q += 1;
    }
    let mut out = Vec::with_capacity(bytes.len());
    loop {
        let c = bytes.get(q).copied().unwrap_or(0);
        if c != b'%' {
            if c == b' ' || c == 0 {
                break;
            }
            out.push(c);
            q += 1;
        } else {
            q += 1;
            let hi = bytes.get(q).copied().and_then(hex_value);
            let lo = bytes.get(q + 1).copied().and_then(hex_value);
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(format!("invalid percent-encoded token: \"{s}\""));
            };
            q += 2;
            let v = (hi << 4) | lo;
            if v == 0 {
                return Err(format!(
                    "forbidden value %00 in percent-encoded value: \"{s}\""
                ));
            }
            out.push(v);
        }
    }
    while q < bytes.len() && bytes[q] == b' ' {
        q += 1;
    }
    if q < bytes.len() {
        return Err(format!(
            "unexpected spaces found in \"{s}\", use percent-encoded spaces (%20) instead"
        ));
    }
    Ok(lossy(&out))
}

/// Quotes a value for a conninfo string the way pg_dump's
/// `appendConnStrVal` does: bare if it is a simple word, else in single
/// quotes with `\` and `'` escaped.
pub fn quote_conninfo_value(value: &str) -> String {
    let simple = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    if simple {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(s: &str) -> Vec<(&'static str, String)> {
        let o = parse_connection_string(s).unwrap();
        o.iter()
            .filter_map(|(k, v)| v.map(|v| (k.name, v.to_owned())))
            .collect()
    }

    fn kv(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        // Expected lists are written in keyword-table order.
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn recognises_connection_strings() {
        let cases = [
            ("mydb", false),
            ("my db", false),
            ("dbname=x", true),
            ("a=", true),
            ("postgresql://", true),
            ("postgres://h", true),
            ("postgresql:/x", false),
            ("", false),
        ];
        for (s, want) in cases {
            assert_eq!(is_connection_string(s), want, "{s:?}");
        }
    }

    #[test]
    fn conninfo_values() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("dbname=x", &[("dbname", "x")]),
            ("  dbname = x   host=h ", &[("dbname", "x"), ("host", "h")]),
            ("dbname='my db'", &[("dbname", "my db")]),
            ("dbname='it\\'s'", &[("dbname", "it's")]),
            ("dbname=a\\ b", &[("dbname", "a b")]),
            ("dbname=a\\\\b", &[("dbname", "a\\b")]),
            ("dbname=''", &[("dbname", "")]),
            ("dbname=", &[("dbname", "")]),
            ("password=se=cret", &[("password", "se=cret")]),
            ("requiressl=1", &[("sslmode", "require")]),
            ("requiressl=0", &[("sslmode", "prefer")]),
            ("host=a host=b", &[("host", "b")]),
            ("dbname=x\tport=1", &[("dbname", "x"), ("port", "1")]),
            ("dbname='a'port=1", &[("dbname", "a"), ("port", "1")]),
        ];
        for (input, want) in cases {
            let mut want = kv(want);
            want.sort_by_key(|(k, _)| crate::keywords::index(k));
            assert_eq!(parsed(input), want, "{input:?}");
        }
    }

    #[test]
    fn conninfo_errors() {
        let cases = [
            ("foo=bar", "invalid connection option \"foo\""),
            (
                "dbname",
                "missing \"=\" after \"dbname\" in connection info string",
            ),
            (
                "dbname x",
                "missing \"=\" after \"dbname\" in connection info string",
            ),
            (
                "dbname='x",
                "unterminated quoted string in connection info string",
            ),
            ("host=h bogus=1", "invalid connection option \"bogus\""),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse_connection_string(input).unwrap_err(),
                want,
                "{input:?}"
            );
        }
    }

    #[test]
    fn uri_values() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("postgresql://", &[]),
            ("postgres://", &[]),
            ("postgresql://localhost", &[("host", "localhost")]),
            (
                "postgresql://localhost:5433",
                &[("host", "localhost"), ("port", "5433")],
            ),
            (
                "postgresql://localhost/mydb",
                &[("host", "localhost"), ("dbname", "mydb")],
            ),
            (
                "postgresql://user@localhost",
                &[("user", "user"), ("host", "localhost")],
            ),
            (
                "postgresql://user:secret@localhost",
                &[
                    ("user", "user"),
                    ("password", "secret"),
                    ("host", "localhost"),
                ],
            ),
            (
                "postgresql://:secret@h",
                &[("password", "secret"), ("host", "h")],
            ),
            ("postgresql://u:@h", &[("user", "u"), ("host", "h")]),
            (
                "postgresql://other@localhost/otherdb?connect_timeout=10&application_name=myapp",
                &[
                    ("user", "other"),
                    ("connect_timeout", "10"),
                    ("dbname", "otherdb"),
                    ("host", "localhost"),
                    ("application_name", "myapp"),
                ],
            ),
            (
                "postgresql://host1:123,host2:456/somedb?target_session_attrs=any&application_name=myapp",
                &[
                    ("dbname", "somedb"),
                    ("host", "host1,host2"),
                    ("port", "123,456"),
                    ("application_name", "myapp"),
                    ("target_session_attrs", "any"),
                ],
            ),
            (
                "postgresql://h1,h2:5433/db",
                &[("dbname", "db"), ("host", "h1,h2"), ("port", ",5433")],
            ),
            (
                "postgresql://[::1]:5433",
                &[("host", "::1"), ("port", "5433")],
            ),
            (
                "postgresql://[2001:db8::1234]/database",
                &[("dbname", "database"), ("host", "2001:db8::1234")],
            ),
            (
                "postgresql://[::1],[::2]:7",
                &[("host", "::1,::2"), ("port", ",7")],
            ),
            (
                "postgresql:///mydb?host=/var/lib/postgresql",
                &[("dbname", "mydb"), ("host", "/var/lib/postgresql")],
            ),
            (
                "postgresql://%2Fvar%2Flib%2Fpostgresql/dbname",
                &[("dbname", "dbname"), ("host", "/var/lib/postgresql")],
            ),
            (
                "postgresql://us%40er:p%3Ass@h/d%20b",
                &[
                    ("user", "us@er"),
                    ("password", "p:ss"),
                    ("dbname", "d b"),
                    ("host", "h"),
                ],
            ),
            ("postgresql://h/", &[("host", "h")]),
            ("postgresql://h?", &[("host", "h")]),
            ("postgresql://h/?", &[("host", "h")]),
            (
                "postgresql://h?ssl=true",
                &[("host", "h"), ("sslmode", "require")],
            ),
            (
                "postgresql://h?requiressl=1",
                &[("host", "h"), ("sslmode", "require")],
            ),
            ("postgresql://?dbname=%20x%20", &[("dbname", " x ")]),
            (
                "postgresql://h?application_name= x ",
                &[("host", "h"), ("application_name", "x")],
            ),
            ("postgresql://:5433", &[("port", "5433")]),
            ("postgresql://h?port=", &[("host", "h"), ("port", "")]),
        ];
        for (input, want) in cases {
            let mut want = kv(want);
            want.sort_by_key(|(k, _)| crate::keywords::index(k));
            assert_eq!(parsed(input), want, "{input:?}");
        }
    }

    #[test]
    fn uri_errors() {
        let cases = [
            (
                "postgresql://[::1",
                "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"postgresql://[::1\"",
            ),
            (
                "postgresql://[]",
                "IPv6 host address may not be empty in URI: \"postgresql://[]\"",
            ),
            (
                "postgresql://[::1]x",
                "unexpected character \"x\" at position 19 in URI (expected \":\" or \"/\"): \"postgresql://[::1]x\"",
            ),
            (
                "postgresql://h?foo=bar",
                "invalid URI query parameter: \"foo\"",
            ),
            (
                "postgresql://h?dbname",
                "missing key/value separator \"=\" in URI query parameter: \"dbname\"",
            ),
            (
                "postgresql://h?dbname=a=b",
                "extra key/value separator \"=\" in URI query parameter: \"dbname\"",
            ),
            (
                "postgresql://h/d%zz",
                "invalid percent-encoded token: \"d%zz\"",
            ),
            (
                "postgresql://h/d%2",
                "invalid percent-encoded token: \"d%2\"",
            ),
            (
                "postgresql://h/d%00",
                "forbidden value %00 in percent-encoded value: \"d%00\"",
            ),
            (
                "postgresql://h/a b",
                "unexpected spaces found in \"a b\", use percent-encoded spaces (%20) instead",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse_connection_string(input).unwrap_err(),
                want,
                "{input:?}"
            );
        }
    }

    #[test]
    fn quoting_round_trips() {
        for v in ["simple", "with space", "it's", "back\\slash", "", "a=b"] {
            let s = format!("dbname={}", quote_conninfo_value(v));
            assert_eq!(parse_connection_string(&s).unwrap().get("dbname"), Some(v));
        }
        assert_eq!(quote_conninfo_value("db_1.x"), "db_1.x");
        assert_eq!(quote_conninfo_value("a b"), "'a b'");
    }
}
