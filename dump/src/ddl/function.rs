//! FUNCTION and PROCEDURE entries (pg_dump's dumpFunc), with their comments, security labels
//! and privileges.

use tusk_format::quote::{dollar_quoted, ident, literal};
use tusk_format::{Section, TocEntry};

use super::{Builder, setting_value};
use crate::acl::{AclTarget, AclType};
use crate::catalog::{Function, FunctionRef};
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn function(&mut self, obj: &DumpObject, f: &Function) {
        let keyword = f.keyword();
        let sig = signature(f);
        let schema = Some(f.schema.as_str());
        let target = AclTarget {
            kind: if f.kind == b'p' {
                AclType::Procedure
            } else {
                AclType::Function
            },
            name: &sig,
            subname: None,
            schema,
            owner: Some(&f.owner),
        };
        // Of pg_catalog's functions only changed privileges are dumped.
        if f.schema == "pg_catalog" {
            self.acl(obj.id, None, target, None, &f.acl);
            return;
        }
        let (create, drop) = function_sql(f, self.opts.dollar_quoting);
        // Postponed by the sort when it reads something post-data.
        let section = if obj.separate {
            Section::PostData
        } else {
            Section::PreData
        };
        let mut te = TocEntry::new(obj.id, keyword, function_tag(f), section);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(f.schema.clone());
        te.owner = Some(f.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);

        self.comment(keyword, &sig, schema, &f.owner, obj.catalog_id, 0, obj.id);
        self.seclabel(keyword, &sig, schema, &f.owner, obj.catalog_id, 0, obj.id);
        self.acl(obj.id, None, target, None, &f.acl);
    }
}

/// `format_function_arguments` with the identity arguments: the quoted name and what
/// identifies the function, as DROP, COMMENT and GRANT name it.
fn signature(f: &Function) -> String {
    format!("{}({})", ident(&f.name), f.identity_args)
}

/// `schema.name(types)` of a function another object names: always qualified, whatever the
/// search path.
pub(super) fn qualified_signature(f: &FunctionRef) -> String {
    format!(
        "{}.{}({})",
        ident(&f.schema),
        ident(&f.name),
        f.arg_types.join(", ")
    )
}

/// `format_function_signature` without quotes: the TOC tag, name and input types.
fn function_tag(f: &Function) -> String {
    format!("{}({})", f.name, f.arg_types.join(", "))
}

/// The CREATE and DROP statements of `f`; its source dollar-quoted if `dollar_quoting`.
pub fn function_sql(f: &Function, dollar_quoting: bool) -> (String, String) {
    let keyword = f.keyword();
    let schema = ident(&f.schema);
    let drop = format!("DROP {keyword} {schema}.{};\n", signature(f));
    let mut q = format!("CREATE {keyword} {schema}.{}({})", ident(&f.name), f.args);
    if f.kind != b'p' {
        q.push_str(&format!(" RETURNS {}", f.result));
    }
    q.push_str(&format!("\n    LANGUAGE {}", ident(&f.language)));
    if !f.transform_types.is_empty() {
        let types: Vec<String> = f
            .transform_types
            .iter()
            .map(|t| format!("FOR TYPE {t}"))
            .collect();
        q.push_str(&format!(" TRANSFORM {}", types.join(", ")));
    }
    if f.kind == b'w' {
        q.push_str(" WINDOW");
    }
    q.push_str(match f.volatility {
        b'i' => " IMMUTABLE",
        b's' => " STABLE",
        _ => "",
    });
    for (set, clause) in [
        (f.strict, " STRICT"),
        (f.security_definer, " SECURITY DEFINER"),
        (f.leakproof, " LEAKPROOF"),
    ] {
        if set {
            q.push_str(clause);
        }
    }
    // COST and ROWS only when not the defaults CREATE FUNCTION would pick anyway.
    let default_cost = if matches!(f.language.as_str(), "internal" | "c") {
        "1"
    } else {
        "100"
    };
    if f.cost != "0" && f.cost != default_cost {
        q.push_str(&format!(" COST {}", f.cost));
    }
    if f.returns_set && f.rows != "0" && f.rows != "1000" {
        q.push_str(&format!(" ROWS {}", f.rows));
    }
    if let Some(support) = &f.support {
        q.push_str(&format!(" SUPPORT {support}"));
    }
    q.push_str(match f.parallel {
        b's' => " PARALLEL SAFE",
        b'r' => " PARALLEL RESTRICTED",
        _ => "",
    });
    for item in &f.config {
        q.push_str(&set_clause(item));
    }
    q.push_str(&format!("\n    {};\n", body(f, dollar_quoting)));
    // append_depends_on_extension: each without a final newline, as upstream prints them.
    for ext in &f.extensions {
        q.push_str(&format!(
            "\nALTER {keyword} {schema}.{} DEPENDS ON EXTENSION {};",
            signature(f),
            ident(ext)
        ));
    }
    (q, drop)
}

/// One `proconfig` item as `SET name TO value`.
fn set_clause(item: &str) -> String {
    let Some((name, value)) = item.split_once('=') else {
        return String::new();
    };
    format!(
        "\n    SET {} TO {}",
        ident(name),
        setting_value(name, value)
    )
}

/// The SQL-standard body, or `AS` with the source (dollar-quoted if allowed) and, for C
/// functions, the object file first (the symbol dollar-quoted only when a plain literal would
/// need escapes).
fn body(f: &Function, dollar_quoting: bool) -> String {
    if let Some(sql) = &f.sql_body {
        return sql.clone();
    }
    if f.bin.is_empty() {
        return format!(
            "AS {}",
            if dollar_quoting {
                dollar_quoted(&f.src)
            } else {
                literal(&f.src, true)
            }
        );
    }
    let mut as_part = format!("AS {}", literal(&f.bin, true));
    if !f.src.is_empty() {
        let src = if dollar_quoting && f.src.contains(['\'', '\\']) {
            dollar_quoted(&f.src)
        } else {
            literal(&f.src, true)
        };
        as_part.push_str(&format!(", {src}"));
    }
    as_part
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::Acl;
    use crate::catalog::{Catalog, Comment, Namespace, SecLabel, classid};
    use crate::ddl::{DdlOptions, SessionFacts, toc_entries};
    use crate::objects::{Wanted, build};

    fn function(name: &str) -> Function {
        Function {
            oid: 16500,
            namespace_oid: 2200,
            schema: "Fn Schema".into(),
            name: name.into(),
            owner: "functions owner".into(),
            kind: b'f',
            src: "SELECT $1 + 1".into(),
            language: "sql".into(),
            cost: "100".into(),
            rows: "0".into(),
            args: "a integer, b text DEFAULT 'x'::text".into(),
            identity_args: "a integer, b text".into(),
            result: "integer".into(),
            volatility: b'v',
            parallel: b'u',
            arg_types: vec!["integer".into(), "text".into()],
            ..Function::default()
        }
    }

    fn render(f: &Function) -> String {
        let (create, drop) = function_sql(f, true);
        format!(
            "-- tag {}\n-- create\n{create}-- drop\n{drop}",
            function_tag(f)
        )
    }

    #[test]
    fn plain_sql_function() {
        insta::assert_snapshot!(render(&function("Add \"One\"")));
    }

    #[test]
    fn every_option() {
        let f = Function {
            returns_set: true,
            result: "SETOF integer".into(),
            volatility: b'i',
            strict: true,
            security_definer: true,
            leakproof: true,
            parallel: b's',
            cost: "7.5".into(),
            rows: "42".into(),
            support: Some("textlike_support".into()),
            transform_types: vec!["hstore".into(), "\"Fn Schema\".\"My Type\"".into()],
            config: vec![
                "search_path=\"Fn Schema\", public, \"\"".into(),
                "work_mem=64MB".into(),
                "application_name=it's".into(),
            ],
            src: "SELECT $$x$$; SELECT $_$y$_$".into(),
            extensions: vec!["plpgsql".into(), "My Ext".into()],
            ..function("select")
        };
        insta::assert_snapshot!(render(&f));
    }

    #[test]
    fn procedure_window_and_stable() {
        let p = Function {
            kind: b'p',
            result: String::new(),
            volatility: b's',
            parallel: b'r',
            ..function("proc")
        };
        let w = Function {
            kind: b'w',
            language: "internal".into(),
            src: "window_row_number".into(),
            cost: "1".into(),
            args: String::new(),
            identity_args: String::new(),
            arg_types: Vec::new(),
            result: "bigint".into(),
            ..function("rownum")
        };
        insta::assert_snapshot!(format!("{}\n{}", render(&p), render(&w)));
    }

    #[test]
    fn without_dollar_quoting() {
        let c = Function {
            language: "c".into(),
            bin: "$libdir/plpgsql".into(),
            src: "it's".into(),
            cost: "1".into(),
            ..function("c_fn")
        };
        let (plain, _) = function_sql(&function("plain"), false);
        let (c, _) = function_sql(&c, false);
        insta::assert_snapshot!(format!("{plain}{c}"));
    }

    #[test]
    fn sql_standard_body() {
        let f = Function {
            sql_body: Some("BEGIN ATOMIC\n SELECT 1;\n SELECT 2;\nEND".into()),
            ..function("atomic")
        };
        let r = Function {
            sql_body: Some("RETURN (a + 1)".into()),
            ..function("ret")
        };
        insta::assert_snapshot!(format!("{}\n{}", render(&f), render(&r)));
    }

    #[test]
    fn c_functions() {
        let plain = Function {
            language: "c".into(),
            bin: "$libdir/plpgsql".into(),
            src: "plpgsql_call_handler".into(),
            cost: "1".into(),
            ..function("handler")
        };
        let quoted = Function {
            src: "it's".into(),
            cost: "2".into(),
            ..plain.clone()
        };
        let no_symbol = Function {
            src: String::new(),
            ..plain.clone()
        };
        insta::assert_snapshot!(format!(
            "{}\n{}\n{}",
            render(&plain),
            render(&quoted),
            render(&no_symbol)
        ));
    }

    /// The entries of a catalog holding one procedure, with a comment, a security label and
    /// privileges, as `desc | tag | namespace | owner` and the SQL.
    #[test]
    fn entries_with_comment_label_and_privileges() {
        let owner = "\"functions owner\"";
        let p = Function {
            kind: b'p',
            result: String::new(),
            acl: Acl {
                acl: Some(vec![
                    format!("{owner}=X/{owner}"),
                    format!("reader=X*/{owner}"),
                ]),
                default: vec![format!("=X/{owner}"), format!("{owner}=X/{owner}")],
                init: None,
            },
            ..function("Proc")
        };
        let mut cat = Catalog::default();
        cat.namespaces = vec![Namespace {
            oid: 2200,
            name: "Fn Schema".into(),
            owner: "postgres".into(),
            selected: true,
            create: true,
            ..Namespace::default()
        }];
        cat.comments = vec![Comment {
            classoid: classid::PG_PROC,
            objoid: p.oid,
            objsubid: 0,
            text: "a 'procedure'".into(),
        }];
        cat.seclabels = vec![SecLabel {
            classoid: classid::PG_PROC,
            objoid: p.oid,
            objsubid: 0,
            provider: "dummy".into(),
            label: "classified".into(),
        }];
        cat.functions = vec![p];
        let graph = build(
            &cat,
            Wanted {
                schema: true,
                data: false,
                sequence_data: false,
                large_objects: None,
            },
        );
        let facts = SessionFacts {
            encoding: "UTF8".into(),
            std_strings: true,
            search_path: String::new(),
        };
        let opts = DdlOptions::for_tests();
        let entries = toc_entries(&cat, &graph, &facts, opts).expect("entries build");
        let shown: String = entries
            .iter()
            .filter(|e| e.namespace.as_deref() == Some("Fn Schema"))
            .map(|e| {
                format!(
                    "-- {} | {} | {} | {}\n{}",
                    e.desc,
                    e.tag,
                    e.namespace.as_deref().unwrap_or("-"),
                    e.owner.as_deref().unwrap_or("-"),
                    e.defn.as_deref().unwrap_or_default()
                )
            })
            .collect();
        insta::assert_snapshot!(shown);
    }
}
