//! `--progress` for tusk_dump and tusk_restore. The workers count what they move into one
//! shared [`Progress`] handle (atomics on the hot path, a lock per table); a renderer shows it:
//! nothing, indicatif bars on stderr (one overall line and one per busy worker, redrawn at
//! most ten times a second), or one JSON event per line on stderr for other tools.
//! Standard output is never touched: it may be the dump itself.

mod bar;
mod count;
mod handle;
mod json;

use std::io::IsTerminal;

pub use count::{Counted, RowCounter};
pub use handle::{Progress, Worker};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Off,
    Bar,
    Json,
}

/// A `--progress=VALUE` that is neither `bar` nor `json`.
#[derive(Debug, thiserror::Error)]
#[error("invalid value \"{0}\" for option --progress: use bar or json")]
pub struct ModeError(pub String);

impl Mode {
    /// `--progress` (`None`: the bar) or `--progress=VALUE`.
    pub fn from_arg(value: Option<&str>) -> Result<Mode, ModeError> {
        match value {
            None | Some("bar") => Ok(Mode::Bar),
            Some("json") => Ok(Mode::Json),
            Some(other) => Err(ModeError(other.to_owned())),
        }
    }

    /// What to show: what the command line asked for (`--progress...` or `--no-progress`,
    /// the last one given), else the bar when stderr is a terminal and `-v` is not given.
    /// The tests compare stderr with upstream's through a pipe, where this stays off.
    pub fn resolve(requested: Option<Mode>, verbose: bool) -> Mode {
        requested.unwrap_or(if !verbose && std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Off
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_values() {
        assert_eq!(Mode::from_arg(None).unwrap(), Mode::Bar);
        assert_eq!(Mode::from_arg(Some("json")).unwrap(), Mode::Json);
        assert_eq!(
            Mode::from_arg(Some("xml")).unwrap_err().to_string(),
            "invalid value \"xml\" for option --progress: use bar or json"
        );
    }

    #[test]
    fn the_command_line_wins() {
        assert_eq!(Mode::resolve(Some(Mode::Off), false), Mode::Off);
        assert_eq!(Mode::resolve(Some(Mode::Json), true), Mode::Json);
        assert_eq!(Mode::resolve(None, true), Mode::Off);
    }
}
