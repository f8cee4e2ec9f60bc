//! Server errors worded the way libpq prints them, so tusk's messages match upstream's.

use tokio_postgres::error::ErrorPosition;

/// A server error as `PQerrorMessage` shows it at default verbosity (pqBuildErrorMessage3):
/// `ERROR:  message`, then `DETAIL:`, `HINT:`, `QUERY:` and `CONTEXT:` lines; other failures
/// (I/O, protocol) as their plain text. Without the statement, an error position is left
/// out; [`describe_db_error_in`] draws it.
pub fn describe_db_error(err: &tokio_postgres::Error) -> String {
    describe(err, None)
}

/// [`describe_db_error`] for an error of `query`, the statement as sent: an error position
/// becomes libpq's `LINE n:` excerpt with a `^` under the place.
pub fn describe_db_error_in(err: &tokio_postgres::Error, query: &str) -> String {
    describe(err, Some(query))
}

fn describe(err: &tokio_postgres::Error, query: Option<&str>) -> String {
    let Some(db) = err.as_db_error() else {
        return match std::error::Error::source(err) {
            Some(source) => format!("{err}: {source}"),
            None => err.to_string(),
        };
    };
    let mut s = format!("{}:  {}", db.severity(), db.message());
    let (text, position) = match db.position() {
        Some(ErrorPosition::Original(p)) => (query, *p),
        Some(ErrorPosition::Internal { position, query }) => (Some(query.as_str()), *position),
        None => (None, 0),
    };
    match text {
        Some(text) => s.push_str(&error_cursor(text, position as usize)),
        None if position > 0 => s.push_str(&format!(" at character {position}")),
        None => {}
    }
    if let Some(detail) = db.detail() {
        s.push_str(&format!("\nDETAIL:  {detail}"));
    }
    if let Some(hint) = db.hint() {
        s.push_str(&format!("\nHINT:  {hint}"));
    }
    if let Some(ErrorPosition::Internal { query, .. }) = db.position() {
        s.push_str(&format!("\nQUERY:  {query}"));
    }
    if let Some(context) = db.where_() {
        s.push_str(&format!("\nCONTEXT:  {context}"));
    }
    s
}

/// libpq's reportErrorPosition: the line of `query` holding character `position` (1-based),
/// cut to 60 screen columns around it, and a `^` under it; empty when out of range. Each
/// line starts with a newline, for appending to the primary message.
fn error_cursor(query: &str, position: usize) -> String {
    const DISPLAY_SIZE: usize = 60;
    const MIN_RIGHT_CUT: usize = 10;
    let Some(loc) = position.checked_sub(1) else {
        return String::new();
    };
    // Tabs show as spaces; screen columns of each character's start.
    let chars: Vec<char> = query
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let mut columns = Vec::with_capacity(chars.len() + 1);
    let mut column = 0;
    let (mut line, mut begin, mut end) = (1, 0, None);
    for (i, &c) in chars.iter().enumerate() {
        columns.push(column);
        if c == '\r' || c == '\n' {
            if i < loc {
                // \r\n counts as one line end.
                if c == '\r' || i == 0 || chars[i - 1] != '\r' {
                    line += 1;
                }
                begin = i + 1;
            } else {
                end = Some(i);
                break;
            }
        }
        column += display_width(c);
    }
    let mut end = end.unwrap_or_else(|| {
        columns.push(column);
        chars.len()
    });
    if loc > end {
        return String::new();
    }
    let (mut cut_left, mut cut_right) = (false, false);
    if columns[end] - columns[begin] > DISPLAY_SIZE {
        if columns[begin] + DISPLAY_SIZE >= columns[loc] + MIN_RIGHT_CUT {
            while columns[end] - columns[begin] > DISPLAY_SIZE {
                end -= 1;
            }
            cut_right = true;
        } else {
            while columns[loc] + MIN_RIGHT_CUT < columns[end] {
                end -= 1;
                cut_right = true;
            }
            while columns[end] - columns[begin] > DISPLAY_SIZE {
                begin += 1;
                cut_left = true;
            }
        }
    }
    let prefix = format!("LINE {line}: {}", if cut_left { "..." } else { "" });
    let excerpt: String = chars[begin..end].iter().collect();
    let indent = prefix.chars().count() + columns[loc] - columns[begin];
    format!(
        "\n{prefix}{excerpt}{}\n{}^",
        if cut_right { "..." } else { "" },
        " ".repeat(indent)
    )
}

/// Screen columns of a character as PostgreSQL's ucs_wcwidth counts them for UTF-8 (wide East
/// Asian characters 2), with control and combining characters as 1, as libpq treats them.
fn display_width(c: char) -> usize {
    let c = c as u32;
    let wide = (0x1100..=0x115f).contains(&c)
        || (0x2e80..=0xa4cf).contains(&c) && c != 0x303f
        || (0xac00..=0xd7a3).contains(&c)
        || (0xf900..=0xfaff).contains(&c)
        || (0xfe30..=0xfe6f).contains(&c)
        || (0xff00..=0xff5f).contains(&c)
        || (0xffe0..=0xffe6).contains(&c)
        || (0x20000..=0x2ffff).contains(&c)
        || (0x30000..=0x3fffd).contains(&c);
    if wide { 2 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::error_cursor;

    #[test]
    fn cursor_under_the_error() {
        assert_eq!(error_cursor("SELEC 1", 1), "\nLINE 1: SELEC 1\n        ^");
        assert_eq!(
            error_cursor("SELECT 1;\nSELEC 2;\n", 11),
            "\nLINE 2: SELEC 2;\n        ^"
        );
        assert_eq!(error_cursor("\tx", 2), "\nLINE 1:  x\n         ^");
        assert_eq!(error_cursor("x", 0), "");
        assert_eq!(error_cursor("x", 5), "");
    }

    #[test]
    fn long_lines_are_cut_around_the_error() {
        let query = format!("SELECT {} FROM t", "a, ".repeat(40));
        let cut = error_cursor(&query, query.len() - 5);
        assert!(cut.starts_with("\nLINE 1: ..."), "{cut}");
        let first = error_cursor(&query, 1);
        assert!(first.ends_with("...\n        ^"), "{first}");
    }
}
