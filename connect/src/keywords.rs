//! libpq's table of connection keywords (`PQconninfoOptions` in fe-connect.c).

/// One connection keyword as libpq knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    /// The keyword as written in a conninfo string.
    pub name: &'static str,
    /// The environment variable consulted when nothing else set the keyword.
    pub envvar: Option<&'static str>,
    /// The compiled-in default, used after the environment.
    pub compiled: Option<&'static str>,
    /// Whether the value must never be shown (passwords, keys).
    pub secret: bool,
}

const fn kw(
    name: &'static str,
    envvar: Option<&'static str>,
    compiled: Option<&'static str>,
) -> Keyword {
    Keyword {
        name,
        envvar,
        compiled,
        secret: false,
    }
}

const fn secret(name: &'static str, envvar: Option<&'static str>) -> Keyword {
    Keyword {
        name,
        envvar,
        compiled: None,
        secret: true,
    }
}

/// The keywords in libpq 18's order. The order matters: it is the order of
/// `to_conninfo` output and of libpq's own `PQconninfo`.
///
/// Compiled defaults are those of a libpq built with SSL and without GSSAPI,
/// which is what this crate can actually do.
pub const KEYWORDS: &[Keyword] = &[
    kw("service", Some("PGSERVICE"), None),
    kw("user", Some("PGUSER"), None),
    secret("password", Some("PGPASSWORD")),
    kw("passfile", Some("PGPASSFILE"), None),
    kw("channel_binding", Some("PGCHANNELBINDING"), Some("prefer")),
    kw("connect_timeout", Some("PGCONNECT_TIMEOUT"), None),
    kw("dbname", Some("PGDATABASE"), None),
    kw("host", Some("PGHOST"), None),
    kw("hostaddr", Some("PGHOSTADDR"), None),
    kw("port", Some("PGPORT"), Some("5432")),
    kw("client_encoding", Some("PGCLIENTENCODING"), None),
    kw("options", Some("PGOPTIONS"), Some("")),
    kw("application_name", Some("PGAPPNAME"), None),
    kw("fallback_application_name", None, None),
    kw("keepalives", None, None),
    kw("keepalives_idle", None, None),
    kw("keepalives_interval", None, None),
    kw("keepalives_count", None, None),
    kw("tcp_user_timeout", None, None),
    kw("sslmode", Some("PGSSLMODE"), Some("prefer")),
    kw("sslnegotiation", Some("PGSSLNEGOTIATION"), Some("postgres")),
    kw("sslcompression", Some("PGSSLCOMPRESSION"), Some("0")),
    kw("sslcert", Some("PGSSLCERT"), None),
    kw("sslkey", Some("PGSSLKEY"), None),
    kw("sslcertmode", Some("PGSSLCERTMODE"), None),
    secret("sslpassword", None),
    kw("sslrootcert", Some("PGSSLROOTCERT"), None),
    kw("sslcrl", Some("PGSSLCRL"), None),
    kw("sslcrldir", Some("PGSSLCRLDIR"), None),
    kw("sslsni", Some("PGSSLSNI"), Some("1")),
    kw("requirepeer", Some("PGREQUIREPEER"), None),
    kw("require_auth", Some("PGREQUIREAUTH"), None),
    kw("min_protocol_version", Some("PGMINPROTOCOLVERSION"), None),
    kw("max_protocol_version", Some("PGMAXPROTOCOLVERSION"), None),
    kw(
        "ssl_min_protocol_version",
        Some("PGSSLMINPROTOCOLVERSION"),
        Some("TLSv1.2"),
    ),
    kw(
        "ssl_max_protocol_version",
        Some("PGSSLMAXPROTOCOLVERSION"),
        None,
    ),
    kw("gssencmode", Some("PGGSSENCMODE"), Some("disable")),
    kw("krbsrvname", Some("PGKRBSRVNAME"), Some("postgres")),
    kw("gsslib", Some("PGGSSLIB"), None),
    kw("gssdelegation", Some("PGGSSDELEGATION"), Some("0")),
    kw("replication", None, None),
    kw(
        "target_session_attrs",
        Some("PGTARGETSESSIONATTRS"),
        Some("any"),
    ),
    kw(
        "load_balance_hosts",
        Some("PGLOADBALANCEHOSTS"),
        Some("disable"),
    ),
    secret("scram_client_key", None),
    secret("scram_server_key", None),
    kw("oauth_issuer", None, None),
    kw("oauth_client_id", None, None),
    secret("oauth_client_secret", None),
    kw("oauth_scope", None, None),
    kw("sslkeylogfile", None, None),
];

/// Index of a keyword in [`KEYWORDS`].
pub fn index(name: &str) -> Option<usize> {
    KEYWORDS.iter().position(|k| k.name == name)
}

/// A keyword→value vector parallel to [`KEYWORDS`]: libpq's
/// `PQconninfoOption` array. `None` is libpq's NULL, which differs from the
/// empty string: an empty value still blocks the environment fallback.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Options {
    values: Vec<Option<String>>,
}

impl Options {
    pub fn new() -> Self {
        Options {
            values: vec![None; KEYWORDS.len()],
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        index(name).and_then(|i| self.values[i].as_deref())
    }

    pub fn get_index(&self, i: usize) -> Option<&str> {
        self.values.get(i).and_then(|v| v.as_deref())
    }

    /// Sets a keyword; false if libpq does not know it.
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> bool {
        match index(name) {
            Some(i) => {
                self.values[i] = Some(value.into());
                true
            }
            None => false,
        }
    }

    pub fn set_index(&mut self, i: usize, value: Option<String>) {
        if let Some(slot) = self.values.get_mut(i) {
            *slot = value;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static Keyword, Option<&str>)> {
        KEYWORDS
            .iter()
            .zip(self.values.iter().map(|v| v.as_deref()))
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in self.iter() {
            if let Some(v) = v {
                if k.secret {
                    map.entry(&k.name, &"<redacted>");
                } else {
                    map.entry(&k.name, &v);
                }
            }
        }
        map.finish()
    }
}
