//! Command-line parsing with glibc `getopt_long` semantics, so `tusk_dump` and `tusk_restore`
//! accept exactly what `pg_dump` and `pg_restore` accept: clustered short options, `-fFILE`,
//! `--name=value` and `--name value`, unambiguous prefixes of long names, operands anywhere
//! (argument permutation) and `--` to end options. Error texts are glibc's.

/// Whether an option takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    No,
    Required,
    /// Only as `--name=value` (or `-xVALUE` for a short option).
    Optional,
}

/// One long option: its name, whether it takes an argument, and the code reported for it
/// (a short option's character, or a number above 255 for long-only options).
#[derive(Debug, Clone, Copy)]
pub struct LongOpt {
    pub name: &'static str,
    pub has_arg: HasArg,
    pub code: i32,
}

/// A parse failure, already worded as glibc words it (without the program-name prefix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GetoptError(pub String);

/// A command-line problem, worded as upstream words it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CliError {
    pub message: String,
    /// Whether upstream adds the `Try "... --help"` hint.
    pub hint: bool,
    /// glibc prints option errors itself, prefixed by argv[0] rather than `error:`.
    pub from_getopt: bool,
}

impl CliError {
    pub fn fatal(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            hint: false,
            from_getopt: false,
        }
    }

    pub fn with_hint(message: impl Into<String>) -> Self {
        CliError {
            hint: true,
            ..CliError::fatal(message)
        }
    }

    /// Prints it on stderr as `progname` (pg_dump, pg_restore...) would, run as `argv0`.
    pub fn print(&self, argv0: Option<&str>, progname: &str) {
        if self.from_getopt {
            eprintln!("{}: {}", argv0.unwrap_or(progname), self.message);
        } else {
            eprintln!("{progname}: error: {}", self.message);
        }
        if self.hint {
            eprintln!("{progname}: hint: Try \"{progname} --help\" for more information.");
        }
    }
}

impl From<GetoptError> for CliError {
    fn from(e: GetoptError) -> Self {
        CliError {
            from_getopt: true,
            ..CliError::with_hint(e.0)
        }
    }
}

/// One parsed option: its code and its argument, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub code: i32,
    pub arg: Option<String>,
}

/// The result of parsing: options in command-line order, then operands in order.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub opts: Vec<Opt>,
    pub operands: Vec<String>,
}

/// Parses `args` (without the program name). `short` is a getopt short-option string
/// (`"abf:"`: a colon after a letter means it takes an argument, two colons an optional one).
pub fn parse(args: &[String], short: &str, long: &[LongOpt]) -> Result<Parsed, GetoptError> {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            out.operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (body, None),
            };
            let opt = find_long(name, arg, long)?;
            let value = match (opt.has_arg, inline) {
                (HasArg::No, Some(_)) => {
                    return Err(GetoptError(format!(
                        "option '--{}' doesn't allow an argument",
                        opt.name
                    )));
                }
                (HasArg::No, None) => None,
                (HasArg::Optional, v) => v,
                (HasArg::Required, Some(v)) => Some(v),
                (HasArg::Required, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => {
                        return Err(GetoptError(format!(
                            "option '--{}' requires an argument",
                            opt.name
                        )));
                    }
                },
            };
            out.opts.push(Opt {
                code: opt.code,
                arg: value,
            });
        } else if arg.len() > 1 && arg.starts_with('-') {
            let chars: Vec<char> = arg[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                let has_arg = short_has_arg(short, c)
                    .ok_or_else(|| GetoptError(format!("invalid option -- '{c}'")))?;
                let rest: String = chars[k..].iter().collect();
                let value = match has_arg {
                    HasArg::No => None,
                    HasArg::Optional => {
                        k = chars.len();
                        (!rest.is_empty()).then_some(rest)
                    }
                    HasArg::Required => {
                        k = chars.len();
                        if !rest.is_empty() {
                            Some(rest)
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            Some(v.clone())
                        } else {
                            return Err(GetoptError(format!(
                                "option requires an argument -- '{c}'"
                            )));
                        }
                    }
                };
                out.opts.push(Opt {
                    code: c as i32,
                    arg: value,
                });
            }
        } else {
            out.operands.push(arg.clone());
        }
    }
    Ok(out)
}

/// Applies one of the connection options pg_dump and pg_restore share (`-d -h -p -U -w -W`)
/// to `conn`; returns whether `opt` was one of them.
pub fn apply_connection_option(conn: &mut crate::ConnectOptions, opt: &Opt) -> bool {
    let arg = || opt.arg.clone();
    match char::from_u32(opt.code as u32) {
        Some('d') => conn.dbname = arg(),
        Some('h') => conn.host = arg(),
        Some('p') => conn.port = arg(),
        Some('U') => conn.username = arg(),
        Some('w') => conn.no_password = true,
        Some('W') => conn.force_password = true,
        _ => return false,
    }
    true
}

/// `-j/--jobs`: a count from 1 to `INT_MAX` (PG_MAX_JOBS), parsed and refused as upstream.
pub fn parse_jobs(arg: &str) -> Result<u32, String> {
    option_parse_int(arg, "-j/--jobs", 1, i32::MAX).map(|j| j.unsigned_abs())
}

/// fe_utils' `option_parse_int`: an integer as strtol reads it (leading blanks, a sign,
/// digits; nothing at all reads as 0), trailing blanks allowed, then the range, each failure
/// worded as upstream words it.
pub fn option_parse_int(arg: &str, name: &str, min: i32, max: i32) -> Result<i32, String> {
    let body = arg.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let unsigned = body.strip_prefix(['+', '-']).unwrap_or(body);
    let digits = unsigned.len()
        - unsigned
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let rest = if digits == 0 {
        arg
    } else {
        &unsigned[digits..]
    };
    if !rest
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .is_empty()
    {
        return Err(format!("invalid value \"{arg}\" for option {name}"));
    }
    let value = if digits == 0 {
        Some(0)
    } else {
        body[..body.len() - rest.len()].parse::<i32>().ok()
    };
    value
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| format!("{name} must be in range {min}..{max}"))
}

/// An option as messages name it: `--long-name` when it has one, else `-x`.
pub fn option_name(code: i32, long: &[LongOpt]) -> String {
    match long.iter().find(|l| l.code == code) {
        Some(l) => format!("--{}", l.name),
        None => format!("-{}", char::from_u32(code as u32).unwrap_or('?')),
    }
}

fn short_has_arg(short: &str, c: char) -> Option<HasArg> {
    if c == ':' {
        return None;
    }
    let pos = short.find(c)?;
    let after = &short[pos + c.len_utf8()..];
    Some(if after.starts_with("::") {
        HasArg::Optional
    } else if after.starts_with(':') {
        HasArg::Required
    } else {
        HasArg::No
    })
}

/// Exact name, or the one long option the name is a prefix of.
fn find_long<'a>(name: &str, arg: &str, long: &'a [LongOpt]) -> Result<&'a LongOpt, GetoptError> {
    if let Some(opt) = long.iter().find(|o| o.name == name) {
        return Ok(opt);
    }
    let candidates: Vec<&LongOpt> = long.iter().filter(|o| o.name.starts_with(name)).collect();
    match candidates.as_slice() {
        [] => Err(GetoptError(format!("unrecognized option '{arg}'"))),
        [one] => Ok(one),
        many => {
            // Several names for the same option (aliases) are not ambiguous.
            let first = many[0];
            if many
                .iter()
                .all(|o| o.code == first.code && o.has_arg == first.has_arg)
            {
                return Ok(first);
            }
            let list: Vec<String> = many.iter().map(|o| format!("'--{}'", o.name)).collect();
            Err(GetoptError(format!(
                "option '{}' is ambiguous; possibilities: {}",
                arg.split('=').next().unwrap_or(arg),
                list.join(" ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse_as_option_parse_int() {
        let p = |a: &str| option_parse_int(a, "--x", -15, 3);
        assert_eq!(p("3"), Ok(3));
        assert_eq!(p(" -15 "), Ok(-15));
        assert_eq!(p("+2"), Ok(2));
        assert_eq!(p(""), Ok(0));
        assert_eq!(p("x"), Err("invalid value \"x\" for option --x".into()));
        assert_eq!(p("1x"), Err("invalid value \"1x\" for option --x".into()));
        assert_eq!(p("4"), Err("--x must be in range -15..3".into()));
        assert_eq!(p("99999999999"), Err("--x must be in range -15..3".into()));
    }

    const LONG: &[LongOpt] = &[
        LongOpt {
            name: "file",
            has_arg: HasArg::Required,
            code: 'f' as i32,
        },
        LongOpt {
            name: "format",
            has_arg: HasArg::Required,
            code: 'F' as i32,
        },
        LongOpt {
            name: "clean",
            has_arg: HasArg::No,
            code: 'c' as i32,
        },
        LongOpt {
            name: "if-exists",
            has_arg: HasArg::No,
            code: 300,
        },
        LongOpt {
            name: "compress",
            has_arg: HasArg::Required,
            code: 'Z' as i32,
        },
        LongOpt {
            name: "blobs",
            has_arg: HasArg::No,
            code: 'b' as i32,
        },
        LongOpt {
            name: "large-objects",
            has_arg: HasArg::No,
            code: 'b' as i32,
        },
    ];

    fn run(args: &[&str]) -> Result<Parsed, GetoptError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, "cf:F:Z:b", LONG)
    }

    fn codes(p: &Parsed) -> Vec<(char, Option<&str>)> {
        p.opts
            .iter()
            .map(|o| {
                (
                    char::from_u32(o.code as u32).unwrap_or('?'),
                    o.arg.as_deref(),
                )
            })
            .collect()
    }

    #[test]
    fn forms_of_arguments() {
        let p = run(&[
            "-cfout", "db", "-F", "c", "--file=x", "--format", "p", "--if-e",
        ])
        .unwrap();
        assert_eq!(
            codes(&p),
            vec![
                ('c', None),
                ('f', Some("out")),
                ('F', Some("c")),
                ('f', Some("x")),
                ('F', Some("p")),
                ('Ĭ', None)
            ]
        );
        assert_eq!(p.operands, vec!["db"]);
    }

    #[test]
    fn double_dash_ends_options() {
        let p = run(&["--", "-c"]).unwrap();
        assert!(p.opts.is_empty());
        assert_eq!(p.operands, vec!["-c"]);
    }

    #[test]
    fn errors_read_like_glibc() {
        let err = |a: &[&str]| run(a).unwrap_err().0;
        assert_eq!(err(&["--nope"]), "unrecognized option '--nope'");
        assert_eq!(err(&["-k"]), "invalid option -- 'k'");
        assert_eq!(err(&["-f"]), "option requires an argument -- 'f'");
        assert_eq!(err(&["--file"]), "option '--file' requires an argument");
        assert_eq!(
            err(&["--clean=1"]),
            "option '--clean' doesn't allow an argument"
        );
        assert_eq!(
            err(&["--f"]),
            "option '--f' is ambiguous; possibilities: '--file' '--format'"
        );
    }

    #[test]
    fn aliases_are_not_ambiguous() {
        let p = run(&["--bl"]).unwrap();
        assert_eq!(codes(&p), vec![('b', None)]);
    }
}
