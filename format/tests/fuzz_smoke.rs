//! The fuzz targets (fuzz/fuzz_targets) on the stable toolchain, for a bounded time each:
//! random mutations of their seeds (bit flips, lying lengths and counts, cuts, repeats,
//! splices), fed to the very same target functions. Not coverage-guided like `cargo fuzz`
//! (nightly; see fuzz/README.md), but it runs in every CI build.
//!
//! `TUSK_FUZZ_SECONDS` (default 10) is the time per target; hours make the long mode.
//! `TUSK_FUZZ_SEED` replays a run. An input that panics is written to
//! `target/fuzz-smoke/<target>-<seed>-<n>` and named in the failure.

#[path = "../../fuzz/fuzz_targets/common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: deterministic from its seed, so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Values that make readers lie to themselves: zero, sign bits, all ones, sizes just past
/// what any buffer holds.
const INTERESTING: [u64; 9] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    u64::MAX,
];

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, donors: &[Vec<u8>]) {
    for _ in 0..=rng.below(8) {
        let len = input.len();
        match rng.below(7) {
            0 if len > 0 => {
                let at = rng.below(len);
                input[at] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let at = rng.below(len);
                input[at] = INTERESTING[rng.below(INTERESTING.len())] as u8;
            }
            // A length or count (the custom format's integers are a sign byte and 4 or 8
            // little-endian bytes) replaced by an interesting value.
            2 if len > 8 => {
                let at = rng.below(len - 8);
                let width = [1, 2, 4, 8][rng.below(4)];
                let value = INTERESTING[rng.below(INTERESTING.len())].to_le_bytes();
                input[at..at + width].copy_from_slice(&value[..width]);
            }
            3 if len > 0 => input.truncate(rng.below(len)),
            4 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(256)).min(len);
                let piece = input[from..to].to_vec();
                let at = rng.below(len);
                input.splice(at..at, piece);
            }
            5 if len > 0 => {
                let from = rng.below(len);
                let to = (from + 1 + rng.below(256)).min(len);
                input.drain(from..to);
            }
            _ => {
                let donor = &donors[rng.below(donors.len())];
                if !donor.is_empty() && len > 0 {
                    let from = rng.below(donor.len());
                    let to = (from + 1 + rng.below(4096)).min(donor.len());
                    let at = rng.below(len);
                    let end = (at + (to - from)).min(len);
                    input.splice(at..end, donor[from..to].iter().copied());
                }
            }
        }
    }
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn smoke(target: &str, run: fn(&[u8])) {
    let seconds = env_number("TUSK_FUZZ_SECONDS", 10);
    let seed = env_number(
        "TUSK_FUZZ_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    ) | 1;
    let seeds = seeds(target);
    let mut rng = Rng(seed);
    // The seeds themselves first: they must pass untouched.
    for input in &seeds {
        run(input);
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut n = 0u64;
    while Instant::now() < deadline {
        let mut input = seeds[rng.below(seeds.len())].clone();
        mutate(&mut rng, &mut input, &seeds);
        if std::panic::catch_unwind(|| run(&input)).is_err() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-smoke");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("{target}-{seed}-{n}"));
            std::fs::write(&path, &input).unwrap();
            panic!(
                "{target} panicked on input {n} of TUSK_FUZZ_SEED={seed}, saved as {} \
                 (replay: cargo +nightly fuzz run {target} {})",
                path.display(),
                path.display()
            );
        }
        n += 1;
    }
    eprintln!("{target}: {n} mutated inputs in {seconds} s, TUSK_FUZZ_SEED={seed}");
}

#[test]
fn custom_reader() {
    smoke("custom_reader", common::custom_reader);
}

#[test]
fn directory_toc() {
    smoke("directory_toc", common::directory_toc);
}

#[test]
fn tar_reader() {
    smoke("tar_reader", common::tar_reader);
}

#[test]
fn list_file() {
    smoke("list_file", common::list_file);
}
