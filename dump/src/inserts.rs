//! Table data as INSERT statements (`--inserts`, `--column-inserts`, `--rows-per-insert`,
//! `--on-conflict-do-nothing`): pg_dump's `dumpTableData_insert`. Rows are read through a
//! cursor 100 at a time, as upstream reads them, so a table of any size needs one batch of
//! memory.

use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::types::Type;
use tusk_connect::Session;
use tusk_format::Encoding;
use tusk_format::quote::{ident, literal, qualified};

use crate::catalog::Relation;
use crate::error::DumpError;

/// How INSERT statements are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsertOptions {
    /// Rows per statement (`--rows-per-insert`; 1 for plain `--inserts`).
    pub rows_per_statement: u32,
    /// `--column-inserts`: statements name their columns, generated ones left out.
    pub column_inserts: bool,
    pub on_conflict_do_nothing: bool,
}

/// One table's rows to INSERT into `target` (the table itself, or its partition root).
pub struct InsertJob<'a> {
    pub table: &'a Relation,
    pub target: &'a Relation,
    /// An extension configuration table's row filter.
    pub condition: Option<&'a str>,
    pub opts: InsertOptions,
    /// The archive's standard_conforming_strings, which string literals are written for.
    pub std_strings: bool,
    /// The dump's client encoding: statements are built in the session's UTF-8 and converted
    /// by the server when it is another one (see `transcode`).
    pub encoding: Encoding,
}

/// A column of the cursor's result: generated columns are fetched as NULL and written as
/// DEFAULT.
struct Field {
    generated: bool,
    kind: ValueKind,
}

/// How upstream prints a value of a result column's type (the type the server reports, a
/// domain's base type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Number,
    Bits,
    Bool,
    Literal,
}

impl ValueKind {
    fn of(ty: &Type) -> ValueKind {
        match *ty {
            Type::INT2
            | Type::INT4
            | Type::INT8
            | Type::OID
            | Type::FLOAT4
            | Type::FLOAT8
            | Type::NUMERIC => ValueKind::Number,
            Type::BIT | Type::VARBIT => ValueKind::Bits,
            Type::BOOL => ValueKind::Bool,
            _ => ValueKind::Literal,
        }
    }

    fn write(self, value: &str, std_strings: bool, out: &mut String) {
        match self {
            // Unquoted unless the scanner would not read it as a number (NaN, Infinity).
            ValueKind::Number if value.chars().all(|c| "0123456789 +-eE.".contains(c)) => {
                out.push_str(value)
            }
            ValueKind::Number => {
                out.push('\'');
                out.push_str(value);
                out.push('\'');
            }
            ValueKind::Bits => {
                out.push_str("B'");
                out.push_str(value);
                out.push('\'');
            }
            ValueKind::Bool => out.push_str(if value == "t" { "true" } else { "false" }),
            ValueKind::Literal => out.push_str(&literal(value, std_strings)),
        }
    }
}

const FETCH: &str = "FETCH 100 FROM _pg_dump_cursor";

impl InsertJob<'_> {
    /// The cursor's query: every live column, generated ones as NULL (or left out with
    /// `--column-inserts`); a dummy NULL when no column remains.
    fn select(&self) -> String {
        let fields: Vec<String> = self
            .fields()
            .map(|c| {
                if c.generated.is_some() {
                    "NULL".to_owned()
                } else {
                    ident(&c.name)
                }
            })
            .collect();
        let list = if fields.is_empty() {
            "NULL".to_owned()
        } else {
            fields.join(", ")
        };
        let mut sql = format!(
            "SELECT {list} FROM ONLY {}",
            qualified(&self.table.schema, &self.table.name)
        );
        if let Some(cond) = self.condition {
            sql.push(' ');
            sql.push_str(cond);
        }
        sql
    }

    fn fields(&self) -> impl Iterator<Item = &crate::catalog::Column> {
        let column_inserts = self.opts.column_inserts;
        self.table
            .columns
            .iter()
            .filter(move |c| !(c.dropped || (column_inserts && c.generated.is_some())))
    }

    /// The statement's start, printed before each statement's first row; complete on its own
    /// for a table without columns.
    fn statement_head(&self) -> String {
        let mut head = format!(
            "INSERT INTO {} ",
            qualified(&self.target.schema, &self.target.name)
        );
        if self.fields().next().is_none() {
            head.push_str("DEFAULT VALUES;\n");
            return head;
        }
        if self.opts.column_inserts {
            let names: Vec<String> = self.fields().map(|c| ident(&c.name)).collect();
            head.push_str(&format!("({}) ", names.join(", ")));
        }
        if self.table.columns.iter().any(|c| c.identity == Some(b'a')) {
            head.push_str("OVERRIDING SYSTEM VALUE ");
        }
        head.push_str("VALUES");
        head
    }

    /// One batch of statements in the client encoding.
    fn write(
        &self,
        session: &Session,
        text: &str,
        action: &str,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), DumpError> {
        if self.encoding.is_utf8() || text.is_ascii() {
            return out(text.as_bytes()).map_err(DumpError::Write);
        }
        let converted = session
            .encode_texts(&[text], self.encoding.name())
            .map_err(DumpError::query(action))?;
        converted
            .iter()
            .try_for_each(|bytes| out(bytes))
            .map_err(DumpError::Write)
    }

    /// Streams the statements into `out`, one batch of rows at a time, then the two newlines
    /// that end upstream's member.
    /// Streams the table's INSERT statements into `out`; `fetched` hears how many rows each
    /// FETCH read, before their text goes out.
    pub fn run(
        &self,
        session: &Session,
        fetched: &mut dyn FnMut(u64),
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<(), DumpError> {
        let action = format!("dumping the contents of table \"{}\"", self.table.name);
        let select = self.select();
        // Described, not run: the result's types decide how each value is printed, as
        // PQftype does upstream.
        let described = session
            .run(session.client().prepare(&select))
            .map_err(DumpError::query(&action))?;
        let generated: Vec<bool> = self.fields().map(|c| c.generated.is_some()).collect();
        let types = described.columns();
        // A table without columns is read through a dummy NULL, which is not printed.
        if types.len() != generated.len() && !(generated.is_empty() && types.len() == 1) {
            return Err(DumpError::Catalog(format!(
                "wrong number of fields retrieved from table \"{}\"",
                self.table.name
            )));
        }
        let mut statements = Statements {
            head: self.statement_head(),
            fields: generated
                .iter()
                .zip(types)
                .map(|(&generated, c)| Field {
                    generated,
                    kind: ValueKind::of(c.type_()),
                })
                .collect(),
            job: self,
            in_statement: 0,
            text: String::new(),
        };
        session
            .execute(&format!("DECLARE _pg_dump_cursor CURSOR FOR {select}"))
            .map_err(DumpError::query(&action))?;
        loop {
            let messages = session
                .run(session.client().simple_query(FETCH))
                .map_err(DumpError::query(&action))?;
            let mut rows = 0usize;
            for message in &messages {
                if let SimpleQueryMessage::Row(row) = message {
                    rows += 1;
                    statements.row(row).map_err(DumpError::query(&action))?;
                }
            }
            fetched(rows as u64);
            self.write(session, &statements.text, &action, out)?;
            statements.text.clear();
            if rows == 0 {
                break;
            }
        }
        statements.finish();
        self.write(session, &statements.text, &action, out)?;
        session
            .execute("CLOSE _pg_dump_cursor")
            .map_err(DumpError::query(&action))
    }
}

/// The INSERT text of the rows fetched so far, with the state of the statement under way.
struct Statements<'a> {
    job: &'a InsertJob<'a>,
    head: String,
    fields: Vec<Field>,
    /// Rows in the statement under way (0: the next row starts one).
    in_statement: u32,
    text: String,
}

impl Statements<'_> {
    fn row(&mut self, row: &tokio_postgres::SimpleQueryRow) -> Result<(), tokio_postgres::Error> {
        let per_statement = self.job.opts.rows_per_statement.max(1);
        if self.in_statement == 0 {
            self.text.push_str(&self.head);
        }
        // Without columns the head is a whole statement; --rows-per-insert cannot apply.
        if self.fields.is_empty() {
            return Ok(());
        }
        self.text
            .push_str(match (per_statement, self.in_statement) {
                (1, _) => " (",
                (_, 0) => "\n\t(",
                _ => ",\n\t(",
            });
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            match row.try_get(i)? {
                _ if field.generated => self.text.push_str("DEFAULT"),
                None => self.text.push_str("NULL"),
                Some(v) => field.kind.write(v, self.job.std_strings, &mut self.text),
            }
        }
        self.text.push(')');
        self.in_statement += 1;
        if self.in_statement >= per_statement {
            self.end_statement();
        }
        Ok(())
    }

    fn end_statement(&mut self) {
        self.text.push_str(if self.job.opts.on_conflict_do_nothing {
            " ON CONFLICT DO NOTHING;\n"
        } else {
            ";\n"
        });
        self.in_statement = 0;
    }

    /// Ends a statement short of its row count, then the member.
    fn finish(&mut self) {
        if self.in_statement > 0 {
            self.end_statement();
        }
        self.text.push_str("\n\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(kind: ValueKind, value: &str, std_strings: bool) -> String {
        let mut out = String::new();
        kind.write(value, std_strings, &mut out);
        out
    }

    #[test]
    fn values_are_printed_by_type_as_upstream() {
        assert_eq!(written(ValueKind::Number, "-1.5e+10", true), "-1.5e+10");
        assert_eq!(written(ValueKind::Number, "NaN", true), "'NaN'");
        assert_eq!(written(ValueKind::Number, "-Infinity", true), "'-Infinity'");
        assert_eq!(written(ValueKind::Bits, "0101", true), "B'0101'");
        assert_eq!(written(ValueKind::Bool, "t", true), "true");
        assert_eq!(written(ValueKind::Bool, "f", true), "false");
        assert_eq!(written(ValueKind::Literal, "it's \\", true), "'it''s \\'");
        assert_eq!(written(ValueKind::Literal, "a\\b", false), "'a\\\\b'");
        assert_eq!(ValueKind::of(&Type::NUMERIC), ValueKind::Number);
        assert_eq!(ValueKind::of(&Type::VARBIT), ValueKind::Bits);
        assert_eq!(ValueKind::of(&Type::TEXT), ValueKind::Literal);
    }
}
