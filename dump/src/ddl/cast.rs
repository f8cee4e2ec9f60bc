//! CAST entries (pg_dump's dumpCast).

use tusk_format::{Section, TocEntry};

use super::Builder;
use super::function::qualified_signature;
use crate::catalog::Cast;
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn cast(&mut self, obj: &DumpObject, cast: &Cast) {
        let args = format!("({} AS {})", cast.source, cast.target);
        let (create, drop) = cast_sql(cast);
        let mut te = TocEntry::new(obj.id, "CAST", format!("CAST {args}"), Section::PreData);
        te.catalog_id = obj.catalog_id;
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);
        // Casts have no owner; their comments are made with an empty one.
        self.comment("CAST", &args, None, "", obj.catalog_id, 0, obj.id);
    }
}

/// The CREATE and DROP statements of `cast`.
pub fn cast_sql(cast: &Cast) -> (String, String) {
    let types = format!("({} AS {})", cast.source, cast.target);
    let mut q = format!("CREATE CAST {types} ");
    match (cast.method, &cast.function) {
        (b'b', _) => q.push_str("WITHOUT FUNCTION"),
        (b'i', _) => q.push_str("WITH INOUT"),
        (_, Some(f)) => q.push_str(&format!("WITH FUNCTION {}", qualified_signature(f))),
        (_, None) => {}
    }
    q.push_str(match cast.context {
        b'a' => " AS ASSIGNMENT",
        b'i' => " AS IMPLICIT",
        _ => "",
    });
    q.push_str(";\n");
    (q, format!("DROP CAST {types};\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::FunctionRef;

    fn render(cast: &Cast) -> String {
        let (create, drop) = cast_sql(cast);
        format!("-- create\n{create}-- drop\n{drop}")
    }

    #[test]
    fn every_method_and_context() {
        let base = Cast {
            oid: 16700,
            source: "\"Fn Schema\".\"Items\"".into(),
            target: "integer".into(),
            sort_name: "Items int4".into(),
            method: b'f',
            context: b'e',
            function: Some(FunctionRef {
                schema: "Fn Schema".into(),
                name: "to int".into(),
                arg_types: vec!["\"Fn Schema\".\"Items\"".into(), "integer".into()],
            }),
        };
        let casts = [
            base.clone(),
            Cast {
                method: b'i',
                context: b'a',
                function: None,
                ..base.clone()
            },
            Cast {
                source: "date".into(),
                method: b'b',
                context: b'i',
                function: None,
                ..base
            },
        ];
        let all: Vec<String> = casts.iter().map(render).collect();
        insta::assert_snapshot!(all.join("\n"));
    }
}
