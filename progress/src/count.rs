//! Pure arithmetic: rows and bytes in COPY text, and the total the bar aims at.

/// What a chunk of COPY text holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub rows: u64,
    pub bytes: u64,
}

/// Counts the rows and bytes of one table's COPY text as it streams past in chunks of any
/// size: a row is a line (COPY text escapes newlines inside values), an empty line included
/// (one empty text column); the end-of-data line `\.` and whatever follows it (pg_dump's
/// blank lines) are neither rows nor data, so a restore counts what the dump counted. A value
/// cannot make a line `\.`: COPY writes a backslash as `\\`.
#[derive(Debug, Default, Clone)]
pub struct RowCounter {
    /// Bytes of the current line seen so far, up to 3 (enough to tell `\.` apart).
    line: u8,
    /// Bytes of the current line not yet counted: it may still be the end marker.
    pending: u64,
    ended: bool,
}

impl RowCounter {
    /// The rows that `chunk` completes, and its bytes of data.
    pub fn feed(&mut self, chunk: &[u8]) -> Counted {
        let mut counted = Counted::default();
        for &b in chunk {
            if self.ended {
                break;
            }
            if b == b'\n' {
                if self.pending == 2 && self.line == 2 {
                    self.ended = true;
                } else {
                    counted.rows += 1;
                    counted.bytes += self.pending + 1;
                }
                self.line = 0;
                self.pending = 0;
                continue;
            }
            let marker = match self.line {
                0 => b == b'\\',
                1 => self.pending == 1 && b == b'.',
                _ => false,
            };
            if marker {
                self.pending += 1;
            } else {
                counted.bytes += self.pending + 1;
                self.pending = 0;
            }
            self.line = self.line.saturating_add(1).min(3);
        }
        counted
    }
}

/// The total bytes the work will come to, for the bar's length and ETA: what is done, plus
/// the estimate of what is left scaled by how far off the estimates of the finished items
/// were (COPY text is smaller or bigger than heap pages; an archive's members are
/// compressed). Never less than what has been counted already.
pub fn projected_total(est_total: u64, done_est: u64, done_actual: u64, counted: u64) -> u64 {
    let remaining = est_total.saturating_sub(done_est) as f64;
    let ratio = if done_est > 0 {
        done_actual as f64 / done_est as f64
    } else {
        1.0
    };
    let projected = done_actual as f64 + remaining * ratio;
    (projected as u64).max(counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows and bytes of COPY text fed in these chunks.
    fn count(chunks: &[&[u8]]) -> (u64, u64) {
        let mut c = RowCounter::default();
        chunks.iter().fold((0, 0), |(rows, bytes), chunk| {
            let n = c.feed(chunk);
            (rows + n.rows, bytes + n.bytes)
        })
    }

    #[test]
    fn counts_lines_up_to_the_end_marker() {
        assert_eq!(count(&[b"1\ta\n2\tb\n"]), (2, 8));
        assert_eq!(count(&[b"1\ta\n\n2\tb\n\\.\n\n\n"]), (3, 9));
        assert_eq!(count(&[b"1\ta\n\\", b".", b"\n\n\n"]), (1, 4));
    }

    #[test]
    fn escaped_backslashes_are_data() {
        assert_eq!(count(&[b"\\\\.\n\\.x\n\\.\n"]), (2, 8));
        assert_eq!(count(&[b"x\\.\n", b"\\", b"N\n"]), (2, 7));
    }

    #[test]
    fn projection_follows_the_finished_items() {
        // Nothing done yet: the estimate itself.
        assert_eq!(projected_total(1000, 0, 0, 10), 1000);
        // Half the estimate done, at twice the size: the rest is expected at twice too.
        assert_eq!(projected_total(1000, 500, 1000, 1000), 2000);
        // Never below what was counted.
        assert_eq!(projected_total(0, 0, 0, 42), 42);
    }
}
