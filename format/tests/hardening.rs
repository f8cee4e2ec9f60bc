//! The readers against damaged archives: every golden archive of fixtures/golden/versions (made
//! by upstream pg_dump 14 to 18, see its README.md) cut short at points of its header and TOC
//! and at a stride through its data, and with single bytes of its header and TOC changed. Each
//! damaged copy is opened and every data member read. The reader may accept it or refuse it,
//! but must never panic, must give a message, and must never allocate without bound.
//!
//! Unbounded allocation is caught by running each test in a child process of this binary under
//! an address-space limit (`ulimit -v`): an allocation beyond it aborts the child, which fails
//! the test. Set `TUSK_HARDENING_TRACE=1` to have the child print each case before running it,
//! to find the one that aborted.
//!
//! By default every byte of the first [`HEAD`] bytes and the last [`TAIL`] bytes of the TOC is
//! tried, and every [`TOC_STEP`]th byte between them. `TUSK_HARDENING_FULL=1` tries every byte
//! of every file with more replacement values: about 470,000 damaged copies and three to five
//! minutes per custom archive with `--release` on two cores:
//!
//! ```text
//! TUSK_HARDENING_FULL=1 cargo test --release -p tusk-format --test hardening
//! ```
//!
//! Formats and compressions that have no reader yet are skipped with a note on stderr.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use tusk_format::archive::{self, ArchiveRead, OpenError};
use tusk_format::{CustomReader, DataLocation, DataSink, DumpId, Toc};

/// Address space a child may use. Far more than reading a 70 kB archive needs, far less than a
/// length field read from a damaged archive can claim.
const CHILD_LIMIT_KB: u64 = 1024 * 1024;

const CHILD_ENV: &str = "TUSK_HARDENING_CHILD";
const FULL_ENV: &str = "TUSK_HARDENING_FULL";
const TRACE_ENV: &str = "TUSK_HARDENING_TRACE";

/// Whether an error that names no offset, entry, block or header field fails the test. The
/// issue asks for errors that say where; a few header and ENCODING/STDSTRINGS errors keep
/// upstream's bare wording for now, so they are listed in the output instead.
const REQUIRE_PLACE: bool = true;

/// Failures listed in a test's report before the rest are only counted.
const REPORT_MAX: usize = 25;

/// Every byte of this many leading bytes (the header and the ENCODING, STDSTRINGS and SEARCHPATH
/// entries, which the reader checks as it goes) is always cut at and changed, with every value.
const HEAD: usize = 512;
/// The same for the last bytes of the TOC, which hold the last entry's data position.
const TAIL: usize = 16;
/// Between them, by default, every this many bytes: the TOC is most of a golden archive, and
/// archives of one major differ only in their compression, so sampling each at another phase
/// covers the TOC layout of every major several times over while keeping `cargo test` short.
const TOC_STEP: usize = 16;

fn versions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/golden/versions")
}

fn env_is(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

/// Runs `body` in a child process of this test binary under [`CHILD_LIMIT_KB`], or directly when
/// this is the child (or no shell can set the limit).
fn limited(test: &str, body: impl FnOnce()) {
    if std::env::var_os(CHILD_ENV).is_some() {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let script = format!("ulimit -v {CHILD_LIMIT_KB} && exec \"$0\" \"$@\"");
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(&exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            eprintln!("note: cannot run `sh` to limit memory ({e}); running {test} unlimited");
            body();
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The child's summary and notes are for whoever runs the parent.
    for line in stdout.lines() {
        // With --nocapture the test's first line follows libtest's "test NAME ... ".
        let line = match line.strip_prefix("test ") {
            Some(rest) => rest.split_once(" ... ").map_or("", |(_, after)| after),
            None => line,
        };
        let noise = ["", "ok", "FAILED"].contains(&line)
            || line.starts_with("case: ")
            || line.starts_with("running ");
        if !noise {
            println!("{line}");
        }
    }
    for line in stderr.lines().filter(|l| l.starts_with("note: ")) {
        eprintln!("{line}");
    }
    if !output.status.success() || !stdout.contains("1 passed") {
        panic!(
            "{test} failed in its child process under `ulimit -v {CHILD_LIMIT_KB}` ({}); an \
             abort there (\"memory allocation of N bytes failed\") means an unbounded \
             allocation: rerun with {TRACE_ENV}=1 to see the case\n--- child stdout (end) \
             ---\n{}\n--- child stderr (end) ---\n{}",
            output.status,
            tail(&stdout, 10),
            tail(&stderr, 80)
        );
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

thread_local! {
    /// Where and why the last panic on this thread happened, set by the hook [`quiet_panics`]
    /// installs, so a caught panic can be reported with its location.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the panic hook by one that records instead of printing: thousands of cases may
/// panic alike, and the report lists them more readably than the default hook would.
fn quiet_panics() {
    panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown location".into());
        let message = payload_text(info.payload());
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message} (at {location})")));
    }));
}

fn payload_text(payload: &dyn Any) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// A reader that cannot seek, like a pipe.
struct Pipe<R>(R);

impl<R: Read> Read for Pipe<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R> Seek for Pipe<R> {
    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
        Err(io::Error::from_raw_os_error(29)) // ESPIPE
    }
}

/// Takes the data and drops it: what damaged data decodes to does not matter here.
struct Discard;

impl DataSink for Discard {
    fn data(&mut self, _bytes: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn start_lo(&mut self, _oid: u32) -> io::Result<()> {
        Ok(())
    }
    fn end_lo(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Whether an error message says where reading stopped.
fn names_a_place(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "offset", "entry", "block", "header", "toc", "member", "file", "line",
    ]
    .iter()
    .any(|word| m.contains(word))
}

/// The message with numbers, quoted text and parenthesised details blanked, so that errors of
/// one kind count as one.
fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut in_number = false;
    for c in message.chars() {
        match c {
            '"' if depth == 0 => {
                quoted = !quoted;
                if quoted {
                    out.push_str("\"…\"");
                }
            }
            _ if quoted => {}
            '(' => {
                if depth == 0 {
                    out.push_str("(…)");
                }
                depth += 1;
            }
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            '0'..='9' => {
                if !in_number {
                    out.push('N');
                }
                in_number = true;
                continue;
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
        in_number = false;
    }
    // Upstream's "invalid ENCODING item: <the defn>" and the like end in the damaged text.
    match out.find(" item: ") {
        Some(i) => format!("{} item: …", &out[..i]),
        None => out,
    }
}

/// What a sweep over damaged copies of one archive found.
struct Findings {
    started: Instant,
    cases: usize,
    accepted: usize,
    /// Error shapes and how often each was met.
    shapes: BTreeMap<String, usize>,
    panics: Vec<String>,
    empty: Vec<String>,
    unplaced: Vec<String>,
}

impl Findings {
    fn new() -> Findings {
        quiet_panics();
        Findings {
            started: Instant::now(),
            cases: 0,
            accepted: 0,
            shapes: BTreeMap::new(),
            panics: Vec::new(),
            empty: Vec::new(),
            unplaced: Vec::new(),
        }
    }

    /// Runs one case: `read` opens the damaged archive and reads all its data, returning the
    /// errors it met (one for a refused open, possibly several from data members).
    fn case(&mut self, label: &str, read: impl FnOnce() -> Vec<String>) {
        self.cases += 1;
        if env_is(TRACE_ENV) {
            println!("case: {label}");
        }
        LAST_PANIC.with(|p| p.borrow_mut().take());
        match panic::catch_unwind(AssertUnwindSafe(read)) {
            Ok(errors) if errors.is_empty() => self.accepted += 1,
            Ok(errors) => {
                for message in errors {
                    // Data errors come prefixed with "entry N: " by the callers.
                    let bare = message.split_once(": ").map_or(&*message, |(_, m)| m);
                    if bare.trim().is_empty() {
                        self.empty.push(format!("{label}: {message:?}"));
                    } else if !names_a_place(&message) {
                        self.unplaced.push(format!("{label}: {message:?}"));
                    }
                    *self.shapes.entry(shape(&message)).or_default() += 1;
                }
            }
            Err(payload) => {
                let detail = LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_else(|| payload_text(payload.as_ref()));
                self.panics.push(format!("{label}: panicked: {detail}"));
            }
        }
    }

    /// Prints what was found and fails if any case panicked or gave an empty error.
    fn finish(self, archive: &str) {
        // The recording hook would swallow this test's own failure message.
        drop(panic::take_hook());
        let mut summary = format!(
            "{archive}: {} damaged copies in {:.1?}: {} read without error, {} panics, {} empty \
             errors, {} errors naming no place\n",
            self.cases,
            self.started.elapsed(),
            self.accepted,
            self.panics.len(),
            self.empty.len(),
            self.unplaced.len()
        );
        for (shape, n) in &self.shapes {
            let _ = writeln!(summary, "  {n:>6} × {shape}");
        }
        let mut failing: Vec<(&str, &Vec<String>)> =
            vec![("panics", &self.panics), ("empty errors", &self.empty)];
        let unplaced = ("errors naming no offset, entry or field", &self.unplaced);
        if REQUIRE_PLACE {
            failing.push(unplaced);
        } else {
            list(&mut summary, unplaced.0, unplaced.1);
        }
        println!("{summary}");
        let mut report = String::new();
        for (title, found) in &failing {
            list(&mut report, title, found);
        }
        if !report.is_empty() {
            panic!("{summary}\n{report}");
        }
    }
}

fn list(out: &mut String, title: &str, found: &[String]) {
    if found.is_empty() {
        return;
    }
    let _ = writeln!(out, "{} {title}:", found.len());
    for line in found.iter().take(REPORT_MAX) {
        let _ = writeln!(out, "  {line}");
    }
    if found.len() > REPORT_MAX {
        let _ = writeln!(out, "  ... and {} more", found.len() - REPORT_MAX);
    }
}

/// Replacement values for the byte `b`: each flips the kind of thing a reader trips on (a sign
/// byte, a length's high byte, a flag, a digit), without repeating `b` itself.
fn replacements(b: u8) -> Vec<u8> {
    let mut values = vec![b ^ 0xff, b ^ 0x01, 0x80];
    if env_is(FULL_ENV) {
        values.extend([0x00, 0xff, 0x7f, b ^ 0x40, b ^ 0x10]);
    }
    let mut out = Vec::new();
    for v in values {
        if v != b && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Where to cut a file of `len` bytes whose first `toc_end` are header and TOC, and which bytes
/// to change to what.
struct Plan {
    len: usize,
    toc_end: usize,
    step: usize,
    phase: usize,
    data_step: usize,
}

impl Plan {
    /// `data_step` is the stride through the data after the TOC (1 with `TUSK_HARDENING_FULL`).
    fn new(name: &str, len: usize, toc_end: usize, data_step: usize) -> Plan {
        let full = env_is(FULL_ENV);
        let step = if full { 1 } else { TOC_STEP };
        Plan {
            len,
            toc_end: toc_end.min(len),
            step,
            phase: name.bytes().map(usize::from).sum::<usize>() % step,
            data_step: if full { 1 } else { data_step.max(1) },
        }
    }

    fn dense(&self, at: usize) -> bool {
        at < HEAD || at + TAIL >= self.toc_end
    }

    fn points(&self) -> Vec<usize> {
        let mut out: Vec<usize> = (0..self.toc_end)
            .filter(|&at| self.dense(at) || at % self.step == self.phase)
            .collect();
        out.extend((self.toc_end..self.len).step_by(self.data_step));
        out
    }

    /// The values byte `at`, now `b`, is changed to: all of [`replacements`] where every byte
    /// is tried, else one of them in turn; in the data one is enough, as it is compressed or
    /// COPY text that only a codec looks into.
    fn values(&self, at: usize, b: u8) -> Vec<u8> {
        let all = replacements(b);
        if at >= self.toc_end {
            vec![b ^ 0xff]
        } else if self.dense(at) || self.step == 1 {
            all
        } else {
            vec![all[(at / self.step) % all.len()]]
        }
    }
}

fn data_ids(toc: &Toc) -> Vec<DumpId> {
    toc.entries
        .iter()
        .filter(|e| !matches!(e.data, DataLocation::None))
        .map(|e| e.dump_id)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Custom format: read from memory, as a seekable file and as a pipe.

fn read_custom<R: Read + Seek>(input: R) -> Vec<String> {
    let mut reader = match CustomReader::open(input) {
        Ok(reader) => reader,
        Err(e) => return vec![e.to_string()],
    };
    let mut errors = Vec::new();
    for id in data_ids(reader.toc()) {
        if let Err(e) = reader.read_data(id, &mut Discard) {
            errors.push(format!("entry {id}: {e}"));
        }
    }
    errors
}

/// Where the TOC of a custom archive ends: the shortest prefix that opens.
fn custom_toc_end(bytes: &[u8]) -> usize {
    let (mut lo, mut hi) = (0, bytes.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if CustomReader::open(Cursor::new(&bytes[..mid])).is_ok() {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

fn custom(name: &str) {
    let path = versions_dir().join(name);
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut clean = read_custom(Cursor::new(&bytes[..]));
    if clean.iter().any(|e| e.contains("not supported")) {
        eprintln!("note: {name}: skipped, its compression has no reader yet: {clean:?}");
        return;
    }
    clean.extend(read_custom(Pipe(Cursor::new(&bytes[..]))));
    assert!(
        clean.is_empty(),
        "{name}: the undamaged archive reads with errors: {clean:?}"
    );
    let plan = Plan::new(name, bytes.len(), custom_toc_end(&bytes), 7);
    let mut findings = Findings::new();
    let points = plan.points();
    for &cut in &points {
        let prefix = &bytes[..cut];
        findings.case(&format!("{name} cut at {cut} (file)"), || {
            read_custom(Cursor::new(prefix))
        });
        findings.case(&format!("{name} cut at {cut} (pipe)"), || {
            read_custom(Pipe(Cursor::new(prefix)))
        });
    }
    let mut damaged = bytes.clone();
    for &at in &points {
        let original = bytes[at];
        for value in plan.values(at, original) {
            damaged[at] = value;
            let label = format!("{name} byte {at} {original:#04x}→{value:#04x}");
            findings.case(&format!("{label} (file)"), || {
                read_custom(Cursor::new(&damaged[..]))
            });
            findings.case(&format!("{label} (pipe)"), || {
                read_custom(Pipe(Cursor::new(&damaged[..])))
            });
        }
        damaged[at] = original;
    }
    findings.finish(name);
}

// ---------------------------------------------------------------------------------------------
// Tar and directory formats: the readers take a path, so each damaged copy is written to a
// temporary file.

fn read_path(path: &Path) -> Vec<String> {
    let mut reader: Box<dyn ArchiveRead> = match archive::open(path.to_str(), None) {
        Ok(reader) => reader,
        Err(e) => return vec![e.to_string()],
    };
    let mut errors = Vec::new();
    for id in data_ids(reader.toc()) {
        if let Err(e) = reader.read_data(id, &mut Discard) {
            errors.push(format!("entry {id}: {e}"));
        }
    }
    errors
}

/// Reads the undamaged archive; `false`, with a note, when its format or compression has no
/// reader yet.
fn reader_exists(name: &str, path: &Path) -> bool {
    if let Err(OpenError::Unsupported(what)) = archive::open(path.to_str(), None) {
        eprintln!("note: {name}: skipped, there is no {what} reader yet");
        return false;
    }
    let errors = read_path(path);
    if errors.iter().any(|e| e.contains("not supported")) {
        eprintln!("note: {name}: skipped, no reader for it yet: {errors:?}");
        return false;
    }
    assert!(
        errors.is_empty(),
        "{name}: the undamaged archive reads with errors: {errors:?}"
    );
    true
}

/// The tar member `toc.dat` ends here (it comes first, after its 512-byte header).
fn tar_toc_end(bytes: &[u8]) -> usize {
    let digits: String = bytes[124..136]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    let size = usize::from_str_radix(&digits, 8).expect("toc.dat size in the first tar header");
    512 + size
}

fn tar(name: &str) {
    let path = versions_dir().join(name);
    if !reader_exists(name, &path) {
        return;
    }
    let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let work = tempfile::tempdir().expect("a temporary directory");
    let copy = work.path().join(name);
    // The header block of toc.dat comes before the archive header: HEAD covers both.
    let plan = Plan::new(name, bytes.len(), tar_toc_end(&bytes), 97);
    let mut findings = Findings::new();
    let points = plan.points();
    for &cut in &points {
        fs::write(&copy, &bytes[..cut]).expect("writing a cut copy");
        findings.case(&format!("{name} cut at {cut}"), || read_path(&copy));
    }
    let mut damaged = bytes.clone();
    for &at in &points {
        let original = bytes[at];
        for value in plan.values(at, original) {
            damaged[at] = value;
            fs::write(&copy, &damaged).expect("writing a changed copy");
            findings.case(
                &format!("{name} byte {at} {original:#04x}→{value:#04x}"),
                || read_path(&copy),
            );
        }
        damaged[at] = original;
    }
    findings.finish(name);
}

fn directory(name: &str) {
    let path = versions_dir().join(name);
    if !reader_exists(name, &path) {
        return;
    }
    let work = tempfile::tempdir().expect("a temporary directory");
    let copy = work.path().join(name);
    fs::create_dir(&copy).expect("creating the copy");
    let mut members: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for entry in fs::read_dir(&path).expect("reading a directory archive") {
        let entry = entry.expect("directory entry");
        let bytes = fs::read(entry.path()).expect("reading a member");
        fs::write(copy.join(entry.file_name()), &bytes).expect("copying a member");
        members.push((entry.file_name().into(), bytes));
    }
    members.sort();
    let mut findings = Findings::new();
    for (member, bytes) in &members {
        let shown = format!("{name}/{}", member.display());
        let target = copy.join(member);
        let is_toc = member.as_os_str() == "toc.dat";
        // Data files and large-object lists are small: every 3rd cut, and no changed bytes
        // (a changed byte of a data file is a codec's business, tried on custom archives).
        let toc_end = if is_toc { bytes.len() } else { 0 };
        let plan = Plan::new(&shown, bytes.len(), toc_end, 3);
        let points = plan.points();
        for &cut in &points {
            fs::write(&target, &bytes[..cut]).expect("writing a cut member");
            findings.case(&format!("{shown} cut at {cut}"), || read_path(&copy));
        }
        if is_toc {
            let mut damaged = bytes.clone();
            for &at in &points {
                let original = bytes[at];
                for value in plan.values(at, original) {
                    damaged[at] = value;
                    fs::write(&target, &damaged).expect("writing a changed toc.dat");
                    findings.case(
                        &format!("{shown} byte {at} {original:#04x}→{value:#04x}"),
                        || read_path(&copy),
                    );
                }
                damaged[at] = original;
            }
        }
        fs::write(&target, bytes).expect("restoring a member");
    }
    findings.finish(name);
}

// ---------------------------------------------------------------------------------------------

macro_rules! hardening {
    ($kind:ident: $($test:ident => $file:literal;)*) => {
        $(
            #[test]
            fn $test() {
                limited(stringify!($test), || $kind($file));
            }
        )*
    };
}

hardening! { custom:
    custom_pg14_gzip => "pg14-c-gzip.dump";
    custom_pg14_none => "pg14-c-none.dump";
    custom_pg15_gzip => "pg15-c-gzip.dump";
    custom_pg15_none => "pg15-c-none.dump";
    custom_pg16_none => "pg16-c-none.dump";
    custom_pg16_gzip => "pg16-c-gzip.dump";
    custom_pg16_lz4 => "pg16-c-lz4.dump";
    custom_pg16_zstd => "pg16-c-zstd.dump";
    custom_pg17_none => "pg17-c-none.dump";
    custom_pg17_gzip => "pg17-c-gzip.dump";
    custom_pg17_lz4 => "pg17-c-lz4.dump";
    custom_pg17_zstd => "pg17-c-zstd.dump";
    custom_pg18_none => "pg18-c-none.dump";
    custom_pg18_gzip => "pg18-c-gzip.dump";
    custom_pg18_lz4 => "pg18-c-lz4.dump";
    custom_pg18_zstd => "pg18-c-zstd.dump";
}

hardening! { directory:
    directory_pg14_gzip => "pg14-d-gzip";
    directory_pg14_none => "pg14-d-none";
    directory_pg15_gzip => "pg15-d-gzip";
    directory_pg15_none => "pg15-d-none";
    directory_pg16_none => "pg16-d-none";
    directory_pg16_gzip => "pg16-d-gzip";
    directory_pg16_lz4 => "pg16-d-lz4";
    directory_pg16_zstd => "pg16-d-zstd";
    directory_pg17_none => "pg17-d-none";
    directory_pg17_gzip => "pg17-d-gzip";
    directory_pg17_lz4 => "pg17-d-lz4";
    directory_pg17_zstd => "pg17-d-zstd";
    directory_pg18_none => "pg18-d-none";
    directory_pg18_gzip => "pg18-d-gzip";
    directory_pg18_lz4 => "pg18-d-lz4";
    directory_pg18_zstd => "pg18-d-zstd";
}

hardening! { tar:
    tar_pg14 => "pg14-t.tar";
    tar_pg15 => "pg15-t.tar";
    tar_pg16 => "pg16-t.tar";
    tar_pg17 => "pg17-t.tar";
    tar_pg18 => "pg18-t.tar";
}

/// The limit really stops a runaway allocation: without it the child could not catch one.
#[test]
fn the_memory_limit_is_enforced() {
    limited("the_memory_limit_is_enforced", || {
        if std::env::var_os(CHILD_ENV).is_none() {
            eprintln!("note: no child process, so no memory limit to check");
            return;
        }
        let too_much = usize::try_from(CHILD_LIMIT_KB * 1024).unwrap_or(usize::MAX);
        let mut v: Vec<u8> = Vec::new();
        assert!(
            v.try_reserve_exact(too_much).is_err(),
            "reserving {too_much} bytes succeeded despite `ulimit -v {CHILD_LIMIT_KB}`"
        );
    });
}

/// Every golden archive has a hardening test above.
#[test]
fn every_golden_archive_is_covered() {
    let source = include_str!("hardening.rs");
    let mut missing: Vec<String> = fs::read_dir(versions_dir())
        .expect("fixtures/golden/versions")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("pg"))
        .filter(|name| !source.contains(&format!("=> \"{name}\";")))
        .collect();
    missing.sort();
    assert!(missing.is_empty(), "no hardening test for {missing:?}");
}
