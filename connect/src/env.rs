//! The process environment as libpq sees it, behind a trait so that the
//! resolution rules can be tested without touching the real environment.

use std::path::{Path, PathBuf};

/// Where libpq looks when a setting is not given explicitly.
pub trait Env {
    /// An environment variable; `Some("")` is distinct from `None`, as in
    /// libpq, where an empty variable still counts as set.
    fn var(&self, name: &str) -> Option<String>;

    /// The user's home directory (`$HOME`, else the password database).
    fn home_dir(&self) -> Option<PathBuf>;

    /// The operating-system user name, the default database user.
    fn os_user(&self) -> Result<String, String> {
        whoami::username().map_err(|e| e.to_string())
    }

    /// The directory of the default Unix-domain socket. Debian's libpq is
    /// built with `/var/run/postgresql`; other builds use `/tmp`.
    fn default_socket_dir(&self) -> String {
        if Path::new(DEBIAN_SOCKET_DIR).is_dir() {
            DEBIAN_SOCKET_DIR.to_owned()
        } else {
            "/tmp".to_owned()
        }
    }

    /// Reports a libpq warning (for example an insecure password file).
    /// libpq writes these to stderr, unprefixed.
    fn warn(&self, message: &str) {
        eprintln!("{message}");
    }
}

const DEBIAN_SOCKET_DIR: &str = "/var/run/postgresql";

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn home_dir(&self) -> Option<PathBuf> {
        match std::env::var_os("HOME") {
            Some(h) if !h.is_empty() => Some(PathBuf::from(h)),
            // std's fallback reads the password database, as libpq does.
            #[allow(deprecated)]
            _ => std::env::home_dir(),
        }
    }
}
