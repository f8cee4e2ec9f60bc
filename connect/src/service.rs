//! Connection service files (`pg_service.conf`), as libpq's
//! `parseServiceInfo` / `parseServiceFile` read them.

use std::path::{Path, PathBuf};

use crate::conninfo::is_c_space;
use crate::env::Env;
use crate::keywords::Options;

/// Where `PGSYSCONFDIR` points when unset: Debian's libpq is configured
/// with this directory.
pub const DEFAULT_SYSCONFDIR: &str = "/etc/postgresql-common";

/// libpq reads service files with `fgets` into a 1024-byte buffer and
/// rejects lines that fill it.
const LINE_BUFFER: usize = 1024;

/// Fills keywords not yet set from the service named by `service=` or
/// `PGSERVICE`. Does nothing when no service is named.
pub fn apply_service(options: &mut Options, env: &dyn Env) -> Result<(), String> {
    let service = match options.get("service") {
        Some(s) => s.to_owned(),
        None => match env.var("PGSERVICE") {
            Some(s) => s,
            None => return Ok(()),
        },
    };

    let user_file: Option<PathBuf> = match env.var("PGSERVICEFILE") {
        // An explicit file must exist; a missing one is an error below.
        Some(f) => Some(PathBuf::from(f)),
        None => env
            .home_dir()
            .map(|h| h.join(".pg_service.conf"))
            .filter(|p| p.exists()),
    };

    if let Some(file) = user_file {
        if parse_service_file(&file, &service, options)? {
            return Ok(());
        }
    }

    let sysconfdir = env
        .var("PGSYSCONFDIR")
        .unwrap_or_else(|| DEFAULT_SYSCONFDIR.to_owned());
    let system_file = PathBuf::from(format!("{sysconfdir}/pg_service.conf"));
    if system_file.exists() && parse_service_file(&system_file, &service, options)? {
        return Ok(());
    }

    Err(format!("definition of service \"{service}\" not found"))
}

/// Reads one file; true if the service's group was found in it.
fn parse_service_file(path: &Path, service: &str, options: &mut Options) -> Result<bool, String> {
    let display = path.display();
    let content =
        std::fs::read(path).map_err(|_| format!("service file \"{display}\" not found"))?;

    let mut group_found = false;
    let mut linenr = 0;
    for raw in content.split_inclusive(|&b| b == b'\n') {
        linenr += 1;
        if raw.len() >= LINE_BUFFER - 1 {
            return Err(format!(
                "line {linenr} too long in service file \"{display}\""
            ));
        }
        let mut line = raw;
        while let [rest @ .., last] = line {
            if is_c_space(*last) {
                line = rest;
            } else {
                break;
            }
        }
        while let [first, rest @ ..] = line {
            if is_c_space(*first) {
                line = rest;
            } else {
                break;
            }
        }
        if line.is_empty() || line[0] == b'#' {
            continue;
        }

        if line[0] == b'[' {
            if group_found {
                return Ok(true);
            }
            // libpq compares a prefix and then the closing bracket, so
            // trailing text after `]` is tolerated.
            let name = service.as_bytes();
            group_found = line.len() > name.len() + 1
                && &line[1..=name.len()] == name
                && line[name.len() + 1] == b']';
            continue;
        }

        if !group_found {
            continue;
        }

        let syntax_error = || format!("syntax error in service file \"{display}\", line {linenr}");
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            return Err(syntax_error());
        };
        let key = String::from_utf8_lossy(&line[..eq]);
        let value = String::from_utf8_lossy(&line[eq + 1..]);
        if key == "service" {
            return Err(format!(
                "nested service specifications not supported in service file \"{display}\", line {linenr}"
            ));
        }
        let Some(index) = crate::keywords::index(&key) else {
            return Err(syntax_error());
        };
        // Explicit settings win over the service file.
        if options.get_index(index).is_none() {
            options.set_index(index, Some(value.into_owned()));
        }
    }
    Ok(group_found)
}
