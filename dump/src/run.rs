//! One dump from start to finish: output opened first (as upstream), connect, snapshot, catalog,
//! sort, TOC, then the archive or the plain script with the table data streamed through.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use tusk_connect::{ConnectOptions, ProcessEnv, Session};
use tusk_format::archive::{ArchiveWrite, BlobsWrite};
use tusk_format::compress::CompressedFile;
use tusk_format::custom::CustomWriter;
use tusk_format::custom::DataSink;
use tusk_format::directory::DirectoryWriter;
use tusk_format::output::Output;
use tusk_format::script::{self, DataSource, ScriptError, ScriptOptions, TextSink};
use tusk_format::select::Selection;
use tusk_format::tar::TarWriter;
use tusk_format::{
    ArchiveFormat, ArchiveHeader, ArchiveVersion, CompressionAlgorithm, CreateTime, Toc, TocEntry,
};

use crate::catalog::{self, Catalog};
use crate::cli::{Format, Options, RESTRICT_CHARS};
use crate::ddl::{self, DdlOptions, SessionFacts};
use crate::error::DumpError;
use crate::objects::{self, LoLayout, ObjectGraph, Subject, Wanted};
use crate::{filter, snapshot, sort};

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

    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(DumpError::Write)?,
    );
    let mut conn_opts: ConnectOptions = opts.conn.clone();
    conn_opts
        .application_name
        .get_or_insert_with(|| "tusk_dump".to_owned());
    let params = tusk_connect::resolve(&conn_opts, &ProcessEnv)?;
    let session = Session::connect(rt, &params, &conn_opts)?;

    let server_version: i32 = session
        .show("server_version_num")
        .map_err(DumpError::query("reading the server version"))?
        .parse()
        .unwrap_or(0);
    if server_version < 140000 {
        return Err(DumpError::Unsupported(format!(
            "server version {server_version} is not supported; tusk_dump supports PostgreSQL 14 and later"
        )));
    }
    snapshot::setup(&session, opts, server_version)?;
    let _snapshot_id = snapshot::begin(&session, opts)?;

    let facts = session_facts(&session)?;
    if facts.encoding != "UTF8" {
        return Err(DumpError::Unsupported(format!(
            "database encoding {} is not supported by tusk_dump yet",
            facts.encoding
        )));
    }
    let matched = session.run(filter::expand(
        session.client(),
        &opts.filter,
        params.dbname(),
    ))?;
    let mut cat = session.run(catalog::load_relations(session.client()))?;
    filter::apply(&mut cat, &matched, &opts.filter);
    // Like pg_dump, only the tables being dumped are locked (the server refuses LOCK on
    // materialized views).
    let tables: Vec<_> = cat
        .relations
        .iter()
        .filter(|r| matches!(r.relkind, b'r' | b'p') && r.selected)
        .collect();
    snapshot::lock_tables(&session, opts, &tables)?;
    session.run(catalog::load_details(
        session.client(),
        server_version,
        &mut cat,
    ))?;
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
        } else if session.run(catalog::replication::count_subscriptions(session.client()))? > 0 {
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
    let entries = ddl::toc_entries(
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
        },
    )?;
    let mut toc = Toc { header, entries };
    if opts.format != Format::Plain && opts.sections.is_some() {
        // An archive holds only the sections asked for (WriteToc skips unmarked entries);
        // DATABASE entries stay, archives always carrying them.
        let reqs = tusk_format::select::required_components(&toc, &selection(opts), true);
        toc.entries
            .retain(|te| reqs.get(&te.dump_id).is_some_and(|r| r.any()));
    }
    ddl::build_archive_dependencies(&mut toc.entries, &graph);

    let mut data = LiveData {
        session: &session,
        cat: &cat,
        graph: &graph,
    };
    match opts.format {
        Format::Plain => {
            // pg_dump compresses a plain script as a whole file when -Z is given.
            let file = BufWriter::new(output.as_mut().ok_or_else(no_file)?.file());
            let compressed = CompressedFile::new(file, opts.compression)
                .map_err(|e| DumpError::Unsupported(e.to_string()))?;
            let mut sink = TextSink::new(compressed);
            script::emit(&toc, &script_options(opts), &mut data, &mut sink)?;
            sink.into_inner()
                .finish()
                .and_then(|mut f| f.flush())
                .map_err(DumpError::Write)?;
        }
        Format::Custom => {
            let writer = CustomWriter::new(output.as_mut().ok_or_else(no_file)?.file(), &toc)?;
            write_members(Box::new(writer), &toc, &mut data)?;
        }
        Format::Directory => {
            let path = opts.file.as_deref().unwrap_or_default();
            let mut writer = DirectoryWriter::create(Path::new(path), &toc)?;
            writer.set_sync(!opts.no_sync);
            write_members(Box::new(writer), &toc, &mut data)?;
        }
        Format::Tar => {
            let writer = TarWriter::create(output.as_mut().ok_or_else(no_file)?.file(), &toc)?;
            write_members(Box::new(writer), &toc, &mut data)?;
        }
    }
    session
        .execute("COMMIT")
        .map_err(DumpError::query("ending the dump transaction"))?;
    match output {
        Some(out) => Ok(out.commit(!opts.no_sync)?),
        None => Ok(()),
    }
}

/// Writes every data member of `toc` with live table data, then completes the archive.
fn write_members(
    mut writer: Box<dyn ArchiveWrite + '_>,
    toc: &Toc,
    data: &mut LiveData<'_>,
) -> Result<(), DumpError> {
    for te in toc.entries.iter().filter(|e| e.had_dumper) {
        if te.desc == "BLOBS" {
            let mut member = writer.blobs(te.dump_id)?;
            data.large_objects(te, &mut BlobsOut(member.as_mut()))?;
            member.finish()?;
        } else {
            let mut member = writer.data(te.dump_id)?;
            data.copy_rows(te, &mut |chunk| member.write_all(chunk))?;
            member.finish()?;
        }
    }
    Ok(writer.finish()?)
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
fn script_options(opts: &Options) -> ScriptOptions {
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
                .unwrap_or_else(generate_restrict_key),
        ),
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

/// A random `\restrict` key of 63 alphanumeric characters, as pg_dump makes one.
fn generate_restrict_key() -> String {
    use rand::RngExt;
    let chars = RESTRICT_CHARS.as_bytes();
    let mut rng = rand::rng();
    (0..63)
        .map(|_| char::from(chars[rng.random_range(0..chars.len())]))
        .collect()
}

/// Table data read live from the server inside the dump's snapshot.
struct LiveData<'a> {
    session: &'a Session,
    cat: &'a Catalog,
    graph: &'a ObjectGraph,
}

/// Large-object contents into an archive's BLOBS member.
struct BlobsOut<'a>(&'a mut dyn BlobsWrite);

impl DataSink for BlobsOut<'_> {
    fn data(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.write_all(bytes)
    }
    fn start_lo(&mut self, oid: u32) -> std::io::Result<()> {
        self.0.start_lo(oid).map_err(std::io::Error::other)
    }
    fn end_lo(&mut self) -> std::io::Result<()> {
        self.0.end_lo().map_err(std::io::Error::other)
    }
}

impl LiveData<'_> {
    /// Streams one table's COPY output, then the `\.` terminator pg_dump appends.
    fn copy_rows(
        &mut self,
        te: &TocEntry,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), DumpError> {
        let rel = self.cat.relation(te.catalog_id.oid).ok_or_else(|| {
            DumpError::Unsupported(format!("no table for TOC entry {}", te.dump_id))
        })?;
        let condition = self
            .cat
            .extension_data
            .get(&rel.oid)
            .map(String::as_str)
            .filter(|c| !c.is_empty());
        // A foreign table is read through a SELECT, which the session's restriction on
        // foreign tables is lifted for (dumpTableData_copy).
        let foreign = rel.relkind == b'f';
        let sql = ddl::copy_query(rel, condition.or(foreign.then_some("")));
        let action = format!("dumping the contents of table \"{}\"", rel.name);
        if foreign {
            self.restrict_relation_kind("view", &action)?;
        }
        self.session
            .copy_out(&sql, |chunk| out(chunk))
            .map_err(DumpError::query(&action))?
            .map_err(DumpError::Write)?;
        if foreign {
            self.restrict_relation_kind("view, foreign-table", &action)?;
        }
        out(b"\\.\n\n\n").map_err(DumpError::Write)
    }

    /// `set_restrict_relation_kind`: where the server has the setting.
    fn restrict_relation_kind(&self, value: &str, action: &str) -> Result<(), DumpError> {
        self.session
            .execute(&format!(
                "SELECT pg_catalog.set_config(name, '{value}', false) FROM pg_catalog.pg_settings \
                 WHERE name = 'restrict_nonsystem_relation_kind'"
            ))
            .map_err(DumpError::query(action))
    }
}

impl LiveData<'_> {
    /// Streams the large objects of a BLOBS entry, each read in 16 kB pieces as pg_dump reads
    /// them (`lo_read` with LOBBUFSIZE), inside the dump's snapshot.
    fn large_objects(&mut self, te: &TocEntry, out: &mut dyn DataSink) -> Result<(), DumpError> {
        let Some(Subject::LargeObjects(a, b)) = self.graph.get(te.dump_id).map(|o| o.subject)
        else {
            return Err(DumpError::Unsupported(format!(
                "no large objects for TOC entry {}",
                te.dump_id
            )));
        };
        let mut oids: Vec<u32> = self
            .cat
            .large_objects
            .get(a..b)
            .unwrap_or_default()
            .iter()
            .map(|l| l.oid)
            .collect();
        oids.sort_unstable();
        for oid in oids {
            let action = format!("reading large object {oid}");
            let rows = self
                .session
                .query(&format!("SELECT pg_catalog.lo_open('{oid}', 262144)"))
                .map_err(DumpError::query(&action))?;
            let fd: i32 = rows.first().and_then(|r| r.try_get(0).ok()).unwrap_or(-1);
            out.start_lo(oid).map_err(DumpError::Write)?;
            loop {
                let rows = self
                    .session
                    .query(&format!("SELECT pg_catalog.loread({fd}, 16384)"))
                    .map_err(DumpError::query(&action))?;
                let chunk: Vec<u8> = rows
                    .first()
                    .and_then(|r| r.try_get(0).ok())
                    .unwrap_or_default();
                if chunk.is_empty() {
                    break;
                }
                out.data(&chunk).map_err(DumpError::Write)?;
            }
            self.session
                .execute(&format!("SELECT pg_catalog.lo_close({fd})"))
                .map_err(DumpError::query(&action))?;
            out.end_lo().map_err(DumpError::Write)?;
        }
        Ok(())
    }
}

impl DataSource for LiveData<'_> {
    fn stream(&mut self, entry: &TocEntry, out: &mut dyn DataSink) -> Result<(), ScriptError> {
        let result = if entry.desc == "BLOBS" {
            self.large_objects(entry, out)
        } else {
            self.copy_rows(entry, &mut |chunk| out.data(chunk))
        };
        result.map_err(|e| ScriptError::Other(e.to_string()))
    }
}
