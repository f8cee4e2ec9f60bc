//! One cluster dump, in pg_dumpall's order: connect (to `-l`, else `postgres`, else
//! `template1`), open the output, write the preamble and the globals inside a `\restrict`
//! block, then each database's dump.

use std::collections::HashMap;
use std::io::Write;

use tokio_postgres::Row;
use tusk_connect::{ConnParams, ProcessEnv, Session};
use tusk_dump::acl::{AclTarget, AclType, build_acl_commands};
use tusk_dump::catalog::get;
use tusk_dump::error::DumpError;
use tusk_format::Encoding;
use tusk_format::output::Output;
use tusk_format::quote::ident;

use crate::cli::Options;
use crate::error::DumpallError;
use crate::{databases, roles, tablespaces};

const PROGNAME: &str = "tusk_dumpall";

/// What the globals are read with: the cluster connection and the facts their SQL depends on.
pub struct Globals<'a> {
    pub session: &'a Session,
    pub opts: &'a Options,
    pub server_version: i32,
    pub std_strings: bool,
}

impl Globals<'_> {
    pub fn if_exists(&self) -> &'static str {
        if self.opts.if_exists {
            "IF EXISTS "
        } else {
            ""
        }
    }

    /// `buildACLCommands` for a global object (`name` already quoted), or pg_dumpall's error.
    pub fn acl(
        &self,
        kind: AclType,
        name: &str,
        quoted: &str,
        owner: &str,
        acl: Option<&[String]>,
        default: &[String],
    ) -> Result<String, DumpallError> {
        let target = AclTarget {
            kind,
            name: quoted,
            subname: None,
            schema: None,
            owner: Some(owner),
        };
        build_acl_commands(&target, acl, default).map_err(|_| DumpallError::Acl {
            acl: acl
                .map(|items| format!("{{{}}}", items.join(",")))
                .unwrap_or_default(),
            kind: if kind == AclType::Parameter {
                "parameter"
            } else {
                "tablespace"
            },
            name: name.to_owned(),
        })
    }

    /// The security labels on one shared catalog's objects (`pg_authid`, `pg_tablespace`):
    /// (provider, label) by object OID.
    pub fn shared_labels(
        &self,
        catalog: &str,
    ) -> Result<HashMap<u32, Vec<(String, String)>>, DumpallError> {
        let rows = query(
            self.session,
            &format!(
                "SELECT objoid, provider, label FROM pg_catalog.pg_shseclabel \
                 WHERE classoid = 'pg_catalog.{catalog}'::pg_catalog.regclass \
                 ORDER BY objoid, provider"
            ),
        )?;
        let mut labels: HashMap<u32, Vec<(String, String)>> = HashMap::new();
        for row in rows {
            labels
                .entry(get(&row, 0)?)
                .or_default()
                .push((get(&row, 1)?, get(&row, 2)?));
        }
        Ok(labels)
    }
}

/// A query whose failure ends the run as pg_dumpall's `executeQuery` ends it: "query failed"
/// with the statement as detail.
pub fn query(session: &Session, sql: &str) -> Result<Vec<Row>, DumpallError> {
    session.query(sql).map_err(|source| {
        DumpallError::Dump(DumpError::Statement {
            statement: sql.to_owned(),
            source,
        })
    })
}

fn execute(session: &Session, sql: &str) -> Result<(), DumpallError> {
    session.execute(sql).map_err(|source| {
        DumpallError::Dump(DumpError::Statement {
            statement: sql.to_owned(),
            source,
        })
    })
}

/// Where messages go: tusk_dumpall's warnings (with an optional detail line), `-v`'s progress
/// lines, and the warnings of each database's dump (pg_dump's own, upstream).
pub struct Log<'a> {
    pub warn: &'a mut dyn FnMut(&str, Option<&str>),
    pub info: &'a mut dyn FnMut(&str),
    pub dump_warn: &'a mut dyn FnMut(&str),
}

/// Runs a cluster dump.
pub fn run(opts: &Options, log: &mut Log<'_>) -> Result<(), DumpallError> {
    tusk_connect::interrupt::exit_on_signal(PROGNAME, tusk_format::output::remove_unfinished)
        .map_err(DumpError::Write)?;
    tusk_format::quote::set_quote_all_identifiers(opts.quote_all_identifiers);
    let (session, params) = connect(opts)?;
    let server_version = tusk_dump::run::server_version(&session, PROGNAME)?;
    let excluded = databases::expand_patterns(&session, &opts.exclude_databases)?;
    // pg_dumpall takes `-f -` for a file named "-" (pg_dump for standard output).
    let file = opts
        .file
        .as_deref()
        .map(|f| if f == "-" { "./-" } else { f });
    let mut output = Output::create(file)?;
    let encoding = client_encoding(&session, opts, &params)?;
    let std_strings = session
        .show("standard_conforming_strings")
        .map_err(DumpError::query("reading standard_conforming_strings"))?;
    if let Some(role) = &opts.role {
        execute(&session, &format!("SET ROLE {}", ident(role)))?;
    }
    if opts.quote_all_identifiers {
        execute(&session, "SET quote_all_identifiers = true")?;
    }
    let g = Globals {
        session: &session,
        opts,
        server_version,
        std_strings: std_strings == "on",
    };

    let mut text = String::from("--\n-- PostgreSQL database cluster dump\n--\n\n");
    if opts.verbose {
        text.push_str(&timestamp("Started on"));
    }
    // Restricted mode blocks any psql meta-command a hostile server slipped into the globals;
    // each database's dump enters it again itself.
    text.push_str(&format!("\\restrict {}\n\n", opts.restrict_key));
    text.push_str("SET default_transaction_read_only = off;\n\n");
    text.push_str(&format!(
        "SET client_encoding = '{}';\nSET standard_conforming_strings = {std_strings};\n",
        encoding.name()
    ));
    if std_strings == "off" {
        text.push_str("SET escape_string_warning = off;\n");
    }
    text.push('\n');
    globals(&g, &mut text, log)?;
    text.push_str(&format!("\\unrestrict {}\n\n", opts.restrict_key));
    let out = output.file();
    write_text(&session, encoding, out, &text)?;

    if !(opts.globals_only || opts.roles_only || opts.tablespaces_only) {
        let target = databases::Target {
            session: &session,
            params: &params,
            encoding,
            excluded: &excluded,
        };
        databases::dump_all(opts, &target, out, log)?;
    }
    drop(session);
    let mut text = String::new();
    if opts.verbose {
        text.push_str(&timestamp("Completed on"));
    }
    text.push_str("--\n-- PostgreSQL database cluster dump complete\n--\n\n");
    out.write_all(text.as_bytes()).map_err(DumpError::Write)?;
    output.commit(!opts.no_sync)?;
    Ok(())
}

/// The roles and tablespaces, as the options ask (`--clean`'s drops first). Databases never
/// depend on one another, nor tablespaces; DROP ROLE removes a role's grants itself.
fn globals(g: &Globals<'_>, out: &mut String, log: &mut Log<'_>) -> Result<(), DumpallError> {
    let o = g.opts;
    if o.no_globals {
        return Ok(());
    }
    if o.clean {
        if !(o.globals_only || o.roles_only || o.tablespaces_only) {
            databases::drop_databases(g, out)?;
        }
        if !o.roles_only && !o.no_tablespaces {
            tablespaces::drop_tablespaces(g, out)?;
        }
        if !o.tablespaces_only {
            roles::drop_roles(g, out)?;
        }
    }
    if !o.tablespaces_only {
        roles::roles(g, out)?;
        roles::memberships(g, out, log.warn)?;
        if g.server_version >= 150000 && !o.no_privileges {
            roles::parameter_privileges(g, out)?;
        }
    }
    if !o.roles_only && !o.no_tablespaces {
        tablespaces::tablespaces(g, out)?;
    }
    Ok(())
}

/// Connects as pg_dumpall does: to `-l`'s database, or to `postgres`, falling back to
/// `template1`. The parameters that worked (a prompted password included) are reused for every
/// database's dump.
fn connect(opts: &Options) -> Result<(Session, ConnParams), DumpallError> {
    let attempt = |dbname: &str| -> Result<(Session, ConnParams), DumpallError> {
        let mut conn = opts.conn.clone();
        conn.dbname = Some(dbname.to_owned());
        conn.application_name = Some(PROGNAME.to_owned());
        let params = tusk_connect::resolve_cluster(opts.connstr.as_deref(), &conn, &ProcessEnv)?;
        let session = Session::connect(&params, &conn)?;
        // As pg_dumpall's ConnectDatabase: no schema a user controls is searched.
        execute(
            &session,
            "SELECT pg_catalog.set_config('search_path', '', false)",
        )?;
        let used = session.connection().params.clone();
        Ok((session, used))
    };
    match opts.conn.dbname.as_deref() {
        Some(dbname) => attempt(dbname).map_err(|e| match e {
            DumpallError::Dump(DumpError::Connect(_)) => {
                DumpError::Unsupported(format!("could not connect to database \"{dbname}\"")).into()
            }
            other => other,
        }),
        None => attempt("postgres").or_else(|_| attempt("template1")),
    }
}

/// The encoding the script is written in: `-E`, else the connection's `client_encoding`
/// (PGCLIENTENCODING), else the database's. The session itself stays in UTF-8.
fn client_encoding(
    session: &Session,
    opts: &Options,
    params: &ConnParams,
) -> Result<Encoding, DumpallError> {
    let rows = query(
        session,
        "SELECT pg_catalog.pg_encoding_to_char(encoding)::pg_catalog.text \
         FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()",
    )?;
    let database_encoding = match rows.first() {
        Some(row) => get::<String>(row, 0)?,
        None => "UTF8".to_owned(),
    };
    Ok(tusk_dump::run::client_encoding(
        session,
        opts.encoding.as_deref(),
        params,
        &database_encoding,
    )?)
}

/// Writes script text in the client encoding: the server converts what is not ASCII.
pub fn write_text(
    session: &Session,
    encoding: Encoding,
    out: &mut dyn Write,
    text: &str,
) -> Result<(), DumpallError> {
    let converted;
    let bytes = if encoding.is_utf8() || text.is_ascii() {
        text.as_bytes()
    } else {
        converted = session
            .encode_texts(&[text], encoding.name())
            .map_err(DumpError::query(
                "converting the dump's text to the client encoding",
            ))?;
        converted.first().map(Vec::as_slice).unwrap_or_default()
    };
    out.write_all(bytes).map_err(DumpError::Write)?;
    Ok(())
}

/// `dumpTimestamp`: `-- Started on 2026-12-04 01:02:03 UTC`, in local time.
fn timestamp(what: &str) -> String {
    let now = jiff::ZonedDateTime::now().strftime("%Y-%m-%d %H:%M:%S %Z");
    format!("-- {what} {now}\n\n")
}
