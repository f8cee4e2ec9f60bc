//! The dump's output: standard output, or a file written under a temporary name beside its
//! destination and renamed into place only when complete, so a failed run never leaves
//! something that looks like a good dump.

use std::fs::File;
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// Temporary outputs not yet renamed into place: what an interrupted run must remove before it
/// exits without unwinding (see [`remove_unfinished`]).
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Records a temporary file or directory as unfinished output.
pub fn register_unfinished(path: &Path) {
    UNFINISHED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(path.to_owned());
}

/// The temporary output is complete (renamed) or removed already.
pub fn forget_unfinished(path: &Path) {
    UNFINISHED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|p| p != path);
}

/// Removes every unfinished output: for a run stopped by a signal, which exits at once.
pub fn remove_unfinished() {
    let paths = std::mem::take(&mut *UNFINISHED.lock().unwrap_or_else(PoisonError::into_inner));
    for path in paths {
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

/// Opening or finishing the output failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("could not open output file \"{path}\": {}", strerror(.source))]
    Open {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("could not write to output file: {}", strerror(.0))]
    Write(#[from] io::Error),
}

pub struct Output {
    file: File,
    /// (temporary path, final path) for file output; `None` for standard output.
    paths: Option<(PathBuf, PathBuf)>,
    committed: bool,
}

impl Output {
    /// Opens standard output (`None` or `-`); a FIFO or device at `path` as it is; otherwise
    /// a temporary file beside `path` (beside the file it points to, if it is a link).
    pub fn create(path: Option<&str>) -> Result<Output, OutputError> {
        let Some(path) = path.filter(|p| *p != "-") else {
            let fd = io::stdout().as_fd().try_clone_to_owned()?;
            return Ok(Output {
                file: File::from(fd),
                paths: None,
                committed: false,
            });
        };
        let open_error = |source| OutputError::Open {
            path: path.to_owned(),
            source,
        };
        let mut final_path = PathBuf::from(path);
        match std::fs::metadata(&final_path) {
            // pg_dump opens the file itself at once, so a directory in its place fails now
            // with the open's own error (EISDIR), not at the rename.
            Ok(meta) if meta.is_dir() => {
                File::options()
                    .write(true)
                    .open(&final_path)
                    .map_err(open_error)?;
            }
            // A FIFO, a device (`-f /dev/stdout`), a socket: written in place, as pg_dump
            // writes it; a rename would replace it with a regular file.
            Ok(meta) if !meta.is_file() => {
                let file = File::options()
                    .write(true)
                    .open(&final_path)
                    .map_err(open_error)?;
                return Ok(Output {
                    file,
                    paths: None,
                    committed: false,
                });
            }
            // A symbolic link to a file: the file it points to is replaced, not the link.
            Ok(_) => final_path = std::fs::canonicalize(&final_path).map_err(open_error)?,
            Err(_) => {}
        }
        let temp_path = temp_name(&final_path);
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .map_err(open_error)?;
        register_unfinished(&temp_path);
        Ok(Output {
            file,
            paths: Some((temp_path, final_path)),
            committed: false,
        })
    }

    /// The directory the file is written in (`None` for standard output): where temporary
    /// files that belong with the output go.
    pub fn dir(&self) -> Option<PathBuf> {
        let (temp, _) = self.paths.as_ref()?;
        Some(match temp.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
            _ => PathBuf::from("."),
        })
    }

    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Flushes, optionally fsyncs, and renames the file into place.
    pub fn commit(mut self, sync: bool) -> Result<(), OutputError> {
        if let Some((temp, fin)) = &self.paths {
            if sync {
                self.file.sync_all()?;
            }
            std::fs::rename(temp, fin)?;
            forget_unfinished(temp);
            if sync {
                if let Some(dir) = fin.parent().filter(|d| !d.as_os_str().is_empty()) {
                    // Make the rename itself durable.
                    File::open(dir).and_then(|d| d.sync_all())?;
                }
            }
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let (false, Some((temp, _))) = (self.committed, &self.paths) {
            let _ = std::fs::remove_file(temp);
            forget_unfinished(temp);
        }
    }
}

fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tusk-{}.tmp", std::process::id()))
}

/// An I/O error as C's `strerror` words it ("No such file or directory"), without the
/// " (os error 2)" that Rust appends, so messages read like upstream's.
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match (e.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) => text[..at].to_owned(),
        _ => text,
    }
}
