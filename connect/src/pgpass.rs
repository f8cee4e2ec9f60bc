//! The password file (`~/.pgpass`, `PGPASSFILE`, `passfile=`), read as
//! libpq's `passwordFromFile` reads it.

use std::path::Path;

use crate::params::Password;

/// The file name under the home directory.
pub const PGPASSFILE: &str = ".pgpass";

/// What libpq substitutes for an empty host or the default socket directory
/// when matching password-file lines.
const DEFAULT_HOST: &str = "localhost";

/// The connection a password is wanted for.
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    /// The `host` of the connection (else its `hostaddr`), possibly empty.
    pub host: &'a str,
    /// The port as written, possibly empty (then 5432).
    pub port: &'a str,
    pub dbname: &'a str,
    pub user: &'a str,
    /// The compiled-in socket directory, which matches `localhost`.
    pub default_socket_dir: &'a str,
}

/// Finds the password for a connection, or `None`. Insecure or odd files
/// are ignored with libpq's warning, passed to `warn`.
pub fn lookup(path: &Path, key: &Lookup<'_>, warn: &mut dyn FnMut(&str)) -> Option<Password> {
    if key.dbname.is_empty() || key.user.is_empty() {
        return None;
    }

    let host = if key.host.is_empty()
        || (crate::params::is_unix_socket_path(key.host) && key.host == key.default_socket_dir)
    {
        DEFAULT_HOST
    } else {
        key.host
    };
    let port = if key.port.is_empty() {
        "5432"
    } else {
        key.port
    };

    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    let shown = path.display();
    if !meta.is_file() {
        warn(&format!(
            "WARNING: password file \"{shown}\" is not a plain file"
        ));
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            warn(&format!(
                "WARNING: password file \"{shown}\" has group or world access; permissions should be u=rw (0600) or less"
            ));
            return None;
        }
    }

    let mut content = Vec::new();
    let mut file = file;
    std::io::Read::read_to_end(&mut file, &mut content).ok()?;
    find_password(&content, host, port, key.dbname, key.user)
}

/// Matches the lines of a password file; exposed for tests.
pub(crate) fn find_password(
    content: &[u8],
    host: &str,
    port: &str,
    dbname: &str,
    user: &str,
) -> Option<Password> {
    for raw in content.split(|&b| b == b'\n') {
        if raw.first() == Some(&b'#') {
            continue;
        }
        let mut line = raw;
        while let [rest @ .., b'\r' | b'\n'] = line {
            line = rest;
        }
        if line.is_empty() {
            continue;
        }
        let rest = match_field(line, host.as_bytes())
            .and_then(|r| match_field(r, port.as_bytes()))
            .and_then(|r| match_field(r, dbname.as_bytes()))
            .and_then(|r| match_field(r, user.as_bytes()));
        if let Some(rest) = rest {
            return Some(Password::from_bytes(unescape_password(rest)));
        }
    }
    None
}

/// libpq's `pwdfMatchesString`: the field must equal `token` (with `\`
/// escaping `:` and `\`) or be exactly `*`; returns what follows its `:`.
fn match_field<'a>(buf: &'a [u8], token: &[u8]) -> Option<&'a [u8]> {
    if buf.len() >= 2 && buf[0] == b'*' && buf[1] == b':' {
        return Some(&buf[2..]);
    }
    let mut t = 0;
    let mut k = 0;
    let mut escaped = false;
    while t < buf.len() {
        if buf[t] == b'\\' && !escaped {
            t += 1;
            escaped = true;
        }
        let c = buf.get(t).copied().unwrap_or(0);
        if c == b':' && k == token.len() && !escaped {
            return Some(&buf[t + 1..]);
        }
        escaped = false;
        if k == token.len() {
            return None;
        }
        if c == token[k] {
            t += 1;
            k += 1;
        } else {
            return None;
        }
    }
    None
}

/// The password field ends at the first unescaped `:`.
fn unescape_password(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() && field[i] != b':' {
        if field[i] == b'\\' && i + 1 < field.len() {
            i += 1;
        }
        out.push(field[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(content: &str, host: &str, port: &str, db: &str, user: &str) -> Option<String> {
        find_password(content.as_bytes(), host, port, db, user)
            .map(|p| String::from_utf8(p.as_bytes().to_vec()).unwrap())
    }

    #[test]
    fn matching_rules() {
        let file = "\
# comment:*:*:*:nope
host1:5432:db:alice:pw1
*:5433:*:bob:pw2
host\\:colon:5432:db:carol:pw3
h:5432:d\\\\b:dave:pw4
h:5432:db:erin:pa\\:ss\\\\word:trailing
h:5432:db:frank:
h:5432:db:*:any-user
 h:5432:db:gina:leading-space-host
*:*:*:*:fallback
";
        let cases = [
            (("host1", "5432", "db", "alice"), Some("pw1")),
            (("host1", "5432", "db2", "alice"), Some("fallback")),
            (("anything", "5433", "x", "bob"), Some("pw2")),
            (("host:colon", "5432", "db", "carol"), Some("pw3")),
            (("h", "5432", "d\\b", "dave"), Some("pw4")),
            (("h", "5432", "db", "erin"), Some("pa:ss\\word")),
            (("h", "5432", "db", "frank"), Some("")),
            (("h", "5432", "db", "zed"), Some("any-user")),
            ((" h", "5432", "db", "gina"), Some("leading-space-host")),
            (("# comment", "*", "*", "*"), Some("fallback")),
        ];
        for ((h, p, d, u), want) in cases {
            assert_eq!(find(file, h, p, d, u).as_deref(), want, "{h}:{p}:{d}:{u}");
        }
    }

    #[test]
    fn star_is_a_wildcard_only_alone() {
        let file = "h*:5432:db:u:one\n*h:5432:db:u:two\n";
        assert_eq!(find(file, "hx", "5432", "db", "u"), None);
        assert_eq!(find(file, "h*", "5432", "db", "u").as_deref(), Some("one"));
        assert_eq!(find(file, "*h", "5432", "db", "u").as_deref(), Some("two"));
    }

    #[test]
    fn prefix_and_truncated_lines_do_not_match() {
        let file = "host:5432:db:user\nhost:5432:db\nhos:5432:db:user:x\nhostt:5432:db:user:y\n";
        assert_eq!(find(file, "host", "5432", "db", "user"), None);
    }

    #[test]
    fn crlf_and_first_match_wins() {
        let file = "h:1:d:u:first\r\nh:1:d:u:second\r\n";
        assert_eq!(find(file, "h", "1", "d", "u").as_deref(), Some("first"));
    }
}
