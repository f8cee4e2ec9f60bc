//! Running the emitter's output on a server: each command as one simple query, COPY payloads
//! through COPY FROM STDIN, and errors counted and reported the way pg_restore does
//! (`warn_or_exit_horribly`): on with the next command unless `--exit-on-error`.

use std::borrow::Cow;

use tusk_connect::{CopyIn, Session, describe_db_error, describe_db_error_in};
use tusk_format::TocEntry;
use tusk_format::encoding::{self, Encoding};
use tusk_format::script::{LargeObjectWriter, ScriptError, Sink, Transaction};

use crate::large_objects::{Failure, Pipeline};
use crate::progress::SinkProgress;

/// What every session of one restore shares: the target server and the archive's text.
#[derive(Debug, Clone, Copy)]
pub struct SinkSettings {
    pub server_version: i32,
    pub encoding: Encoding,
    pub std_strings: bool,
    pub exit_on_error: bool,
}

impl SinkSettings {
    /// The settings for applying an archive's text in `encoding` on `session`'s server.
    pub fn new(
        session: &Session,
        encoding: Encoding,
        std_strings: bool,
        exit_on_error: bool,
    ) -> Self {
        SinkSettings {
            server_version: session
                .connection()
                .server_version_num()
                .and_then(|v| i32::try_from(v).ok())
                .unwrap_or(0),
            encoding,
            std_strings,
            exit_on_error,
        }
    }
}

/// Opens more sessions like `session`, into any database of its server: later sessions
/// (after -C creates the database, and parallel workers) reuse what worked, password
/// included, without prompting again.
pub fn reconnector(
    session: &Session,
    conn_opts: &tusk_connect::ConnectOptions,
) -> impl Fn(&str) -> Result<Session, String> + Sync + Clone + use<> {
    let reconnect_opts = tusk_connect::ConnectOptions {
        no_password: true,
        ..conn_opts.clone()
    };
    let connected = session.connection().params.clone();
    move |dbname: &str| {
        Session::connect(&connected.with_dbname(dbname), &reconnect_opts).map_err(|e| e.to_string())
    }
}

pub struct DbSink<'a> {
    session: Session,
    /// Opens a session in another database of the same server (`-C`).
    connect: &'a mut dyn FnMut(&str) -> Result<Session, String>,
    exit_on_error: bool,
    errors: u64,
    copy: Option<(CopyIn, String)>,
    server_version: i32,
    /// The archive's encoding. The session stays in UTF-8 (tokio-postgres speaks nothing
    /// else), so the archive's text is converted before it is sent and COPY is told the
    /// payload's encoding.
    encoding: Encoding,
    statements: StatementSplitter,
    report: &'a mut dyn FnMut(&str),
    progress: SinkProgress,
    /// While holding, the first error is kept here instead of reported or counted: a piece
    /// of a split table whose failure makes the whole table load again the ordinary way,
    /// which then reports it as pg_restore would.
    held: Option<Option<String>>,
    large_objects: Pipeline,
}

impl<'a> DbSink<'a> {
    pub fn new(
        session: Session,
        connect: &'a mut dyn FnMut(&str) -> Result<Session, String>,
        settings: SinkSettings,
        report: &'a mut dyn FnMut(&str),
    ) -> Self {
        DbSink {
            session,
            connect,
            exit_on_error: settings.exit_on_error,
            errors: 0,
            copy: None,
            server_version: settings.server_version,
            encoding: settings.encoding,
            statements: StatementSplitter {
                escapes: !settings.std_strings,
                ..StatementSplitter::default()
            },
            report,
            progress: SinkProgress::default(),
            held: None,
            large_objects: Pipeline::default(),
        }
    }

    /// `--progress`: what this sink's COPYs count into.
    pub fn set_progress(&mut self, progress: SinkProgress) {
        self.progress = progress;
    }

    /// Whether the session's connection has gone (the server closed it, or it broke).
    pub fn connection_closed(&self) -> bool {
        self.session.client().is_closed()
    }

    pub fn progress(&mut self) -> &mut SinkProgress {
        &mut self.progress
    }

    /// Starts keeping errors back (see `held`).
    pub fn hold_errors(&mut self) {
        self.held = Some(None);
    }

    /// Stops keeping errors back; returns the first one kept, if any.
    pub fn release_errors(&mut self) -> Option<String> {
        self.held.take().flatten()
    }

    /// The database the session is in (after `-C`, the one created).
    pub fn dbname(&self) -> String {
        self.session.connection().params.dbname().to_owned()
    }

    /// Passes on a message to whoever reports this sink's errors (a parallel worker's, for
    /// the leader to print).
    pub fn report(&mut self, message: &str) {
        (self.report)(message);
    }

    /// Counts and reports an error, or stops the restore with it under `--exit-on-error`.
    fn fail(&mut self, message: String) -> Result<(), ScriptError> {
        if let Some(held) = self.held.as_mut() {
            held.get_or_insert(message);
            return Ok(());
        }
        if self.exit_on_error {
            return Err(ScriptError::Other(message));
        }
        (self.report)(&message);
        self.errors += 1;
        Ok(())
    }

    /// `ExecuteSqlCommand`: runs `text`; a failure is reported as `what` failed.
    fn execute(&mut self, text: &str, what: &str) -> Result<(), ScriptError> {
        match self.run(text) {
            Ok(()) => Ok(()),
            Err(e) => self.fail(format!("{what}: {e}\nCommand was: {text}")),
        }
    }

    fn run(&mut self, text: &str) -> Result<(), String> {
        self.session_text(text).and_then(|t| {
            self.session
                .execute(&t)
                .map_err(|e| describe_db_error_in(&e, &t))
        })
    }

    /// The model's text (see `tusk_format::encoding`) as the UTF-8 the session speaks. UTF8
    /// and LATIN1 text already is (LATIN1's bytes are the first 256 code points); other
    /// encodings' text is converted by the server, as it converts a client's in that encoding.
    fn session_text<'t>(&self, text: &'t str) -> Result<Cow<'t, str>, String> {
        if text.is_ascii() || matches!(self.encoding, Encoding::Utf8 | Encoding::Latin1) {
            return Ok(Cow::Borrowed(text));
        }
        let bytes = encoding::encode(text, self.encoding).map_err(|e| {
            format!(
                "character {:?} is not in encoding {}",
                e.ch,
                self.encoding.name()
            )
        })?;
        self.session
            .decode_texts(&[&bytes], self.encoding.name())
            .map_err(|e| describe_db_error(&e))?
            .pop()
            .map(Cow::Owned)
            .ok_or_else(|| "the server converted nothing".to_owned())
    }
}

impl Sink for DbSink<'_> {
    fn is_database(&self) -> bool {
        true
    }

    fn server_version(&self) -> Option<i32> {
        Some(self.server_version)
    }

    fn comment(&mut self, _text: &str) -> Result<(), ScriptError> {
        Ok(())
    }

    fn sql(&mut self, text: &str, entry: Option<&TocEntry>) -> Result<(), ScriptError> {
        if let Some(entry) = entry {
            self.progress.entry(entry);
        }
        self.execute(text, "could not execute query")
    }

    fn setting(&mut self, text: &str, failure: &str) -> Result<(), ScriptError> {
        match self.run(text) {
            Ok(()) => Ok(()),
            Err(e) => self.fail(format!("{failure}: {e}")),
        }
    }

    fn transaction(
        &mut self,
        step: Transaction,
        _text: &str,
        _entry: Option<&TocEntry>,
    ) -> Result<(), ScriptError> {
        const COMMIT: (&str, &str) = ("COMMIT", "could not commit database transaction");
        const BEGIN: (&str, &str) = ("BEGIN", "could not start database transaction");
        let commands: &[(&str, &str)] = match step {
            Transaction::Begin => &[BEGIN],
            Transaction::Commit => &[COMMIT],
            Transaction::CommitBegin => &[COMMIT, BEGIN],
        };
        for (command, what) in commands {
            self.execute(command, what)?;
        }
        Ok(())
    }

    fn errors(&self) -> u64 {
        self.errors
    }

    fn copy_begin(&mut self, copy_stmt: &str, entry: &TocEntry) -> Result<(), ScriptError> {
        self.progress.copy_begin(entry);
        let copy_stmt = copy_in_encoding(copy_stmt, self.encoding);
        match self.session.copy_in(&copy_stmt) {
            Ok(copy) => {
                self.copy = Some((copy, entry.tag.clone()));
                Ok(())
            }
            Err(e) => self.fail(format!(
                "could not execute query: {}\nCommand was: {}",
                describe_db_error_in(&e, &copy_stmt),
                copy_stmt
            )),
        }
    }

    fn copy_data(&mut self, bytes: &[u8]) -> Result<(), ScriptError> {
        self.progress.copy_data(bytes);
        // After a failed COPY start the payload is read and dropped, as upstream does.
        let Some((copy, _)) = self.copy.as_mut() else {
            return Ok(());
        };
        match copy.send(bytes) {
            Ok(()) => Ok(()),
            Err(e) if e.is_closed() => Err(connection_lost("PQputCopyData")),
            Err(e) => {
                let tag = self.copy.take().map(|(_, t)| t).unwrap_or_default();
                self.copy_failed(&tag, &e)
            }
        }
    }

    fn reconnect(&mut self, dbname: &str) -> Result<(), ScriptError> {
        self.session = (self.connect)(dbname).map_err(ScriptError::Other)?;
        self.large_objects.forget_statements();
        Ok(())
    }

    fn large_objects(&mut self) -> Option<&mut dyn LargeObjectWriter> {
        Some(self)
    }

    fn sql_data(&mut self, bytes: &[u8]) -> Result<(), ScriptError> {
        for stmt in self.statements.feed(bytes) {
            let text = if self.encoding.is_utf8() {
                String::from_utf8_lossy(&stmt).into_owned()
            } else {
                // Cannot fail: only UTF8 has invalid byte sequences.
                encoding::decode(stmt, self.encoding).unwrap_or_default()
            };
            self.sql(&text, None)?;
        }
        Ok(())
    }

    fn copy_end(&mut self) -> Result<(), ScriptError> {
        self.progress.copy_end();
        let Some((copy, tag)) = self.copy.take() else {
            return Ok(());
        };
        match copy.finish() {
            Ok(_) => Ok(()),
            Err(e) if e.is_closed() => Err(connection_lost("PQputCopyEnd")),
            Err(e) => self.copy_failed(&tag, &e),
        }
    }
}

impl LargeObjectWriter for DbSink<'_> {
    fn start(&mut self, oid: u32, create: bool, entry: &TocEntry) -> Result<(), ScriptError> {
        self.progress.entry(entry);
        self.large_objects.start(oid, create);
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), ScriptError> {
        self.large_objects.write(bytes);
        self.send_if_due()
    }

    fn end(&mut self) -> Result<(), ScriptError> {
        self.large_objects.end();
        self.send_if_due()
    }

    fn finish(&mut self) -> Result<(), ScriptError> {
        for failure in self.large_objects.send(&self.session) {
            match failure {
                Failure::Fatal(message) => return Err(ScriptError::Other(message)),
                Failure::Error(message) => self.fail(message)?,
            }
        }
        Ok(())
    }
}

impl DbSink<'_> {
    fn send_if_due(&mut self) -> Result<(), ScriptError> {
        if self.large_objects.due() {
            return LargeObjectWriter::finish(self);
        }
        Ok(())
    }

    /// A COPY the server ended with an error. A FATAL one (the backend terminated, say) also
    /// ends the session, so the run stops here as on a lost connection, whether or not the
    /// socket's close has been seen yet; any other is reported and skipped.
    fn copy_failed(&mut self, tag: &str, e: &tokio_postgres::Error) -> Result<(), ScriptError> {
        let message = format!("COPY failed for table \"{tag}\": {}", describe_db_error(e));
        let fatal = e
            .as_db_error()
            .is_some_and(|db| matches!(db.severity(), "FATAL" | "PANIC"));
        if fatal {
            return Err(ScriptError::Other(message));
        }
        self.fail(message)
    }
}

/// A COPY whose connection is gone ends the restore, as pg_restore's `pg_fatal` on a failed
/// PQputCopyData or PQputCopyEnd does, whatever --exit-on-error says: going on would fail
/// every later statement on the dead session.
fn connection_lost(call: &str) -> ScriptError {
    ScriptError::Other(format!(
        "error returned by {call}: server closed the connection unexpectedly"
    ))
}

/// An archive's `COPY ... FROM stdin;` with the payload's encoding named, when it is not the
/// session's UTF-8.
fn copy_in_encoding(copy_stmt: &str, encoding: Encoding) -> Cow<'_, str> {
    match copy_stmt.trim_end().strip_suffix(';') {
        Some(head) if !encoding.is_utf8() => Cow::Owned(format!(
            "{head} WITH (ENCODING {});",
            tusk_format::quote::literal(encoding.name(), true)
        )),
        _ => Cow::Borrowed(copy_stmt),
    }
}

/// Splits INSERT-style table data into statements at top-level semicolons, as pg_restore's
/// `ExecuteSimpleCommands` does: single and double quotes are skipped, backslashes escape only
/// when `standard_conforming_strings` is off.
#[derive(Default)]
struct StatementSplitter {
    current: Vec<u8>,
    state: SplitState,
    backslash: bool,
    /// `standard_conforming_strings` off: a backslash escapes inside single quotes.
    escapes: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum SplitState {
    #[default]
    Scan,
    SingleQuote,
    DoubleQuote,
}

impl StatementSplitter {
    fn feed(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut done = Vec::new();
        for &b in bytes {
            // Newlines between statements are dropped, for neatness as upstream says.
            if !(b == b'\n' && self.current.is_empty()) {
                self.current.push(b);
            }
            match self.state {
                SplitState::Scan => match b {
                    b';' => done.push(std::mem::take(&mut self.current)),
                    b'\'' => {
                        self.state = SplitState::SingleQuote;
                        self.backslash = false;
                    }
                    b'"' => self.state = SplitState::DoubleQuote,
                    _ => {}
                },
                SplitState::SingleQuote => {
                    if b == b'\'' && !self.backslash {
                        self.state = SplitState::Scan;
                    } else if b == b'\\' && self.escapes {
                        self.backslash = !self.backslash;
                    } else {
                        self.backslash = false;
                    }
                }
                SplitState::DoubleQuote => {
                    if b == b'"' {
                        self.state = SplitState::Scan;
                    }
                }
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_top_level_semicolons() {
        let mut s = StatementSplitter::default();
        let mut out = s.feed(b"INSERT INTO t VALUES ('a;b', \"c;\");\nINSERT INTO t VAL");
        out.extend(s.feed(b"UES (1);\n"));
        let out: Vec<String> = out
            .into_iter()
            .map(|v| String::from_utf8(v).unwrap())
            .collect();
        assert_eq!(
            out,
            vec![
                "INSERT INTO t VALUES ('a;b', \"c;\");",
                "INSERT INTO t VALUES (1);"
            ]
        );
    }

    #[test]
    fn backslash_quotes_only_without_standard_strings() {
        let mut s = StatementSplitter {
            escapes: true,
            ..Default::default()
        };
        let out = s.feed(b"SELECT 'a\\';b';");
        assert_eq!(out.len(), 1);
    }
}
