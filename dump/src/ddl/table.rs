//! `dumpTableSchema` for ordinary and partitioned tables, `dumpTableAttach`, and the CHECK /
//! NOT VALID not-null constraints that `dumpConstraint` prints on their own.

use tusk_format::quote::{ident, qualified};
use tusk_format::{CatalogId, Section, TocEntry};

use super::{Builder, reloptions};
use crate::catalog::{Catalog, Column, Constraint, ForeignTable, Relation, classid};
use crate::objects::DumpObject;

/// What decides the text of CREATE TABLE beyond the relation itself.
pub(super) struct TableContext<'a> {
    pub cat: &'a Catalog,
    /// Whether this column's default is printed inline (not moved out, not made up and
    /// separate).
    pub inline_default: &'a dyn Fn(&Column) -> bool,
    /// Whether this CHECK constraint is printed inside CREATE TABLE.
    pub inline_check: &'a dyn Fn(&Constraint) -> bool,
    pub no_toast_compression: bool,
}

/// The CHECK constraints of a table, in name order (as read).
fn checks<'a>(cat: &'a Catalog, rel: &'a Relation) -> impl Iterator<Item = &'a Constraint> {
    cat.constraints
        .iter()
        .filter(move |c| c.table_oid == rel.oid && c.contype == b'c')
}

/// The CREATE TABLE statement and the ALTERs that follow it in the same entry.
pub(super) fn create_table(ctx: &TableContext<'_>, rel: &Relation) -> String {
    let qual = qualified(&rel.schema, &rel.name);
    // Partitioned tables cannot be UNLOGGED since 18; older servers may still say so.
    let unlogged = rel.persistence == b'u' && rel.relkind != b'p';
    let mut q = format!(
        "CREATE {}{} {qual}",
        if unlogged { "UNLOGGED " } else { "" },
        rel.table_keyword()
    );
    let foreign = ctx.cat.foreign_tables.get(&rel.oid);
    let of_type = rel.table.of_type.as_deref();
    if let Some(t) = of_type {
        q.push_str(&format!(" OF {t}"));
    }
    let mut items = 0;
    let mut next_item = |q: &mut String| {
        q.push_str(if items == 0 { " (" } else { "," });
        q.push_str("\n    ");
        items += 1;
    };
    for col in &rel.columns {
        if rel.prints_column(col) {
            let default = col.default.as_ref().filter(|_| (ctx.inline_default)(col));
            let print_not_null = col.not_null_is_local || rel.table.is_partition;
            let not_null = col.not_null.as_deref().filter(|_| print_not_null);
            // The type defines a typed table's columns: only a default or not-null adds to it.
            if of_type.is_some() && default.is_none() && not_null.is_none() {
                continue;
            }
            next_item(&mut q);
            q.push_str(&ident(&col.name));
            if of_type.is_none() {
                q.push(' ');
                q.push_str(&col.type_name);
            }
            if let Some(def) = default {
                match col.generated {
                    Some(b's') => {
                        q.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", def.expr))
                    }
                    Some(b'v') => q.push_str(&format!(" GENERATED ALWAYS AS ({})", def.expr)),
                    _ => q.push_str(&format!(" DEFAULT {}", def.expr)),
                }
            }
            if let Some(nn) = not_null {
                if nn.is_empty() {
                    q.push_str(" NOT NULL");
                } else {
                    q.push_str(&format!(" CONSTRAINT {} NOT NULL", ident(nn)));
                }
                if col.not_null_no_inherit {
                    q.push_str(" NO INHERIT");
                }
            }
            if let Some(coll) = &col.collation {
                q.push_str(&format!(" COLLATE {coll}"));
            }
        } else if !col.dropped && col.not_null_is_local {
            // An inherited column with a local not-null constraint: the constraint alone.
            let Some(nn) = col.not_null.as_deref() else {
                continue;
            };
            next_item(&mut q);
            if nn.is_empty() {
                q.push_str(&format!("NOT NULL {}", ident(&col.name)));
            } else {
                // pg_dump prints this constraint name unquoted; so must we, to match.
                q.push_str(&format!("CONSTRAINT {nn} NOT NULL {}", ident(&col.name)));
            }
            if col.not_null_no_inherit {
                q.push_str(" NO INHERIT");
            }
        }
    }
    // A partition carries its inherited CHECK constraints too: ATTACH PARTITION expects them.
    for con in checks(ctx.cat, rel).filter(|c| (ctx.inline_check)(c)) {
        if !con.check.is_some_and(|c| c.is_local) && !rel.table.is_partition {
            continue;
        }
        q.push_str(if items == 0 { " (\n    " } else { ",\n    " });
        items += 1;
        q.push_str(&format!(
            "CONSTRAINT {} {}",
            ident(&con.name),
            con.definition.as_deref().unwrap_or_default()
        ));
    }
    if items > 0 {
        q.push_str("\n)");
    } else if of_type.is_none() {
        q.push_str(" (\n)");
    }
    if !rel.table.parents.is_empty() && !rel.table.is_partition {
        let parents: Vec<String> = rel
            .table
            .parents
            .iter()
            .filter_map(|&p| ctx.cat.relation(p))
            .map(|p| qualified(&p.schema, &p.name))
            .collect();
        q.push_str(&format!("\nINHERITS ({})", parents.join(", ")));
    }
    if let Some(key) = rel.table.partition_key.as_deref() {
        q.push_str(&format!("\nPARTITION BY {key}"));
    }
    if let Some(ft) = foreign {
        q.push_str(&format!("\nSERVER {}", ident(&ft.server)));
    }
    q.push_str(&with_options(rel));
    if let Some(ft) = foreign.filter(|ft| !ft.options.is_empty()) {
        q.push_str(&format!("\nOPTIONS (\n    {}\n)", ft.options));
    }
    q.push_str(";\n");
    q.push_str(&after_create(rel, &qual, ctx.no_toast_compression, foreign));
    q
}

/// The storage parameters clause (`\nWITH (...)`) of a table or materialized view, toast ones
/// included; empty when there are none.
pub(super) fn with_options(rel: &Relation) -> String {
    if rel.reloptions.is_empty() && rel.toast_reloptions.is_empty() {
        return String::new();
    }
    let mut opts = reloptions(&rel.reloptions, "");
    let toast = reloptions(&rel.toast_reloptions, "toast.");
    if !opts.is_empty() && !toast.is_empty() {
        opts.push_str(", ");
    }
    opts.push_str(&toast);
    format!("\nWITH ({opts})")
}

/// What dumpTableSchema prints after CREATE TABLE or CREATE MATERIALIZED VIEW: per-column
/// settings (and a foreign table's column options), then the properties only ALTER TABLE can
/// set.
pub(super) fn after_create(
    rel: &Relation,
    qual: &str,
    no_toast_compression: bool,
    foreign: Option<&ForeignTable>,
) -> String {
    let mut q = String::new();
    let alter = format!("ALTER {} ONLY {qual}", rel.table_keyword());
    for col in rel.columns.iter().filter(|c| !c.dropped) {
        column_settings(&mut q, &alter, col, no_toast_compression);
        let options = foreign.and_then(|ft| ft.column_options.iter().find(|(n, _)| *n == col.num));
        if let Some((_, options)) = options {
            q.push_str(&format!(
                "ALTER FOREIGN TABLE ONLY {qual} ALTER COLUMN {} OPTIONS (\n    {options}\n);\n",
                ident(&col.name)
            ));
        }
    }
    // Foreign tables have no replica identity to set.
    let replica_identity = if rel.relkind == b'f' {
        b'd'
    } else {
        rel.table.replica_identity
    };
    match replica_identity {
        b'n' => q.push_str(&format!(
            "\nALTER TABLE ONLY {qual} REPLICA IDENTITY NOTHING;\n"
        )),
        b'f' => q.push_str(&format!(
            "\nALTER TABLE ONLY {qual} REPLICA IDENTITY FULL;\n"
        )),
        // USING INDEX is set where the index is dumped.
        _ => {}
    }
    if rel.table.force_row_security {
        q.push_str(&format!(
            "\nALTER TABLE ONLY {qual} FORCE ROW LEVEL SECURITY;\n"
        ));
    }
    q
}

/// The per-column ALTERs: statistics target, storage, compression, attribute options.
/// `alter` is `ALTER [FOREIGN] TABLE ONLY name`.
fn column_settings(q: &mut String, alter: &str, col: &Column, no_toast_compression: bool) {
    let s = &col.settings;
    let column = format!("{alter} ALTER COLUMN {}", ident(&col.name));
    if s.stat_target >= 0 {
        q.push_str(&format!("{column} SET STATISTICS {};\n", s.stat_target));
    }
    if s.storage != s.type_storage {
        let storage = match s.storage {
            b'p' => Some("PLAIN"),
            b'e' => Some("EXTERNAL"),
            b'x' => Some("EXTENDED"),
            b'm' => Some("MAIN"),
            _ => None,
        };
        if let Some(storage) = storage {
            q.push_str(&format!("{column} SET STORAGE {storage};\n"));
        }
    }
    if !no_toast_compression {
        let method = match s.compression {
            b'p' => Some("pglz"),
            b'l' => Some("lz4"),
            _ => None,
        };
        if let Some(method) = method {
            q.push_str(&format!("{column} SET COMPRESSION {method};\n"));
        }
    }
    if !s.options.is_empty() {
        q.push_str(&format!("{column} SET ({});\n", s.options));
    }
}

impl Builder<'_> {
    /// `dumpTableSchema` for a table or partitioned table, then its comments.
    pub(super) fn table(&mut self, obj: &DumpObject, rel: &Relation) {
        let separate_defaults = &self.separate_defaults;
        let inline_checks = &self.inline_checks;
        let ctx = TableContext {
            cat: self.cat,
            inline_default: &|col: &Column| {
                col.default.as_ref().is_some_and(|d| {
                    // A made-up DEFAULT NULL is separate only for unprinted columns.
                    d.oid == 0 || !separate_defaults.contains(&d.oid)
                })
            },
            inline_check: &|con: &Constraint| inline_checks.contains(&con.oid),
            no_toast_compression: self.opts.no_toast_compression,
        };
        let q = create_table(&ctx, rel);
        let qual = qualified(&rel.schema, &rel.name);
        let keyword = rel.table_keyword();
        let mut te = TocEntry::new(obj.id, keyword, rel.name.clone(), Section::PreData);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        // Foreign tables have no storage, hence no tablespace.
        te.tablespace = (rel.relkind != b'f').then(|| rel.tablespace.clone());
        te.tableam = rel
            .access_method
            .clone()
            .filter(|_| matches!(rel.relkind, b'r' | b'p' | b'm'));
        te.relkind = rel.relkind;
        te.defn = Some(q);
        te.drop_stmt = Some(format!("DROP {keyword} {qual};\n"));
        self.entries.push(te);
        self.table_comments(obj, rel, keyword);
        if !self.opts.comments {
            return;
        }
        for col in &rel.columns {
            let (Some(name), Some(text)) = (&col.not_null, &col.settings.not_null_comment) else {
                continue;
            };
            let on = format!("{} ON {}", ident(name), qual);
            self.push_comment(
                format!("CONSTRAINT {} ON {}", ident(name), ident(&rel.name)),
                &format!("CONSTRAINT {on}"),
                text,
                &rel.schema,
                &rel.owner,
                obj.id,
            );
        }
        let inline: Vec<&Constraint> = checks(self.cat, rel)
            .filter(|c| self.inline_checks.contains(&c.oid))
            .filter(|c| c.check.is_some_and(|s| s.is_local))
            .collect();
        for con in inline {
            self.check_comment(rel, con, obj.id);
        }
    }

    /// `dumpTableAttach`: `ALTER TABLE ONLY parent ATTACH PARTITION child bound`.
    pub(super) fn table_attach(&mut self, obj: &DumpObject, rel: &Relation) {
        let Some(parent) = rel
            .table
            .parents
            .first()
            .and_then(|&p| self.cat.relation(p))
        else {
            return;
        };
        let mut te = TocEntry::new(obj.id, "TABLE ATTACH", rel.name.clone(), Section::PreData);
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        te.defn = Some(format!(
            "ALTER TABLE ONLY {} ATTACH PARTITION {} {};\n",
            qualified(&parent.schema, &parent.name),
            qualified(&rel.schema, &rel.name),
            rel.table.partition_bound.as_deref().unwrap_or_default()
        ));
        self.entries.push(te);
    }

    /// `dumpConstraint` for a CHECK or NOT VALID not-null constraint printed on its own:
    /// without ONLY, so that it reaches the children too; inherited ones come with the parent.
    pub(super) fn check_constraint(&mut self, obj: &DumpObject, rel: &Relation, con: &Constraint) {
        if !obj.separate {
            return;
        }
        // pg_dump prints the comment of an inherited one all the same.
        if con.check.is_some_and(|c| c.is_local) {
            self.separate_check(obj, rel, con);
        }
        self.check_comment(rel, con, obj.id);
    }

    fn separate_check(&mut self, obj: &DumpObject, rel: &Relation, con: &Constraint) {
        self.separate_constraint(
            obj,
            SeparateConstraint {
                keyword: rel.table_keyword(),
                schema: &rel.schema,
                owner_name: &rel.name,
                owner: &rel.owner,
                name: &con.name,
                contype: con.contype,
                definition: con.definition.as_deref().unwrap_or_default(),
            },
        );
    }

    /// A constraint of a table or domain as its own `ALTER ... ADD CONSTRAINT` entry
    /// (dumpConstraint's separately dumped CHECK and NOT NULL constraints).
    pub(super) fn separate_constraint(&mut self, obj: &DumpObject, c: SeparateConstraint<'_>) {
        let qual = qualified(c.schema, c.owner_name);
        let desc = if c.contype == b'c' {
            "CHECK CONSTRAINT"
        } else {
            "CONSTRAINT"
        };
        let mut te = TocEntry::new(
            obj.id,
            desc,
            format!("{} {}", c.owner_name, c.name),
            Section::PostData,
        );
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(c.schema.to_owned());
        te.owner = Some(c.owner.to_owned());
        te.defn = Some(format!(
            "ALTER {} {qual}\n    ADD CONSTRAINT {} {};\n",
            c.keyword,
            ident(c.name),
            c.definition
        ));
        te.drop_stmt = Some(format!(
            "ALTER {} {qual} DROP CONSTRAINT {};\n",
            c.keyword,
            ident(c.name)
        ));
        self.entries.push(te);
    }

    /// `dumpTableConstraintComment`.
    fn check_comment(&mut self, rel: &Relation, con: &Constraint, dep: tusk_format::DumpId) {
        let on = format!(
            "{} ON {}",
            ident(&con.name),
            qualified(&rel.schema, &rel.name)
        );
        self.comment_entry(
            "CONSTRAINT",
            &on,
            &format!("CONSTRAINT {} ON {}", ident(&con.name), ident(&rel.name)),
            &rel.schema,
            &rel.owner,
            CatalogId {
                tableoid: classid::PG_CONSTRAINT,
                oid: con.oid,
            },
            dep,
        );
    }
}

#[cfg(test)]
mod tests;

/// What [`Builder::separate_constraint`] prints: the constraint `name` of the table or
/// domain `owner_name` in `schema` (`keyword`: TABLE, FOREIGN TABLE or DOMAIN).
pub(super) struct SeparateConstraint<'a> {
    pub keyword: &'a str,
    pub schema: &'a str,
    pub owner_name: &'a str,
    pub owner: &'a str,
    pub name: &'a str,
    pub contype: u8,
    pub definition: &'a str,
}
