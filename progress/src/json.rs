//! `--progress=json`: one event per line on stderr, each written whole in one call so that
//! workers' events never interleave.

use std::io::Write;

use serde::Serialize;

#[derive(Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum Event<'a> {
    Start {
        items: u64,
        est_bytes: u64,
        est_rows: Option<u64>,
    },
    Phase {
        phase: &'a str,
    },
    TableDone {
        table: &'a str,
        worker: usize,
        rows: u64,
        bytes: u64,
    },
    Finish {
        tables: u64,
        rows: u64,
        bytes: u64,
        seconds: f64,
    },
}

/// Writes events to stderr.
pub(crate) struct Json;

impl Json {
    /// Progress is advisory: a closed stderr must not fail the dump, so write errors are
    /// dropped.
    pub(crate) fn write(&self, event: &Event) {
        let Ok(mut line) = serde_json::to_vec(event) else {
            return;
        };
        line.push(b'\n');
        let _ = std::io::stderr().lock().write_all(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_objects() {
        let line = serde_json::to_string(&Event::TableDone {
            table: "public.t",
            worker: 1,
            rows: 3,
            bytes: 12,
        })
        .unwrap();
        assert_eq!(
            line,
            r#"{"event":"table_done","table":"public.t","worker":1,"rows":3,"bytes":12}"#
        );
        let line = serde_json::to_string(&Event::Start {
            items: 2,
            est_bytes: 0,
            est_rows: None,
        })
        .unwrap();
        assert_eq!(
            line,
            r#"{"event":"start","items":2,"est_bytes":0,"est_rows":null}"#
        );
    }
}
