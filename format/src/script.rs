//! TOC → SQL, the way upstream's archiver prints a restore (`RestoreArchive`,
//! `restore_toc_entry`, `_printTocEntry` in pg_backup_archiver.c).
//!
//! One emitter serves every output: `tusk_dump -Fp` and `tusk_restore -f` give it a [`Sink`] that
//! writes text, `tusk_restore -d` gives it one that runs each command on a server. The emitter
//! decides *what* is said and in which order; the sink decides where it goes.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::custom::DataSink;
use crate::encoding::Encoding;
use crate::quote::{ident, literal, qualified};
use crate::select::{Reqs, Selection};
use crate::toc::{DumpId, Section, Toc, TocEntry};

/// Errors raised while emitting: whatever the sink or the data source reports.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("could not write output: {}", crate::output::strerror(.0))]
    Io(#[from] std::io::Error),
    /// A sink or data source failure that already carries its own message.
    #[error("{0}")]
    Other(String),
}

/// Where the emitter's output goes.
pub trait Sink {
    /// Whether the output is a live database: no TOC comments, no psql meta-commands.
    fn is_database(&self) -> bool;
    /// The target server's `server_version_num`, when the output is a live server. Session
    /// settings the server does not know are then left out (a script keeps upstream's text).
    fn server_version(&self) -> Option<i32> {
        None
    }
    /// Script-only text: comments, blank lines, psql meta-commands.
    fn comment(&mut self, text: &str) -> Result<(), ScriptError>;
    /// One SQL command string (possibly several statements), as upstream's one `ahprintf` call.
    /// `entry` is the TOC entry it belongs to, for error reports.
    fn sql(&mut self, text: &str, entry: Option<&TocEntry>) -> Result<(), ScriptError>;
    /// A command that sets session state (search_path, default_tablespace, the table access
    /// method): a database reports its failure as `failure: error`, without the command, as
    /// upstream's warn_or_exit_horribly does for these.
    fn setting(&mut self, text: &str, _failure: &str) -> Result<(), ScriptError> {
        self.sql(text, None)
    }
    /// Start of a COPY for `entry`: the script prints the statement, a database starts COPY.
    fn copy_begin(&mut self, copy_stmt: &str, entry: &TocEntry) -> Result<(), ScriptError>;
    /// Raw COPY payload bytes (text format rows, ending with `\.`).
    fn copy_data(&mut self, bytes: &[u8]) -> Result<(), ScriptError>;
    /// End of the COPY begun last.
    fn copy_end(&mut self) -> Result<(), ScriptError>;
    /// Table data stored as SQL (`--inserts` archives), in arbitrary pieces: a script prints
    /// them, a database runs each complete statement.
    fn sql_data(&mut self, bytes: &[u8]) -> Result<(), ScriptError>;
    /// `-C`: continue in the database just created. Only called when [`is_database`] is true;
    /// a script gets a `\connect` line instead.
    ///
    /// [`is_database`]: Sink::is_database
    fn reconnect(&mut self, _dbname: &str) -> Result<(), ScriptError> {
        Ok(())
    }
    /// A transaction boundary. `text` is what a script says for it (upstream varies the blank
    /// lines by place); a database sink runs the commands themselves.
    fn transaction(
        &mut self,
        _step: Transaction,
        text: &str,
        entry: Option<&TocEntry>,
    ) -> Result<(), ScriptError> {
        self.sql(text, entry)
    }
    /// Errors reported and skipped so far: the emitter asks which entry failed last
    /// (`--no-data-for-failed-tables`).
    fn errors(&self) -> u64 {
        0
    }
    /// A database's own way to write large objects' bytes (binary parameters, many objects
    /// to a round trip), as pg_restore's libpq `lo_write` calls are its own; `None` for a
    /// script, which gets upstream's `lo_open`/`lowrite`/`lo_close` commands.
    fn large_objects(&mut self) -> Option<&mut dyn LargeObjectWriter> {
        None
    }
}

/// Large objects' bytes written into a database (`StartRestoreLO`, `dump_lo_buf`,
/// `EndRestoreLO` with a connection). The writer may hold back what it was given until
/// [`finish`](LargeObjectWriter::finish); errors come back in the order upstream meets them.
pub trait LargeObjectWriter {
    /// The next object; `create` for archives before 1.12, which create it in the data pass.
    fn start(&mut self, oid: u32, create: bool, entry: &TocEntry) -> Result<(), ScriptError>;
    /// More of the object's bytes, in any pieces.
    fn write(&mut self, bytes: &[u8]) -> Result<(), ScriptError>;
    /// The object is complete.
    fn end(&mut self) -> Result<(), ScriptError>;
    /// The entry's objects are all given: everything is sent and answered.
    fn finish(&mut self) -> Result<(), ScriptError>;
}

/// Where the emitter opens or closes a transaction (upstream's `StartTransaction`,
/// `CommitTransaction`, and the two in a row of `--transaction-size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transaction {
    Begin,
    Commit,
    CommitBegin,
}

/// Supplies the payload of entries that have data (TABLE DATA rows, BLOBS large objects), from
/// an archive or a live server, into `out`. A failure of `out` comes back as the `io::Error`
/// it returned; the source hands it back unchanged (wrapped in [`ScriptError::Io`]) or as its
/// own error.
pub trait DataSource {
    fn stream(&mut self, entry: &TocEntry, out: &mut dyn DataSink) -> Result<(), ScriptError>;
}

/// The restore options that shape the output (upstream's `RestoreOptions`).
#[derive(Debug, Clone, Default)]
pub struct ScriptOptions {
    pub selection: Selection,
    /// `-c`: drop objects before creating them.
    pub clean: bool,
    pub if_exists: bool,
    /// `-C`: create the database (and restore DATABASE entries).
    pub create_db: bool,
    pub no_owner: bool,
    pub no_tablespaces: bool,
    pub no_table_am: bool,
    pub use_set_session_authorization: bool,
    pub role: Option<String>,
    pub enable_row_security: bool,
    /// `-1`: wrap everything in one transaction.
    pub single_transaction: bool,
    /// `--transaction-size`: commit after this many actions; 0 is off.
    pub transaction_size: u32,
    /// `--no-data-for-failed-tables`: a table whose creation failed gets no data.
    pub no_data_for_failed_tables: bool,
    /// The `\restrict` key; only for script output.
    pub restrict_key: Option<String>,
    /// `--disable-triggers`: in a data-only restore, each table's triggers are off while its
    /// data is loaded.
    pub disable_triggers: bool,
    /// `-S`: who to become for that (the session's own user when absent).
    pub superuser: Option<String>,
    /// `--copy-freeze` (tusk): rows loaded right after their table's TRUNCATE in the same
    /// transaction, the only place FREEZE is allowed, are written frozen.
    pub copy_freeze: bool,
    /// `--maintenance-work-mem` (tusk): every session's maintenance_work_mem, for the index
    /// and constraint builds it runs.
    pub maintenance_work_mem: Option<String>,
}

/// Restore passes (`_tocEntryRestorePass`): ACLs go after everything else, and a few kinds
/// after the ACLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pass {
    Main,
    Acl,
    PostAcl,
}

pub fn restore_pass(te: &TocEntry) -> Pass {
    match te.desc.as_str() {
        "ACL" | "ACL LANGUAGE" | "DEFAULT ACL" => Pass::Acl,
        "EVENT TRIGGER" | "MATERIALIZED VIEW DATA" => Pass::PostAcl,
        "COMMENT" | "SECURITY LABEL" if te.tag.starts_with("EVENT TRIGGER ") => Pass::PostAcl,
        "STATISTICS DATA" if te.section == Section::PostData => Pass::PostAcl,
        _ => Pass::Main,
    }
}

fn is_acl(te: &TocEntry) -> bool {
    matches!(te.desc.as_str(), "ACL" | "ACL LANGUAGE" | "DEFAULT ACL")
}

/// Emits the whole restore of `toc` into `sink`.
pub fn emit(
    toc: &Toc,
    opts: &ScriptOptions,
    source: &mut dyn DataSource,
    sink: &mut dyn Sink,
) -> Result<(), ScriptError> {
    Emitter::new(toc, opts).run(source, sink)
}

/// How one restored entry went, for a parallel restore's schedule (the status pg_restore's
/// workers report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryStatus {
    Done,
    /// A TABLE created in this run: its data may be loaded right after a TRUNCATE.
    TableCreated,
    /// A TABLE whose creation failed, under `--no-data-for-failed-tables`: its data must not
    /// be restored.
    TableFailed,
}

/// One session's share of a parallel restore: entries restored one at a time, in whatever
/// order the schedule picks, each as [`emit`] restores it, with what the session was told
/// remembered between them.
pub struct Restorer<'a> {
    emitter: Emitter<'a>,
}

impl<'a> Restorer<'a> {
    pub fn new(toc: &'a Toc, opts: &'a ScriptOptions) -> Self {
        Restorer {
            emitter: Emitter::new(toc, opts),
        }
    }

    /// Whether `te` has anything to restore.
    pub fn wanted(&self, te: &TocEntry) -> bool {
        self.emitter.reqs(te).any_restorable()
    }

    /// The start of the restore on the first session: its settings, then with `-c` the drops.
    pub fn begin(&mut self, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        self.connected(sink)?;
        if self.emitter.opts.clean {
            self.emitter.drop_pass(sink)?;
        }
        Ok(())
    }

    /// Whether `te`'s rows may be loaded by several sessions at once, each a COPY of some of
    /// them in its own transaction: plain COPY data into its own table (not through a
    /// partition root, whose rows land in other tables), unless `--copy-freeze` asked for the
    /// single transaction FREEZE needs.
    pub fn copy_splittable(&self, te: &TocEntry) -> bool {
        te.desc == "TABLE DATA"
            && te.copy_stmt.as_deref().is_some_and(|s| !s.is_empty())
            && !is_load_via_partition_root(te)
            && !self.emitter.opts.copy_freeze
    }

    /// After a ROLLBACK: whatever the rolled-back transaction SET is undone, so nothing is
    /// assumed of the session any more.
    pub fn rolled_back(&mut self) {
        self.emitter.state = SessionState::default();
    }

    /// A new session: its settings, and nothing assumed of it.
    pub fn connected(&mut self, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        self.emitter.state = SessionState::default();
        self.emitter.fixed_output_state(sink)
    }

    /// Restores `te`; `truncate` loads a TABLE DATA entry's rows after emptying its table in
    /// the same transaction (for tables created in this run).
    pub fn restore(
        &mut self,
        te: &TocEntry,
        source: &mut dyn DataSource,
        sink: &mut dyn Sink,
        truncate: bool,
    ) -> Result<EntryStatus, ScriptError> {
        let emitter = &mut self.emitter;
        emitter.restore_entry(te, source, sink, truncate)?;
        if te.desc != "TABLE" || !emitter.reqs(te).schema {
            return Ok(EntryStatus::Done);
        }
        Ok(match emitter.last_error == Some(te.dump_id) {
            false => EntryStatus::TableCreated,
            true if emitter.opts.no_data_for_failed_tables => EntryStatus::TableFailed,
            true => EntryStatus::Done,
        })
    }

    /// Before the session is given up: `--transaction-size` commits what is open.
    pub fn end(&mut self, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        if self.emitter.opts.transaction_size > 0 {
            sink.transaction(Transaction::Commit, "COMMIT;\n\n", None)?;
        }
        Ok(())
    }
}

/// What the imaginary session has been told so far, so repeated SETs are left out.
#[derive(Default)]
struct SessionState {
    user: Option<String>,
    schema: Option<String>,
    tablespace: Option<String>,
    table_am: Option<String>,
}

struct Emitter<'a> {
    toc: &'a Toc,
    opts: &'a ScriptOptions,
    reqs: HashMap<DumpId, Reqs>,
    /// Upstream's `!ropt->dumpSchema` after RestoreArchive's check.
    data_only: bool,
    std_strings: bool,
    search_path: Option<&'a str>,
    state: SessionState,
    /// Actions in the open `--transaction-size` transaction (upstream's `txnCount`).
    actions: u32,
    /// The sink's error count when last looked at.
    errors_seen: u64,
    /// The entry being restored when the last error happened (upstream's `lastErrorTE`).
    last_error: Option<DumpId>,
}

impl<'a> Emitter<'a> {
    fn new(toc: &'a Toc, opts: &'a ScriptOptions) -> Self {
        let reqs = crate::select::required_components(toc, &opts.selection, opts.create_db).reqs;
        // An archive without schema entries makes a data-only restore too ("implied
        // no-schema").
        let data_only = !opts.selection.dump_schema || !reqs.values().any(|r| r.schema);
        Emitter {
            toc,
            opts,
            reqs,
            data_only,
            std_strings: toc.std_strings(),
            search_path: toc.search_path(),
            state: SessionState::default(),
            actions: 0,
            errors_seen: 0,
            last_error: None,
        }
    }

    fn reqs(&self, te: &TocEntry) -> Reqs {
        self.reqs.get(&te.dump_id).copied().unwrap_or_default()
    }

    fn run(&mut self, source: &mut dyn DataSource, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        let header = &self.toc.header;
        sink.comment("--\n-- PostgreSQL database dump\n--\n\n")?;
        if let Some(key) = self
            .opts
            .restrict_key
            .as_deref()
            .filter(|_| !sink.is_database())
        {
            sink.comment(&format!("\\restrict {key}\n\n"))?;
        }
        let mut versions = String::new();
        if let Some(v) = &header.server_version {
            versions.push_str(&format!("-- Dumped from database version {v}\n"));
        }
        if let Some(v) = &header.dump_version {
            versions.push_str(&format!("-- Dumped by pg_dump version {v}\n"));
        }
        versions.push('\n');
        sink.comment(&versions)?;

        if self.opts.single_transaction {
            sink.transaction(Transaction::Begin, "BEGIN;\n\n", None)?;
        }
        self.fixed_output_state(sink)?;

        if self.opts.clean {
            self.drop_pass(sink)?;
        }

        let mut later = [false, false];
        for te in &self.toc.entries {
            if !self.reqs(te).any_restorable() {
                continue;
            }
            match restore_pass(te) {
                Pass::Main => self.restore_entry(te, source, sink, false)?,
                Pass::Acl => later[0] = true,
                Pass::PostAcl => later[1] = true,
            }
        }
        for (pass, wanted) in [(Pass::Acl, later[0]), (Pass::PostAcl, later[1])] {
            if !wanted {
                continue;
            }
            for te in &self.toc.entries {
                if self.reqs(te).any_restorable() && restore_pass(te) == pass {
                    self.restore_entry(te, source, sink, false)?;
                }
            }
        }

        if self.opts.single_transaction || self.opts.transaction_size > 0 {
            sink.transaction(Transaction::Commit, "COMMIT;\n\n", None)?;
        }
        sink.comment("--\n-- PostgreSQL database dump complete\n--\n\n")?;
        if let Some(key) = self
            .opts
            .restrict_key
            .as_deref()
            .filter(|_| !sink.is_database())
        {
            sink.comment(&format!("\\unrestrict {key}\n\n"))?;
        }
        Ok(())
    }

    /// `_doSetFixedOutputState`: the session settings every restore starts with.
    fn fixed_output_state(&mut self, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        let encoding = self.toc.encoding().unwrap_or("UTF8");
        let mut cmds = vec![
            "SET statement_timeout = 0;\n".to_owned(),
            "SET lock_timeout = 0;\n".to_owned(),
            "SET idle_in_transaction_session_timeout = 0;\n".to_owned(),
        ];
        // pg_restore 18 sends this to every server and counts the failure on 14-16 as an error.
        if sink.server_version().is_none_or(|v| v >= 170000) {
            cmds.push("SET transaction_timeout = 0;\n".to_owned());
        }
        // A database sink keeps its session in UTF-8 and converts the archive's text itself.
        if !sink.is_database() {
            cmds.push(format!("SET client_encoding = '{encoding}';\n"));
        }
        cmds.extend([format!(
            "SET standard_conforming_strings = {};\n",
            if self.std_strings { "on" } else { "off" }
        )]);
        if let Some(role) = &self.opts.role {
            cmds.push(format!("SET ROLE {};\n", ident(role)));
        }
        if let Some(sp) = self.search_path {
            cmds.push(sp.to_owned());
        }
        if let Some(size) = &self.opts.maintenance_work_mem {
            cmds.push(format!(
                "SET maintenance_work_mem = {};\n",
                literal(size, self.std_strings)
            ));
        }
        cmds.push("SET check_function_bodies = false;\n".to_owned());
        cmds.push("SET xmloption = content;\n".to_owned());
        cmds.push("SET client_min_messages = warning;\n".to_owned());
        if !self.std_strings {
            cmds.push("SET escape_string_warning = off;\n".to_owned());
        }
        cmds.push(format!(
            "SET row_security = {};\n",
            if self.opts.enable_row_security {
                "on"
            } else {
                "off"
            }
        ));
        for cmd in &cmds {
            sink.sql(cmd, None)?;
        }
        // In --transaction-size mode objects are always restored inside a transaction.
        if self.opts.transaction_size > 0 {
            sink.transaction(Transaction::Begin, "\nBEGIN;\n", None)?;
            self.actions = 0;
        }
        sink.comment("\n")
    }

    /// One more action in the open transaction; at `--transaction-size` actions, commit and
    /// begin anew (`text` is what a script says for it).
    fn count_action(&mut self, text: &str, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        let size = self.opts.transaction_size;
        if size == 0 {
            return Ok(());
        }
        self.actions = self.actions.saturating_add(1);
        if self.actions >= size {
            sink.transaction(Transaction::CommitBegin, text, None)?;
            self.actions = 0;
        }
        Ok(())
    }

    /// Charges errors the sink reported since last asked to `current`, the entry being
    /// restored (upstream records `currentTE` as each error is reported).
    fn note_errors(&mut self, current: DumpId, sink: &dyn Sink) {
        let errors = sink.errors();
        if errors > self.errors_seen {
            self.errors_seen = errors;
            self.last_error = Some(current);
        }
    }

    /// `inhibit_data_for_failed_table`: the TABLE DATA entry of `table` (the one whose first
    /// dependency it is) is not restored.
    fn inhibit_data(&mut self, table: DumpId) {
        let data = self
            .toc
            .entries
            .iter()
            .rev()
            .find(|e| e.desc == "TABLE DATA" && e.dependencies.first() == Some(&table));
        if let Some(data) = data {
            self.reqs.insert(data.dump_id, Reqs::default());
        }
    }

    /// `-c`: drop every selected object, last first.
    fn drop_pass(&mut self, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        let toc = self.toc;
        for te in toc.entries.iter().rev() {
            let is_database = matches!(te.desc.as_str(), "DATABASE" | "DATABASE PROPERTIES");
            if self.opts.create_db && !is_database {
                continue;
            }
            let reqs = self.reqs(te);
            let Some(drop) = te.drop_stmt.as_deref() else {
                continue;
            };
            if !(reqs.schema || reqs.data) {
                continue;
            }
            // A database cannot be dropped inside a transaction block.
            let outside_transaction = is_database && self.opts.transaction_size > 0;
            if outside_transaction {
                sink.transaction(Transaction::Commit, "COMMIT;\n", Some(te))?;
            }
            self.become_owner(te, sink)?;
            self.select_schema(te.namespace.as_deref(), sink)?;
            self.drop_entry(te, drop, sink)?;
            if outside_transaction {
                sink.transaction(Transaction::Begin, "BEGIN;\n", Some(te))?;
                self.actions = 0;
            } else {
                self.count_action("COMMIT;\nBEGIN;\n", sink)?;
            }
            self.note_errors(te.dump_id, sink);
        }
        // The drops may have removed the schema the search_path pointed at.
        self.state.schema = None;
        Ok(())
    }

    /// The DROP of one entry, with IF EXISTS put in when asked for.
    fn drop_entry(
        &mut self,
        te: &TocEntry,
        drop: &str,
        sink: &mut dyn Sink,
    ) -> Result<(), ScriptError> {
        if te.desc == "BLOB METADATA" {
            return if self.opts.if_exists {
                self.per_blob(
                    te,
                    "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '",
                    "'",
                    sink,
                )
            } else {
                self.per_blob(te, "SELECT pg_catalog.lo_unlink('", "')", sink)
            };
        }
        if drop.is_empty() {
            return Ok(());
        }
        let stmt = if !self.opts.if_exists || drop.starts_with("--") {
            drop.to_owned()
        } else if te.desc == "BLOB" {
            format!(
                "SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '{}';\n",
                te.catalog_id.oid
            )
        } else {
            add_if_exists(te, drop)
        };
        sink.sql(&stmt, Some(te))
    }

    /// `restore_toc_entry`: the schema part, then the data part of one entry. `truncate`
    /// (parallel restore of a table created in this run): the data is loaded in one
    /// transaction after a TRUNCATE, so that with wal_level minimal the server skips WAL.
    fn restore_entry(
        &mut self,
        te: &TocEntry,
        source: &mut dyn DataSource,
        sink: &mut dyn Sink,
        truncate: bool,
    ) -> Result<(), ScriptError> {
        let reqs = self.reqs(te);
        let mut defn_dumped = false;
        if reqs.schema {
            let is_database = matches!(te.desc.as_str(), "DATABASE" | "DATABASE PROPERTIES");
            // CREATE DATABASE and ALTER DATABASE ... SET cannot run in a transaction block.
            if is_database && self.opts.transaction_size > 0 {
                sink.transaction(Transaction::Commit, "COMMIT;\n\n", Some(te))?;
            }
            self.print_entry(te, "", sink)?;
            defn_dumped = true;
            if te.desc == "TABLE" {
                self.note_errors(te.dump_id, sink);
                if self.last_error == Some(te.dump_id) && self.opts.no_data_for_failed_tables {
                    self.inhibit_data(te.dump_id);
                }
            }
            // Creating the database, or setting its properties, is followed by a fresh
            // session in it, so later statements land there with those settings applied.
            if is_database {
                self.reconnect(&te.tag, sink)?;
            }
        }
        if reqs.data {
            if te.had_dumper {
                self.print_entry(te, "Data for ", sink)?;
                if matches!(te.desc.as_str(), "BLOBS" | "BLOB COMMENTS") {
                    self.select_schema(Some("pg_catalog"), sink)?;
                    self.restore_large_objects(te, source, sink)?;
                } else {
                    self.set_triggers(te, "DISABLE", sink)?;
                    self.become_owner(te, sink)?;
                    self.select_schema(te.namespace.as_deref(), sink)?;
                    // Not when the rows go through the partition root: they may land in
                    // partitions loaded by other workers.
                    let truncate = truncate && !is_load_via_partition_root(te);
                    if truncate {
                        sink.transaction(Transaction::Begin, "BEGIN;\n", Some(te))?;
                        sink.sql(
                            &format!(
                                "TRUNCATE TABLE ONLY {};\n\n",
                                qualified_id(te.namespace.as_deref(), &te.tag)
                            ),
                            Some(te),
                        )?;
                    }
                    match te.copy_stmt.as_deref().filter(|s| !s.is_empty()) {
                        Some(copy) => {
                            let copy = if truncate && self.opts.copy_freeze {
                                with_freeze(copy)
                            } else {
                                Cow::Borrowed(copy)
                            };
                            sink.copy_begin(&copy, te)?;
                            feed(
                                source,
                                te,
                                &mut CopyOut {
                                    sink: &mut *sink,
                                    failure: None,
                                },
                            )?;
                            sink.copy_end()?;
                        }
                        None => feed(
                            source,
                            te,
                            &mut CommandsOut {
                                sink: &mut *sink,
                                failure: None,
                            },
                        )?,
                    }
                    if truncate {
                        sink.transaction(Transaction::Commit, "COMMIT;\n", Some(te))?;
                    }
                    self.set_triggers(te, "ENABLE", sink)?;
                }
            } else if !defn_dumped {
                self.print_entry(te, "", sink)?;
            }
        }
        if reqs.stats {
            self.print_entry(te, "Statistics for ", sink)?;
        }
        if reqs.any_restorable() {
            self.count_action("COMMIT;\nBEGIN;\n\n", sink)?;
        }
        self.note_errors(te.dump_id, sink);
        Ok(())
    }

    /// `_reconnectToDB`: a new session in `dbname` (a `\connect` in a script, outside the
    /// `\restrict` block), then the fixed session settings again.
    fn reconnect(&mut self, dbname: &str, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        if sink.is_database() {
            sink.reconnect(dbname)?;
        } else {
            // Without a key upstream prints C's "(null)" here; so do we.
            let key = self.opts.restrict_key.as_deref().unwrap_or("(null)");
            sink.comment(&format!(
                "\\unrestrict {key}\n{}\\restrict {key}\n\n",
                psql_connect(dbname)?
            ))?;
        }
        self.state = SessionState::default();
        self.fixed_output_state(sink)
    }

    /// `StartRestoreLOs` … `EndRestoreLOs`: each large object opened, written in 16 kB
    /// `lowrite` calls, closed; all inside one transaction unless one is already open.
    fn restore_large_objects(
        &mut self,
        te: &TocEntry,
        source: &mut dyn DataSource,
        sink: &mut dyn Sink,
    ) -> Result<(), ScriptError> {
        let own_transaction = !self.opts.single_transaction && self.opts.transaction_size == 0;
        if own_transaction {
            sink.transaction(Transaction::Begin, "BEGIN;\n\n", Some(te))?;
        }
        let create = self.toc.header.version < crate::toc::ArchiveVersion::V1_12;
        if let Some(writer) = sink.large_objects() {
            let mut out = LargeObjectsInto {
                writer: &mut *writer,
                entry: te,
                create,
                failure: None,
            };
            feed(source, te, &mut out)?;
            writer.finish()?;
        } else {
            let mut out = LargeObjectsOut {
                sink: &mut *sink,
                entry: te,
                std_strings: self.std_strings,
                create,
                buf: Vec::new(),
                pending: String::new(),
                failure: None,
            };
            feed(source, te, &mut out)?;
        }
        if own_transaction {
            sink.transaction(Transaction::Commit, "COMMIT;\n\n", Some(te))?;
        }
        Ok(())
    }

    /// `IssueCommandPerBlob`: one command per OID listed in a BLOB METADATA entry's defn.
    fn per_blob(
        &mut self,
        te: &TocEntry,
        begin: &str,
        end: &str,
        sink: &mut dyn Sink,
    ) -> Result<(), ScriptError> {
        let defn = te.defn.as_deref().unwrap_or("");
        for oid in defn
            .split_inclusive('\n')
            .filter_map(|l| l.strip_suffix('\n'))
        {
            sink.sql(&format!("{begin}{oid}{end};\n"), Some(te))?;
            // Each command is an action of its own under --transaction-size.
            self.count_action("COMMIT;\nBEGIN;\n\n", sink)?;
        }
        sink.comment("\n")
    }

    /// `IssueACLPerBlob`: an ACL entry for a group of large objects holds the commands for the
    /// first one; they are repeated for every OID of the BLOB METADATA entry it depends on.
    fn acl_per_blob(&mut self, te: &TocEntry, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        let Some(meta) = te
            .dependencies
            .first()
            .and_then(|id| self.toc.entries.iter().find(|e| e.dump_id == *id))
        else {
            return Err(ScriptError::Other(format!(
                "could not find entry for ID {}",
                te.dependencies.first().copied().unwrap_or(0)
            )));
        };
        let defn = te.defn.as_deref().unwrap_or("");
        let bytes = defn.as_bytes();
        let (mut start, mut second, mut in_quotes, mut i) = (0, None, false, 0);
        while i < bytes.len() {
            if bytes[i] == b'"' {
                in_quotes = !in_quotes;
            }
            if in_quotes {
                i += 1;
                continue;
            }
            if defn[i..].starts_with("LARGE OBJECT ") {
                let first_half_end = i + "LARGE OBJECT ".len();
                let mut j = first_half_end;
                while j < bytes.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                second = Some((first_half_end, j));
                i = j;
                continue;
            }
            if bytes[i] == b';' {
                if let Some((first_end, second_start)) = second.take() {
                    self.per_blob(meta, &defn[start..first_end], &defn[second_start..i], sink)?;
                }
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                start = i;
                continue;
            }
            i += 1;
        }
        Ok(())
    }

    /// `_printTocEntry`: session state, the header comment, the definition, ownership.
    fn print_entry(
        &mut self,
        te: &TocEntry,
        prefix: &str,
        sink: &mut dyn Sink,
    ) -> Result<(), ScriptError> {
        self.become_owner(te, sink)?;
        self.select_schema(te.namespace.as_deref(), sink)?;
        self.select_tablespace(te.tablespace.as_deref(), sink)?;
        if te.relkind != b'p' {
            self.select_table_am(te.tableam.as_deref(), sink)?;
        }

        if !sink.is_database() {
            let owner = if self.opts.no_owner {
                None
            } else {
                te.owner.as_deref()
            };
            let mut head = format!(
                "--\n-- {prefix}Name: {}; Type: {}; Schema: {}; Owner: {}",
                sanitize_line(Some(&te.tag), false),
                te.desc,
                sanitize_line(te.namespace.as_deref(), true),
                sanitize_line(owner, true),
            );
            if let Some(ts) = te.tablespace.as_deref().filter(|t| !t.is_empty()) {
                if !self.opts.no_tablespaces {
                    head.push_str(&format!("; Tablespace: {}", sanitize_line(Some(ts), false)));
                }
            }
            head.push_str("\n--\n\n");
            sink.comment(&head)?;
        }

        let defn = te.defn.as_deref().unwrap_or("");
        if self.opts.no_owner && te.desc == "SCHEMA" && !defn.starts_with("--") {
            sink.sql(
                &format!("CREATE SCHEMA {};\n\n\n", ident(&te.tag)),
                Some(te),
            )?;
        } else if te.desc == "BLOB METADATA" {
            self.per_blob(te, "SELECT pg_catalog.lo_create('", "')", sink)?;
        } else if te.desc == "ACL" && te.tag.starts_with("LARGE OBJECTS") {
            self.acl_per_blob(te, sink)?;
        } else if !defn.is_empty() {
            sink.sql(&format!("{defn}\n\n"), Some(te))?;
            // A definition of several commands counts as several actions; semicolons are
            // upstream's estimate, which function bodies would fool.
            if self.opts.transaction_size > 0
                && !matches!(te.desc.as_str(), "FUNCTION" | "PROCEDURE")
            {
                let extra = defn.matches(';').count().saturating_sub(1);
                self.actions = self
                    .actions
                    .saturating_add(u32::try_from(extra).unwrap_or(u32::MAX));
            }
        }

        let owner = te.owner.as_deref().filter(|o| !o.is_empty());
        let has_drop = te.drop_stmt.as_deref().is_some_and(|d| !d.is_empty());
        let public_schema_comment = te.desc == "SCHEMA" && defn.starts_with("--");
        if let Some(owner) = owner {
            if !self.opts.no_owner
                && (!self.opts.use_set_session_authorization || public_schema_comment)
                && has_drop
            {
                if te.desc == "BLOB METADATA" {
                    let end = format!(" OWNER TO {}", ident(owner));
                    self.per_blob(te, "ALTER LARGE OBJECT ", &end, sink)?;
                } else if let Some(object) = object_description(te) {
                    sink.sql(
                        &format!("ALTER {object} OWNER TO {};\n\n", ident(owner)),
                        Some(te),
                    )?;
                }
            }
        }

        if te.relkind == b'p' && !self.opts.no_table_am {
            if let Some(am) = te.tableam.as_deref() {
                let table = qualified_id(te.namespace.as_deref(), &te.tag);
                sink.setting(
                    &format!("ALTER TABLE {table} SET ACCESS METHOD {};\n\n", ident(am)),
                    "could not alter table access method",
                )?;
            }
        }

        if is_acl(te) {
            self.state.user = None;
        }
        Ok(())
    }

    /// `_disableTriggersIfNecessary` / `_enableTriggersIfNecessary` (`action` DISABLE or
    /// ENABLE), as the superuser: only they can switch constraint triggers.
    fn set_triggers(
        &mut self,
        te: &TocEntry,
        action: &str,
        sink: &mut dyn Sink,
    ) -> Result<(), ScriptError> {
        if !self.data_only || !self.opts.disable_triggers {
            return Ok(());
        }
        let superuser = self.opts.superuser.clone().unwrap_or_default();
        self.become_user(&superuser, te, sink)?;
        let table = qualified_id(te.namespace.as_deref(), &te.tag);
        sink.sql(
            &format!("ALTER TABLE {table} {action} TRIGGER ALL;\n\n"),
            Some(te),
        )
    }

    fn become_owner(&mut self, te: &TocEntry, sink: &mut dyn Sink) -> Result<(), ScriptError> {
        if self.opts.no_owner || !self.opts.use_set_session_authorization {
            return Ok(());
        }
        self.become_user(te.owner.as_deref().unwrap_or_default(), te, sink)
    }

    /// `_becomeUser`: SET SESSION AUTHORIZATION unless the imaginary session is that user
    /// already; "" is the session's own user (DEFAULT).
    fn become_user(
        &mut self,
        user: &str,
        te: &TocEntry,
        sink: &mut dyn Sink,
    ) -> Result<(), ScriptError> {
        if self.state.user.as_deref() == Some(user) {
            return Ok(());
        }
        let who = if user.is_empty() {
            "DEFAULT".to_owned()
        } else {
            literal(user, self.std_strings)
        };
        sink.sql(&format!("SET SESSION AUTHORIZATION {who};\n\n"), Some(te))?;
        self.state.user = Some(user.to_owned());
        Ok(())
    }

    /// Only archives without a SEARCHPATH entry (very old ones) switch search_path per object.
    fn select_schema(
        &mut self,
        schema: Option<&str>,
        sink: &mut dyn Sink,
    ) -> Result<(), ScriptError> {
        if self.search_path.is_some() {
            return Ok(());
        }
        let Some(schema) = schema.filter(|s| !s.is_empty()) else {
            return Ok(());
        };
        if self.state.schema.as_deref() == Some(schema) {
            return Ok(());
        }
        let mut cmd = format!("SET search_path = {}", ident(schema));
        if schema != "pg_catalog" {
            cmd.push_str(", pg_catalog");
        }
        cmd.push_str(";\n\n");
        sink.setting(
            &cmd,
            &format!("could not set \"search_path\" to \"{schema}\""),
        )?;
        self.state.schema = Some(schema.to_owned());
        Ok(())
    }

    fn select_tablespace(
        &mut self,
        ts: Option<&str>,
        sink: &mut dyn Sink,
    ) -> Result<(), ScriptError> {
        if self.opts.no_tablespaces {
            return Ok(());
        }
        let Some(want) = ts else { return Ok(()) };
        if self.state.tablespace.as_deref() == Some(want) {
            return Ok(());
        }
        let cmd = if want.is_empty() {
            "SET default_tablespace = '';\n\n".to_owned()
        } else {
            format!("SET default_tablespace = {};\n\n", ident(want))
        };
        sink.setting(
            &cmd,
            &format!("could not set \"default_tablespace\" to {}", ident(want)),
        )?;
        self.state.tablespace = Some(want.to_owned());
        Ok(())
    }

    fn select_table_am(
        &mut self,
        am: Option<&str>,
        sink: &mut dyn Sink,
    ) -> Result<(), ScriptError> {
        if self.opts.no_table_am {
            return Ok(());
        }
        let Some(want) = am else { return Ok(()) };
        if self.state.table_am.as_deref() == Some(want) {
            return Ok(());
        }
        sink.setting(
            &format!("SET default_table_access_method = {};\n\n", ident(want)),
            "could not set \"default_table_access_method\"",
        )?;
        self.state.table_am = Some(want.to_owned());
        Ok(())
    }
}

/// `appendPsqlMetaConnect`: a psql `\connect` line for `dbname`. Plain names are quoted as
/// identifiers; any other goes through a conninfo string (with `\encoding SQL_ASCII` first, so
/// psql passes the bytes through).
fn psql_connect(dbname: &str) -> Result<String, ScriptError> {
    if dbname.contains(['\n', '\r']) {
        return Err(ScriptError::Other(format!(
            "database name contains a newline or carriage return: \"{dbname}\""
        )));
    }
    let plain = dbname
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if plain {
        return Ok(format!("\\connect {}\n", ident(dbname)));
    }
    let mut value = String::from("'");
    for c in dbname.chars() {
        if c == '\'' || c == '\\' {
            value.push('\\');
        }
        value.push(c);
    }
    value.push('\'');
    Ok(format!(
        "\\encoding SQL_ASCII\n\\connect -reuse-previous=on {}\n",
        ident(&format!("dbname={value}"))
    ))
}

/// `sanitize_line`: newlines become spaces so a name cannot end a comment line; an absent value
/// prints as `-` where upstream asks for a hyphen. An empty value is not absent: a cast's
/// comment has the owner "", printed as nothing.
pub fn sanitize_line(s: Option<&str>, want_hyphen: bool) -> String {
    match s {
        None => if want_hyphen { "-" } else { "" }.to_owned(),
        Some(s) => s.replace(['\n', '\r'], " "),
    }
}

/// The object named in `ALTER ... OWNER TO` (`_getObjectDescription`); `None` for kinds that
/// have no owner of their own.
fn object_description(te: &TocEntry) -> Option<String> {
    let desc = te.desc.as_str();
    match desc {
        "COLLATION"
        | "CONVERSION"
        | "DOMAIN"
        | "FOREIGN TABLE"
        | "MATERIALIZED VIEW"
        | "SEQUENCE"
        | "STATISTICS"
        | "TABLE"
        | "TEXT SEARCH DICTIONARY"
        | "TEXT SEARCH CONFIGURATION"
        | "TYPE"
        | "VIEW"
        | "DATABASE"
        | "PROCEDURAL LANGUAGE"
        | "SCHEMA"
        | "EVENT TRIGGER"
        | "FOREIGN DATA WRAPPER"
        | "SERVER"
        | "PUBLICATION"
        | "SUBSCRIPTION" => {
            let mut s = format!("{desc} ");
            if let Some(ns) = te.namespace.as_deref().filter(|n| !n.is_empty()) {
                s.push_str(&ident(ns));
                s.push('.');
            }
            s.push_str(&ident(&te.tag));
            Some(s)
        }
        "BLOB" => Some(format!("LARGE OBJECT {}", te.tag)),
        "AGGREGATE" | "FUNCTION" | "OPERATOR" | "OPERATOR CLASS" | "OPERATOR FAMILY"
        | "PROCEDURE" => {
            let drop = te.drop_stmt.as_deref()?;
            let rest = drop.get(5..)?;
            Some(rest.trim_end_matches(['\n', ';']).to_owned())
        }
        _ => None,
    }
}

/// Rewrites a DROP statement to say IF EXISTS, as RestoreArchive does for `--if-exists`.
/// `is_load_via_partition_root`: a partition's data loaded through its root, marked by the
/// definition pg_dump writes for it or by a COPY into another table.
fn is_load_via_partition_root(te: &TocEntry) -> bool {
    if te
        .defn
        .as_deref()
        .is_some_and(|d| d.starts_with("-- load via partition root "))
    {
        return true;
    }
    te.copy_stmt.as_deref().is_some_and(|copy| {
        let own = format!("COPY {} ", qualified_id(te.namespace.as_deref(), &te.tag));
        !copy.starts_with(&own)
    })
}

/// pg_dump's `COPY ... FROM stdin;` with the FREEZE option; another statement unchanged.
fn with_freeze(copy: &str) -> Cow<'_, str> {
    match copy.strip_suffix("FROM stdin;\n") {
        Some(head) => Cow::Owned(format!("{head}FROM stdin WITH (FREEZE);\n")),
        None => Cow::Borrowed(copy),
    }
}

/// `fmtQualifiedId`: the schema only when there is one.
fn qualified_id(schema: Option<&str>, name: &str) -> String {
    match schema.filter(|s| !s.is_empty()) {
        Some(schema) => qualified(schema, name),
        None => ident(name),
    }
}

fn add_if_exists(te: &TocEntry, drop: &str) -> String {
    let (prefix, rest) = match drop.strip_prefix("ALTER TABLE") {
        Some(rest) => ("ALTER TABLE IF EXISTS", rest),
        None => ("", drop),
    };
    if te.desc == "DEFAULT"
        || te.desc == "DATABASE PROPERTIES"
        || rest.starts_with("CREATE OR REPLACE VIEW")
    {
        return format!("{prefix}{rest}");
    }
    let marker = match te.desc.as_str() {
        "CONSTRAINT" | "CHECK CONSTRAINT" | "FK CONSTRAINT" => "DROP CONSTRAINT".to_owned(),
        other => format!("DROP {other}"),
    };
    match rest.find(&marker) {
        Some(at) => format!(
            "{prefix}{}{marker} IF EXISTS{}",
            &rest[..at],
            &rest[at + marker.len()..]
        ),
        None => format!("{prefix}{rest}"),
    }
}

/// Runs a data source into one of the adapters below, giving back the sink's own error when
/// the source failed because the sink did.
fn feed<O: DataSink + Failing>(
    source: &mut dyn DataSource,
    te: &TocEntry,
    out: &mut O,
) -> Result<(), ScriptError> {
    let result = source.stream(te, out);
    match out.take_failure() {
        Some(e) => Err(e),
        None => result,
    }
}

/// An adapter that remembers the [`ScriptError`] behind the `io::Error` it had to return.
trait Failing {
    fn take_failure(&mut self) -> Option<ScriptError>;
}

fn remember(
    slot: &mut Option<ScriptError>,
    result: Result<(), ScriptError>,
) -> std::io::Result<()> {
    result.map_err(|e| {
        let io = std::io::Error::other(e.to_string());
        *slot = Some(e);
        io
    })
}

fn no_large_objects() -> std::io::Error {
    std::io::Error::other("large object data in a table's data member")
}

/// COPY rows → the sink's COPY.
struct CopyOut<'s> {
    sink: &'s mut dyn Sink,
    failure: Option<ScriptError>,
}

impl DataSink for CopyOut<'_> {
    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let r = self.sink.copy_data(bytes);
        remember(&mut self.failure, r)
    }
    fn start_lo(&mut self, _oid: u32) -> std::io::Result<()> {
        Err(no_large_objects())
    }
    fn end_lo(&mut self) -> std::io::Result<()> {
        Err(no_large_objects())
    }
}

impl Failing for CopyOut<'_> {
    fn take_failure(&mut self) -> Option<ScriptError> {
        self.failure.take()
    }
}

/// INSERT-style table data: SQL text, printed as it comes.
struct CommandsOut<'s> {
    sink: &'s mut dyn Sink,
    failure: Option<ScriptError>,
}

impl DataSink for CommandsOut<'_> {
    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let r = self.sink.sql_data(bytes);
        remember(&mut self.failure, r)
    }
    fn start_lo(&mut self, _oid: u32) -> std::io::Result<()> {
        Err(no_large_objects())
    }
    fn end_lo(&mut self) -> std::io::Result<()> {
        Err(no_large_objects())
    }
}

impl Failing for CommandsOut<'_> {
    fn take_failure(&mut self) -> Option<ScriptError> {
        self.failure.take()
    }
}

/// pg_dump's LOBBUFSIZE: large object bytes go out in `lowrite` calls of at most this much.
const LO_BUFFER: usize = 16384;

/// Large objects → `lo_open` / `lowrite` / `lo_close` commands (`StartRestoreLO`,
/// `dump_lo_buf`, `EndRestoreLO`).
struct LargeObjectsOut<'s> {
    sink: &'s mut dyn Sink,
    entry: &'s TocEntry,
    std_strings: bool,
    /// Archives before 1.12 create each object in the data pass.
    create: bool,
    buf: Vec<u8>,
    /// Commands not yet handed to the sink: an object's open, writes and close go as one
    /// string (one round trip to a database, the same text in a script), cut once it holds
    /// [`LO_PENDING`] bytes so memory stays bounded whatever the object's size.
    pending: String,
    failure: Option<ScriptError>,
}

/// How much of an object's commands are held before they go to the sink.
const LO_PENDING: usize = 4 * LO_BUFFER;

impl LargeObjectsOut<'_> {
    /// The bytes held as a `lowrite` command, queued; the queue sent once it is big.
    fn flush(&mut self) -> Result<(), ScriptError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let cmd = &mut self.pending;
        cmd.reserve(self.buf.len() * 2 + 40);
        cmd.push_str("SELECT pg_catalog.lowrite(0, '");
        if !self.std_strings {
            cmd.push('\\');
        }
        cmd.push_str("\\x");
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for &b in &self.buf {
            cmd.push(char::from(HEX[usize::from(b >> 4)]));
            cmd.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        cmd.push_str("');\n");
        self.buf.clear();
        if self.pending.len() >= LO_PENDING {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> Result<(), ScriptError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let cmd = std::mem::take(&mut self.pending);
        self.sink.sql(&cmd, Some(self.entry))
    }
}

impl DataSink for LargeObjectsOut<'_> {
    fn data(&mut self, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            let take = (LO_BUFFER - self.buf.len()).min(bytes.len());
            self.buf.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buf.len() == LO_BUFFER {
                let r = self.flush();
                remember(&mut self.failure, r)?;
            }
        }
        Ok(())
    }

    fn start_lo(&mut self, oid: u32) -> std::io::Result<()> {
        self.buf.clear();
        let cmd = if self.create {
            format!("SELECT pg_catalog.lo_open(pg_catalog.lo_create('{oid}'), 131072);\n")
        } else {
            format!("SELECT pg_catalog.lo_open('{oid}', 131072);\n")
        };
        self.pending.push_str(&cmd);
        Ok(())
    }

    fn end_lo(&mut self) -> std::io::Result<()> {
        let r = self.flush().and_then(|()| {
            self.pending.push_str("SELECT pg_catalog.lo_close(0);\n\n");
            self.send()
        });
        remember(&mut self.failure, r)
    }
}

impl Failing for LargeObjectsOut<'_> {
    fn take_failure(&mut self) -> Option<ScriptError> {
        self.failure.take()
    }
}

/// Large objects handed to a database's own [`LargeObjectWriter`].
struct LargeObjectsInto<'s> {
    writer: &'s mut dyn LargeObjectWriter,
    entry: &'s TocEntry,
    create: bool,
    failure: Option<ScriptError>,
}

impl DataSink for LargeObjectsInto<'_> {
    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let r = self.writer.write(bytes);
        remember(&mut self.failure, r)
    }

    fn start_lo(&mut self, oid: u32) -> std::io::Result<()> {
        let r = self.writer.start(oid, self.create, self.entry);
        remember(&mut self.failure, r)
    }

    fn end_lo(&mut self) -> std::io::Result<()> {
        let r = self.writer.end();
        remember(&mut self.failure, r)
    }
}

impl Failing for LargeObjectsInto<'_> {
    fn take_failure(&mut self) -> Option<ScriptError> {
        self.failure.take()
    }
}

/// A [`Sink`] that writes the script as text (`pg_dump -Fp`, `pg_restore -f`), in the archive's
/// encoding: the model's text goes back to the archive's bytes, payloads are those bytes already.
pub struct TextSink<W: std::io::Write> {
    out: W,
    encoding: Encoding,
}

impl<W: std::io::Write> TextSink<W> {
    pub fn new(out: W, encoding: Encoding) -> Self {
        TextSink { out, encoding }
    }

    /// Returns the writer; the caller flushes and closes it.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn text(&mut self, text: &str) -> Result<(), ScriptError> {
        let bytes = encode_text(text, self.encoding)?;
        Ok(self.out.write_all(&bytes)?)
    }
}

/// The model's text in the archive's encoding, for a script.
pub fn encode_text(text: &str, encoding: Encoding) -> Result<Cow<'_, [u8]>, ScriptError> {
    crate::encoding::encode(text, encoding).map_err(|e| {
        ScriptError::Other(format!(
            "character {:?} cannot be written in encoding {}",
            e.ch,
            encoding.name()
        ))
    })
}

impl<W: std::io::Write> Sink for TextSink<W> {
    fn is_database(&self) -> bool {
        false
    }

    fn comment(&mut self, text: &str) -> Result<(), ScriptError> {
        self.text(text)
    }

    fn sql(&mut self, text: &str, _entry: Option<&TocEntry>) -> Result<(), ScriptError> {
        self.text(text)
    }

    fn copy_begin(&mut self, copy_stmt: &str, _entry: &TocEntry) -> Result<(), ScriptError> {
        self.text(copy_stmt)
    }

    fn copy_data(&mut self, bytes: &[u8]) -> Result<(), ScriptError> {
        Ok(self.out.write_all(bytes)?)
    }

    fn copy_end(&mut self) -> Result<(), ScriptError> {
        Ok(())
    }

    fn sql_data(&mut self, bytes: &[u8]) -> Result<(), ScriptError> {
        Ok(self.out.write_all(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(desc: &str, drop: &str) -> TocEntry {
        let mut te = TocEntry::new(1, desc, "t", Section::PreData);
        te.drop_stmt = Some(drop.to_owned());
        te
    }

    #[test]
    fn if_exists_rewrites() {
        assert_eq!(
            add_if_exists(
                &entry("TABLE", "DROP TABLE public.t;\n"),
                "DROP TABLE public.t;\n"
            ),
            "DROP TABLE IF EXISTS public.t;\n"
        );
        let c = "ALTER TABLE ONLY public.t DROP CONSTRAINT t_pkey;\n";
        assert_eq!(
            add_if_exists(&entry("CONSTRAINT", c), c),
            "ALTER TABLE IF EXISTS ONLY public.t DROP CONSTRAINT IF EXISTS t_pkey;\n"
        );
        let d = "ALTER TABLE public.t ALTER COLUMN s DROP DEFAULT;\n";
        assert_eq!(
            add_if_exists(&entry("DEFAULT", d), d),
            "ALTER TABLE IF EXISTS public.t ALTER COLUMN s DROP DEFAULT;\n"
        );
    }

    #[test]
    fn sanitize() {
        assert_eq!(sanitize_line(None, true), "-");
        assert_eq!(sanitize_line(Some(""), false), "");
        assert_eq!(sanitize_line(Some(""), true), "");
        assert_eq!(sanitize_line(Some("a\nb\rc"), false), "a b c");
    }
}
