//! EXTENSION entries (pg_dump's dumpExtension, outside binary upgrade).

use tusk_format::quote::ident;
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::Extension;
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn extension(&mut self, obj: &DumpObject, ext: &Extension) {
        let (create, drop) = extension_sql(ext);
        let mut te = TocEntry::new(obj.id, "EXTENSION", ext.name.clone(), Section::PreData);
        te.catalog_id = obj.catalog_id;
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);
        let name = ident(&ext.name);
        self.comment("EXTENSION", &name, None, "", obj.catalog_id, 0, obj.id);
        self.seclabel("EXTENSION", &name, None, "", obj.catalog_id, 0, obj.id);
    }
}

/// The statements that create and drop `ext`. No version is given, so that the restoring
/// installation's default one is created; IF NOT EXISTS lets a restore run where the
/// extension was created beforehand.
pub fn extension_sql(ext: &Extension) -> (String, String) {
    let name = ident(&ext.name);
    (
        format!(
            "CREATE EXTENSION IF NOT EXISTS {name} WITH SCHEMA {};\n",
            ident(&ext.schema)
        ),
        format!("DROP EXTENSION {name};\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddl::copy_query;
    use tusk_format::Encoding;

    #[test]
    fn create_and_drop() {
        let ext = Extension {
            oid: 16400,
            name: "uuid-ossp".into(),
            schema: "Ext Schema".into(),
            ..Extension::default()
        };
        let (create, drop) = extension_sql(&ext);
        insta::assert_snapshot!(format!("{create}{drop}"));
    }

    #[test]
    fn configuration_rows_are_selected() {
        use crate::catalog::{Column, Relation};
        let column = |name: &str, generated| Column {
            name: name.into(),
            generated,
            ..Column::default()
        };
        let rel = Relation {
            schema: "Cfg".into(),
            name: "Settings".into(),
            columns: vec![
                column("k", None),
                column("System", None),
                column("g", Some(b's')),
            ],
            ..Relation::default()
        };
        let bare = Relation {
            columns: Vec::new(),
            ..rel.clone()
        };
        insta::assert_snapshot!(
            [
                copy_query(&rel, None, Encoding::Utf8),
                copy_query(&rel, Some("WHERE NOT \"System\""), Encoding::Utf8),
                copy_query(&bare, Some("WHERE true"), Encoding::Utf8),
            ]
            .join("\n")
        );
        // Another client encoding is COPY's to convert into.
        assert_eq!(
            copy_query(&rel, None, Encoding::Latin1),
            "COPY \"Cfg\".\"Settings\" (k, \"System\") TO stdout WITH (ENCODING 'LATIN1');"
        );
    }
}
