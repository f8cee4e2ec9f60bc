//! Running the emitter's output on a server: each command as one simple query, COPY payloads
//! through COPY FROM STDIN, and errors counted and reported the way pg_restore does
//! (`warn_or_exit_horribly`): on with the next command unless `--exit-on-error`.

use tusk_connect::{CopyIn, Session, describe_db_error};
use tusk_format::TocEntry;
use tusk_format::script::{ScriptError, Sink};

pub struct DbSink<'a> {
    session: &'a Session,
    exit_on_error: bool,
    errors: u64,
    copy: Option<(CopyIn, String)>,
    server_version: i32,
    report: &'a mut dyn FnMut(&str),
}

impl<'a> DbSink<'a> {
    pub fn new(
        session: &'a Session,
        server_version: i32,
        exit_on_error: bool,
        report: &'a mut dyn FnMut(&str),
    ) -> Self {
        DbSink {
            session,
            exit_on_error,
            errors: 0,
            copy: None,
            server_version,
            report,
        }
    }

    /// Errors reported and skipped so far.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Counts and reports an error, or stops the restore with it under `--exit-on-error`.
    fn fail(&mut self, message: String) -> Result<(), ScriptError> {
        if self.exit_on_error {
            return Err(ScriptError::Other(message));
        }
        (self.report)(&message);
        self.errors += 1;
        Ok(())
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

    fn sql(&mut self, text: &str, _entry: Option<&TocEntry>) -> Result<(), ScriptError> {
        match self.session.execute(text) {
            Ok(()) => Ok(()),
            Err(e) => self.fail(format!(
                "could not execute query: {}\nCommand was: {}",
                describe_db_error(&e),
                text
            )),
        }
    }

    fn copy_begin(&mut self, copy_stmt: &str, entry: &TocEntry) -> Result<(), ScriptError> {
        match self.session.copy_in(copy_stmt) {
            Ok(copy) => {
                self.copy = Some((copy, entry.tag.clone()));
                Ok(())
            }
            Err(e) => self.fail(format!(
                "could not execute query: {}\nCommand was: {}",
                describe_db_error(&e),
                copy_stmt
            )),
        }
    }

    fn copy_data(&mut self, bytes: &[u8]) -> Result<(), ScriptError> {
        // After a failed COPY start the payload is read and dropped, as upstream does.
        let Some((copy, _)) = self.copy.as_mut() else {
            return Ok(());
        };
        match copy.send(bytes) {
            Ok(()) => Ok(()),
            Err(e) => {
                let tag = self.copy.take().map(|(_, t)| t).unwrap_or_default();
                self.fail(format!(
                    "COPY failed for table \"{tag}\": {}",
                    describe_db_error(&e)
                ))
            }
        }
    }

    fn copy_end(&mut self) -> Result<(), ScriptError> {
        let Some((copy, tag)) = self.copy.take() else {
            return Ok(());
        };
        match copy.finish() {
            Ok(_) => Ok(()),
            Err(e) => self.fail(format!(
                "COPY failed for table \"{tag}\": {}",
                describe_db_error(&e)
            )),
        }
    }
}
