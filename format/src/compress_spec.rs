//! pg_dump's `-Z`/`--compress` argument, read exactly as pg_dump 18 reads it: a bare integer
//! (0 = none, anything else a gzip level), or `METHOD[:DETAIL]`, where DETAIL is a bare level
//! or a comma-separated list of `level=N`, `workers=N`, `long[=BOOL]`
//! (src/common/compression.c: parse_compress_options, parse_compress_algorithm,
//! parse_compress_specification, validate_compress_specification; pg_dump.c's main).
//!
//! Numbers are read the way C's `strtol` reads them (leading white space, a sign, clamping at
//! the limits of a 64-bit `long`) and then stored in an `int`, keeping the low 32 bits, because
//! that is what upstream accepts and refuses: `-Z 4294967297` is gzip level 1 there, and so
//! here.

use crate::toc::{Compression, CompressionAlgorithm};

/// pg_dump's warning for `workers=N`: accepted, then ignored.
const WORKERS_WARNING: &str =
    "compression option \"workers\" is not currently supported by pg_dump";

/// Parses and checks a `-Z` argument. On success, the compression and the warnings pg_dump
/// prints for it (without a `warning:` prefix); on failure, pg_dump's error message (without
/// the `error:` prefix), e.g. `invalid compression specification: compression algorithm
/// "gzip" expects a compression level between 1 and 9 (default at -1)`.
///
/// A level equal to the algorithm's default comes back as `None`.
pub fn parse_compress_spec(spec: &str) -> Result<(Compression, Vec<String>), String> {
    // argv strings end at their first NUL; a Rust string might go on.
    let spec = spec.split('\0').next().unwrap_or_default();
    let (name, detail) = split_option(spec);
    let algorithm = match name {
        "none" => CompressionAlgorithm::None,
        "gzip" => CompressionAlgorithm::Gzip,
        "lz4" => CompressionAlgorithm::Lz4,
        "zstd" => CompressionAlgorithm::Zstd,
        _ => return Err(format!("unrecognized compression algorithm: \"{name}\"")),
    };
    let parsed = parse_detail(algorithm, detail);
    let limits = Limits::of(algorithm);
    validate(algorithm, &parsed, limits)
        .map_err(|detail| format!("invalid compression specification: {detail}"))?;
    let warnings = if parsed.workers {
        vec![WORKERS_WARNING.to_owned()]
    } else {
        Vec::new()
    };
    let compression = Compression {
        algorithm,
        level: (parsed.level != limits.default).then_some(parsed.level),
        long: parsed.long,
    };
    Ok((compression, warnings))
}

/// parse_compress_options: the algorithm's name and the detail after the first `:`.
fn split_option(spec: &str) -> (&str, Option<&str>) {
    let (value, end) = strtol(spec);
    if end == spec.len() {
        // Also the empty string: strtol reads no digits, stops at the end, returns 0.
        return if value == 0 {
            ("none", None)
        } else {
            ("gzip", Some(spec))
        };
    }
    match spec.split_once(':') {
        Some((name, detail)) => (name, Some(detail)),
        None => (spec, None),
    }
}

/// What parse_compress_specification makes of the detail.
struct Parsed {
    level: i32,
    /// `workers` was given (its value is never used).
    workers: bool,
    /// `long` was given, whatever its value.
    long_given: bool,
    long: bool,
    error: Option<String>,
}

/// The levels validate_compress_specification allows for an algorithm.
#[derive(Clone, Copy)]
struct Limits {
    min: i32,
    max: i32,
    default: i32,
}

impl Limits {
    fn of(algorithm: CompressionAlgorithm) -> Self {
        match algorithm {
            CompressionAlgorithm::None => Limits {
                min: 1,
                max: 1,
                default: 0,
            },
            CompressionAlgorithm::Gzip => Limits {
                min: 1,
                max: 9,
                default: -1,
            },
            CompressionAlgorithm::Lz4 => Limits {
                min: 1,
                max: 12,
                default: 0,
            },
            // Upstream asks the libzstd it links; so do we.
            CompressionAlgorithm::Zstd => Limits {
                min: zstd::zstd_safe::min_c_level(),
                max: zstd::zstd_safe::max_c_level(),
                default: zstd::zstd_safe::CLEVEL_DEFAULT,
            },
        }
    }
}

fn parse_detail(algorithm: CompressionAlgorithm, detail: Option<&str>) -> Parsed {
    let mut parsed = Parsed {
        level: Limits::of(algorithm).default,
        workers: false,
        long_given: false,
        long: false,
        error: None,
    };
    let Some(mut rest) = detail else {
        return parsed;
    };
    let (level, end) = strtol(rest);
    if end > 0 && end == rest.len() {
        parsed.level = c_int(level);
        return parsed;
    }
    loop {
        let keyword_end = rest.find([',', '=']).unwrap_or(rest.len());
        let keyword = &rest[..keyword_end];
        let (value, end) = if rest[keyword_end..].starts_with('=') {
            let start = keyword_end + 1;
            let end = rest[start..].find(',').map_or(rest.len(), |i| start + i);
            (Some(&rest[start..end]), end)
        } else {
            (None, keyword_end)
        };
        if keyword.is_empty() {
            parsed.error =
                Some("found empty string where a compression option was expected".into());
            break;
        }
        let result = match keyword {
            "level" => integer_value(keyword, value).map(|v| parsed.level = v),
            "workers" => {
                parsed.workers = true;
                integer_value(keyword, value).map(|_| ())
            }
            "long" => {
                parsed.long_given = true;
                boolean_value(keyword, value).map(|v| parsed.long = v)
            }
            _ => Err(format!("unrecognized compression option: \"{keyword}\"")),
        };
        if let Err(e) = result {
            parsed.error = Some(e);
            break;
        }
        if end == rest.len() {
            break;
        }
        // Past the ',' that ended this item.
        rest = &rest[end + 1..];
    }
    parsed
}

/// expect_integer_value.
fn integer_value(keyword: &str, value: Option<&str>) -> Result<i32, String> {
    let value =
        value.ok_or_else(|| format!("compression option \"{keyword}\" requires a value"))?;
    match strtol(value) {
        (n, end) if end > 0 && end == value.len() => Ok(c_int(n)),
        _ => Err(format!(
            "value for compression option \"{keyword}\" must be an integer"
        )),
    }
}

/// expect_boolean_value: no value means true.
fn boolean_value(keyword: &str, value: Option<&str>) -> Result<bool, String> {
    let Some(value) = value else {
        return Ok(true);
    };
    if ["yes", "on", "1"]
        .iter()
        .any(|t| value.eq_ignore_ascii_case(t))
    {
        Ok(true)
    } else if ["no", "off", "0"]
        .iter()
        .any(|f| value.eq_ignore_ascii_case(f))
    {
        Ok(false)
    } else {
        Err(format!(
            "value for compression option \"{keyword}\" must be a Boolean value"
        ))
    }
}

/// validate_compress_specification, in its order.
fn validate(
    algorithm: CompressionAlgorithm,
    parsed: &Parsed,
    limits: Limits,
) -> Result<(), String> {
    if let Some(error) = &parsed.error {
        return Err(error.clone());
    }
    let name = algorithm.name();
    if algorithm == CompressionAlgorithm::None && parsed.level != 0 {
        return Err(format!(
            "compression algorithm \"{name}\" does not accept a compression level"
        ));
    }
    if (parsed.level < limits.min || parsed.level > limits.max) && parsed.level != limits.default {
        return Err(format!(
            "compression algorithm \"{name}\" expects a compression level between {} and {} (default at {})",
            limits.min, limits.max, limits.default
        ));
    }
    if parsed.workers && algorithm != CompressionAlgorithm::Zstd {
        return Err(format!(
            "compression algorithm \"{name}\" does not accept a worker count"
        ));
    }
    if parsed.long_given && algorithm != CompressionAlgorithm::Zstd {
        return Err(format!(
            "compression algorithm \"{name}\" does not support long-distance mode"
        ));
    }
    Ok(())
}

/// C's `strtol(s, &end, 10)` with a 64-bit `long`: the value and where the number ends, which
/// is 0 when there are no digits (the C function then points `end` back at the start).
fn strtol(s: &str) -> (i64, usize) {
    let bytes = s.as_bytes();
    let mut i = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .unwrap_or(bytes.len());
    let negative = match bytes.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = i;
    // Past i64's range the value only has to stay out of range: saturate.
    let mut magnitude: i128 = 0;
    while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        magnitude = (magnitude * 10 + i128::from(d - b'0')).min(i128::from(i64::MAX) + 1);
        i += 1;
    }
    if i == digits {
        return (0, 0);
    }
    let value = if negative { -magnitude } else { magnitude };
    let value = i64::try_from(value).unwrap_or(if negative { i64::MIN } else { i64::MAX });
    (value, i)
}

/// A C `long` stored in an `int`: the low 32 bits.
fn c_int(value: i64) -> i32 {
    value as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompressionAlgorithm::{Gzip, Lz4, Zstd};

    fn ok(spec: &str) -> Compression {
        match parse_compress_spec(spec) {
            Ok((c, w)) => {
                assert!(w.is_empty(), "{spec}: {w:?}");
                c
            }
            Err(e) => panic!("{spec}: {e}"),
        }
    }

    fn err(spec: &str) -> String {
        match parse_compress_spec(spec) {
            Ok(c) => panic!("{spec}: accepted as {c:?}"),
            Err(e) => e,
        }
    }

    fn with(algorithm: CompressionAlgorithm, level: Option<i32>, long: bool) -> Compression {
        Compression {
            algorithm,
            level,
            long,
        }
    }

    #[test]
    fn algorithms_and_levels() {
        assert_eq!(ok("none"), Compression::NONE);
        assert_eq!(ok("gzip"), Compression::GZIP_DEFAULT);
        assert_eq!(ok("lz4"), Compression::of(Lz4));
        assert_eq!(ok("zstd"), Compression::of(Zstd));
        assert_eq!(ok("gzip:9"), with(Gzip, Some(9), false));
        assert_eq!(ok("gzip:level=1"), with(Gzip, Some(1), false));
        assert_eq!(ok("gzip:-1"), Compression::GZIP_DEFAULT);
        assert_eq!(ok("lz4:12"), with(Lz4, Some(12), false));
        assert_eq!(ok("lz4:0"), Compression::of(Lz4));
        assert_eq!(ok("zstd:3"), Compression::of(Zstd));
        assert_eq!(ok("zstd:0"), with(Zstd, Some(0), false));
        assert_eq!(ok("zstd:-131072"), with(Zstd, Some(-131072), false));
        assert_eq!(ok("zstd:22"), with(Zstd, Some(22), false));
        assert_eq!(ok("none:0"), Compression::NONE);
        assert_eq!(ok("none:level=0"), Compression::NONE);
        // strtol skips leading white space, in the bare level and in level=.
        assert_eq!(ok("gzip: 5"), with(Gzip, Some(5), false));
        assert_eq!(ok("gzip:level= 5"), with(Gzip, Some(5), false));
    }

    #[test]
    fn bare_integers_are_gzip_levels() {
        assert_eq!(ok("0"), Compression::NONE);
        assert_eq!(ok("00"), Compression::NONE);
        assert_eq!(ok("-0"), Compression::NONE);
        assert_eq!(ok(""), Compression::NONE);
        assert_eq!(ok("5"), with(Gzip, Some(5), false));
        assert_eq!(ok(" 5"), with(Gzip, Some(5), false));
        assert_eq!(ok("+3"), with(Gzip, Some(3), false));
        assert_eq!(ok("-1"), Compression::GZIP_DEFAULT);
        // The low 32 bits of a clamped long, as upstream's int keeps them.
        assert_eq!(ok("4294967297"), with(Gzip, Some(1), false));
        assert_eq!(ok("99999999999999999999"), Compression::GZIP_DEFAULT);
        assert_eq!(
            err("4294967296"),
            "invalid compression specification: compression algorithm \"gzip\" expects a \
             compression level between 1 and 9 (default at -1)"
        );
        assert_eq!(err("5 "), "unrecognized compression algorithm: \"5 \"");
        assert_eq!(err("0x10"), "unrecognized compression algorithm: \"0x10\"");
        assert_eq!(err(" "), "unrecognized compression algorithm: \" \"");
    }

    #[test]
    fn long_distance_and_workers() {
        assert_eq!(ok("zstd:long"), with(Zstd, None, true));
        assert_eq!(ok("zstd:level=19,long"), with(Zstd, Some(19), true));
        assert_eq!(ok("zstd:long,level=19"), with(Zstd, Some(19), true));
        assert_eq!(ok("zstd:long=NO"), with(Zstd, None, false));
        assert_eq!(ok("zstd:long=on"), with(Zstd, None, true));
        assert_eq!(ok("zstd:long=0"), with(Zstd, None, false));
        let (c, warnings) = parse_compress_spec("zstd:workers=2").unwrap();
        assert_eq!(c, Compression::of(Zstd));
        assert_eq!(
            warnings,
            ["compression option \"workers\" is not currently supported by pg_dump"]
        );
        let (c, warnings) = parse_compress_spec("zstd:level=5,workers=0,long").unwrap();
        assert_eq!(c, with(Zstd, Some(5), true));
        assert_eq!(warnings.len(), 1);
    }

    /// Each message as pg_dump 18.6 prints it after `pg_dump: error: `.
    #[test]
    fn errors_are_upstreams() {
        let cases = [
            ("brotli", "unrecognized compression algorithm: \"brotli\""),
            ("LZ4", "unrecognized compression algorithm: \"LZ4\""),
            ("-", "unrecognized compression algorithm: \"-\""),
            (":5", "unrecognized compression algorithm: \"\""),
            (
                "lz4:13",
                "invalid compression specification: compression algorithm \"lz4\" expects a \
                 compression level between 1 and 12 (default at 0)",
            ),
            (
                "lz4:-1",
                "invalid compression specification: compression algorithm \"lz4\" expects a \
                 compression level between 1 and 12 (default at 0)",
            ),
            (
                "gzip:0",
                "invalid compression specification: compression algorithm \"gzip\" expects a \
                 compression level between 1 and 9 (default at -1)",
            ),
            (
                "-99999999999999999999",
                "invalid compression specification: compression algorithm \"gzip\" expects a \
                 compression level between 1 and 9 (default at -1)",
            ),
            (
                "zstd:23",
                "invalid compression specification: compression algorithm \"zstd\" expects a \
                 compression level between -131072 and 22 (default at 3)",
            ),
            (
                "zstd:-131073",
                "invalid compression specification: compression algorithm \"zstd\" expects a \
                 compression level between -131072 and 22 (default at 3)",
            ),
            (
                "none:5",
                "invalid compression specification: compression algorithm \"none\" does not \
                 accept a compression level",
            ),
            (
                "lz4:workers=2",
                "invalid compression specification: compression algorithm \"lz4\" does not \
                 accept a worker count",
            ),
            (
                "none:workers=2",
                "invalid compression specification: compression algorithm \"none\" does not \
                 accept a worker count",
            ),
            (
                "gzip:long",
                "invalid compression specification: compression algorithm \"gzip\" does not \
                 support long-distance mode",
            ),
            (
                "none:long=off",
                "invalid compression specification: compression algorithm \"none\" does not \
                 support long-distance mode",
            ),
            (
                "gzip:",
                "invalid compression specification: found empty string where a compression \
                 option was expected",
            ),
            (
                "gzip:level=5,",
                "invalid compression specification: found empty string where a compression \
                 option was expected",
            ),
            (
                "zstd:,long",
                "invalid compression specification: found empty string where a compression \
                 option was expected",
            ),
            (
                "zstd:level",
                "invalid compression specification: compression option \"level\" requires a value",
            ),
            (
                "zstd:workers",
                "invalid compression specification: compression option \"workers\" requires a \
                 value",
            ),
            (
                "zstd:level=",
                "invalid compression specification: value for compression option \"level\" \
                 must be an integer",
            ),
            (
                "zstd:level=3=4",
                "invalid compression specification: value for compression option \"level\" \
                 must be an integer",
            ),
            (
                "zstd:level=5 ",
                "invalid compression specification: value for compression option \"level\" \
                 must be an integer",
            ),
            (
                "zstd:workers=abc",
                "invalid compression specification: value for compression option \"workers\" \
                 must be an integer",
            ),
            (
                "zstd:long=maybe",
                "invalid compression specification: value for compression option \"long\" \
                 must be a Boolean value",
            ),
            (
                "zstd:long=",
                "invalid compression specification: value for compression option \"long\" \
                 must be a Boolean value",
            ),
            (
                "zstd:foo=1",
                "invalid compression specification: unrecognized compression option: \"foo\"",
            ),
            (
                "zstd:LEVEL=3",
                "invalid compression specification: unrecognized compression option: \"LEVEL\"",
            ),
            // The first problem wins, in the order upstream checks.
            (
                "lz4:level=99,long",
                "invalid compression specification: compression algorithm \"lz4\" expects a \
                 compression level between 1 and 12 (default at 0)",
            ),
            (
                "lz4:long,foo",
                "invalid compression specification: unrecognized compression option: \"foo\"",
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(err(spec), want, "-Z {spec:?}");
        }
    }

    #[test]
    fn strtol_matches_c() {
        assert_eq!(strtol(""), (0, 0));
        assert_eq!(strtol("  -12x"), (-12, 5));
        assert_eq!(strtol("+"), (0, 0));
        assert_eq!(strtol(" "), (0, 0));
        assert_eq!(strtol("9223372036854775807"), (i64::MAX, 19));
        assert_eq!(strtol("9223372036854775808"), (i64::MAX, 19));
        assert_eq!(strtol("-9223372036854775808"), (i64::MIN, 20));
        assert_eq!(strtol("-99999999999999999999999"), (i64::MIN, 24));
        assert_eq!(c_int(i64::MAX), -1);
        assert_eq!(c_int(i64::MIN), 0);
    }
}
