//! `--filter` files (filter.c): lines of `include|exclude <object type> <name>` read into
//! items, with upstream's messages for malformed lines. pg_dump turns the names into patterns,
//! pg_restore compares them as they are; each says which items it allows.

use std::io::Read;

/// The object types a filter file can name (`FilterObjectType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterObject {
    TableData,
    TableDataAndChildren,
    Database,
    Extension,
    ForeignData,
    Function,
    Index,
    Schema,
    Table,
    TableAndChildren,
    Trigger,
}

impl FilterObject {
    const ALL: [FilterObject; 11] = [
        FilterObject::TableData,
        FilterObject::TableDataAndChildren,
        FilterObject::Database,
        FilterObject::Extension,
        FilterObject::ForeignData,
        FilterObject::Function,
        FilterObject::Index,
        FilterObject::Schema,
        FilterObject::Table,
        FilterObject::TableAndChildren,
        FilterObject::Trigger,
    ];

    /// The keyword a filter file spells it with.
    fn keyword(self) -> &'static str {
        match self {
            FilterObject::TableData => "table_data",
            FilterObject::TableDataAndChildren => "table_data_and_children",
            FilterObject::Database => "database",
            FilterObject::Extension => "extension",
            FilterObject::ForeignData => "foreign_data",
            FilterObject::Function => "function",
            FilterObject::Index => "index",
            FilterObject::Schema => "schema",
            FilterObject::Table => "table",
            FilterObject::TableAndChildren => "table_and_children",
            FilterObject::Trigger => "trigger",
        }
    }

    /// `filter_object_type_name`: the name upstream's messages use.
    pub fn name(self) -> &'static str {
        match self {
            FilterObject::TableData => "table data",
            FilterObject::TableDataAndChildren => "table data and children",
            FilterObject::ForeignData => "foreign data",
            FilterObject::TableAndChildren => "table and children",
            other => other.keyword(),
        }
    }
}

/// One `include` or `exclude` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterItem {
    pub include: bool,
    pub object: FilterObject,
    /// The name as written, blanks normalised and quotes kept (upstream's `read_pattern`).
    pub pattern: String,
}

/// A program's refusal of an item, reported with the file's name and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAllowed {
    /// "include filter for \"table data\" is not allowed"
    Item,
    /// "unsupported filter object" (pg_dumpall's word for an object type it never filters)
    Object,
}

/// Where a filter file is read from, for error messages.
struct FilterSource {
    /// `None` for standard input.
    name: Option<String>,
    lines: Vec<Vec<u8>>,
    next: usize,
    lineno: usize,
}

/// `pg_log_filter_error`: the message is cut to upstream's 255-byte buffer.
fn filter_error(src: &FilterSource, msg: &str) -> String {
    let mut cut = msg.len().min(255);
    while !msg.is_char_boundary(cut) {
        cut -= 1;
    }
    let msg = &msg[..cut];
    match &src.name {
        None => format!(
            "invalid format in filter read from standard input on line {}: {msg}",
            src.lineno
        ),
        Some(file) => format!(
            "invalid format in filter read from file \"{file}\" on line {}: {msg}",
            src.lineno
        ),
    }
}

/// C's `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

impl FilterSource {
    fn next_line(&mut self) -> Option<Vec<u8>> {
        let line = self.lines.get(self.next)?.clone();
        self.next += 1;
        self.lineno += 1;
        Some(line)
    }
}

/// `read_quoted_string`: a double-quoted name, possibly spanning lines; `""` stays a doubled
/// quote (the pattern rules undo it), `\n` and `\\` are escapes, other backslashes drop the
/// next character.
fn read_quoted(
    src: &mut FilterSource,
    line: &mut Vec<u8>,
    mut pos: usize,
    out: &mut Vec<u8>,
) -> Result<usize, String> {
    out.push(b'"');
    pos += 1;
    loop {
        let at = |line: &Vec<u8>, p: usize| line.get(p).copied().unwrap_or(0);
        let c = at(line, pos);
        if c == b'\r' || c == b'\n' {
            pos += 1;
            continue;
        }
        if c == 0 {
            match src.next_line() {
                Some(next) => {
                    *line = next;
                    pos = 0;
                    out.push(b'\n');
                }
                None => return Err(filter_error(src, "unexpected end of file")),
            }
        }
        let c = at(line, pos);
        if c == b'"' {
            out.push(b'"');
            pos += 1;
            if at(line, pos) == b'"' {
                out.push(b'"');
                pos += 1;
            } else {
                return Ok(pos);
            }
        } else if c == b'\\' {
            pos += 1;
            match at(line, pos) {
                b'n' => out.push(b'\n'),
                b'\\' => out.push(b'\\'),
                _ => {}
            }
            pos += 1;
        } else {
            out.push(c);
            pos += 1;
        }
    }
}

/// `read_pattern`: a possibly quoted, possibly qualified name up to the end of the line or a
/// `#` comment, with blanks dropped except single ones between words.
fn read_pattern(
    src: &mut FilterSource,
    line: &mut Vec<u8>,
    mut pos: usize,
) -> Result<String, String> {
    let at = |line: &Vec<u8>, p: usize| line.get(p).copied().unwrap_or(0);
    while is_space(at(line, pos)) {
        pos += 1;
    }
    if at(line, pos) == 0 {
        return Err(filter_error(src, "missing object name pattern"));
    }
    let mut out = Vec::new();
    let mut skip_space = true;
    let mut found_space = false;
    while at(line, pos) != 0 && at(line, pos) != b'#' {
        loop {
            let c = at(line, pos);
            if c == 0 || is_space(c) || b"#,.()\"".contains(&c) {
                break;
            }
            if !skip_space && found_space {
                out.push(b' ');
                skip_space = true;
            }
            out.push(c);
            pos += 1;
        }
        skip_space = false;
        match at(line, pos) {
            b'"' => {
                if found_space {
                    out.push(b' ');
                }
                pos = read_quoted(src, line, pos, &mut out)?;
            }
            b',' => {
                out.extend_from_slice(b", ");
                skip_space = true;
                pos += 1;
            }
            c @ (b'.' | b'(' | b')') => {
                out.push(c);
                skip_space = true;
                pos += 1;
            }
            _ => {}
        }
        found_space = false;
        while is_space(at(line, pos)) {
            found_space = true;
            pos += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `filter_get_keyword`: the next run of non-blank characters.
fn keyword(line: &[u8], pos: &mut usize) -> Option<String> {
    while line.get(*pos).is_some_and(|&b| is_space(b)) {
        *pos += 1;
    }
    let start = *pos;
    while line.get(*pos).is_some_and(|&b| b != 0 && !is_space(b)) {
        *pos += 1;
    }
    (*pos > start).then(|| String::from_utf8_lossy(&line[start..*pos]).into_owned())
}

/// Reads a filter file (`-` for standard input) and hands each item to `take` in file order;
/// the first malformed line, or item `take` refuses, ends the reading with upstream's message.
pub fn read_filter_file(
    path: &str,
    take: impl FnMut(FilterItem) -> Result<(), NotAllowed>,
) -> Result<(), String> {
    let mut data = Vec::new();
    let name = if path == "-" {
        std::io::stdin()
            .read_to_end(&mut data)
            .map_err(|e| format!("could not read from filter file \"{path}\": {e}"))?;
        None
    } else {
        data = std::fs::read(path).map_err(|e| {
            format!(
                "could not open filter file \"{path}\": {}",
                crate::output::strerror(&e)
            )
        })?;
        Some(path.to_owned())
    };
    parse_filter(&data, name, take)
}

/// The filter file's contents; `name` is `None` for standard input.
pub fn parse_filter(
    data: &[u8],
    name: Option<String>,
    mut take: impl FnMut(FilterItem) -> Result<(), NotAllowed>,
) -> Result<(), String> {
    let lines = data
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let mut src = FilterSource {
        name,
        lines,
        next: 0,
        lineno: 0,
    };
    while let Some(mut line) = src.next_line() {
        let mut pos = 0;
        while line.get(pos).is_some_and(|&b| is_space(b)) {
            pos += 1;
        }
        if matches!(line.get(pos), None | Some(b'#')) {
            continue;
        }
        let command = keyword(&line, &mut pos).unwrap_or_default();
        let include = if command.eq_ignore_ascii_case("include") {
            true
        } else if command.eq_ignore_ascii_case("exclude") {
            false
        } else {
            return Err(filter_error(
                &src,
                "invalid filter command (expected \"include\" or \"exclude\")",
            ));
        };
        let Some(kind) = keyword(&line, &mut pos) else {
            return Err(filter_error(&src, "missing filter object type"));
        };
        let Some(object) = FilterObject::ALL
            .into_iter()
            .find(|o| o.keyword().eq_ignore_ascii_case(&kind))
        else {
            return Err(filter_error(
                &src,
                &format!("unsupported filter object type: \"{kind}\""),
            ));
        };
        let pattern = read_pattern(&mut src, &mut line, pos)?;
        take(FilterItem {
            include,
            object,
            pattern,
        })
        .map_err(|refusal| {
            let command = if include { "include" } else { "exclude" };
            let msg = match refusal {
                NotAllowed::Item => {
                    format!("{command} filter for \"{}\" is not allowed", object.name())
                }
                NotAllowed::Object => "unsupported filter object".to_owned(),
            };
            filter_error(&src, &msg)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item of `text`, or the error; `refuse` names the object type refused.
    fn parse(text: &str, refuse: Option<FilterObject>) -> Result<Vec<FilterItem>, String> {
        let mut items = Vec::new();
        parse_filter(text.as_bytes(), Some("F".into()), |item| {
            if Some(item.object) == refuse {
                return Err(NotAllowed::Item);
            }
            items.push(item);
            Ok(())
        })
        .map(|()| items)
    }

    #[test]
    fn filter_files() {
        let items = parse(
            "# comment\n\n  include table  public . \"My  Table\"  # trailing\n\
             EXCLUDE Schema a b\nexclude table_data \"multi\nline\"\n",
            None,
        )
        .unwrap();
        let got: Vec<(bool, FilterObject, &str)> = items
            .iter()
            .map(|i| (i.include, i.object, i.pattern.as_str()))
            .collect();
        // Upstream keeps the blank before a quote that follows a dot.
        assert_eq!(
            got,
            [
                (true, FilterObject::Table, "public. \"My  Table\""),
                (false, FilterObject::Schema, "a b"),
                (false, FilterObject::TableData, "\"multi\nline\""),
            ]
        );
        let err = |t: &str| parse(t, Some(FilterObject::TableData)).unwrap_err();
        assert_eq!(
            err("include table x\nfrobnicate table y\n"),
            "invalid format in filter read from file \"F\" on line 2: invalid filter command \
             (expected \"include\" or \"exclude\")"
        );
        assert_eq!(
            err("include\n"),
            "invalid format in filter read from file \"F\" on line 1: missing filter object type"
        );
        assert_eq!(
            err("include view v\n"),
            "invalid format in filter read from file \"F\" on line 1: unsupported filter object \
             type: \"view\""
        );
        assert_eq!(
            err("include table   \n"),
            "invalid format in filter read from file \"F\" on line 1: missing object name pattern"
        );
        assert_eq!(
            err("include table x\ninclude table_data t\n"),
            "invalid format in filter read from file \"F\" on line 2: include filter for \
             \"table data\" is not allowed"
        );
        assert_eq!(
            err("include table \"open\n"),
            "invalid format in filter read from file \"F\" on line 1: unexpected end of file"
        );
    }
}
