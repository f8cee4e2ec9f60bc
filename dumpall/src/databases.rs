//! The databases: `DROP DATABASE` for `--clean`, `--exclude-database` patterns, and each
//! database dumped by tusk-dump's engine into the cluster's script (pg_dumpall's dropDBs,
//! expand_dbname_patterns, dumpDatabases and runPgDump).

use std::collections::HashSet;
use std::io::Write;

use tusk_connect::{ConnParams, Session};
use tusk_dump::catalog::get;
use tusk_dump::cli::Command;
use tusk_dump::error::DumpError;
use tusk_format::Encoding;
use tusk_format::quote::{ident, literal};
use tusk_format::script::sanitize_line;

use crate::cli::Options;
use crate::error::DumpallError;
use crate::run::{Globals, Log, query, write_text};

/// The databases that can be connected to; `template0` never is, whatever it says.
const CONNECTABLE: &str =
    "SELECT datname FROM pg_database d WHERE datallowconn AND datconnlimit != -2";

/// The databases pg_dumpall does not create: they exist in every cluster, and the restore is
/// connected to one of them. `--clean` has their dumps drop and create them.
fn is_builtin(dbname: &str) -> bool {
    matches!(dbname, "template1" | "template0" | "postgres")
}

pub fn drop_databases(g: &Globals<'_>, out: &mut String) -> Result<(), DumpallError> {
    let rows = query(g.session, &format!("{CONNECTABLE} ORDER BY datname"))?;
    if !rows.is_empty() {
        out.push_str("--\n-- Drop databases (except postgres and template1)\n--\n\n");
    }
    for row in &rows {
        let name: String = get(row, 0)?;
        if !is_builtin(&name) {
            out.push_str(&format!(
                "DROP DATABASE {}{};\n",
                g.if_exists(),
                ident(&name)
            ));
        }
    }
    out.push_str("\n\n");
    Ok(())
}

/// The names of the databases `--exclude-database` patterns match.
pub fn expand_patterns(
    session: &Session,
    patterns: &[String],
) -> Result<HashSet<String>, DumpallError> {
    let mut names = HashSet::new();
    for pattern in patterns {
        let regex =
            tusk_dump::filter::single_name_pattern(pattern).map_err(DumpError::Selection)?;
        let mut sql = String::from("SELECT datname FROM pg_catalog.pg_database n\n");
        if let Some(regex) = regex {
            sql.push_str(&format!(
                "WHERE datname OPERATOR(pg_catalog.~) {} COLLATE pg_catalog.default\n",
                literal(&regex, true)
            ));
        }
        for row in query(session, &sql)? {
            names.insert(get(&row, 0)?);
        }
    }
    Ok(names)
}

/// What the databases are dumped with.
pub struct Target<'a> {
    /// The cluster connection, for the list of databases and the script's encoding.
    pub session: &'a Session,
    /// The connection parameters that worked, for every database's own session.
    pub params: &'a ConnParams,
    pub encoding: Encoding,
    pub excluded: &'a HashSet<String>,
}

/// Every database but `template0` and the excluded ones, `template1` first (so a `--clean`
/// script does not drop `postgres` while connected to it), then by name.
pub fn dump_all(
    opts: &Options,
    target: &Target<'_>,
    out: &mut dyn Write,
    log: &mut Log<'_>,
) -> Result<(), DumpallError> {
    let rows = query(
        target.session,
        &format!("{CONNECTABLE} ORDER BY (datname <> 'template1'), datname"),
    )?;
    if !rows.is_empty() {
        write_text(
            target.session,
            target.encoding,
            out,
            "--\n-- Databases\n--\n\n",
        )?;
    }
    for row in &rows {
        let dbname: String = get(row, 0)?;
        if dbname == "template0" {
            continue;
        }
        if target.excluded.contains(&dbname) {
            (log.info)(&format!("excluding database \"{dbname}\""));
            continue;
        }
        (log.info)(&format!("dumping database \"{dbname}\""));
        let mut header = format!(
            "--\n-- Database \"{}\" dump\n--\n\n",
            sanitize_line(Some(&dbname), true)
        );
        // template1 and postgres exist already: without --clean their contents are restored
        // into them, so the script connects itself (pg_dump writes no \connect then).
        let create: &[&str] = if is_builtin(&dbname) {
            if opts.clean {
                &["--clean", "--create"]
            } else {
                header.push_str(&format!("\\connect {dbname}\n\n"));
                &[]
            }
        } else {
            &["--create"]
        };
        write_text(target.session, target.encoding, out, &header)?;
        dump_one(opts, target.params, &dbname, create, out, log).map_err(|source| {
            DumpallError::Database {
                dbname: dbname.clone(),
                source,
            }
        })?;
    }
    Ok(())
}

/// One database, by tusk_dump's engine with the options pg_dumpall hands to pg_dump, in plain
/// format appended to `out`.
fn dump_one(
    opts: &Options,
    params: &ConnParams,
    dbname: &str,
    create: &[&str],
    out: &mut dyn Write,
    log: &mut Log<'_>,
) -> Result<(), DumpError> {
    let args: Vec<String> = opts
        .dump_args
        .iter()
        .cloned()
        .chain(create.iter().map(|a| a.to_string()))
        .collect();
    let mut dump = match tusk_dump::cli::parse(&args) {
        Ok(Command::Dump(dump)) => dump,
        Ok(_) => {
            return Err(DumpError::Unsupported(
                "unexpected pg_dump arguments".into(),
            ));
        }
        Err(e) => return Err(DumpError::Unsupported(e.message)),
    };
    dump.resolved = Some(params.with_dbname(dbname));
    // The password that worked is in the parameters; never prompt again.
    dump.conn.no_password = true;
    tusk_dump::run::run_plain_into(&dump, out, log.dump_warn)
}
