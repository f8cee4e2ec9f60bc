//! ACL and SECURITY LABEL entries (pg_dump's `dumpACL`, `dumpSecLabel`, `dumpTableSecLabel`,
//! and the ACL half of `dumpTable`), for schemas, relations of every kind, their columns, the
//! database and large objects.

use tusk_format::quote::{ident, literal, qualified};
use tusk_format::{CatalogId, DumpId, Section, TocEntry};

use super::Builder;
use crate::acl::{Acl, AclTarget, AclType, acl_commands};
use crate::catalog::{Database, LargeObject, Relation, classid};
use crate::error::DumpError;
use crate::objects::DumpObject;

impl Builder<'_> {
    /// `dumpACL`: one ACL entry holding the commands that turn the default privileges into
    /// `acl`, depending on the object (and on `alt`, the table's own ACL entry for a column).
    /// Returns the entry's dump id, if one was made.
    pub(super) fn acl(
        &mut self,
        dep: DumpId,
        alt: Option<DumpId>,
        target: AclTarget<'_>,
        tag: Option<String>,
        acl: &Acl,
    ) -> Option<DumpId> {
        if !self.opts.privileges {
            return None;
        }
        // Data-only dumps keep only large objects' privileges.
        if !self.opts.schema && target.kind != AclType::LargeObject {
            return None;
        }
        let sql = match acl_commands(&target, acl) {
            Ok(sql) => sql,
            Err(e) => {
                self.fail(DumpError::Catalog(format!(
                    "{e} in the privileges of \"{}\" ({})",
                    target.name,
                    target.kind.keyword()
                )));
                return None;
            }
        };
        if sql.is_empty() {
            return None;
        }
        let tag = tag.unwrap_or_else(|| match target.subname {
            Some(col) => format!("COLUMN {}.{col}", target.name),
            None => format!("{} {}", target.kind.keyword(), target.name),
        });
        let id = self.new_id();
        let mut te = TocEntry::new(id, "ACL", tag, Section::None);
        te.namespace = target.schema.map(str::to_owned);
        te.owner = target.owner.map(str::to_owned);
        te.defn = Some(sql);
        te.dependencies = std::iter::once(dep).chain(alt).collect();
        self.entries.push(te);
        Some(id)
    }

    /// `dumpSecLabel`: the labels of one object (`name` already quoted) with this sub-id.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn seclabel(
        &mut self,
        kind: &str,
        name: &str,
        schema: Option<&str>,
        owner: &str,
        cid: CatalogId,
        subid: i32,
        dep: DumpId,
    ) {
        if !self.opts.security_labels || (!self.opts.schema && kind != "LARGE OBJECT") {
            return;
        }
        let target = match schema {
            Some(s) => format!("{kind} {}.{name}", ident(s)),
            None => format!("{kind} {name}"),
        };
        let sql: String = self
            .cat
            .seclabels_on(cid.tableoid, cid.oid)
            .iter()
            .filter(|l| l.objsubid == subid)
            .map(|l| seclabel_command(&l.provider, &target, &l.label))
            .collect();
        self.push_seclabel(format!("{kind} {name}"), sql, schema, owner, dep);
    }

    fn push_seclabel(
        &mut self,
        tag: String,
        sql: String,
        schema: Option<&str>,
        owner: &str,
        dep: DumpId,
    ) {
        if sql.is_empty() {
            return;
        }
        let id = self.new_id();
        let mut te = TocEntry::new(id, "SECURITY LABEL", tag, Section::None);
        te.namespace = schema.map(str::to_owned);
        te.owner = Some(owner.to_owned());
        te.defn = Some(sql);
        te.dependencies = vec![dep];
        self.entries.push(te);
    }

    /// `dumpTableSecLabel`: the labels of a table, view or materialized view and of its
    /// columns, in one entry; `kind` is the relation's keyword, as for its comments.
    pub(super) fn relation_seclabels(&mut self, obj: &DumpObject, rel: &Relation, kind: &str) {
        if !self.opts.security_labels || !self.opts.schema {
            return;
        }
        let qual = qualified(&rel.schema, &rel.name);
        let sql: String = self
            .cat
            .seclabels_on(classid::PG_CLASS, rel.oid)
            .iter()
            .filter_map(|l| {
                let target = if l.objsubid == 0 {
                    format!("{kind} {qual}")
                } else {
                    let col = rel
                        .columns
                        .iter()
                        .find(|c| i32::from(c.num) == l.objsubid)?;
                    format!("COLUMN {qual}.{}", ident(&col.name))
                };
                Some(seclabel_command(&l.provider, &target, &l.label))
            })
            .collect();
        self.push_seclabel(
            format!("{kind} {}", ident(&rel.name)),
            sql,
            Some(&rel.schema),
            &rel.owner,
            obj.id,
        );
    }

    /// The ACL half of `dumpTable`: the relation's privileges, then its columns', each
    /// column's entry depending on the relation's own ACL entry.
    pub(super) fn relation_privileges(&mut self, obj: &DumpObject, rel: &Relation) {
        let name = ident(&rel.name);
        let target = AclTarget {
            kind: if rel.relkind == b'S' {
                AclType::Sequence
            } else {
                AclType::Table
            },
            name: &name,
            subname: None,
            schema: Some(&rel.schema),
            owner: Some(&rel.owner),
        };
        let table_acl = self.acl(obj.id, None, target, None, &rel.acl);
        for col in &rel.column_acls {
            let col_name = ident(&col.name);
            // Column grants are always TABLE grants, made after the table's own.
            let target = AclTarget {
                kind: AclType::Table,
                subname: Some(&col_name),
                ..target
            };
            self.acl(obj.id, table_acl, target, None, &col.acl);
        }
    }

    /// A schema's privileges (the whole of what is dumped for pg_catalog).
    pub(super) fn schema_privileges(&mut self, obj: &DumpObject, i: usize) {
        let ns = &self.cat.namespaces[i];
        let name = ident(&ns.name);
        let target = AclTarget {
            kind: AclType::Schema,
            name: &name,
            subname: None,
            schema: None,
            owner: Some(&ns.owner),
        };
        self.acl(obj.id, None, target, None, &ns.acl);
    }

    /// The database's security labels and privileges, after its comment (`dumpDatabase`).
    pub(super) fn database_labels_and_privileges(&mut self, db: &Database, db_id: DumpId) {
        let q = ident(&db.name);
        if self.opts.security_labels {
            let sql: String = self
                .cat
                .database_seclabels()
                .iter()
                .map(|l| seclabel_command(&l.provider, &format!("DATABASE {q}"), &l.label))
                .collect();
            self.push_seclabel(format!("DATABASE {q}"), sql, None, &db.owner, db_id);
        }
        let target = AclTarget {
            kind: AclType::Database,
            name: &q,
            subname: None,
            schema: None,
            owner: Some(&db.owner),
        };
        self.acl(db_id, None, target, None, &db.acl);
    }

    /// A large-object group's privileges (`dumpLO`): the commands for its first object, in an
    /// entry tagged `LARGE OBJECTS first..last` that the emitter repeats for each object of
    /// the group, or a plain `LARGE OBJECT oid` entry for a group of one.
    pub(super) fn large_object_privileges(&mut self, obj: &DumpObject, los: &[LargeObject]) {
        let (Some(first), Some(last)) = (los.first(), los.last()) else {
            return;
        };
        let name = first.oid.to_string();
        let tag = (los.len() > 1).then(|| format!("LARGE OBJECTS {}..{}", first.oid, last.oid));
        let target = AclTarget {
            kind: AclType::LargeObject,
            name: &name,
            subname: None,
            schema: None,
            owner: Some(&first.owner),
        };
        self.acl(obj.id, None, target, tag, &first.privileges);
    }
}

/// `SECURITY LABEL FOR provider ON target IS 'label';`
pub fn seclabel_command(provider: &str, target: &str, label: &str) -> String {
    format!(
        "SECURITY LABEL FOR {} ON {target} IS {};\n",
        ident(provider),
        literal(label, true)
    )
}

#[cfg(test)]
mod tests;
