//! PUBLICATION, PUBLICATION TABLE and PUBLICATION TABLES IN SCHEMA entries (pg_dump's
//! dumpPublication, dumpPublicationTable, dumpPublicationNamespace).

use tusk_format::quote::{ident, qualified};
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::replication::{Publication, PublicationTable};
use crate::catalog::{Namespace, Relation};
use crate::objects::DumpObject;

/// The statements that create and drop `p`.
pub fn publication_sql(p: &Publication) -> (String, String) {
    let name = ident(&p.name);
    let mut q = format!("CREATE PUBLICATION {name}");
    if p.all_tables {
        q.push_str(" FOR ALL TABLES");
    }
    let actions: Vec<&str> = [
        (p.insert, "insert"),
        (p.update, "update"),
        (p.delete, "delete"),
        (p.truncate, "truncate"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, a)| *a)
    .collect();
    q.push_str(&format!(" WITH (publish = '{}'", actions.join(", ")));
    if p.via_root {
        q.push_str(", publish_via_partition_root = true");
    }
    if p.generated_stored {
        q.push_str(", publish_generated_columns = stored");
    }
    q.push_str(");\n");
    (q, format!("DROP PUBLICATION {name};\n"))
}

/// `ALTER PUBLICATION ... ADD TABLE ONLY` with the column list and row filter.
pub fn publication_table_sql(p: &Publication, rel: &Relation, pt: &PublicationTable) -> String {
    let mut q = format!(
        "ALTER PUBLICATION {} ADD TABLE ONLY {}",
        ident(&p.name),
        qualified(&rel.schema, &rel.name)
    );
    if let Some(cols) = &pt.columns {
        let cols: Vec<String> = cols.iter().map(|c| ident(c)).collect();
        q.push_str(&format!(" ({})", cols.join(", ")));
    }
    if let Some(filter) = &pt.row_filter {
        q.push_str(&format!(" WHERE ({filter})"));
    }
    q.push_str(";\n");
    q
}

impl Builder<'_> {
    pub(super) fn publication(&mut self, obj: &DumpObject, p: &Publication) {
        let (create, drop) = publication_sql(p);
        let mut te = TocEntry::new(obj.id, "PUBLICATION", p.name.clone(), Section::PostData);
        te.catalog_id = obj.catalog_id;
        te.owner = Some(p.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);
        let name = ident(&p.name);
        self.comment(
            "PUBLICATION",
            &name,
            None,
            &p.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
        self.seclabel(
            "PUBLICATION",
            &name,
            None,
            &p.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
    }

    /// Entries without a DROP: dropping the publication drops them.
    pub(super) fn publication_table(
        &mut self,
        obj: &DumpObject,
        p: &Publication,
        rel: &Relation,
        pt: &PublicationTable,
    ) {
        let tag = format!("{} {}", p.name, rel.name);
        let mut te = TocEntry::new(obj.id, "PUBLICATION TABLE", tag, Section::PostData);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(p.owner.clone());
        te.defn = Some(publication_table_sql(p, rel, pt));
        self.entries.push(te);
    }

    pub(super) fn publication_schema(&mut self, obj: &DumpObject, p: &Publication, ns: &Namespace) {
        let tag = format!("{} {}", p.name, ns.name);
        let mut te = TocEntry::new(
            obj.id,
            "PUBLICATION TABLES IN SCHEMA",
            tag,
            Section::PostData,
        );
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(ns.name.clone());
        te.owner = Some(p.owner.clone());
        te.defn = Some(format!(
            "ALTER PUBLICATION {} ADD TABLES IN SCHEMA {};\n",
            ident(&p.name),
            ident(&ns.name)
        ));
        self.entries.push(te);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publications_and_their_tables() {
        let all = Publication {
            name: "All Tables".into(),
            all_tables: true,
            insert: true,
            update: true,
            delete: true,
            truncate: true,
            via_root: true,
            generated_stored: true,
            ..Publication::default()
        };
        let none = Publication {
            name: "select".into(),
            ..Publication::default()
        };
        let some = Publication {
            name: "inserts".into(),
            insert: true,
            delete: true,
            ..Publication::default()
        };
        let rel = Relation {
            schema: "Pub Schema".into(),
            name: "T".into(),
            ..Relation::default()
        };
        let pt = PublicationTable {
            row_filter: Some("(id > 10)".into()),
            columns: Some(vec!["id".into(), "Name".into()]),
            ..PublicationTable::default()
        };
        let mut out = String::new();
        for p in [&all, &none, &some] {
            let (create, drop) = publication_sql(p);
            out.push_str(&create);
            out.push_str(&drop);
        }
        out.push_str(&publication_table_sql(&some, &rel, &pt));
        out.push_str(&publication_table_sql(
            &none,
            &rel,
            &PublicationTable::default(),
        ));
        insta::assert_snapshot!(out);
    }
}
