//! TEXT SEARCH PARSER, TEMPLATE, DICTIONARY and CONFIGURATION entries (pg_dump's
//! dumpTSParser, dumpTSTemplate, dumpTSDictionary, dumpTSConfig) and ACCESS METHOD entries
//! (dumpAccessMethod).

use tusk_format::quote::{ident, qualified};

use super::Builder;
use super::operator::ObjectSql;
use crate::catalog::{AccessMethod, TsConfig, TsDict, TsParser, TsTemplate};
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn ts_parser(&mut self, obj: &DumpObject, p: &TsParser) {
        let at = (Some(p.schema.as_str()), p.name.as_str());
        self.pre_data_object(obj, "TEXT SEARCH PARSER", at, None, ts_parser_sql(p));
    }

    pub(super) fn ts_template(&mut self, obj: &DumpObject, t: &TsTemplate) {
        let at = (Some(t.schema.as_str()), t.name.as_str());
        self.pre_data_object(obj, "TEXT SEARCH TEMPLATE", at, None, ts_template_sql(t));
    }

    pub(super) fn ts_dict(&mut self, obj: &DumpObject, d: &TsDict) {
        let at = (Some(d.schema.as_str()), d.name.as_str());
        let sql = ts_dict_sql(d);
        self.pre_data_object(obj, "TEXT SEARCH DICTIONARY", at, Some(&d.owner), sql);
    }

    pub(super) fn ts_config(&mut self, obj: &DumpObject, c: &TsConfig) {
        let at = (Some(c.schema.as_str()), c.name.as_str());
        let sql = ts_config_sql(c);
        self.pre_data_object(obj, "TEXT SEARCH CONFIGURATION", at, Some(&c.owner), sql);
    }

    pub(super) fn access_method(&mut self, obj: &DumpObject, am: &AccessMethod) {
        if let Some(sql) = access_method_sql(am) {
            let at = (None, am.name.as_str());
            self.pre_data_object(obj, "ACCESS METHOD", at, None, sql);
        }
    }
}

/// The statements of a `kind` object named `qual`, COMMENT ON naming it `name`.
fn object_sql(kind: &str, qual: &str, name: &str, create: String) -> ObjectSql {
    ObjectSql {
        create,
        drop: format!("DROP {kind} {qual};\n"),
        comment_name: ident(name),
    }
}

pub fn ts_parser_sql(p: &TsParser) -> ObjectSql {
    let qual = qualified(&p.schema, &p.name);
    let mut q = format!(
        "CREATE TEXT SEARCH PARSER {qual} (\n    START = {},\n    GETTOKEN = {},\n    END = {},\n",
        p.start, p.token, p.end
    );
    if let Some(h) = &p.headline {
        q.push_str(&format!("    HEADLINE = {h},\n"));
    }
    q.push_str(&format!("    LEXTYPES = {} );\n", p.lextypes));
    object_sql("TEXT SEARCH PARSER", &qual, &p.name, q)
}

pub fn ts_template_sql(t: &TsTemplate) -> ObjectSql {
    let qual = qualified(&t.schema, &t.name);
    let mut q = format!("CREATE TEXT SEARCH TEMPLATE {qual} (\n");
    if let Some(init) = &t.init {
        q.push_str(&format!("    INIT = {init},\n"));
    }
    q.push_str(&format!("    LEXIZE = {} );\n", t.lexize));
    object_sql("TEXT SEARCH TEMPLATE", &qual, &t.name, q)
}

pub fn ts_dict_sql(d: &TsDict) -> ObjectSql {
    let qual = qualified(&d.schema, &d.name);
    let mut q = format!(
        "CREATE TEXT SEARCH DICTIONARY {qual} (\n    TEMPLATE = {}",
        qualified(&d.template.0, &d.template.1)
    );
    if let Some(options) = &d.init_option {
        q.push_str(&format!(",\n    {options}"));
    }
    q.push_str(" );\n");
    object_sql("TEXT SEARCH DICTIONARY", &qual, &d.name, q)
}

/// The configuration, then one ALTER per token type mapped (token names quoted, dictionary
/// names already quoted by `regdictionary`).
pub fn ts_config_sql(c: &TsConfig) -> ObjectSql {
    let qual = qualified(&c.schema, &c.name);
    let mut q = format!(
        "CREATE TEXT SEARCH CONFIGURATION {qual} (\n    PARSER = {} );\n",
        qualified(&c.parser.0, &c.parser.1)
    );
    for m in &c.mappings {
        q.push_str(&format!(
            "\nALTER TEXT SEARCH CONFIGURATION {qual}\n    ADD MAPPING FOR {} WITH {};\n",
            ident(&m.token),
            m.dictionaries.join(", ")
        ));
    }
    object_sql("TEXT SEARCH CONFIGURATION", &qual, &c.name, q)
}

/// `dumpAccessMethod`; `None` for a type other than index or table, which upstream skips
/// with a warning.
pub fn access_method_sql(am: &AccessMethod) -> Option<ObjectSql> {
    let kind = match am.kind {
        b'i' => "INDEX",
        b't' => "TABLE",
        _ => return None,
    };
    let name = ident(&am.name);
    Some(object_sql(
        "ACCESS METHOD",
        &name,
        &am.name,
        format!(
            "CREATE ACCESS METHOD {name} TYPE {kind} HANDLER {};\n",
            am.handler
        ),
    ))
}

#[cfg(test)]
mod tests;
