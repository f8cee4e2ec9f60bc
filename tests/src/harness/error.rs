use std::io;
use std::process::Command;

/// Everything the harness can fail at. Each variant says what was being done,
/// and a failed command keeps its command line and stderr so a test failure
/// can be read without rerunning it.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },

    #[error("{what}: `{command}` {status}\n--- stderr ---\n{stderr}")]
    Command {
        what: String,
        command: String,
        status: String,
        stderr: String,
    },

    #[error("PostgreSQL {major} server did not start: {reason}\n--- server log ---\n{log}")]
    Startup {
        major: u32,
        reason: String,
        log: String,
    },

    #[error("unsupported PostgreSQL major {0} (the harness knows 14 to 18)")]
    UnsupportedMajor(u32),

    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = HarnessError> = std::result::Result<T, E>;

impl HarnessError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(io::Error) -> HarnessError {
        let what = what.into();
        move |source| HarnessError::Io { what, source }
    }
}

/// A command line as a person would type it, for messages. Deliberately not
/// `Command`'s `Debug`, which also prints the environment (passwords).
pub fn describe(cmd: &Command) -> String {
    let mut out = shell_word(&cmd.get_program().to_string_lossy());
    for arg in cmd.get_args() {
        out.push(' ');
        out.push_str(&shell_word(&arg.to_string_lossy()));
    }
    out
}

fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
