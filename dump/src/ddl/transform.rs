//! TRANSFORM entries (pg_dump's dumpTransform).

use tusk_format::quote::ident;
use tusk_format::{Section, TocEntry};

use super::Builder;
use super::function::qualified_signature;
use crate::catalog::Transform;
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn transform(&mut self, obj: &DumpObject, trf: &Transform) {
        let args = transform_args(trf);
        let (create, drop) = transform_sql(trf);
        let mut te = TocEntry::new(
            obj.id,
            "TRANSFORM",
            format!("TRANSFORM {args}"),
            Section::PreData,
        );
        te.catalog_id = obj.catalog_id;
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        // pg_dump passes the object's dependencies as they are, not only the dumped ones.
        te.dependencies = obj.deps.clone();
        self.entries.push(te);
        // Transforms have no owner; their comments are made with an empty one.
        self.comment("TRANSFORM", &args, None, "", obj.catalog_id, 0, obj.id);
    }
}

/// `FOR type LANGUAGE lang`, as CREATE, DROP, COMMENT and the tag name a transform.
fn transform_args(trf: &Transform) -> String {
    format!("FOR {} LANGUAGE {}", trf.type_name, ident(&trf.language))
}

/// The CREATE and DROP statements of `trf`.
pub fn transform_sql(trf: &Transform) -> (String, String) {
    let args = transform_args(trf);
    let functions: Vec<String> = [("FROM", &trf.from_sql), ("TO", &trf.to_sql)]
        .into_iter()
        .filter_map(|(way, f)| {
            let f = f.as_ref()?;
            Some(format!(
                "{way} SQL WITH FUNCTION {}",
                qualified_signature(f)
            ))
        })
        .collect();
    (
        format!("CREATE TRANSFORM {args} ({});\n", functions.join(", ")),
        format!("DROP TRANSFORM {args};\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::FunctionRef;

    fn function(name: &str) -> Option<FunctionRef> {
        Some(FunctionRef {
            schema: "Fn Schema".into(),
            name: name.into(),
            arg_types: vec!["internal".into()],
        })
    }

    fn render(trf: &Transform) -> String {
        let (create, drop) = transform_sql(trf);
        format!("-- create\n{create}-- drop\n{drop}")
    }

    #[test]
    fn both_ways_and_one_way() {
        let both = Transform {
            oid: 17000,
            type_name: "\"Fn Schema\".\"My Int\"".into(),
            type_sort_name: "My Int".into(),
            language: "My PL".into(),
            from_sql: function("from sql"),
            to_sql: function("to_sql"),
        };
        let to_only = Transform {
            from_sql: None,
            ..both.clone()
        };
        insta::assert_snapshot!(format!("{}\n{}", render(&both), render(&to_only)));
    }
}
