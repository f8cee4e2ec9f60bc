//! The suite's results and their markdown tables: pure functions, results in, text out.

use crate::stats::Spread;

const MB: f64 = 1024.0 * 1024.0;

/// One side of a pair over all its runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub command: String,
    /// Seconds.
    pub wall: Spread,
    /// User plus system seconds.
    pub cpu: Spread,
    /// The greatest over the runs.
    pub peak_rss_kb: u64,
    /// The archive a dump wrote, or the one a restore read.
    pub archive_bytes: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PairResult {
    pub label: String,
    pub upstream: Side,
    pub tusk: Side,
    /// Upstream's wall time over tusk's, round by round: above 1 means tusk is faster.
    pub ratio: Spread,
    pub moves_data: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadResult {
    pub name: String,
    pub description: String,
    pub database_bytes: u64,
    /// The COPY text of every table (and the large objects' bytes), measured once.
    pub copy_bytes: u64,
    /// Seconds the server takes to send that to a client that discards it, serially.
    pub floor: f64,
    pub runs: usize,
    pub pairs: Vec<PairResult>,
}

/// One workload's table, with a heading and the floor beneath it.
pub fn markdown(w: &WorkloadResult) -> String {
    format!(
        "### {}: {} ({} MB on disk, {} MB of COPY text; {} alternating runs)\n\n{}\n\
         Floor (the server sending the COPY text of every table to a client that discards it, \
         serially): {:.1} s, {:.1} MB/s.\n",
        w.name,
        w.description,
        mb(w.database_bytes),
        mb(w.copy_bytes),
        w.runs,
        pairs_table(&w.pairs, Some(w.copy_bytes)),
        w.floor,
        w.copy_bytes as f64 / MB / w.floor
    )
}

/// A row per command, the ratio on tusk's; rates of `copy_bytes` where known and the pair
/// moves data.
pub fn pairs_table(pairs: &[PairResult], copy_bytes: Option<u64>) -> String {
    let mut out = String::from(
        "| run | command | wall median (min–max) | CPU | peak RSS | archive | MB/s | \
         upstream/tusk median (min–max) |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for pair in pairs {
        for (label, side, ratio) in [
            (pair.label.as_str(), &pair.upstream, String::new()),
            ("", &pair.tusk, spread(&pair.ratio, 2, "")),
        ] {
            let rate = match copy_bytes {
                Some(bytes) if pair.moves_data => {
                    format!("{:.1}", bytes as f64 / MB / side.wall.median)
                }
                _ => "–".to_owned(),
            };
            // A copy writes no archive.
            let archive = match side.archive_bytes {
                0 => "–".to_owned(),
                bytes => format!("{} MB", mb(bytes)),
            };
            out.push_str(&format!(
                "| {label} | `{}` | {} | {:.1} s | {} MB | {archive} | {rate} | {ratio} |\n",
                side.command.replace('|', "\\|"),
                spread(&side.wall, 1, " s"),
                side.cpu.median,
                side.peak_rss_kb.div_ceil(1024),
            ));
        }
    }
    out
}

fn spread(s: &Spread, decimals: usize, unit: &str) -> String {
    format!(
        "{:.decimals$}{unit} ({:.decimals$}–{:.decimals$})",
        s.median, s.min, s.max
    )
}

/// Whole MB with thousands grouped; a tenth of one below 10, so that a quick run's small
/// archives still differ.
fn mb(bytes: u64) -> String {
    let mb = bytes as f64 / MB;
    if mb < 10.0 {
        format!("{mb:.1}")
    } else {
        crate::workloads::thousands(mb.round() as u64)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{PairResult, Side, WorkloadResult, markdown, mb, pairs_table};
    use crate::stats::Spread;

    fn spread(median: f64, min: f64, max: f64) -> Spread {
        Spread { median, min, max }
    }

    pub(crate) fn sample() -> WorkloadResult {
        let side = |command: &str, wall: f64, archive_bytes| Side {
            command: command.to_owned(),
            wall: spread(wall, wall - 1.0, wall + 1.0),
            cpu: spread(wall / 2.0, 0.0, 0.0),
            peak_rss_kb: 8000,
            archive_bytes,
        };
        WorkloadResult {
            name: "realistic".to_owned(),
            description: "3,000,000 `events` rows".to_owned(),
            database_bytes: 1100 * 1024 * 1024,
            copy_bytes: 840 * 1024 * 1024,
            floor: 9.6,
            runs: 3,
            pairs: vec![
                PairResult {
                    label: "custom, gzip".to_owned(),
                    upstream: side("pg_dump -Fc", 42.0, 300 * 1024 * 1024),
                    tusk: side("tusk_dump -Fc -j 2", 21.0, 301 * 1024 * 1024),
                    ratio: spread(2.0, 1.9, 2.1),
                    moves_data: true,
                },
                PairResult {
                    label: "restore -j 2".to_owned(),
                    upstream: side("pg_restore -j 2", 24.0, 300 * 1024 * 1024),
                    tusk: side("tusk_restore -j 2", 12.0, 300 * 1024 * 1024),
                    ratio: spread(2.0, 1.5, 2.5),
                    moves_data: false,
                },
            ],
        }
    }

    #[test]
    fn without_copy_bytes_no_rate_is_shown() {
        let table = pairs_table(&sample().pairs[..1], None);
        assert!(table.ends_with(
            "| custom, gzip | `pg_dump -Fc` | 42.0 s (41.0–43.0) | 21.0 s | 8 MB | 300 MB | – |  |\n\
             |  | `tusk_dump -Fc -j 2` | 21.0 s (20.0–22.0) | 10.5 s | 8 MB | 301 MB | – | 2.00 \
             (1.90–2.10) |\n"
        ));
    }

    #[test]
    fn sizes_below_10_mb_keep_a_decimal() {
        assert_eq!(mb(0), "0.0");
        assert_eq!(mb(1024 * 1024 + 200 * 1024), "1.2");
        assert_eq!(mb(12_345 * 1024 * 1024), "12,345");
    }

    #[test]
    fn table_has_a_row_per_command_with_the_ratio_on_tusks() {
        assert_eq!(
            markdown(&sample()),
            "### realistic: 3,000,000 `events` rows (1,100 MB on disk, 840 MB of COPY text; 3 \
             alternating runs)

| run | command | wall median (min–max) | CPU | peak RSS | archive | MB/s | upstream/tusk median (min–max) |
| --- | --- | --- | --- | --- | --- | --- | --- |
| custom, gzip | `pg_dump -Fc` | 42.0 s (41.0–43.0) | 21.0 s | 8 MB | 300 MB | 20.0 |  |
|  | `tusk_dump -Fc -j 2` | 21.0 s (20.0–22.0) | 10.5 s | 8 MB | 301 MB | 40.0 | 2.00 (1.90–2.10) |
| restore -j 2 | `pg_restore -j 2` | 24.0 s (23.0–25.0) | 12.0 s | 8 MB | 300 MB | – |  |
|  | `tusk_restore -j 2` | 12.0 s (11.0–13.0) | 6.0 s | 8 MB | 300 MB | – | 2.00 (1.50–2.50) |

Floor (the server sending the COPY text of every table to a client that discards it, \
             serially): 9.6 s, 87.5 MB/s.
"
        );
    }
}
