//! PROCEDURAL LANGUAGE entries (pg_dump's dumpProcLang).

use tusk_format::quote::{ident, qualified};
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::acl::{AclTarget, AclType};
use crate::catalog::{Function, ProcLanguage};
use crate::objects::DumpObject;

/// The language's support functions that are dumped too: (handler, inline, validator).
pub struct LanguageFunctions<'a> {
    pub handler: Option<&'a Function>,
    pub inline: Option<&'a Function>,
    pub validator: Option<&'a Function>,
}

impl Builder<'_> {
    pub(super) fn language(&mut self, obj: &DumpObject, lang: &ProcLanguage) {
        let name = ident(&lang.name);
        let target = AclTarget {
            kind: AclType::Language,
            name: &name,
            subname: None,
            schema: None,
            owner: Some(&lang.owner),
        };
        if lang.acl_only {
            self.acl(obj.id, None, target, None, &lang.acl);
            return;
        }
        let dumped = |oid: u32| {
            self.cat.functions.iter().find(|f| {
                f.oid == oid
                    && self
                        .cat
                        .namespace(f.namespace_oid)
                        .is_some_and(|n| n.selected)
            })
        };
        let functions = LanguageFunctions {
            handler: dumped(lang.handler),
            inline: dumped(lang.inline),
            validator: dumped(lang.validator),
        };
        let (create, drop) = language_sql(lang, &functions);
        let mut te = TocEntry::new(
            obj.id,
            "PROCEDURAL LANGUAGE",
            lang.name.clone(),
            Section::PreData,
        );
        te.catalog_id = obj.catalog_id;
        te.owner = Some(lang.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);

        let cid = obj.catalog_id;
        self.comment("LANGUAGE", &name, None, &lang.owner, cid, 0, obj.id);
        self.seclabel("LANGUAGE", &name, None, &lang.owner, cid, 0, obj.id);
        // Only trusted languages can be granted.
        if lang.trusted {
            self.acl(obj.id, None, target, None, &lang.acl);
        }
    }
}

/// The CREATE and DROP statements of `lang`. Without its support functions in the dump the
/// language is created without parameters, which a server reads as CREATE EXTENSION.
pub fn language_sql(lang: &ProcLanguage, functions: &LanguageFunctions<'_>) -> (String, String) {
    let name = ident(&lang.name);
    let drop = format!("DROP PROCEDURAL LANGUAGE {name};\n");
    let qual = |f: &Function| qualified(&f.schema, &f.name);
    let present = |oid: u32, f: Option<&Function>| oid == 0 || f.is_some();
    let create = match functions.handler {
        Some(handler)
            if present(lang.inline, functions.inline)
                && present(lang.validator, functions.validator) =>
        {
            let mut q = format!(
                "CREATE {}PROCEDURAL LANGUAGE {name} HANDLER {}",
                if lang.trusted { "TRUSTED " } else { "" },
                qual(handler)
            );
            if let Some(f) = functions.inline {
                q.push_str(&format!(" INLINE {}", qual(f)));
            }
            if let Some(f) = functions.validator {
                q.push_str(&format!(" VALIDATOR {}", qual(f)));
            }
            q
        }
        _ => format!("CREATE OR REPLACE PROCEDURAL LANGUAGE {name}"),
    };
    (format!("{create};\n"), drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str) -> Function {
        Function {
            schema: "PL Schema".into(),
            name: name.into(),
            ..Function::default()
        }
    }

    fn render(lang: &ProcLanguage, functions: &LanguageFunctions<'_>) -> String {
        let (create, drop) = language_sql(lang, functions);
        format!("-- create\n{create}-- drop\n{drop}")
    }

    #[test]
    fn with_and_without_support_functions() {
        let (handler, inline, validator) =
            (function("call"), function("inline"), function("validate"));
        let lang = ProcLanguage {
            oid: 16900,
            name: "My PL".into(),
            owner: "postgres".into(),
            trusted: true,
            handler: 1,
            inline: 2,
            validator: 3,
            ..ProcLanguage::default()
        };
        let all = LanguageFunctions {
            handler: Some(&handler),
            inline: Some(&inline),
            validator: Some(&validator),
        };
        let handler_only = ProcLanguage {
            trusted: false,
            inline: 0,
            validator: 0,
            ..lang.clone()
        };
        let missing_validator = LanguageFunctions {
            handler: Some(&handler),
            inline: Some(&inline),
            validator: None,
        };
        let shown = [
            render(&lang, &all),
            render(
                &handler_only,
                &LanguageFunctions {
                    handler: Some(&handler),
                    inline: None,
                    validator: None,
                },
            ),
            render(&lang, &missing_validator),
        ];
        insta::assert_snapshot!(shown.join("\n"));
    }
}
