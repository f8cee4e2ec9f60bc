//! Temporary files for bytes held back until they can go into an archive: tar members
//! waiting for their turn, custom-format members produced while another one is being written.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const WRITE_BUFFER: usize = 64 * 1024;

/// A temporary file that is gone from the directory as soon as it is made (like `tmpfile()`),
/// so nothing is left behind whatever happens to the process; where the system cannot unlink
/// an open file, it is removed on drop.
pub(crate) struct SpillFile {
    pub(crate) file: BufWriter<File>,
    path: Option<PathBuf>,
}

impl SpillFile {
    pub(crate) fn create(dir: &Path) -> io::Result<SpillFile> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                ".tusk-spill-{}-{n}-{nanos}.tmp",
                std::process::id()
            ));
            let mut options = File::options();
            options.read(true).write(true).create_new(true);
            #[cfg(unix)]
            {
                // Like upstream's umask around tmpfile(): the data stays private.
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            match options.open(&path) {
                Ok(file) => {
                    let path = std::fs::remove_file(&path).err().map(|_| path);
                    return Ok(SpillFile {
                        file: BufWriter::with_capacity(WRITE_BUFFER, file),
                        path,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Flushes what was written and goes back to the start, to read it all back.
    pub(crate) fn rewind(&mut self) -> io::Result<&mut File> {
        self.file.flush()?;
        let file = self.file.get_mut();
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }
}

impl Drop for SpillFile {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}
