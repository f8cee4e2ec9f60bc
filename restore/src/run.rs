//! One restore: open the archive, select, then list it, write the script, or apply it to a
//! server through the same emitter.

use std::io::{BufWriter, Write};

use tusk_connect::{ConnectOptions, ProcessEnv, Session};
use tusk_format::output::Output;
use tusk_format::script::{self, ScriptOptions, Sink, TextSink};
use tusk_format::select::{Selection, required_components};
use tusk_format::{ArchiveFormat, Encoding};

use crate::apply::{DbSink, SinkSettings, reconnector};
use crate::cli::Options;
use crate::error::RestoreError;
use crate::parallel::{self, Workers};
use crate::progress::RestoreProgress;

/// What a restore ended with: the number of errors that were reported and skipped.
pub struct Outcome {
    pub errors_ignored: u64,
}

/// Runs a restore. Errors that do not stop it are passed to `report` as they happen, warnings
/// to `report_warning`.
pub fn run(
    opts: &Options,
    report: &mut dyn FnMut(&str),
    report_warning: &mut dyn FnMut(&str),
) -> Result<Outcome, RestoreError> {
    tusk_connect::interrupt::exit_on_signal(
        "tusk_restore",
        tusk_format::output::remove_unfinished,
    )?;
    // Parallel workers each read the archive again; a pipe can be read once only, so it is
    // copied to a temporary file first (which is what parallel restore from a pipe costs).
    let spooled = match opts.input.as_deref() {
        None | Some("-") if opts.use_db && opts.jobs > 1 => Some(spool_stdin()?),
        _ => None,
    };
    let input: Option<String> = match &spooled {
        Some(file) => Some(file.path().to_string_lossy().into_owned()),
        None => opts.input.clone(),
    };
    let mut reader = tusk_format::archive::open(input.as_deref(), None)?;
    for w in reader.warnings() {
        report_warning(w);
    }
    let mut toc = reader.toc().clone();
    let mut script_opts = script_options(opts);
    if let Some(path) = &opts.use_list {
        let text = std::fs::read(path).map_err(|e| {
            RestoreError::Fatal(format!(
                "could not open TOC file \"{path}\": {}",
                tusk_format::output::strerror(&e)
            ))
        })?;
        let max_id = toc.entries.iter().map(|e| e.dump_id).max().unwrap_or(0);
        let list = tusk_format::list::parse_list_file(&String::from_utf8_lossy(&text), max_id);
        for w in &list.warnings {
            report_warning(w.trim_end_matches('\n'));
        }
        tusk_format::list::apply_list(&mut toc, &list.ids).map_err(RestoreError::Fatal)?;
        script_opts.selection.wanted_ids = Some(list.ids.into_iter().collect());
    }

    let encoding = Encoding::of_toc(&toc)?;
    let required = required_components(&toc, &script_opts.selection, opts.create);
    if opts.list {
        let text = tusk_format::list::listing(&toc, &required.reqs, opts.verbose, reader.format());
        let mut output = Output::create(opts.file.as_deref())?;
        output
            .file()
            .write_all(&script::encode_text(&text, encoding)?)?;
        // pg_restore checks --strict-names after printing the listing.
        output.commit(false)?;
        return match required.not_found {
            Some(e) => Err(e.into()),
            None => Ok(Outcome { errors_ignored: 0 }),
        };
    }
    // ... and before it connects or writes anything when restoring.
    if let Some(e) = required.not_found {
        return Err(e.into());
    }

    let parallel = opts.use_db && opts.jobs > 1;
    if parallel && reader.format() == ArchiveFormat::Tar {
        return Err(RestoreError::Fatal(
            "parallel restore is not supported with this archive file format".into(),
        ));
    }
    if !opts.use_db {
        let mut output = Output::create(opts.file.as_deref())?;
        let mut sink = TextSink::new(BufWriter::new(output.file()), encoding);
        script::emit(&toc, &script_opts, &mut reader, &mut sink)?;
        sink.into_inner().flush()?;
        output.commit(false)?;
        return Ok(Outcome { errors_ignored: 0 });
    }

    let mut conn_opts: ConnectOptions = opts.conn.clone();
    conn_opts
        .application_name
        .get_or_insert_with(|| "tusk_restore".to_owned());
    let params = tusk_connect::resolve(&conn_opts, &ProcessEnv)?;
    let session = Session::connect(&params, &conn_opts)?;
    let settings = SinkSettings::new(&session, encoding, toc.std_strings(), opts.exit_on_error);
    let connect = reconnector(&session, &conn_opts);
    // The leader's sink takes a copy mutably for -C while the workers share `connect`.
    let mut reconnect = connect.clone();
    let data_sizes = reader.data_sizes();
    let progress = RestoreProgress::new(
        tusk_progress::Progress::new(tusk_progress::Mode::resolve(opts.progress, opts.verbose)),
        &toc,
        &required.reqs,
        data_sizes.clone(),
    );
    // Errors are printed while the bar is drawn.
    let report = &mut |message: &str| progress.suspend(|| report(message));
    if parallel {
        let sizes: Vec<u64> = toc
            .entries
            .iter()
            .map(|te| data_sizes.get(&te.dump_id).copied().unwrap_or(0))
            .collect();
        // Every worker's reader shares the leader's TOC.
        let reopen = reader.reopener(input.as_deref());
        let open = || {
            reopen()
                .map(|reader| Box::new(reader) as Box<dyn script::DataSource>)
                .map_err(|e| e.to_string())
        };
        let workers = Workers {
            jobs: opts.jobs as usize,
            connect: &connect,
            open: &open,
            settings,
            progress: progress.clone(),
        };
        let errors = parallel::restore(
            &toc,
            &script_opts,
            &sizes,
            session,
            &mut reconnect,
            report,
            &mut reader,
            &workers,
        )?;
        progress.finish();
        return Ok(Outcome {
            errors_ignored: errors,
        });
    }
    let mut sink = DbSink::new(session, &mut reconnect, settings, report);
    sink.set_progress(progress.worker(0));
    script::emit(&toc, &script_opts, &mut reader, &mut sink)?;
    progress.finish();
    Ok(Outcome {
        errors_ignored: sink.errors(),
    })
}

fn script_options(opts: &Options) -> ScriptOptions {
    ScriptOptions {
        selection: Selection {
            dump_schema: opts.dump_schema,
            dump_data: opts.dump_data,
            dump_statistics: opts.dump_statistics,
            sections: opts.sections.unwrap_or_default(),
            acls_skip: opts.no_privileges,
            no_comments: opts.no_comments,
            no_policies: opts.no_policies,
            no_publications: opts.no_publications,
            no_security_labels: opts.no_security_labels,
            no_subscriptions: opts.no_subscriptions,
            sequence_data: false,
            wanted_ids: None,
            names: opts.names.clone(),
        },
        clean: opts.clean,
        if_exists: opts.if_exists,
        create_db: opts.create,
        no_owner: opts.no_owner,
        no_tablespaces: opts.no_tablespaces,
        no_table_am: opts.no_table_am,
        use_set_session_authorization: opts.use_set_session_authorization,
        role: opts.role.clone(),
        enable_row_security: opts.enable_row_security,
        single_transaction: opts.single_transaction,
        transaction_size: opts.transaction_size,
        no_data_for_failed_tables: opts.no_data_for_failed_tables,
        restrict_key: (!opts.use_db).then(|| {
            opts.restrict_key
                .clone()
                .unwrap_or_else(tusk_format::restrict::generate_key)
        }),
        disable_triggers: opts.disable_triggers,
        superuser: opts.superuser.clone(),
        copy_freeze: opts.copy_freeze,
        maintenance_work_mem: opts.maintenance_work_mem.clone(),
    }
}

/// Standard input copied into a temporary file, removed when dropped.
fn spool_stdin() -> Result<tempfile::NamedTempFile, RestoreError> {
    let mut file = tempfile::Builder::new()
        .prefix("tusk_restore.")
        .tempfile()
        .map_err(RestoreError::Write)?;
    std::io::copy(&mut std::io::stdin().lock(), file.as_file_mut()).map_err(RestoreError::Write)?;
    Ok(file)
}
