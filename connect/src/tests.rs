//! Table-driven tests of `resolve` and password-file lookup against a fake
//! environment.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::{
    ConnParams, ConnectError, ConnectOptions, Env, HostKind, Password, SslMode, TargetSessionAttrs,
    ValueSource, resolve, resolve_cluster,
};

const OS_USER: &str = "osuser";

/// Environment variables of a test case.
type Vars<'a> = &'a [(&'a str, &'a str)];
const SOCKET_DIR: &str = "/var/run/postgresql";

struct FakeEnv {
    vars: HashMap<String, String>,
    home: Option<PathBuf>,
    warnings: RefCell<Vec<String>>,
}

impl FakeEnv {
    fn new(vars: &[(&str, &str)]) -> Self {
        FakeEnv {
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            home: None,
            warnings: RefCell::new(Vec::new()),
        }
    }

    fn with_home(mut self, home: &Path) -> Self {
        self.home = Some(home.to_owned());
        self
    }
}

impl Env for FakeEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }

    fn home_dir(&self) -> Option<PathBuf> {
        self.home.clone()
    }

    fn os_user(&self) -> Result<String, String> {
        Ok(OS_USER.to_owned())
    }

    fn default_socket_dir(&self) -> String {
        SOCKET_DIR.to_owned()
    }

    fn warn(&self, message: &str) {
        self.warnings.borrow_mut().push(message.to_owned());
    }
}

/// `-d`, `-h`, `-p`, `-U` as pg_dump takes them.
fn cli(d: Option<&str>, h: Option<&str>, p: Option<&str>, u: Option<&str>) -> ConnectOptions {
    ConnectOptions {
        dbname: d.map(str::to_owned),
        host: h.map(str::to_owned),
        port: p.map(str::to_owned),
        username: u.map(str::to_owned),
        application_name: Some("pg_dump".to_owned()),
        ..ConnectOptions::default()
    }
}

fn d(s: &str) -> ConnectOptions {
    cli(Some(s), None, None, None)
}

fn none() -> ConnectOptions {
    cli(None, None, None, None)
}

/// Host list as (host, hostaddr, port) triples.
fn hosts(p: &ConnParams) -> Vec<(Option<String>, Option<String>, String, HostKind)> {
    p.hosts()
        .iter()
        .map(|h| (h.host.clone(), h.hostaddr.clone(), h.port.clone(), h.kind))
        .collect()
}

#[test]
fn precedence_table() {
    // (name, options, environment, expected keyword values; `None` = unset)
    type Case<'a> = (
        &'a str,
        ConnectOptions,
        &'a [(&'a str, &'a str)],
        &'a [(&'a str, Option<&'a str>)],
    );
    let cases: Vec<Case> = vec![
        (
            "compiled defaults",
            none(),
            &[],
            &[
                ("host", None),
                ("port", Some("5432")),
                ("user", Some(OS_USER)),
                ("dbname", None),
                ("sslmode", Some("prefer")),
                ("fallback_application_name", Some("pg_dump")),
                ("options", Some("")),
            ],
        ),
        (
            "command-line options",
            cli(Some("db"), Some("h"), Some("5433"), Some("u")),
            &[],
            &[
                ("host", Some("h")),
                ("port", Some("5433")),
                ("user", Some("u")),
                ("dbname", Some("db")),
            ],
        ),
        (
            "-d conninfo overrides -h -p -U (pg_dump passes dbname last)",
            cli(
                Some("host=connhost user=connuser dbname=x"),
                Some("cmdhost"),
                Some("5433"),
                Some("cmduser"),
            ),
            &[],
            &[
                ("host", Some("connhost")),
                ("port", Some("5433")),
                ("user", Some("connuser")),
                ("dbname", Some("x")),
            ],
        ),
        (
            "-d URI overrides -h and -U, keeps -p when the URI has no port",
            cli(
                Some("postgresql://uriuser@urihost/uridb"),
                Some("cmdhost"),
                Some("5433"),
                Some("cmduser"),
            ),
            &[],
            &[
                ("host", Some("urihost")),
                ("port", Some("5433")),
                ("user", Some("uriuser")),
                ("dbname", Some("uridb")),
            ],
        ),
        (
            "command line beats environment",
            cli(Some("db"), Some("h"), Some("1"), Some("u")),
            &[
                ("PGHOST", "envhost"),
                ("PGPORT", "2"),
                ("PGUSER", "envuser"),
                ("PGDATABASE", "envdb"),
            ],
            &[
                ("host", Some("h")),
                ("port", Some("1")),
                ("user", Some("u")),
                ("dbname", Some("db")),
            ],
        ),
        (
            "environment fills the gaps",
            none(),
            &[
                ("PGHOST", "envhost"),
                ("PGPORT", "2"),
                ("PGUSER", "envuser"),
                ("PGDATABASE", "envdb"),
                ("PGSSLMODE", "require"),
                ("PGAPPNAME", "app"),
                ("PGCONNECT_TIMEOUT", "7"),
                ("PGOPTIONS", "-c work_mem=1MB"),
                ("PGTARGETSESSIONATTRS", "read-write"),
                ("PGSSLROOTCERT", "/r.crt"),
                ("PGSSLCERT", "/c.crt"),
                ("PGSSLKEY", "/c.key"),
                ("PGSSLCRL", "/c.crl"),
                ("PGHOSTADDR", "127.0.0.1"),
                ("PGPASSFILE", "/pf"),
            ],
            &[
                ("host", Some("envhost")),
                ("hostaddr", Some("127.0.0.1")),
                ("port", Some("2")),
                ("user", Some("envuser")),
                ("dbname", Some("envdb")),
                ("sslmode", Some("require")),
                ("application_name", Some("app")),
                ("connect_timeout", Some("7")),
                ("options", Some("-c work_mem=1MB")),
                ("target_session_attrs", Some("read-write")),
                ("sslrootcert", Some("/r.crt")),
                ("sslcert", Some("/c.crt")),
                ("sslkey", Some("/c.key")),
                ("sslcrl", Some("/c.crl")),
                ("passfile", Some("/pf")),
            ],
        ),
        (
            "an empty -h is ignored, so PGHOST applies",
            cli(None, Some(""), None, None),
            &[("PGHOST", "envhost")],
            &[("host", Some("envhost"))],
        ),
        (
            "an empty value in the conninfo blocks the environment",
            d("host='' dbname=x"),
            &[("PGHOST", "envhost")],
            &[("host", Some(""))],
        ),
        (
            "a plain -d name is not expanded",
            d("my db"),
            &[("PGDATABASE", "envdb")],
            &[("dbname", Some("my db"))],
        ),
        (
            "URI without a database keeps PGDATABASE",
            d("postgresql://h"),
            &[("PGDATABASE", "envdb")],
            &[("host", Some("h")), ("dbname", Some("envdb"))],
        ),
        (
            "PGREQUIRESSL=1 means require",
            none(),
            &[("PGREQUIRESSL", "1")],
            &[("sslmode", Some("require"))],
        ),
        (
            "PGSSLMODE beats PGREQUIRESSL",
            none(),
            &[("PGREQUIRESSL", "1"), ("PGSSLMODE", "disable")],
            &[("sslmode", Some("disable"))],
        ),
        (
            "sslrootcert=system raises the default sslmode to verify-full",
            d("sslrootcert=system"),
            &[],
            &[("sslmode", Some("verify-full"))],
        ),
        (
            "requiressl in a conninfo",
            d("requiressl=1"),
            &[],
            &[("sslmode", Some("require"))],
        ),
        (
            "ssl=true in a URI",
            d("postgresql://h?ssl=true"),
            &[],
            &[("sslmode", Some("require"))],
        ),
        (
            "PGAPPNAME beats the tool's fallback name",
            none(),
            &[("PGAPPNAME", "mine")],
            &[
                ("application_name", Some("mine")),
                ("fallback_application_name", Some("pg_dump")),
            ],
        ),
        (
            "a password in the URI",
            d("postgresql://u:s3cret@h/db"),
            &[("PGPASSWORD", "env")],
            &[("password", Some("s3cret"))],
        ),
        (
            "PGPASSWORD",
            none(),
            &[("PGPASSWORD", "env")],
            &[("password", Some("env"))],
        ),
    ];

    for (name, opts, vars, want) in cases {
        let env = FakeEnv::new(vars);
        let p = resolve(&opts, &env).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (keyword, value) in want {
            assert_eq!(p.get(keyword), *value, "{name}: {keyword}");
        }
    }
}

#[test]
fn derived_user_database_and_sources() {
    let env = FakeEnv::new(&[("PGUSER", "envuser")]);
    let p = resolve(&none(), &env).unwrap();
    assert_eq!(p.user(), "envuser");
    assert_eq!(p.dbname(), "envuser", "dbname defaults to the user");
    assert_eq!(p.source("user"), Some(ValueSource::Environment));
    assert_eq!(p.source("port"), Some(ValueSource::Default));
    assert_eq!(p.source("dbname"), None);

    let p = resolve(
        &cli(Some("host=a dbname=b"), Some("x"), Some("1"), None),
        &FakeEnv::new(&[]),
    )
    .unwrap();
    assert_eq!(p.source("host"), Some(ValueSource::ConnString));
    assert_eq!(p.source("dbname"), Some(ValueSource::ConnString));
    assert_eq!(p.source("port"), Some(ValueSource::CommandLine));
    assert_eq!(p.user(), OS_USER);
    assert_eq!(p.dbname(), "b");
    assert_eq!(p.sslmode(), SslMode::Prefer);
    assert_eq!(p.target_session_attrs(), TargetSessionAttrs::Any);
    assert_eq!(p.effective_application_name(), Some("pg_dump"));
}

#[test]
fn pg_dumpall_puts_command_line_options_over_the_connection_string() {
    // pg_dumpall: the -d string's settings first (its dbname dropped), -h/-p/-U over them,
    // then the database to connect to; the opposite of pg_dump's order.
    let opts = ConnectOptions {
        dbname: Some("postgres".to_owned()),
        host: Some("/cli/socket".to_owned()),
        application_name: Some("pg_dumpall".to_owned()),
        ..ConnectOptions::default()
    };
    let p = resolve_cluster(
        Some("host=/str/socket port=6000 dbname=ignored sslmode=disable"),
        &opts,
        &FakeEnv::new(&[]),
    )
    .unwrap();
    assert_eq!(p.get("host"), Some("/cli/socket"));
    assert_eq!(p.get("port"), Some("6000"));
    assert_eq!(p.dbname(), "postgres");
    assert_eq!(p.sslmode(), SslMode::Disable);
    assert_eq!(p.effective_application_name(), Some("pg_dumpall"));
    let p = resolve_cluster(None, &opts, &FakeEnv::new(&[("PGPORT", "7000")])).unwrap();
    assert_eq!(p.get("port"), Some("7000"));
    assert!(resolve_cluster(Some("host='unterminated"), &opts, &FakeEnv::new(&[])).is_err());
}

#[test]
fn host_lists() {
    type H = (
        Option<&'static str>,
        Option<&'static str>,
        &'static str,
        HostKind,
    );
    let cases: Vec<(&str, ConnectOptions, Vars, Vec<H>)> = vec![
        (
            "default socket directory",
            none(),
            &[],
            vec![(Some(SOCKET_DIR), None, "5432", HostKind::UnixSocket)],
        ),
        (
            "one port for all hosts",
            d("host=a,b port=6000"),
            &[],
            vec![
                (Some("a"), None, "6000", HostKind::Name),
                (Some("b"), None, "6000", HostKind::Name),
            ],
        ),
        (
            "one port per host",
            d("host=a,/tmp,@abs port=1,2,3"),
            &[],
            vec![
                (Some("a"), None, "1", HostKind::Name),
                (Some("/tmp"), None, "2", HostKind::UnixSocket),
                (Some("@abs"), None, "3", HostKind::UnixSocket),
            ],
        ),
        (
            "URI hosts with a port on the second only",
            d("postgresql://h1,h2:5433/db"),
            &[],
            vec![
                (Some("h1"), None, "", HostKind::Name),
                (Some("h2"), None, "5433", HostKind::Name),
            ],
        ),
        (
            "URI IPv6 hosts",
            d("postgresql://[::1]:1,[fe80::1]:2"),
            &[],
            vec![
                (Some("::1"), None, "1", HostKind::Name),
                (Some("fe80::1"), None, "2", HostKind::Name),
            ],
        ),
        (
            "empty element falls back to the default socket",
            d("host=a, port=1,2"),
            &[],
            vec![
                (Some("a"), None, "1", HostKind::Name),
                (Some(SOCKET_DIR), None, "2", HostKind::UnixSocket),
            ],
        ),
        (
            "hostaddr with host names",
            d("host=a,b hostaddr=10.0.0.1,10.0.0.2"),
            &[],
            vec![
                (Some("a"), Some("10.0.0.1"), "5432", HostKind::Address),
                (Some("b"), Some("10.0.0.2"), "5432", HostKind::Address),
            ],
        ),
        (
            "hostaddr alone",
            d("hostaddr=127.0.0.1"),
            &[],
            vec![(None, Some("127.0.0.1"), "5432", HostKind::Address)],
        ),
        (
            "hostaddr with an empty element",
            d("host=a,b hostaddr=,10.0.0.2"),
            &[],
            vec![
                (Some("a"), None, "5432", HostKind::Name),
                (Some("b"), Some("10.0.0.2"), "5432", HostKind::Address),
            ],
        ),
        (
            "PGHOST list with PGPORT",
            none(),
            &[("PGHOST", "x,y"), ("PGPORT", "7")],
            vec![
                (Some("x"), None, "7", HostKind::Name),
                (Some("y"), None, "7", HostKind::Name),
            ],
        ),
        (
            "-h socket directory",
            cli(None, Some("/tmp/ctest"), Some("5499"), None),
            &[],
            vec![(Some("/tmp/ctest"), None, "5499", HostKind::UnixSocket)],
        ),
    ];
    for (name, opts, vars, want) in cases {
        let p = resolve(&opts, &FakeEnv::new(vars)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want: Vec<_> = want
            .into_iter()
            .map(|(h, a, port, k)| {
                (
                    h.map(str::to_owned),
                    a.map(str::to_owned),
                    port.to_owned(),
                    k,
                )
            })
            .collect();
        assert_eq!(hosts(&p), want, "{name}");
    }
}

#[test]
fn option_errors() {
    let cases: Vec<(ConnectOptions, Vars, &str)> = vec![
        (d("foo=bar"), &[], "invalid connection option \"foo\""),
        (
            d("dbname='x"),
            &[],
            "unterminated quoted string in connection info string",
        ),
        (
            d("postgresql://h?bogus=1"),
            &[],
            "invalid URI query parameter: \"bogus\"",
        ),
        (
            d("host=a,b port=1,2,3"),
            &[],
            "could not match 3 port numbers to 2 hosts",
        ),
        (
            d("host=a hostaddr=1.1.1.1,2.2.2.2"),
            &[],
            "could not match 1 host names to 2 hostaddr values",
        ),
        (d("sslmode=foo"), &[], "invalid sslmode value: \"foo\""),
        (none(), &[("PGSSLMODE", "")], "invalid sslmode value: \"\""),
        (
            d("target_session_attrs=bar"),
            &[],
            "invalid target_session_attrs value: \"bar\"",
        ),
        (
            d("channel_binding=maybe"),
            &[],
            "invalid channel_binding value: \"maybe\"",
        ),
        (
            d("sslnegotiation=direct"),
            &[],
            "weak sslmode \"prefer\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")",
        ),
        (
            d("sslrootcert=system sslmode=require"),
            &[],
            "weak sslmode \"require\" may not be used with sslrootcert=system (use \"verify-full\")",
        ),
        (
            d("ssl_min_protocol_version=TLSv9"),
            &[],
            "invalid \"ssl_min_protocol_version\" value: \"TLSv9\"",
        ),
        (
            d("ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2"),
            &[],
            "invalid SSL protocol version range",
        ),
        (
            d("sslcertmode=sometimes"),
            &[],
            "invalid sslcertmode value: \"sometimes\"",
        ),
        (
            d("gssencmode=require"),
            &[],
            "gssencmode value \"require\" invalid when GSSAPI support is not compiled in",
        ),
        (
            d("load_balance_hosts=roundrobin"),
            &[],
            "invalid load_balance_hosts value: \"roundrobin\"",
        ),
        (
            d("min_protocol_version=4.0"),
            &[],
            "invalid min_protocol_version value: \"4.0\"",
        ),
        (
            d("min_protocol_version=3.2 max_protocol_version=3.0"),
            &[],
            "\"min_protocol_version\" is greater than \"max_protocol_version\"",
        ),
        (
            d("require_auth=password"),
            &[],
            "require_auth is not supported (require_auth=\"password\")",
        ),
        (
            d("replication=database"),
            &[],
            "replication connections are not supported",
        ),
    ];
    for (opts, vars, want) in cases {
        let err = resolve(&opts, &FakeEnv::new(vars)).unwrap_err();
        assert!(matches!(err, ConnectError::Options(_)), "{want}");
        assert_eq!(err.to_string(), want, "{:?}", opts.dbname);
    }
}

fn write_file(dir: &Path, name: &str, content: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    path
}

const SERVICE_FILE: &str = "\
# a comment
[other]
host=otherhost

[svc]
  host=svchost
port=6543
dbname=svcdb
options=-c search_path=a b
[after]
host=afterhost
";

#[test]
fn service_files() {
    let dir = tempfile::tempdir().unwrap();
    let user_file = write_file(dir.path(), "user.conf", SERVICE_FILE, 0o644);
    let sys = dir.path().join("sys");
    std::fs::create_dir(&sys).unwrap();
    write_file(
        &sys,
        "pg_service.conf",
        "[syssvc]\nhost=syshost\n[svc]\nhost=shadowed\n",
        0o644,
    );
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    write_file(&home, ".pg_service.conf", "[homesvc]\nport=1111\n", 0o644);

    let uf = user_file.to_str().unwrap();
    let sd = sys.to_str().unwrap();
    type Case<'a> = (
        &'a str,
        ConnectOptions,
        Vec<(&'a str, &'a str)>,
        &'a [(&'a str, Option<&'a str>)],
    );
    let cases: Vec<Case> = vec![
        (
            "service= in -d",
            d("service=svc"),
            vec![("PGSERVICEFILE", uf)],
            &[
                ("host", Some("svchost")),
                ("port", Some("6543")),
                ("dbname", Some("svcdb")),
                ("options", Some("-c search_path=a b")),
            ],
        ),
        (
            "PGSERVICE",
            none(),
            vec![("PGSERVICEFILE", uf), ("PGSERVICE", "svc")],
            &[("host", Some("svchost"))],
        ),
        (
            "explicit settings beat the service",
            cli(Some("service=svc dbname=mine"), Some("cmdhost"), None, None),
            vec![("PGSERVICEFILE", uf)],
            &[
                ("host", Some("cmdhost")),
                ("dbname", Some("mine")),
                ("port", Some("6543")),
            ],
        ),
        (
            "the service beats the environment",
            d("service=svc"),
            vec![
                ("PGSERVICEFILE", uf),
                ("PGHOST", "envhost"),
                ("PGUSER", "envuser"),
            ],
            &[("host", Some("svchost")), ("user", Some("envuser"))],
        ),
        (
            "falls through to PGSYSCONFDIR/pg_service.conf",
            d("service=syssvc"),
            vec![("PGSERVICEFILE", uf), ("PGSYSCONFDIR", sd)],
            &[("host", Some("syshost"))],
        ),
        (
            "the user file wins over the system file",
            d("service=svc"),
            vec![("PGSERVICEFILE", uf), ("PGSYSCONFDIR", sd)],
            &[("host", Some("svchost"))],
        ),
        (
            "~/.pg_service.conf",
            d("service=homesvc"),
            vec![("PGSYSCONFDIR", sd)],
            &[("port", Some("1111"))],
        ),
    ];
    for (name, opts, vars, want) in cases {
        let env = FakeEnv::new(&vars).with_home(&home);
        let p = resolve(&opts, &env).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (keyword, value) in want {
            assert_eq!(p.get(keyword), *value, "{name}: {keyword}");
        }
    }
    let p = resolve(
        &d("service=svc"),
        &FakeEnv::new(&[("PGSERVICEFILE", uf)]).with_home(&home),
    )
    .unwrap();
    assert_eq!(p.source("host"), Some(ValueSource::Service));
}

#[test]
fn service_file_errors() {
    let dir = tempfile::tempdir().unwrap();
    let nested = write_file(dir.path(), "nested.conf", "[s]\nservice=t\n", 0o644);
    let syntax = write_file(dir.path(), "syntax.conf", "[s]\nhost\n", 0o644);
    let unknown = write_file(dir.path(), "unknown.conf", "\n[s]\nbogus=1\n", 0o644);
    let spaced = write_file(dir.path(), "spaced.conf", "[s]\nhost = x\n", 0o644);
    let long = write_file(
        dir.path(),
        "long.conf",
        &format!("[s]\nhost={}\n", "x".repeat(1100)),
        0o644,
    );
    let empty_sys = dir.path().join("nosys");
    let es = empty_sys.to_str().unwrap();
    let missing = dir.path().join("missing.conf");
    let p = |p: &Path| p.to_str().unwrap().to_owned();

    let cases: Vec<(String, String)> = vec![
        (
            p(&nested),
            format!(
                "nested service specifications not supported in service file \"{}\", line 2",
                p(&nested)
            ),
        ),
        (
            p(&syntax),
            format!("syntax error in service file \"{}\", line 2", p(&syntax)),
        ),
        (
            p(&unknown),
            format!("syntax error in service file \"{}\", line 3", p(&unknown)),
        ),
        (
            p(&spaced),
            format!("syntax error in service file \"{}\", line 2", p(&spaced)),
        ),
        (
            p(&long),
            format!("line 2 too long in service file \"{}\"", p(&long)),
        ),
        (
            p(&missing),
            format!("service file \"{}\" not found", p(&missing)),
        ),
    ];
    for (file, want) in cases {
        let env = FakeEnv::new(&[("PGSERVICEFILE", &file), ("PGSYSCONFDIR", es)]);
        let err = resolve(&d("service=s"), &env).unwrap_err();
        assert_eq!(err.to_string(), want);
    }

    let ok = write_file(dir.path(), "ok.conf", "[s]\nhost=x\n", 0o644);
    let env = FakeEnv::new(&[
        ("PGSERVICEFILE", ok.to_str().unwrap()),
        ("PGSYSCONFDIR", es),
    ]);
    let err = resolve(&d("service=nosuch"), &env).unwrap_err();
    assert_eq!(
        err.to_string(),
        "definition of service \"nosuch\" not found"
    );
    // A group name that is only a prefix does not match.
    let err = resolve(
        &d("service=o"),
        &FakeEnv::new(&[
            ("PGSERVICEFILE", ok.to_str().unwrap()),
            ("PGSYSCONFDIR", es),
        ]),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "definition of service \"o\" not found");
}

const PGPASS: &str = "\
# host:port:db:user:password
localhost:5432:*:alice:local-pw
/tmp/ctest:5499:*:alice:socketdir-pw
db1.example:5432:sales:alice:db1-pw
db2.example:6000:*:alice:db2-pw
10.0.0.9:*:*:alice:addr-pw
*:*:*:bob:bob\\:pw
";

#[test]
fn password_file_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "pgpass", PGPASS, 0o600);
    let pf = file.to_str().unwrap().to_owned();

    // (options, expected password per host slot)
    let cases: Vec<(ConnectOptions, Vec<Option<&str>>)> = vec![
        (
            cli(Some("db"), None, None, Some("alice")),
            vec![Some("local-pw")],
        ),
        (
            cli(Some("db"), Some(SOCKET_DIR), None, Some("alice")),
            vec![Some("local-pw")],
        ),
        (
            cli(Some("db"), Some("localhost"), None, Some("alice")),
            vec![Some("local-pw")],
        ),
        (
            cli(Some("db"), Some("/tmp/ctest"), Some("5499"), Some("alice")),
            vec![Some("socketdir-pw")],
        ),
        (
            cli(Some("db"), Some("/tmp"), None, Some("alice")),
            vec![None],
        ),
        (
            d("host=db1.example,db2.example port=5432,6000 dbname=sales user=alice"),
            vec![Some("db1-pw"), Some("db2-pw")],
        ),
        (
            d("host=db1.example,db2.example port=5432,6000 dbname=other user=alice"),
            vec![None, Some("db2-pw")],
        ),
        (d("hostaddr=10.0.0.9 user=alice"), vec![Some("addr-pw")]),
        (d("host=named hostaddr=10.0.0.9 user=alice"), vec![None]),
        (d("postgresql://bob@anywhere:1/x"), vec![Some("bob:pw")]),
        (d("postgresql://alice:explicit@localhost/db"), vec![None]),
    ];
    for (opts, want) in cases {
        let env = FakeEnv::new(&[("PGPASSFILE", &pf)]);
        let p = resolve(&opts, &env).unwrap();
        let got: Vec<Option<String>> = (0..p.hosts().len())
            .map(|i| {
                p.passfile_password(i, &env)
                    .map(|pw| String::from_utf8(pw.as_bytes().to_vec()).unwrap())
            })
            .collect();
        let want: Vec<Option<String>> = want.into_iter().map(|w| w.map(str::to_owned)).collect();
        assert_eq!(got, want, "{:?}", opts.dbname);
        assert!(env.warnings.borrow().is_empty());
    }
}

#[test]
fn password_file_location_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    write_file(&home, ".pgpass", "*:*:*:*:home-pw\n", 0o600);
    let other = write_file(dir.path(), "other", "*:*:*:*:other-pw\n", 0o600);

    let lookup = |opts: &ConnectOptions, vars: &[(&str, &str)]| {
        let env = FakeEnv::new(vars).with_home(&home);
        let p = resolve(opts, &env).unwrap();
        let pw = p
            .passfile_password(0, &env)
            .map(|pw| String::from_utf8(pw.as_bytes().to_vec()).unwrap());
        (pw, env.warnings.take())
    };

    assert_eq!(lookup(&none(), &[]).0.as_deref(), Some("home-pw"));
    let o = other.to_str().unwrap();
    assert_eq!(
        lookup(&none(), &[("PGPASSFILE", o)]).0.as_deref(),
        Some("other-pw")
    );
    assert_eq!(
        lookup(&d(&format!("passfile={o}")), &[]).0.as_deref(),
        Some("other-pw")
    );
    assert_eq!(lookup(&none(), &[("PGPASSWORD", "x")]).0, None);

    #[cfg(unix)]
    {
        let open = write_file(dir.path(), "open", "*:*:*:*:open-pw\n", 0o644);
        let (pw, warnings) = lookup(&none(), &[("PGPASSFILE", open.to_str().unwrap())]);
        assert_eq!(pw, None);
        assert_eq!(
            warnings,
            vec![format!(
                "WARNING: password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
                open.display()
            )]
        );
        let group = write_file(dir.path(), "group", "*:*:*:*:g\n", 0o610);
        assert_eq!(
            lookup(&none(), &[("PGPASSFILE", group.to_str().unwrap())]).0,
            None
        );
    }

    let (pw, warnings) = lookup(&none(), &[("PGPASSFILE", dir.path().to_str().unwrap())]);
    assert_eq!(pw, None);
    assert_eq!(
        warnings,
        vec![format!(
            "WARNING: password file \"{}\" is not a plain file",
            dir.path().display()
        )]
    );

    let missing = dir.path().join("missing");
    let (pw, warnings) = lookup(&none(), &[("PGPASSFILE", missing.to_str().unwrap())]);
    assert_eq!((pw, warnings), (None, vec![]));
}

#[test]
fn reconnect_helpers() {
    let env = FakeEnv::new(&[]);
    let p = resolve(
        &cli(Some("host=h dbname=a"), None, Some("1"), Some("u")),
        &env,
    )
    .unwrap();
    let q = p.with_dbname("host=evil dbname=b");
    assert_eq!(
        q.dbname(),
        "host=evil dbname=b",
        "a later dbname is never expanded"
    );
    assert_eq!(q.get("host"), Some("h"));
    assert_eq!(q.hosts(), p.hosts());
    assert_eq!(p.with_dbname("").dbname(), "u");

    let with = p.with_password(&Password::new("typed"));
    assert_eq!(with.password(), Some(Password::new("typed")));
    assert_eq!(p.with_password(&Password::new("")).password(), None);

    // pg_dump puts the prompted password before the expanded -d string.
    let uri = resolve(&d("postgresql://u:fromuri@h/db"), &env).unwrap();
    assert_eq!(
        uri.with_password(&Password::new("typed")).password(),
        Some(Password::new("fromuri"))
    );
    let envpw = resolve(&none(), &FakeEnv::new(&[("PGPASSWORD", "fromenv")])).unwrap();
    assert_eq!(
        envpw.with_password(&Password::new("typed")).password(),
        Some(Password::new("typed"))
    );
}

#[test]
fn secrets_stay_hidden() {
    let env = FakeEnv::new(&[]);
    let p = resolve(
        &d("postgresql://u:hunter2@h/db?sslpassword=keypass&application_name=x%20y"),
        &env,
    )
    .unwrap();
    let debug = format!("{p:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(!debug.contains("keypass"), "{debug}");
    assert!(debug.contains("<redacted>"));
    let conninfo = p.to_conninfo();
    assert!(!conninfo.contains("hunter2"));
    assert_eq!(
        conninfo,
        "user=u dbname=db host=h application_name='x y' fallback_application_name=pg_dump"
    );
    assert_eq!(
        format!("{:?}", Password::new("hunter2")),
        "Password(<redacted>)"
    );
}

#[test]
fn startup_settings_from_environment() {
    let env = FakeEnv::new(&[
        ("PGDATESTYLE", "ISO, MDY"),
        ("PGTZ", "default"),
        ("PGGEQO", "off"),
    ]);
    let p = resolve(&none(), &env).unwrap();
    assert_eq!(
        p.startup_settings(),
        &[
            ("datestyle".to_owned(), "ISO, MDY".to_owned()),
            ("geqo".to_owned(), "off".to_owned())
        ]
    );
}

#[test]
fn connect_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let env = FakeEnv::new(&[]);
    let p = resolve(&none(), &env).unwrap();
    let opts = none();
    let fut = crate::connect(&p, &opts);
    assert_send(&fut);
}
