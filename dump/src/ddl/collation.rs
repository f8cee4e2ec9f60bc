//! COLLATION and CONVERSION entries (pg_dump's dumpCollation, dumpConversion): a definition
//! and a comment each, no privileges or security labels.

use tusk_format::quote::{ident, literal, qualified};
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::{Collation, Conversion};
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn collation(&mut self, obj: &DumpObject, coll: &Collation) {
        let qual = qualified(&coll.schema, &coll.name);
        self.named_object(
            obj,
            "COLLATION",
            (&coll.schema, &coll.name, &coll.owner),
            collation_sql(&qual, coll),
        );
    }

    pub(super) fn conversion(&mut self, obj: &DumpObject, conv: &Conversion) {
        let qual = qualified(&conv.schema, &conv.name);
        self.named_object(
            obj,
            "CONVERSION",
            (&conv.schema, &conv.name, &conv.owner),
            conversion_sql(&qual, conv),
        );
    }

    /// The entry of a schema object dropped as `DROP <desc> <name>`, then its comment.
    fn named_object(
        &mut self,
        obj: &DumpObject,
        desc: &str,
        (schema, name, owner): (&str, &str, &str),
        create: String,
    ) {
        let mut te = TocEntry::new(obj.id, desc, name.to_owned(), Section::PreData);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(schema.to_owned());
        te.owner = Some(owner.to_owned());
        te.defn = Some(create);
        te.drop_stmt = Some(format!("DROP {desc} {};\n", qualified(schema, name)));
        self.entries.push(te);
        self.comment(
            desc,
            &ident(name),
            Some(schema),
            owner,
            obj.catalog_id,
            0,
            obj.id,
        );
    }
}

/// `CREATE COLLATION`: the provider, then the locale settings that provider takes (the
/// version is left out, to be computed on restore).
pub fn collation_sql(qual: &str, c: &Collation) -> String {
    let lit = |v: &Option<String>| literal(v.as_deref().unwrap_or(""), true);
    let mut q = format!(
        "CREATE COLLATION {qual} (provider = {}",
        match c.provider {
            b'b' => "builtin",
            b'i' => "icu",
            b'd' => "default",
            _ => "libc",
        }
    );
    if !c.deterministic {
        q.push_str(", deterministic = false");
    }
    match c.provider {
        b'd' => {}
        b'b' => q.push_str(&format!(", locale = {}", lit(&c.locale))),
        b'i' => {
            q.push_str(&format!(", locale = {}", lit(&c.locale)));
            if c.icu_rules.is_some() {
                q.push_str(&format!(", rules = {}", lit(&c.icu_rules)));
            }
        }
        _ => {
            if c.collate.is_some() && c.collate == c.ctype {
                q.push_str(&format!(", locale = {}", lit(&c.collate)));
            } else {
                q.push_str(&format!(
                    ", lc_collate = {}, lc_ctype = {}",
                    lit(&c.collate),
                    lit(&c.ctype)
                ));
            }
        }
    }
    q.push_str(");\n");
    q
}

/// `CREATE [DEFAULT] CONVERSION ... FOR 'from' TO 'to' FROM function`.
pub fn conversion_sql(qual: &str, c: &Conversion) -> String {
    format!(
        "CREATE {}CONVERSION {qual} FOR {} TO {} FROM {};\n",
        if c.is_default { "DEFAULT " } else { "" },
        literal(&c.for_encoding, true),
        literal(&c.to_encoding, true),
        c.function
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collation(provider: u8, collate: Option<&str>, ctype: Option<&str>) -> Collation {
        Collation {
            oid: 16400,
            namespace_oid: 2200,
            schema: "s".to_owned(),
            name: "c".to_owned(),
            owner: "o".to_owned(),
            encoding: 6,
            provider,
            deterministic: true,
            collate: collate.map(str::to_owned),
            ctype: ctype.map(str::to_owned),
            locale: None,
            icu_rules: None,
        }
    }

    #[test]
    fn collations_per_provider() {
        let same = collation(b'c', Some("C"), Some("C"));
        let split = collation(b'c', Some("C"), Some("C.UTF-8"));
        let icu = Collation {
            deterministic: false,
            locale: Some("und-u-ks-level2".to_owned()),
            icu_rules: Some("&a < b's".to_owned()),
            ..collation(b'i', None, None)
        };
        let builtin = Collation {
            locale: Some("C.UTF-8".to_owned()),
            ..collation(b'b', None, None)
        };
        let all: String = [same, split, icu, builtin]
            .iter()
            .map(|c| collation_sql("s.\"Coll\"", c))
            .collect();
        insta::assert_snapshot!(all);
    }

    #[test]
    fn conversions() {
        let conv = Conversion {
            oid: 16500,
            namespace_oid: 2200,
            schema: "s".to_owned(),
            name: "my conv".to_owned(),
            owner: "o".to_owned(),
            for_encoding: "LATIN1".to_owned(),
            to_encoding: "UTF8".to_owned(),
            function: "iso8859_1_to_utf8".to_owned(),
            is_default: false,
        };
        let default = Conversion {
            is_default: true,
            ..conv.clone()
        };
        insta::assert_snapshot!(format!(
            "{}{}",
            conversion_sql("s.\"my conv\"", &conv),
            conversion_sql("s.d", &default)
        ));
    }
}
