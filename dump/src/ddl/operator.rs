//! OPERATOR, OPERATOR CLASS and OPERATOR FAMILY entries (pg_dump's dumpOpr, dumpOpclass,
//! dumpOpfamily). Operator names are never quoted: they cannot be.

use tusk_format::quote::{ident, qualified};
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::operators::Members;
use crate::catalog::{OpClass, OpFamily, Operator};
use crate::objects::DumpObject;

/// An object's SQL: its statements and its name as COMMENT ON names it (after the kind and
/// schema).
#[derive(Debug, PartialEq, Eq)]
pub struct ObjectSql {
    pub create: String,
    pub drop: String,
    pub comment_name: String,
}

impl Builder<'_> {
    /// The definition entry of a pre-data object tagged `name` in `schema` (if any), then
    /// its comment. Kinds without an owner (text search parsers and templates, access
    /// methods) have none in their entry and an empty one in their comment's, as upstream.
    pub(super) fn pre_data_object(
        &mut self,
        obj: &DumpObject,
        desc: &str,
        (schema, name): (Option<&str>, &str),
        owner: Option<&str>,
        sql: ObjectSql,
    ) {
        let mut te = TocEntry::new(obj.id, desc, name.to_owned(), Section::PreData);
        te.catalog_id = obj.catalog_id;
        te.namespace = schema.map(str::to_owned);
        te.owner = owner.map(str::to_owned);
        te.defn = Some(sql.create);
        te.drop_stmt = Some(sql.drop);
        self.entries.push(te);
        self.comment(
            desc,
            &sql.comment_name,
            schema,
            owner.unwrap_or_default(),
            obj.catalog_id,
            0,
            obj.id,
        );
    }

    pub(super) fn operator(&mut self, obj: &DumpObject, op: &Operator) {
        if let Some(sql) = operator_sql(op) {
            let at = (Some(op.schema.as_str()), op.name.as_str());
            self.pre_data_object(obj, "OPERATOR", at, Some(&op.owner), sql);
        }
    }

    pub(super) fn opclass(&mut self, obj: &DumpObject, c: &OpClass) {
        let sql = opclass_sql(c);
        let at = (Some(c.schema.as_str()), c.name.as_str());
        self.pre_data_object(obj, "OPERATOR CLASS", at, Some(&c.owner), sql);
    }

    pub(super) fn opfamily(&mut self, obj: &DumpObject, f: &OpFamily) {
        let sql = opfamily_sql(f);
        let at = (Some(f.schema.as_str()), f.name.as_str());
        self.pre_data_object(obj, "OPERATOR FAMILY", at, Some(&f.owner), sql);
    }
}

/// `convertRegProcReference`: a `regprocedure` without its argument list.
fn proc_name(proc: &str) -> &str {
    let mut quoted = false;
    for (i, c) in proc.char_indices() {
        match c {
            '(' if !quoted => return &proc[..i],
            '"' => quoted = !quoted,
            _ => {}
        }
    }
    proc
}

/// `getFormattedOperatorName`: always schema-qualified.
pub(super) fn operator_ref((schema, name): &(String, String)) -> String {
    format!("OPERATOR({}.{name})", ident(schema))
}

/// `dumpOpr`. `None` for a shell operator, which only exists because another names it.
pub fn operator_sql(op: &Operator) -> Option<ObjectSql> {
    let function = op.function.as_deref()?;
    let mut details = format!("    FUNCTION = {}", proc_name(function));
    let mut signature = format!("{} (", op.name);
    // oprkind 'r' (postfix) has only a left argument, 'l' (prefix) only a right one.
    if matches!(op.kind, b'r' | b'b') {
        details.push_str(&format!(",\n    LEFTARG = {}", op.left));
        signature.push_str(&op.left);
    } else {
        signature.push_str("NONE");
    }
    if matches!(op.kind, b'l' | b'b') {
        details.push_str(&format!(",\n    RIGHTARG = {}", op.right));
        signature.push_str(&format!(", {})", op.right));
    } else {
        signature.push_str(", NONE)");
    }
    if let Some(com) = &op.commutator {
        details.push_str(&format!(",\n    COMMUTATOR = {}", operator_ref(com)));
    }
    if let Some(neg) = &op.negator {
        details.push_str(&format!(",\n    NEGATOR = {}", operator_ref(neg)));
    }
    if op.merges {
        details.push_str(",\n    MERGES");
    }
    if op.hashes {
        details.push_str(",\n    HASHES");
    }
    if let Some(rest) = &op.restrict {
        details.push_str(&format!(",\n    RESTRICT = {}", proc_name(rest)));
    }
    if let Some(join) = &op.join {
        details.push_str(&format!(",\n    JOIN = {}", proc_name(join)));
    }
    let schema = ident(&op.schema);
    Some(ObjectSql {
        create: format!("CREATE OPERATOR {schema}.{} (\n{details}\n);\n", op.name),
        drop: format!("DROP OPERATOR {schema}.{signature};\n"),
        comment_name: signature,
    })
}

/// The OPERATOR and FUNCTION items of a class or family, each starting a line.
fn member_items(m: &Members) -> Vec<String> {
    let ops = m.operators.iter().map(|o| {
        let mut item = format!("OPERATOR {} {}", o.strategy, o.operator);
        if let Some((schema, family)) = &o.sort_family {
            item.push_str(&format!(" FOR ORDER BY {}", qualified(schema, family)));
        }
        item
    });
    let procs = m.functions.iter().map(|p| {
        format!(
            "FUNCTION {} ({}, {}) {}",
            p.number, p.left, p.right, p.function
        )
    });
    ops.chain(procs).collect()
}

/// `dumpOpclass`: the members bound to the class; a dummy STORAGE clause when there are
/// none, as the syntax needs one item.
pub fn opclass_sql(c: &OpClass) -> ObjectSql {
    let qual = qualified(&c.schema, &c.name);
    let am = ident(&c.method);
    let mut q = format!(
        "CREATE OPERATOR CLASS {qual}\n    {}FOR TYPE {} USING {am}",
        if c.default { "DEFAULT " } else { "" },
        c.input_type
    );
    if let Some((schema, family)) = &c.family {
        q.push_str(&format!(" FAMILY {}", qualified(schema, family)));
    }
    q.push_str(" AS\n    ");
    let mut items: Vec<String> = c.storage.iter().map(|s| format!("STORAGE {s}")).collect();
    items.extend(member_items(&c.members));
    if items.is_empty() {
        items.push(format!("STORAGE {}", c.input_type));
    }
    q.push_str(&items.join(" ,\n    "));
    q.push_str(";\n");
    ObjectSql {
        create: q,
        drop: format!("DROP OPERATOR CLASS {qual} USING {am};\n"),
        comment_name: format!("{} USING {am}", ident(&c.name)),
    }
}

/// `dumpOpfamily`: the family, then its loose members (those bound to no class).
pub fn opfamily_sql(f: &OpFamily) -> ObjectSql {
    let qual = qualified(&f.schema, &f.name);
    let am = ident(&f.method);
    let mut q = format!("CREATE OPERATOR FAMILY {qual} USING {am};\n");
    let items = member_items(&f.members);
    if !items.is_empty() {
        q.push_str(&format!(
            "ALTER OPERATOR FAMILY {qual} USING {am} ADD\n    {};\n",
            items.join(" ,\n    ")
        ));
    }
    ObjectSql {
        create: q,
        drop: format!("DROP OPERATOR FAMILY {qual} USING {am};\n"),
        comment_name: format!("{} USING {am}", ident(&f.name)),
    }
}

#[cfg(test)]
mod tests;
