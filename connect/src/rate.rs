//! `--max-rate`: a byte budget per second shared by every session reading from one server.
//!
//! It lives here, beside the sessions, so tusk_dump and a coming tusk_copy charge the same
//! bucket. A chunk is charged as it arrives; the caller sleeps off any debt, so the burst is
//! bounded by [`BURST_DIVISOR`] (a tenth of a second of rate) plus one chunk.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The bucket holds at most rate / BURST_DIVISOR bytes.
const BURST_DIVISOR: u64 = 10;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid value \"{0}\" for option --max-rate: expected a positive number of bytes with an optional unit kB, MB or GB"
)]
pub struct RateError(pub String);

/// Parses RATE as PostgreSQL reads memory units (1024-based kB, MB, GB, TB; plain bytes; the
/// shell-style k, M, G, T accepted too), e.g. `10MB`, `512kB`, `1048576`.
pub fn parse_rate(text: &str) -> Result<u64, RateError> {
    let bad = || RateError(text.to_string());
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let shift = match unit.trim() {
        "" | "B" => 0,
        "kB" | "k" | "K" => 10,
        "MB" | "M" => 20,
        "GB" | "G" => 30,
        "TB" | "T" => 40,
        _ => return Err(bad()),
    };
    match number.checked_mul(1 << shift) {
        Some(rate) if rate > 0 => Ok(rate),
        _ => Err(bad()),
    }
}

/// A token bucket shared by all worker sessions (one lock per COPY chunk, not per row).
#[derive(Debug)]
pub struct RateLimit {
    rate: u64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// Bytes that may still pass; negative while the readers are in debt.
    tokens: f64,
    refilled: Instant,
}

impl RateLimit {
    pub fn new(bytes_per_second: u64) -> Self {
        RateLimit {
            rate: bytes_per_second,
            state: Mutex::new(Bucket {
                tokens: 0.0,
                refilled: Instant::now(),
            }),
        }
    }

    /// How long the caller must wait after reading `bytes` so the total stays under the rate.
    pub fn charge(&self, bytes: usize, now: Instant) -> Duration {
        let rate = self.rate as f64;
        let burst = rate / BURST_DIVISOR as f64;
        // A poisoned lock only means another reader panicked mid-update; the bucket is
        // still a number.
        let mut bucket = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst) - bytes as f64;
        bucket.refilled = now;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / rate)
        }
    }

    /// Charges `bytes` and sleeps off any debt.
    pub fn throttle(&self, bytes: usize) {
        let wait = self.charge(bytes, Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_postgresqls_1024_based_ones() {
        assert_eq!(parse_rate("10MB"), Ok(10 << 20));
        assert_eq!(parse_rate("512kB"), Ok(512 << 10));
        assert_eq!(parse_rate("1GB"), Ok(1 << 30));
        assert_eq!(parse_rate("1G"), Ok(1 << 30));
        assert_eq!(parse_rate("4096"), Ok(4096));
    }

    #[test]
    fn bad_rates_are_refused() {
        for text in ["", "0", "MB", "10XB", "-5MB", "1.5MB", "99999999999999TB"] {
            assert!(parse_rate(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_second_of_reading_at_twice_the_rate_waits_about_a_second() {
        let limit = RateLimit::new(1000);
        let start = Instant::now();
        let mut wait = Duration::ZERO;
        for i in 0..20 {
            let now = start + Duration::from_millis(50 * i);
            wait = limit.charge(100, now);
        }
        // 2000 bytes charged over 1 s at 1000 B/s: about one second of debt remains.
        assert!(wait > Duration::from_millis(900) && wait < Duration::from_millis(1100));
    }
}
