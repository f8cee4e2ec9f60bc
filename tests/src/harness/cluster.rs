use std::ffi::OsStr;
use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::error::{HarnessError, Result, describe};
use super::tls::TlsFiles;
use super::tools::{MAJORS, pg_bin_dir, run, run_stdout, run_unchecked, scrub_pg_env, server_user};

/// The superuser every cluster is initialised with.
pub const SUPERUSER: &str = "postgres";

const HOST: &str = "127.0.0.1";

/// How clients other than the harness itself authenticate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Everyone is let in, over TCP and the socket.
    Trust,
    /// The superuser gets this password, and TCP connections (`host` lines)
    /// need it through SCRAM-SHA-256. The Unix socket stays `trust`, which is
    /// how the harness manages the cluster ([`Cluster::psql`],
    /// [`Cluster::new_database`]) whatever the tests do to passwords.
    ScramPassword(String),
}

/// What kind of cluster to start; [`Cluster::start`] takes the defaults.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    pub major: u32,
    pub auth: Auth,
    /// Server certificate and key: the server runs with `ssl=on`.
    pub tls: Option<TlsFiles>,
    /// Extra `-c name=value` settings, after (so over) the harness's own.
    pub settings: Vec<(String, String)>,
}

impl ClusterOptions {
    pub fn new(major: u32) -> Self {
        ClusterOptions {
            major,
            auth: Auth::Trust,
            tls: None,
            settings: Vec::new(),
        }
    }

    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    pub fn scram_password(self, password: impl Into<String>) -> Self {
        self.auth(Auth::ScramPassword(password.into()))
    }

    pub fn tls(mut self, files: TlsFiles) -> Self {
        self.tls = Some(files);
        self
    }

    pub fn setting(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.push((name.into(), value.into()));
        self
    }

    pub fn start(self) -> Result<Cluster> {
        Cluster::start_with(self)
    }
}

/// A PostgreSQL server of one major version, in a temporary directory, on a
/// free port of 127.0.0.1, with its Unix socket in that directory.
///
/// It stops, and its directory goes, when the value is dropped — or when this
/// process ends in any way at all: the server is run under a small shell
/// wrapper that stops it as soon as its stdin, a pipe only this process
/// holds, reaches end of file.
pub struct Cluster {
    major: u32,
    bin_dir: PathBuf,
    port: u16,
    dir: tempfile::TempDir,
    password: Option<String>,
    tls: bool,
    /// The `-c` settings it runs with, which a standby of it gets too.
    settings: Vec<(String, String)>,
    wrapper: Child,
    /// Closing this is the stop signal (see `WRAPPER`).
    lifeline: Option<ChildStdin>,
    next_db: AtomicU32,
    version_num: OnceLock<u32>,
}

/// Runs the server with the pipe from the test process as a lifeline.
/// Arguments: the cluster directory, then the server's command line.
///
/// The watcher reads the pipe; end of file means the test process closed it
/// (Drop) or died (even by SIGKILL), so it marks the stop as wanted and
/// sends SIGINT, PostgreSQL's fast shutdown, escalating to SIGQUIT if that
/// hangs. Once the server has gone, the wrapper removes the directory when
/// the stop was wanted; a server that died on its own leaves it for the
/// harness to read the log from.
const WRAPPER: &str = r#"
dir=$1; shift
exec 3<&0 </dev/null
"$@" 3<&- &
pid=$!
{
    read -r _ <&3
    : >"$dir/.stop"
    kill -INT "$pid" 2>/dev/null
    n=0
    while kill -0 "$pid" 2>/dev/null; do
        n=$((n + 1))
        [ "$n" -eq 20 ] && kill -QUIT "$pid" 2>/dev/null
        sleep 1 3<&-
    done
} &
watcher=$!
exec 3<&-
wait "$pid"
status=$?
kill "$watcher" 2>/dev/null
[ -e "$dir/.stop" ] && rm -rf "$dir"
exit "$status"
"#;

impl Cluster {
    /// Starts a cluster of `major` with the default options (trust, no TLS).
    pub fn start(major: u32) -> Result<Cluster> {
        Cluster::start_with(ClusterOptions::new(major))
    }

    pub fn options(major: u32) -> ClusterOptions {
        ClusterOptions::new(major)
    }

    /// One default cluster of `major` per test process, started on first use
    /// and shared by every test in the binary; each test works in its own
    /// database ([`Cluster::new_database`]). It stops when the process exits.
    ///
    /// Panics when the cluster cannot start: this is for tests.
    pub fn shared(major: u32) -> &'static Cluster {
        match Cluster::try_shared(major) {
            Ok(cluster) => cluster,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Cluster::shared`] without the panic. A failed start is remembered, so
    /// later tests fail at once with the same error instead of retrying.
    pub fn try_shared(major: u32) -> Result<&'static Cluster> {
        type Shared = OnceLock<std::result::Result<&'static Cluster, String>>;
        // One cell per major, so starting a 15 does not wait for an 18.
        static SHARED: [Shared; MAJORS.len()] = [const { OnceLock::new() }; MAJORS.len()];
        let index = MAJORS
            .iter()
            .position(|&m| m == major)
            .ok_or(HarnessError::UnsupportedMajor(major))?;
        SHARED[index]
            .get_or_init(|| {
                // Leaked: a shared cluster lives as long as the process, and
                // the lifeline pipe closing at exit is what stops it.
                Cluster::start(major)
                    .map(|c| &*Box::leak(Box::new(c)))
                    .map_err(|e| format!("shared cluster: {e}"))
            })
            .clone()
            .map_err(HarnessError::Other)
    }

    pub fn start_with(options: ClusterOptions) -> Result<Cluster> {
        let major = options.major;
        let bin_dir = pg_bin_dir(major)?;
        let user = server_user()?;

        let dir = cluster_dir(major, user)?;
        let data_dir = dir.path().join("data");

        let mut initdb = Command::new(bin_dir.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data_dir)
            .args([
                "--no-sync",
                "--no-instructions",
                "-U",
                SUPERUSER,
                "-E",
                "UTF8",
            ])
            .arg("--locale=C");
        let password = match &options.auth {
            Auth::Trust => {
                initdb.arg("--auth=trust");
                None
            }
            Auth::ScramPassword(password) => {
                let pwfile = dir.path().join("pwfile");
                fs::write(&pwfile, format!("{password}\n"))
                    .map_err(HarnessError::io("writing the superuser password file"))?;
                give_to_server(&pwfile, user)?;
                initdb
                    .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
                    .arg(format!("--pwfile={}", pwfile.display()));
                Some(password.clone())
            }
        };
        as_server_user(&mut initdb, user);
        run(&format!("initdb of PostgreSQL {major}"), &mut initdb, None)?;
        let _ = fs::remove_file(dir.path().join("pwfile"));

        let mut settings: Vec<(String, String)> = [
            ("listen_addresses", HOST),
            ("fsync", "off"),
            ("full_page_writes", "off"),
            ("synchronous_commit", "off"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        if let Some(tls) = &options.tls {
            // Copies owned by the server user with mode 0600: the server
            // refuses a key anyone else can read, whoever made the originals.
            let cert = dir.path().join("server.crt");
            let key = dir.path().join("server.key");
            copy_private(&tls.cert, &cert, user)?;
            copy_private(&tls.key, &key, user)?;
            settings.push(("ssl".into(), "on".into()));
            settings.push(("ssl_cert_file".into(), cert.display().to_string()));
            settings.push(("ssl_key_file".into(), key.display().to_string()));
        }
        settings.extend(options.settings.iter().cloned());

        Cluster::launch(
            major,
            bin_dir,
            dir,
            settings,
            password,
            options.tls.is_some(),
        )
    }

    /// Starts the server on a prepared cluster directory (`dir/data`), on a free port.
    fn launch(
        major: u32,
        bin_dir: PathBuf,
        dir: tempfile::TempDir,
        settings: Vec<(String, String)>,
        password: Option<String>,
        tls: bool,
    ) -> Result<Cluster> {
        let user = server_user()?;
        let mut last_error = None;
        // A port picked by binding port 0 can be taken by someone else before
        // the server binds it; that, and only that, is worth another try.
        for _ in 0..5 {
            let port = free_port()?;
            match spawn_server(major, &bin_dir, dir.path(), port, &settings, user) {
                Ok((wrapper, lifeline)) => {
                    return Ok(Cluster {
                        major,
                        bin_dir,
                        port,
                        dir,
                        password,
                        tls,
                        settings,
                        wrapper,
                        lifeline: Some(lifeline),
                        next_db: AtomicU32::new(1),
                        version_num: OnceLock::new(),
                    });
                }
                Err(e @ HarnessError::Startup { .. }) if is_port_clash(&e) => last_error = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_error.expect("the loop ran"))
    }

    /// A hot standby of this cluster: a `pg_basebackup -R` of it, streaming from it over the
    /// Unix socket, started with the same settings. The standby has the primary's password
    /// and TLS files, as it has its data directory.
    pub fn start_standby(&self) -> Result<Cluster> {
        let user = server_user()?;
        let dir = cluster_dir(self.major, user)?;
        let data_dir = dir.path().join("data");
        let mut backup = Command::new(self.bin("pg_basebackup"));
        scrub_pg_env(&mut backup);
        // A fast checkpoint: the default spread one waits most of checkpoint_timeout.
        backup
            .arg("-D")
            .arg(&data_dir)
            .args(["-R", "-X", "stream", "-c", "fast", "--no-sync", "-h"])
            .arg(self.socket_dir())
            .args(["-p", &self.port.to_string(), "-U", SUPERUSER]);
        as_server_user(&mut backup, user);
        run(
            &format!("pg_basebackup of PostgreSQL {}", self.major),
            &mut backup,
            None,
        )?;
        // pg_basebackup writes the connection it used, with options (sslnegotiation) that
        // some builds' walreceiver refuses; the socket needs none of them.
        let auto_conf = data_dir.join("postgresql.auto.conf");
        let conf = fs::read_to_string(&auto_conf).map_err(HarnessError::io(
            "reading the standby's postgresql.auto.conf",
        ))?;
        let mut kept: Vec<&str> = conf
            .lines()
            .filter(|l| !l.starts_with("primary_conninfo"))
            .collect();
        let conninfo = format!(
            "primary_conninfo = 'host={} port={} user={SUPERUSER}'",
            self.socket_dir().display(),
            self.port
        );
        kept.push(&conninfo);
        fs::write(&auto_conf, kept.join("\n") + "\n").map_err(HarnessError::io(
            "writing the standby's postgresql.auto.conf",
        ))?;
        Cluster::launch(
            self.major,
            self.bin_dir.clone(),
            dir,
            self.settings.clone(),
            self.password.clone(),
            self.tls,
        )
    }

    pub fn major(&self) -> u32 {
        self.major
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The TCP host: always "127.0.0.1".
    pub fn host(&self) -> &'static str {
        HOST
    }

    /// The directory holding the Unix socket (and the cluster).
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.socket_dir().join("data")
    }

    pub fn user(&self) -> &'static str {
        SUPERUSER
    }

    /// The superuser's password, with [`Auth::ScramPassword`].
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    pub fn tls(&self) -> bool {
        self.tls
    }

    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// An upstream tool of this cluster's major (`pg_dump`, `psql`, ...).
    pub fn bin(&self, tool: &str) -> PathBuf {
        self.bin_dir.join(tool)
    }

    /// The server's log so far (its stderr), for failure messages.
    pub fn log(&self) -> String {
        read_log(self.dir.path())
    }

    /// `postgresql://postgres[:password]@127.0.0.1:PORT/db`, TCP.
    pub fn uri(&self, db: &str) -> String {
        let userinfo = match &self.password {
            Some(pw) => format!("{SUPERUSER}:{}", percent_encode(pw)),
            None => SUPERUSER.to_string(),
        };
        format!(
            "postgresql://{userinfo}@{HOST}:{}/{}",
            self.port,
            percent_encode(db)
        )
    }

    /// The same as [`Cluster::uri`] as a key=value conninfo string.
    pub fn conninfo(&self, db: &str) -> String {
        let mut s = format!(
            "host={HOST} port={} user={SUPERUSER} dbname={}",
            self.port,
            conninfo_value(db)
        );
        if let Some(pw) = &self.password {
            s.push_str(&format!(" password={}", conninfo_value(pw)));
        }
        s
    }

    /// `program` (any path: an upstream tool of another major, a tusk
    /// binary) with PGHOST=127.0.0.1, PGPORT, PGUSER and, with a password,
    /// PGPASSWORD set, inherited PG* variables removed and LC_ALL=C.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        scrub_pg_env(&mut cmd);
        cmd.env("PGHOST", HOST)
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", SUPERUSER)
            .env("PGCONNECT_TIMEOUT", "30");
        if let Some(pw) = &self.password {
            cmd.env("PGPASSWORD", pw);
        }
        cmd
    }

    /// An upstream tool of this cluster's major, set up as [`Cluster::command`].
    pub fn upstream(&self, tool: &str) -> Command {
        self.command(self.bin(tool))
    }

    /// Runs `sql` (any number of statements) in `db` with
    /// `psql -X -q -At -v ON_ERROR_STOP=1` over the Unix socket and returns
    /// stdout; a failure carries psql's stderr.
    pub fn psql(&self, db: &str, sql: &str) -> Result<String> {
        let mut cmd = self.socket_psql(db);
        cmd.args(["-f", "-"]);
        run_stdout(
            &format!("psql in database {db:?} of PostgreSQL {}", self.major),
            &mut cmd,
            Some(sql.as_bytes()),
        )
    }

    fn socket_psql(&self, db: &str) -> Command {
        let mut cmd = Command::new(self.bin("psql"));
        scrub_pg_env(&mut cmd);
        cmd.args(["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.socket_dir())
            .args(["-p", &self.port.to_string(), "-U", SUPERUSER, "-d"])
            // As a conninfo, so that no database name is taken for one.
            .arg(format!("dbname={}", conninfo_value(db)));
        cmd
    }

    /// Creates an empty database (from template0) whose name starts with
    /// `prefix` and is unique in this cluster, and returns the name.
    pub fn new_database(&self, prefix: &str) -> Result<String> {
        let mut stem: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(48)
            .collect();
        if stem.is_empty() {
            stem.push_str("test");
        }
        let name = format!("{stem}_{}", self.next_db.fetch_add(1, Ordering::Relaxed));
        self.psql(
            "postgres",
            &format!("CREATE DATABASE \"{name}\" TEMPLATE template0"),
        )?;
        Ok(name)
    }

    /// Drops `db`, disconnecting whoever is still in it.
    pub fn drop_database(&self, db: &str) -> Result<()> {
        let quoted = db.replace('"', "\"\"");
        self.psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS \"{quoted}\" WITH (FORCE)"),
        )
        .map(drop)
    }

    /// `server_version_num`, e.g. 150018.
    pub fn server_version_num(&self) -> Result<u32> {
        if let Some(&v) = self.version_num.get() {
            return Ok(v);
        }
        let out = self.psql("postgres", "SHOW server_version_num")?;
        let v = out.trim().parse().map_err(|_| {
            HarnessError::Other(format!("server_version_num is {out:?}, not a number"))
        })?;
        Ok(*self.version_num.get_or_init(|| v))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        drop(self.lifeline.take());
        if wait_for(&mut self.wrapper, Duration::from_secs(30)) {
            return;
        }
        // The wrapper escalates by itself; this is for a wrapper that is stuck.
        if let Some(pid) = postmaster_pid(self.dir.path()) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.wrapper.kill();
        let _ = self.wrapper.wait();
    }
}

fn wait_for(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return true,
            Ok(None) if Instant::now() >= deadline => return false,
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn spawn_server(
    major: u32,
    bin_dir: &Path,
    dir: &Path,
    port: u16,
    settings: &[(String, String)],
    user: Option<(u32, u32)>,
) -> Result<(Child, ChildStdin)> {
    let log_path = dir.join("server.log");
    let log = fs::File::create(&log_path).map_err(HarnessError::io("creating the server log"))?;
    let log2 = log
        .try_clone()
        .map_err(HarnessError::io("duplicating the server log handle"))?;

    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(WRAPPER)
        .arg("tusk-pg-wrapper")
        .arg(dir)
        .arg(bin_dir.join("postgres"))
        .arg("-D")
        .arg(dir.join("data"))
        .arg("-p")
        .arg(port.to_string())
        .arg("-k")
        .arg(dir);
    for (name, value) in settings {
        cmd.arg("-c").arg(format!("{name}={value}"));
    }
    scrub_pg_env(&mut cmd);
    // Its own process group: a Ctrl-C in the terminal must not kill the
    // wrapper before it can clean up; the lifeline stops the server anyway.
    cmd.process_group(0)
        .stdin(Stdio::piped())
        .stdout(log)
        .stderr(log2);
    as_server_user(&mut cmd, user);
    let mut wrapper = cmd
        .spawn()
        .map_err(HarnessError::io(format!("starting `{}`", describe(&cmd))))?;
    let lifeline = wrapper.stdin.take().expect("stdin was piped");

    let timeout = std::env::var("TUSK_PG_START_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let deadline = Instant::now() + Duration::from_secs(timeout);
    let socket = dir.join(format!(".s.PGSQL.{port}"));
    let mut last_psql_error = String::new();
    loop {
        if let Ok(Some(status)) = wrapper.try_wait() {
            // The server is gone, so stop the stray watcher too.
            drop(lifeline);
            return Err(HarnessError::Startup {
                major,
                reason: format!("`{}` exited ({status})", describe(&cmd)),
                log: read_log(dir),
            });
        }
        if socket.exists() {
            let mut psql = Command::new(bin_dir.join("psql"));
            scrub_pg_env(&mut psql);
            psql.args(["-X", "-At", "-h"])
                .arg(dir)
                .args(["-p", &port.to_string(), "-U", SUPERUSER, "-d", "postgres"])
                .args(["-c", "select 1"]);
            let out = run_unchecked("checking the server is up", &mut psql, None)?;
            if out.status.success() {
                return Ok((wrapper, lifeline));
            }
            last_psql_error = String::from_utf8_lossy(&out.stderr).into_owned();
        }
        if Instant::now() >= deadline {
            // Read before stopping: a wanted stop removes the directory.
            let log = read_log(dir);
            drop(lifeline);
            if !wait_for(&mut wrapper, Duration::from_secs(30)) {
                let _ = wrapper.kill();
                let _ = wrapper.wait();
            }
            return Err(HarnessError::Startup {
                major,
                reason: format!(
                    "not accepting connections after {timeout} s (TUSK_PG_START_TIMEOUT); \
                     last psql error: {last_psql_error}"
                ),
                log,
            });
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A new temporary cluster directory, given to the server user.
fn cluster_dir(major: u32, user: Option<(u32, u32)>) -> Result<tempfile::TempDir> {
    let base = match std::env::var_os("TUSK_PG_TMPDIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir(),
    };
    let dir = tempfile::Builder::new()
        .prefix(&format!("tusk-pg{major}-"))
        .tempdir_in(&base)
        .map_err(HarnessError::io(format!(
            "creating a cluster directory in {}",
            base.display()
        )))?;
    give_to_server(dir.path(), user)?;
    Ok(dir)
}

fn is_port_clash(e: &HarnessError) -> bool {
    matches!(e, HarnessError::Startup { log, .. }
        if log.contains("could not bind") || log.contains("Address already in use"))
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((HOST, 0))
        .map_err(HarnessError::io("binding 127.0.0.1:0 to find a free port"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(HarnessError::io("reading the port picked"))
}

fn as_server_user(cmd: &mut Command, user: Option<(u32, u32)>) {
    if let Some((uid, gid)) = user {
        // std drops root's supplementary groups when uid is set this way.
        cmd.uid(uid).gid(gid);
    }
}

fn give_to_server(path: &Path, user: Option<(u32, u32)>) -> Result<()> {
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(HarnessError::io(format!(
            "chown {} to the server user",
            path.display()
        )))?;
    }
    Ok(())
}

fn copy_private(from: &Path, to: &Path, user: Option<(u32, u32)>) -> Result<()> {
    fs::copy(from, to).map_err(HarnessError::io(format!(
        "copying {} to {}",
        from.display(),
        to.display()
    )))?;
    fs::set_permissions(to, fs::Permissions::from_mode(0o600))
        .map_err(HarnessError::io(format!("chmod 600 {}", to.display())))?;
    give_to_server(to, user)
}

fn read_log(dir: &Path) -> String {
    fs::read_to_string(dir.join("server.log")).unwrap_or_else(|e| format!("(no log: {e})"))
}

fn postmaster_pid(dir: &Path) -> Option<u32> {
    fs::read_to_string(dir.join("data").join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// RFC 3986 percent-encoding of everything but unreserved characters, which
/// is valid in both the userinfo and the path of a libpq URI.
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn conninfo_value(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_unreserved_only() {
        assert_eq!(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(percent_encode("p@ss:w/rd é"), "p%40ss%3Aw%2Frd%20%C3%A9");
    }

    #[test]
    fn conninfo_values_are_quoted() {
        assert_eq!(conninfo_value(r"it's a\b"), r"'it\'s a\\b'");
    }

    #[test]
    fn only_bind_failures_are_retried() {
        let startup = |log: &str| HarnessError::Startup {
            major: 15,
            reason: String::new(),
            log: log.to_string(),
        };
        assert!(is_port_clash(&startup(
            "LOG:  could not bind IPv4 address \"127.0.0.1\": Address already in use"
        )));
        assert!(!is_port_clash(&startup(
            "FATAL:  data directory has wrong ownership"
        )));
    }
}
