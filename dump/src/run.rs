//! One dump from start to finish: output opened first (as upstream), connect, snapshot, catalog,
//! sort, TOC, then the archive or the plain script with the table data ([`crate::data`])
//! streamed through.

use std::io::{BufWriter, Write};
use std::path::Path;

use tusk_connect::{ConnectOptions, ProcessEnv, Session};
use tusk_format::archive::OneAtATime;
use tusk_format::compress::CompressedFile;
use tusk_format::custom::CustomWriter;
use tusk_format::custom_parallel::ParallelCustomWriter;
use tusk_format::directory::DirectoryWriter;
use tusk_format::output::Output;
use tusk_format::script::{self, ScriptOptions, TextSink};
use tusk_format::select::Selection;
use tusk_format::tar::TarWriter;
use tusk_format::{
    ArchiveFormat, ArchiveHeader, ArchiveVersion, CompressionAlgorithm, CreateTime, Encoding, Toc,
};

use crate::catalog;
use crate::cli::{Format, Options};
use crate::data::{DataOptions, LiveData, start_progress, write_members};
use crate::ddl::{self, DdlOptions, SessionFacts};
use crate::error::DumpError;
use crate::inserts::InsertOptions;
use crate::objects::{self, LoLayout, Wanted};
use crate::{details, filter, snapshot, sort, transcode};

/// The version string written into archives as "pg_dump version": the upstream release whose
/// output tusk reproduces, and tusk's own version, so both are on record.
pub fn dump_version() -> String {
    format!("18.6 (tusk {})", env!("CARGO_PKG_VERSION"))
}

/// Runs a dump. Warnings go to `warn` (the binary prints them to stderr).
pub fn run(opts: &Options, warn: &mut dyn FnMut(&str)) -> Result<(), DumpError> {
    tusk_format::quote::set_quote_all_identifiers(opts.quote_all_identifiers);
    // Like pg_dump, the output is checked before connecting; a directory archive is written
    // under a temporary name by its writer.
    let mut output = match opts.format {
        Format::Directory => {
            check_directory_target(opts.file.as_deref())?;
            None
        }
        _ => Some(Output::create(opts.file.as_deref())?),
    };
    let source = Source::open(opts, "tusk_dump", warn)?;
    let Source {
        session,
        cat,
        graph,
        toc,
        progress,
        ..
    } = &source;
    let data_opts = source.data_opts.clone();
    progress.phase("data");

    // Parallel workers, each in the leader's snapshot; without them the leader dumps the data.
    let workers = |wanted: bool| -> Result<Vec<Session>, DumpError> {
        if !wanted || source.snapshot_id.is_none() {
            return Ok(Vec::new());
        }
        (0..opts.jobs).map(|_| source.worker(opts)).collect()
    };
    match opts.format {
        Format::Plain => write_plain(&source, opts, output.as_mut().ok_or_else(no_file)?.file())?,
        Format::Custom => {
            let out = output.as_mut().ok_or_else(no_file)?;
            let spill_dir = out.dir();
            let writer = CustomWriter::new(out.file(), toc)?;
            // pg_restore reads a pipe's members in TOC order only: without seeking, tusk
            // dumps serially (upstream refuses -Fc -j altogether).
            let parallel = opts.jobs > 1 && writer.is_seekable();
            let workers = workers(parallel)?;
            let writer = ParallelCustomWriter::new(writer, spill_dir.filter(|_| parallel));
            write_members(writer, toc, &pool(session, &workers), cat, graph, data_opts)?;
        }
        Format::Directory => {
            let path = opts.file.as_deref().unwrap_or_default();
            let mut writer = DirectoryWriter::create(Path::new(path), toc)?;
            writer.set_sync(!opts.no_sync);
            let workers = workers(opts.jobs > 1)?;
            write_members(writer, toc, &pool(session, &workers), cat, graph, data_opts)?;
        }
        Format::Tar => {
            let writer = TarWriter::create(output.as_mut().ok_or_else(no_file)?.file(), toc)?;
            write_members(
                OneAtATime::new(writer),
                toc,
                &pool(session, &[]),
                cat,
                graph,
                data_opts,
            )?;
        }
    }
    source.commit()?;
    if let Some(out) = output {
        out.commit(!opts.no_sync)?;
    }
    if opts.manifest {
        write_manifest(
            Path::new(opts.file.as_deref().unwrap_or_default()),
            !opts.no_sync,
        )?;
    }
    source.progress.finish();
    Ok(())
}

/// A plain-format dump written into `out`, as pg_dump's plain-append format (`-Fa`) does for
/// pg_dumpall: tusk_dumpall's dump of one database, into the cluster's script.
pub fn run_plain_into(
    opts: &Options,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(&str),
) -> Result<(), DumpError> {
    tusk_format::quote::set_quote_all_identifiers(opts.quote_all_identifiers);
    let source = Source::open(opts, "tusk_dump", warn)?;
    source.progress.phase("data");
    write_plain(&source, opts, out)?;
    source.commit()?;
    source.progress.finish();
    Ok(())
}

/// The plain script: the TOC as SQL, with the table data streamed through.
fn write_plain(source: &Source, opts: &Options, out: &mut dyn Write) -> Result<(), DumpError> {
    let mut data = LiveData::new(
        &source.session,
        &source.cat,
        &source.graph,
        source.data_opts.clone(),
        0,
    );
    // pg_dump compresses a plain script as a whole file when -Z is given.
    let compressed = CompressedFile::new(BufWriter::new(out), opts.compression)
        .map_err(|e| DumpError::Unsupported(e.to_string()))?;
    let mut sink = TextSink::new(compressed, source.encoding);
    script::emit(&source.toc, &script_options(opts), &mut data, &mut sink)?;
    sink.into_inner()
        .finish()
        .and_then(|mut f| f.flush())
        .map_err(DumpError::Write)
}

/// A dump's source read and rendered: the leader's session, still in the dump's transaction
/// and snapshot, the catalog and the TOC, ready for its data to be read. tusk_dump writes it
/// out; tusk_copy restores it into another database.
pub struct Source {
    pub session: Session,
    pub conn_opts: ConnectOptions,
    pub server_version: i32,
    /// The exported snapshot workers join (with `-j` > 1 or `--snapshot`).
    pub snapshot_id: Option<String>,
    pub cat: catalog::Catalog,
    pub graph: objects::ObjectGraph,
    pub toc: Toc,
    pub data_opts: DataOptions,
    pub encoding: Encoding,
    pub progress: tusk_progress::Progress,
}

impl Source {
    /// Connects (as `program`, for application_name and the interrupt message), sets up the
    /// snapshot, reads the catalog and builds the TOC. Warnings go to `warn`.
    pub fn open(
        opts: &Options,
        program: &'static str,
        warn: &mut dyn FnMut(&str),
    ) -> Result<Source, DumpError> {
        tusk_connect::interrupt::exit_on_signal(program, tusk_format::output::remove_unfinished)
            .map_err(DumpError::Write)?;
        let mut conn_opts: ConnectOptions = opts.conn.clone();
        conn_opts
            .application_name
            .get_or_insert_with(|| program.to_owned());
        let params = match &opts.resolved {
            Some(params) => params.clone(),
            None => tusk_connect::resolve(&conn_opts, &ProcessEnv)?,
        };
        let session = Session::connect(&params, &conn_opts)?;
        let progress =
            tusk_progress::Progress::new(tusk_progress::Mode::resolve(opts.progress, opts.verbose));
        progress.phase("catalog");
        let warn = &mut |message: &str| progress.suspend(|| warn(message));

        let server_version = server_version(&session, "tusk_dump")?;
        let standby = snapshot::is_standby(&session)?;
        snapshot::setup(&session, opts, server_version)?;
        let snapshot_id = snapshot::begin(&session, opts)?;
        // A standby cannot read unlogged tables, so pg_dump leaves their data out there.
        let selection_filter = filter::ObjectFilter {
            no_unlogged_table_data: opts.filter.no_unlogged_table_data || standby,
            ..opts.filter.clone()
        };

        let mut facts = session_facts(&session)?;
        let encoding =
            client_encoding(&session, opts.encoding.as_deref(), &params, &facts.encoding)?;
        facts.encoding = encoding.name().to_owned();
        let matched = session.run(filter::expand(
            session.client(),
            &opts.filter,
            params.dbname(),
        ))?;
        let mut cat = session.run(catalog::load_relations(session.client()))?;
        filter::apply(&mut cat, &matched, &selection_filter);
        // Like pg_dump, only the tables being dumped are locked (the server refuses LOCK on
        // materialized views).
        let tables: Vec<_> = cat
            .relations
            .iter()
            .filter(|r| matches!(r.relkind, b'r' | b'p') && r.selected)
            .collect();
        snapshot::lock_tables(&session, opts, &tables)?;
        details::Reader {
            session: &session,
            conn_opts: &conn_opts,
            opts,
            server_version,
            snapshot_id: snapshot_id.as_deref(),
        }
        .read(&mut cat)?;
        if !opts.no_policies {
            cat.row_security = session.run(catalog::policies::load_row_security(
                session.client(),
                &cat.relations,
            ))?;
        }
        if !opts.no_publications {
            cat.publications = session.run(catalog::replication::load_publications(
                session.client(),
                server_version,
            ))?;
        }
        if !opts.no_subscriptions {
            // Only a superuser may read subscriptions' connection strings.
            let superuser = session
                .show("is_superuser")
                .map_err(DumpError::query("reading is_superuser"))?
                == "on";
            if superuser {
                cat.subscriptions = session.run(catalog::replication::load_subscriptions(
                    session.client(),
                    server_version,
                ))?;
            } else if session.run(catalog::replication::count_subscriptions(session.client()))? > 0
            {
                warn("subscriptions not dumped because current user is not a superuser");
            }
        }

        if opts.dump_statistics {
            cat.relation_stats = session.run(catalog::stats::load_statistics(
                session.client(),
                server_version,
                &cat,
            ))?;
        }

        let header = header(&session, opts, &params, server_version)?;
        // pg_dump includes large objects when it dumps the whole database's data. Their TOC layout
        // follows the archive version: plain output prints what pg_dump 18 prints.
        let large_objects = (opts.dump_data && opts.filter.large_objects()).then(|| {
            if opts.format == Format::Plain || header.version >= ArchiveVersion::V1_16 {
                LoLayout::Grouped
            } else {
                LoLayout::PerObject
            }
        });
        if large_objects.is_some() {
            cat.large_objects = session.run(catalog::load_large_objects(session.client()))?;
        }
        let mut graph = objects::build(
            &cat,
            Wanted {
                schema: opts.dump_schema,
                data: opts.dump_data,
                sequence_data: opts.sequence_data,
                large_objects,
            },
        );
        for w in sort::sort(&mut graph, &cat) {
            warn(&w);
        }
        if cat
            .namespaces
            .iter()
            .any(|ns| ns.name == "pg_catalog" && ns.selected)
        {
            for name in &cat.pseudo_types_with_acl {
                warn(&format!(
                    "typtype of data type \"{name}\" appears to be invalid"
                ));
            }
        }
        let mut entries = ddl::toc_entries(
            &cat,
            &graph,
            &facts,
            DdlOptions {
                schema: opts.dump_schema,
                data: opts.dump_data,
                comments: !opts.no_comments,
                database: opts.format != Format::Plain || opts.create,
                no_tablespaces: opts.no_tablespaces,
                no_toast_compression: opts.no_toast_compression,
                large_objects,
                privileges: !opts.no_privileges,
                security_labels: !opts.no_security_labels,
                dollar_quoting: !opts.disable_dollar_quoting,
                inserts: opts.dump_inserts > 0,
                load_via_partition_root: opts.load_via_partition_root,
            },
        )?;
        transcode::convert_entries(&session, &mut entries, encoding)?;
        let data_opts = DataOptions {
            inserts: (opts.dump_inserts > 0).then_some(InsertOptions {
                rows_per_statement: opts.dump_inserts,
                column_inserts: opts.column_inserts,
                on_conflict_do_nothing: opts.on_conflict_do_nothing,
            }),
            load_via_partition_root: opts.load_via_partition_root,
            std_strings: facts.std_strings,
            encoding,
            max_rate: opts
                .max_rate
                .map(|rate| std::sync::Arc::new(tusk_connect::rate::RateLimit::new(rate))),
            progress: progress.clone(),
        };
        let mut toc = Toc { header, entries };
        if opts.format != Format::Plain && opts.sections.is_some() {
            // An archive holds only the sections asked for (WriteToc skips unmarked entries);
            // DATABASE entries stay, archives always carrying them.
            let reqs = tusk_format::select::required_components(&toc, &selection(opts), true).reqs;
            toc.entries
                .retain(|te| reqs.get(&te.dump_id).is_some_and(|r| r.any()));
        }
        ddl::build_archive_dependencies(&mut toc.entries, &graph);
        start_progress(&progress, &toc, &cat);
        Ok(Source {
            session,
            conn_opts,
            server_version,
            snapshot_id,
            cat,
            graph,
            toc,
            data_opts,
            encoding,
            progress,
        })
    }

    /// Ends the dump's transaction: everything was read in its snapshot.
    pub fn commit(&self) -> Result<(), DumpError> {
        self.progress.phase("commit");
        self.session
            .execute("COMMIT")
            .map_err(DumpError::query("ending the dump transaction"))
    }

    /// A worker session in the source's snapshot.
    pub fn worker(&self, opts: &Options) -> Result<Session, DumpError> {
        let snapshot_id = self.snapshot_id.as_deref().ok_or_else(|| {
            DumpError::Unsupported("parallel workers need an exported snapshot".into())
        })?;
        snapshot::connect_worker(
            &self.session.connection().params,
            &self.conn_opts,
            opts,
            self.server_version,
            snapshot_id,
        )
    }

    /// The entries' expected data sizes (relpages), in TOC order.
    pub fn data_sizes(&self) -> Vec<u64> {
        self.toc
            .entries
            .iter()
            .map(|te| crate::data::estimate(te, &self.cat).0)
            .collect()
    }
}

/// `--manifest`: the finished archive read back and described beside it.
fn write_manifest(archive: &Path, sync: bool) -> Result<(), DumpError> {
    let made_by = format!("tusk {}", env!("CARGO_PKG_VERSION"));
    let (manifest, findings) = tusk_format::manifest::examine(archive, &made_by)
        .map_err(|e| DumpError::Unsupported(format!("reading the archive back: {e}")))?;
    if let Some(problem) = findings.iter().find(|f| !f.problems.is_empty()) {
        return Err(DumpError::Unsupported(format!(
            "the archive just written does not read back: {}: {}",
            problem.what,
            problem.problems.join("; ")
        )));
    }
    let path = tusk_format::manifest::manifest_path(archive);
    let mut out = Output::create(path.to_str())?;
    serde_json::to_writer_pretty(out.file(), &manifest).map_err(|e| DumpError::Write(e.into()))?;
    out.file().write_all(b"\n").map_err(DumpError::Write)?;
    Ok(out.commit(sync)?)
}

/// The sessions that dump the data: the workers, or the leader when there are none.
fn pool<'a>(leader: &'a Session, workers: &'a [Session]) -> Vec<&'a Session> {
    if workers.is_empty() {
        vec![leader]
    } else {
        workers.iter().collect()
    }
}

fn no_file() -> DumpError {
    DumpError::Unsupported("no output file".into())
}

/// pg_dump's checks on a directory target, made before connecting: a path is required, and it
/// must not exist or be an empty directory.
fn check_directory_target(path: Option<&str>) -> Result<(), DumpError> {
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return Err(DumpError::Unsupported(
            "no output directory specified".into(),
        ));
    };
    match std::fs::read_dir(path) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(DumpError::Unsupported(format!(
                    "directory \"{path}\" is not empty"
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(DumpError::Unsupported(format!(
            "could not open directory \"{path}\": {}",
            tusk_format::output::strerror(&e)
        ))),
    }
}

/// The encoding the dump is written in, as pg_dump's connection has it: `-E` (`requested`),
/// else the connection's `client_encoding` (PGCLIENTENCODING), else the database's. The
/// session stays in UTF-8; setting the encoding once, and back, asks the server whether it can
/// convert between the database's encoding and this one, as PQsetClientEncoding does.
pub fn client_encoding(
    session: &Session,
    requested: Option<&str>,
    params: &tusk_connect::ConnParams,
    database_encoding: &str,
) -> Result<Encoding, DumpError> {
    let (name, explicit) = match (requested, params.get("client_encoding")) {
        (Some(e), _) => (e, true),
        (None, Some(e)) if !e.is_empty() && !e.eq_ignore_ascii_case("auto") => (e, false),
        _ => (database_encoding, false),
    };
    let invalid =
        || DumpError::Unsupported(format!("invalid client encoding \"{name}\" specified"));
    let encoding = Encoding::from_name(name).ok_or_else(invalid)?;
    if explicit || encoding.name() != database_encoding {
        session
            .execute(&format!(
                "SET client_encoding = {}; SET client_encoding = 'UTF8'",
                tusk_format::quote::literal(encoding.name(), true)
            ))
            .map_err(|_| invalid())?;
    }
    Ok(encoding)
}

/// The server's `server_version_num`, refused below 14 (the oldest catalog tusk reads).
pub fn server_version(session: &Session, progname: &str) -> Result<i32, DumpError> {
    let version: i32 = session
        .show("server_version_num")
        .map_err(DumpError::query("reading the server version"))?
        .parse()
        .unwrap_or(0);
    if version < 140000 {
        return Err(DumpError::Unsupported(format!(
            "server version {version} is not supported; {progname} supports PostgreSQL 14 and later"
        )));
    }
    Ok(version)
}

fn session_facts(session: &Session) -> Result<SessionFacts, DumpError> {
    let rows = session
        .query(
            "SELECT pg_catalog.pg_encoding_to_char(encoding)::text FROM pg_catalog.pg_database \
             WHERE datname = pg_catalog.current_database()",
        )
        .map_err(DumpError::query("reading the database encoding"))?;
    let encoding = rows
        .first()
        .and_then(|r| r.try_get::<_, String>(0).ok())
        .unwrap_or_else(|| "UTF8".to_owned());
    let std_strings = session
        .show("standard_conforming_strings")
        .map_err(DumpError::query("reading standard_conforming_strings"))?
        == "on";
    let rows = session
        .query("SELECT pg_catalog.current_schemas(false)::text[]")
        .map_err(DumpError::query("reading the search path"))?;
    let schemas: Vec<String> = rows
        .first()
        .and_then(|r| r.try_get(0).ok())
        .unwrap_or_default();
    let search_path = schemas
        .iter()
        .map(|s| tusk_format::quote::ident(s))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(SessionFacts {
        encoding,
        std_strings,
        search_path,
    })
}

fn header(
    session: &Session,
    opts: &Options,
    params: &tusk_connect::ConnParams,
    server_version_num: i32,
) -> Result<ArchiveHeader, DumpError> {
    let server_version = session
        .show("server_version")
        .map_err(DumpError::query("reading the server version"))?;
    Ok(ArchiveHeader {
        version: archive_version(
            server_version_num,
            opts.compression.algorithm,
            opts.archive_version,
        )?,
        int_size: 4,
        off_size: 8,
        format: match opts.format {
            Format::Directory => ArchiveFormat::Directory,
            Format::Tar => ArchiveFormat::Tar,
            _ => ArchiveFormat::Custom,
        },
        compression: opts.compression,
        created: local_time_now(),
        dbname: params.dbname().to_owned(),
        server_version: Some(server_version),
        dump_version: Some(dump_version()),
    })
}

/// The archive version to write: by default the newest one the source server's own
/// pg_restore reads (1.14 for 14 and 15, 1.15 for 16, 1.16 for 17 and later), so an archive
/// restores with the tools that came with its server; at least 1.15 when lz4 or zstd is asked
/// for, since a 1.14 header cannot name them. `--archive-version` overrides, within what the
/// version can hold.
pub fn archive_version(
    server_version_num: i32,
    compression: CompressionAlgorithm,
    requested: Option<ArchiveVersion>,
) -> Result<ArchiveVersion, DumpError> {
    let needs_algorithm_byte = matches!(
        compression,
        CompressionAlgorithm::Lz4 | CompressionAlgorithm::Zstd
    );
    match requested {
        Some(v) if needs_algorithm_byte && v < ArchiveVersion::V1_15 => {
            Err(DumpError::Unsupported(format!(
                "archive version {}.{} cannot hold {} compression; use 1.15 or later",
                v.0,
                v.1,
                compression.name()
            )))
        }
        Some(v) => Ok(v),
        None => {
            let native = match server_version_num {
                ..160000 => ArchiveVersion::V1_14,
                160000..170000 => ArchiveVersion::V1_15,
                _ => ArchiveVersion::V1_16,
            };
            Ok(if needs_algorithm_byte {
                native.max(ArchiveVersion::V1_15)
            } else {
                native
            })
        }
    }
}

/// The local broken-down time, as pg_dump stores it (`localtime()`).
fn local_time_now() -> CreateTime {
    let now = jiff::ZonedDateTime::now();
    let dst = now
        .time_zone()
        .to_offset_info(now.timestamp())
        .dst()
        .is_dst();
    CreateTime {
        sec: i32::from(now.second()),
        min: i32::from(now.minute()),
        hour: i32::from(now.hour()),
        mday: i32::from(now.day()),
        mon: i32::from(now.month()) - 1,
        year: i32::from(now.year()) - 1900,
        isdst: i32::from(dst),
    }
}

/// The restore options pg_dump passes to its own archiver for plain output.
pub fn script_options(opts: &Options) -> ScriptOptions {
    ScriptOptions {
        selection: selection(opts),
        clean: opts.clean,
        if_exists: opts.if_exists,
        create_db: opts.create,
        no_owner: opts.no_owner,
        no_tablespaces: opts.no_tablespaces,
        no_table_am: opts.no_table_am,
        use_set_session_authorization: opts.use_set_session_authorization,
        role: None,
        enable_row_security: opts.enable_row_security,
        single_transaction: false,
        restrict_key: Some(
            opts.restrict_key
                .clone()
                .unwrap_or_else(tusk_format::restrict::generate_key),
        ),
        disable_triggers: opts.disable_triggers,
        superuser: opts.superuser.clone(),
        ..ScriptOptions::default()
    }
}

/// The entries pg_dump's own archiver keeps (it marks them as a restore would, with the dump's
/// options, before printing a script or writing an archive).
fn selection(opts: &Options) -> Selection {
    Selection {
        dump_schema: opts.dump_schema,
        dump_data: opts.dump_data,
        dump_statistics: opts.dump_statistics,
        acls_skip: opts.no_privileges,
        no_comments: opts.no_comments,
        no_policies: opts.no_policies,
        no_publications: opts.no_publications,
        no_subscriptions: opts.no_subscriptions,
        no_security_labels: opts.no_security_labels,
        sequence_data: opts.sequence_data,
        sections: opts.sections.unwrap_or_default(),
        ..Selection::default()
    }
}
