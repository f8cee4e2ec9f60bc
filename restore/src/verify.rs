//! `tusk_restore --verify ARCHIVE`: reads every data member back and, when
//! `ARCHIVE.manifest.json` lies beside it (written by `tusk_dump --manifest`), checks every
//! file, block and member against it. One line per file and member on standard output.

use std::path::Path;

use tusk_format::manifest::{self, Manifest};

use crate::error::RestoreError;

/// Prints the report; returns whether everything checked out.
pub fn run(archive: &str) -> Result<bool, RestoreError> {
    let path = Path::new(archive);
    let manifest_path = manifest::manifest_path(path);
    let expected: Option<Manifest> = match std::fs::read(&manifest_path) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).map_err(|e| {
            RestoreError::Fatal(format!(
                "could not read manifest \"{}\": {e}",
                manifest_path.display()
            ))
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(RestoreError::Fatal(format!(
                "could not read manifest \"{}\": {}",
                manifest_path.display(),
                tusk_format::output::strerror(&e)
            )));
        }
    };
    let findings = manifest::verify(path, expected.as_ref())?;
    let bad = findings.iter().filter(|f| !f.problems.is_empty()).count();
    for finding in &findings {
        if finding.problems.is_empty() {
            println!("ok      {}", finding.what);
        }
        for problem in &finding.problems {
            println!("FAILED  {}: {problem}", finding.what);
        }
    }
    match (&expected, bad) {
        (Some(_), 0) => println!(
            "{archive}: all {} files and members match {}",
            findings.len(),
            manifest_path.display()
        ),
        (None, 0) => println!(
            "{archive}: all {} members read back (no manifest beside it to compare with)",
            findings.len()
        ),
        _ => println!("{archive}: {bad} of {} checks failed", findings.len()),
    }
    Ok(bad == 0)
}
