//! TYPE entries of base types and undefined shell types (pg_dump's dumpBaseType,
//! dumpUndefinedType), and the SHELL TYPE entries that come before a base type's I/O
//! functions (dumpShellType).

use tusk_format::quote::{ident, literal, qualified};
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::{BaseType, BaseTypeDefinition, TypeDefault};
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn base_type(&mut self, obj: &DumpObject, ty: &BaseType) {
        // Of pg_catalog's types only changed privileges are dumped.
        if ty.schema == "pg_catalog" {
            self.type_acl(obj, &ty.name, &ty.schema, &ty.owner, &ty.acl);
            return;
        }
        let (create, drop) = base_type_sql(ty);
        let mut te = TocEntry::new(obj.id, "TYPE", ty.name.clone(), Section::PreData);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(ty.schema.clone());
        te.owner = Some(ty.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);

        let name = ident(&ty.name);
        let schema = Some(ty.schema.as_str());
        let cid = obj.catalog_id;
        self.comment("TYPE", &name, schema, &ty.owner, cid, 0, obj.id);
        self.seclabel("TYPE", &name, schema, &ty.owner, cid, 0, obj.id);
        self.type_acl(obj, &ty.name, &ty.schema, &ty.owner, &ty.acl);
    }

    /// No DROP: dropping the base type (with CASCADE) removes it, and without one the
    /// emitter does not give the shell its owner before the type is filled in.
    pub(super) fn shell_type(&mut self, obj: &DumpObject, ty: &BaseType) {
        let mut te = TocEntry::new(obj.id, "SHELL TYPE", ty.name.clone(), Section::PreData);
        te.namespace = Some(ty.schema.clone());
        te.owner = Some(ty.owner.clone());
        te.defn = Some(format!(
            "CREATE TYPE {};\n",
            qualified(&ty.schema, &ty.name)
        ));
        self.entries.push(te);
    }
}

/// The CREATE and DROP statements of a base type, or of a type never defined.
pub fn base_type_sql(ty: &BaseType) -> (String, String) {
    let qual = qualified(&ty.schema, &ty.name);
    let Some(def) = &ty.definition else {
        return (
            format!("CREATE TYPE {qual};\n"),
            format!("DROP TYPE {qual};\n"),
        );
    };
    // CASCADE: the type and its I/O functions depend on each other.
    (
        format!(
            "CREATE TYPE {qual} (\n{}\n);\n",
            properties(def).join(",\n")
        ),
        format!("DROP TYPE {qual} CASCADE;\n"),
    )
}

/// The `name = value` lines of CREATE TYPE, in dumpBaseType's order.
fn properties(def: &BaseTypeDefinition) -> Vec<String> {
    let length = match def.length {
        -1 => "variable".to_owned(),
        n => n.to_string(),
    };
    let mut props = vec![
        format!("INTERNALLENGTH = {length}"),
        format!("INPUT = {}", def.input),
        format!("OUTPUT = {}", def.output),
    ];
    for (keyword, function) in [
        ("RECEIVE", &def.receive),
        ("SEND", &def.send),
        ("TYPMOD_IN", &def.typmod_in),
        ("TYPMOD_OUT", &def.typmod_out),
        ("ANALYZE", &def.analyze),
    ] {
        if let Some(f) = function {
            props.push(format!("{keyword} = {f}"));
        }
    }
    if def.collatable {
        props.push("COLLATABLE = true".to_owned());
    }
    match &def.default {
        Some(TypeDefault::Expression(expr)) => props.push(format!("DEFAULT = {expr}")),
        Some(TypeDefault::Literal(text)) => {
            props.push(format!("DEFAULT = {}", literal(text, true)))
        }
        None => {}
    }
    if let Some(f) = &def.subscript {
        props.push(format!("SUBSCRIPT = {f}"));
    }
    if let Some(element) = &def.element {
        props.push(format!("ELEMENT = {element}"));
    }
    if def.category != b'U' {
        let category = char::from(def.category).to_string();
        props.push(format!("CATEGORY = {}", literal(&category, true)));
    }
    if def.preferred {
        props.push("PREFERRED = true".to_owned());
    }
    if def.delimiter != "," {
        props.push(format!("DELIMITER = {}", literal(&def.delimiter, true)));
    }
    let alignment = match def.alignment {
        b'c' => Some("char"),
        b's' => Some("int2"),
        b'i' => Some("int4"),
        b'd' => Some("double"),
        _ => None,
    };
    if let Some(a) = alignment {
        props.push(format!("ALIGNMENT = {a}"));
    }
    let storage = match def.storage {
        b'p' => Some("plain"),
        b'e' => Some("external"),
        b'x' => Some("extended"),
        b'm' => Some("main"),
        _ => None,
    };
    if let Some(s) = storage {
        props.push(format!("STORAGE = {s}"));
    }
    if def.by_value {
        props.push("PASSEDBYVALUE".to_owned());
    }
    props.iter().map(|p| format!("    {p}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(name: &str, definition: Option<BaseTypeDefinition>) -> BaseType {
        BaseType {
            oid: 16800,
            namespace_oid: 2200,
            schema: "Fn Schema".into(),
            name: name.into(),
            owner: "functions owner".into(),
            definition,
            ..BaseType::default()
        }
    }

    fn render(ty: &BaseType) -> String {
        let (create, drop) = base_type_sql(ty);
        format!("-- create\n{create}-- drop\n{drop}")
    }

    #[test]
    fn fixed_length_by_value() {
        let def = BaseTypeDefinition {
            length: 4,
            input: "\"Fn Schema\".my_in".into(),
            output: "\"Fn Schema\".my_out".into(),
            receive: Some("\"Fn Schema\".my_recv".into()),
            send: Some("\"Fn Schema\".my_send".into()),
            default: Some(TypeDefault::Literal("it's".into())),
            category: b'N',
            preferred: true,
            delimiter: ";".into(),
            alignment: b'i',
            storage: b'p',
            by_value: true,
            ..BaseTypeDefinition::default()
        };
        insta::assert_snapshot!(render(&base("My Int", Some(def))));
    }

    #[test]
    fn variable_length_with_every_function() {
        let def = BaseTypeDefinition {
            length: -1,
            input: "fn_other.vtext_in".into(),
            output: "fn_other.vtext_out".into(),
            typmod_in: Some("fn_other.vtext_typmod_in".into()),
            typmod_out: Some("fn_other.vtext_typmod_out".into()),
            analyze: Some("fn_other.vtext_analyze".into()),
            subscript: Some("raw_array_subscript_handler".into()),
            collatable: true,
            default: Some(TypeDefault::Expression("'x'::text".into())),
            element: Some("double precision".into()),
            category: b'U',
            delimiter: ",".into(),
            alignment: b'd',
            storage: b'x',
            ..BaseTypeDefinition::default()
        };
        insta::assert_snapshot!(render(&base("vtext", Some(def))));
    }

    #[test]
    fn undefined_shell() {
        insta::assert_snapshot!(render(&base("still a shell", None)));
    }
}
