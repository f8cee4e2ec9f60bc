//! The one place SQL identifiers and literals are quoted (upstream's `fmtId` and
//! `appendStringLiteral` in src/fe_utils/string_utils.c). Everything that builds SQL text goes
//! through these functions.

use std::sync::atomic::{AtomicBool, Ordering};

/// Keywords of PostgreSQL 18's grammar that are not UNRESERVED (kwlist.h), sorted for binary
/// search. pg_dump quotes an identifier that equals one of them.
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// `--quote-all-identifiers`, process-wide like upstream's `quote_all_identifiers` global:
/// every SQL text of a run, the archiver's included, must quote the same way.
static QUOTE_ALL: AtomicBool = AtomicBool::new(false);

/// Makes [`ident`] quote every identifier from now on. Set by the command line before any
/// SQL is built.
pub fn set_quote_all_identifiers(on: bool) {
    QUOTE_ALL.store(on, Ordering::Relaxed);
}

/// Quotes an identifier if needed, as `fmtId` does (everything with
/// [`set_quote_all_identifiers`]).
pub fn ident(raw: &str) -> String {
    ident_opt(raw, QUOTE_ALL.load(Ordering::Relaxed))
}

/// `fmtId` with the `--quote-all-identifiers` switch.
pub fn ident_opt(raw: &str, quote_all: bool) -> String {
    let mut out = String::with_capacity(raw.len() + 2);
    push_ident(&mut out, raw, quote_all);
    out
}

/// [`ident_opt`] appended to `out`.
fn push_ident(out: &mut String, raw: &str, quote_all: bool) {
    if !quote_all && !needs_quotes(raw) {
        out.push_str(raw);
        return;
    }
    out.push('"');
    for c in raw.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

fn needs_quotes(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    match bytes.first() {
        Some(b'a'..=b'z' | b'_') => {}
        _ => return true,
    }
    if !bytes
        .iter()
        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
    {
        return true;
    }
    QUOTED_KEYWORDS.binary_search(&raw).is_ok()
}

/// `schema.name` with both parts quoted as needed (upstream's `fmtQualifiedId`).
pub fn qualified(schema: &str, name: &str) -> String {
    let quote_all = QUOTE_ALL.load(Ordering::Relaxed);
    let mut out = String::with_capacity(schema.len() + name.len() + 5);
    push_ident(&mut out, schema, quote_all);
    out.push('.');
    push_ident(&mut out, name, quote_all);
    out
}

/// A string literal as `appendStringLiteral` (and so `appendStringLiteralAH`) writes it:
/// single quotes doubled, and backslashes too when `standard_conforming_strings` is off. No
/// `E''` prefix: that is `appendStringLiteralConn`'s, which pg_dump keeps for its queries.
pub fn literal(value: &str, std_strings: bool) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || (!std_strings && c == '\\') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A dollar-quoted string literal as `appendStringLiteralDQ` writes it: `$$`, or `$_$`,
/// `$_X$`... growing until the opening delimiter (without its closing `$`) is not in `value`.
pub fn dollar_quoted(value: &str) -> String {
    const SUFFIXES: &[u8] = b"_XXXXXXX";
    let mut delim = String::from("$");
    let mut next = 0;
    while value.contains(delim.as_str()) {
        delim.push(char::from(SUFFIXES[next]));
        next = (next + 1) % SUFFIXES.len();
    }
    delim.push('$');
    format!("{delim}{value}{delim}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_sorted_for_binary_search() {
        assert!(QUOTED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn identifiers() {
        let cases = [
            ("abc", "abc"),
            ("_a1", "_a1"),
            ("1a", "\"1a\""),
            ("Abc", "\"Abc\""),
            ("a b", "\"a b\""),
            ("a\"b", "\"a\"\"b\""),
            ("select", "\"select\""),
            ("user", "\"user\""),
            ("name", "name"), // unreserved keyword
            ("abort", "abort"),
            ("", "\"\""),
            ("caf\u{e9}", "\"caf\u{e9}\""),
        ];
        for (raw, want) in cases {
            assert_eq!(ident(raw), want, "{raw}");
        }
        assert_eq!(ident_opt("abc", true), "\"abc\"");
        assert_eq!(qualified("public", "T"), "public.\"T\"");
    }

    #[test]
    fn literals() {
        assert_eq!(literal("it's", true), "'it''s'");
        assert_eq!(literal("a\\b", true), "'a\\b'");
        assert_eq!(literal("a\\b'", false), "'a\\\\b'''");
    }

    #[test]
    fn dollar_quoting_avoids_the_delimiter() {
        assert_eq!(dollar_quoted("SELECT 1"), "$$SELECT 1$$");
        assert_eq!(dollar_quoted("it's $1"), "$_$it's $1$_$");
        assert_eq!(dollar_quoted("$_ and $_X"), "$_XX$$_ and $_X$_XX$");
        assert_eq!(dollar_quoted("ends in $"), "$_$ends in $$_$");
    }
}
