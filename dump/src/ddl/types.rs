//! TYPE and DOMAIN entries (pg_dump's dumpEnumType, dumpCompositeType,
//! dumpCompositeTypeColComments, dumpRangeType, dumpDomain) and the domain constraints dumped
//! apart (the domain half of dumpConstraint).

use tusk_format::quote::{ident, literal, qualified};
use tusk_format::{CatalogId, Section, TocEntry};

use super::Builder;
use super::table::SeparateConstraint;
use crate::acl::{Acl, AclTarget, AclType};
use crate::catalog::types::{
    Attribute, DomainConstraint, DomainDefault, DomainInfo, QualifiedName, RangeInfo,
};
use crate::catalog::{TypeKind, UserType, classid};
use crate::objects::DumpObject;

impl Builder<'_> {
    /// A type's GRANT/REVOKE entry, for every kind of type.
    pub(super) fn type_acl(
        &mut self,
        obj: &DumpObject,
        name: &str,
        schema: &str,
        owner: &str,
        acl: &Acl,
    ) {
        let name = ident(name);
        let target = AclTarget {
            kind: AclType::Type,
            name: &name,
            subname: None,
            schema: Some(schema),
            owner: Some(owner),
        };
        self.acl(obj.id, None, target, None, acl);
    }

    pub(super) fn user_type(&mut self, obj: &DumpObject, ty: &UserType) {
        // Of pg_catalog's types only changed privileges are dumped.
        if ty.schema == "pg_catalog" {
            self.type_acl(obj, &ty.name, &ty.schema, &ty.owner, &ty.acl);
            return;
        }
        let qual = qualified(&ty.schema, &ty.name);
        let (desc, create) = match &ty.kind {
            TypeKind::Enum(labels) => ("TYPE", enum_sql(&qual, labels)),
            TypeKind::Composite { attributes, .. } => ("TYPE", composite_sql(&qual, attributes)),
            TypeKind::Range(r) => ("TYPE", range_sql(&qual, r)),
            TypeKind::Domain(d) => (
                "DOMAIN",
                domain_sql(&ty.name, &qual, d, |c| self.inline_checks.contains(&c.oid)),
            ),
        };
        let mut te = TocEntry::new(obj.id, desc, ty.name.clone(), Section::PreData);
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(ty.schema.clone());
        te.owner = Some(ty.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(format!("DROP {desc} {qual};\n"));
        self.entries.push(te);

        let name = ident(&ty.name);
        let schema = Some(ty.schema.as_str());
        self.comment(desc, &name, schema, &ty.owner, obj.catalog_id, 0, obj.id);
        self.seclabel(desc, &name, schema, &ty.owner, obj.catalog_id, 0, obj.id);
        self.type_acl(obj, &ty.name, &ty.schema, &ty.owner, &ty.acl);

        match &ty.kind {
            TypeKind::Composite { relid, attributes } => {
                self.composite_column_comments(obj, ty, *relid, attributes)
            }
            TypeKind::Domain(d) => {
                // Comments on the constraints printed inside CREATE DOMAIN: the CHECK ones,
                // then the not-null one.
                let inline = d
                    .constraints
                    .iter()
                    .filter(|c| self.inline_checks.contains(&c.oid));
                let (checks, not_null): (Vec<_>, Vec<_>) = inline.partition(|c| c.contype == b'c');
                for con in checks.into_iter().chain(not_null) {
                    self.comment(
                        &format!("CONSTRAINT {} ON DOMAIN", ident(&con.name)),
                        &name,
                        schema,
                        &ty.owner,
                        constraint_id(con),
                        0,
                        obj.id,
                    );
                }
            }
            TypeKind::Enum(_) | TypeKind::Range(_) => {}
        }
    }

    /// `dumpCompositeTypeColComments`: comments on the attributes, kept on the type's pg_class
    /// entry.
    fn composite_column_comments(
        &mut self,
        obj: &DumpObject,
        ty: &UserType,
        relid: u32,
        attributes: &[Attribute],
    ) {
        if !self.opts.comments {
            return;
        }
        let qual = qualified(&ty.schema, &ty.name);
        for c in self.cat.comments_on(classid::PG_CLASS, relid) {
            let Some(att) = attributes.iter().find(|a| i32::from(a.num) == c.objsubid) else {
                continue;
            };
            let att_name = ident(&att.name);
            self.push_comment(
                format!("COLUMN {}.{att_name}", ident(&ty.name)),
                &format!("COLUMN {qual}.{att_name}"),
                &c.text,
                &ty.schema,
                &ty.owner,
                obj.id,
            );
        }
    }

    /// A domain constraint printed as its own ALTER DOMAIN (one not validated, or moved out
    /// of CREATE DOMAIN by the sort), with its comment.
    pub(super) fn domain_constraint(
        &mut self,
        obj: &DumpObject,
        ty: &UserType,
        con: &DomainConstraint,
    ) {
        self.separate_constraint(
            obj,
            SeparateConstraint {
                keyword: "DOMAIN",
                schema: &ty.schema,
                owner_name: &ty.name,
                owner: &ty.owner,
                name: &con.name,
                contype: con.contype,
                definition: &con.definition,
            },
        );
        self.comment(
            &format!("CONSTRAINT {} ON DOMAIN", ident(&con.name)),
            &ident(&ty.name),
            Some(&ty.schema),
            &ty.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
    }
}

fn constraint_id(con: &DomainConstraint) -> CatalogId {
    CatalogId {
        tableoid: classid::PG_CONSTRAINT,
        oid: con.oid,
    }
}

fn collate(coll: &Option<QualifiedName>) -> String {
    coll.as_ref()
        .map(|c| format!(" COLLATE {}", qualified(&c.schema, &c.name)))
        .unwrap_or_default()
}

/// `CREATE TYPE ... AS ENUM`, one label a line.
pub fn enum_sql(qual: &str, labels: &[String]) -> String {
    let labels: Vec<String> = labels
        .iter()
        .map(|l| format!("\n    {}", literal(l, true)))
        .collect();
    format!("CREATE TYPE {qual} AS ENUM ({}\n);\n", labels.join(","))
}

/// `CREATE TYPE ... AS (...)`: attributes with their collation when not their type's.
pub fn composite_sql(qual: &str, attributes: &[Attribute]) -> String {
    let atts: Vec<String> = attributes
        .iter()
        .map(|a| {
            format!(
                "\n\t{} {}{}",
                ident(&a.name),
                a.type_name,
                collate(&a.collation)
            )
        })
        .collect();
    format!("CREATE TYPE {qual} AS ({}\n);\n", atts.join(","))
}

/// `CREATE TYPE ... AS RANGE`: the options that differ from the defaults, the multirange's
/// name always.
pub fn range_sql(qual: &str, r: &RangeInfo) -> String {
    let mut q = format!("CREATE TYPE {qual} AS RANGE (\n    subtype = {}", r.subtype);
    if let Some(m) = &r.multirange {
        q.push_str(&format!(",\n    multirange_type_name = {m}"));
    }
    if let Some(opc) = &r.opclass {
        q.push_str(&format!(
            ",\n    subtype_opclass = {}",
            qualified(&opc.schema, &opc.name)
        ));
    }
    if let Some(c) = &r.collation {
        q.push_str(&format!(
            ",\n    collation = {}",
            qualified(&c.schema, &c.name)
        ));
    }
    if let Some(f) = &r.canonical {
        q.push_str(&format!(",\n    canonical = {f}"));
    }
    if let Some(f) = &r.subtype_diff {
        q.push_str(&format!(",\n    subtype_diff = {f}"));
    }
    q.push_str("\n);\n");
    q
}

/// `CREATE DOMAIN`: the base type, collation, NOT NULL (named when the name is not the
/// generated one), default, and the constraints `inline` says are printed here.
pub fn domain_sql(
    name: &str,
    qual: &str,
    d: &DomainInfo,
    inline: impl Fn(&DomainConstraint) -> bool,
) -> String {
    let mut q = format!(
        "CREATE DOMAIN {qual} AS {}{}",
        d.base,
        collate(&d.collation)
    );
    if d.not_null {
        match d.constraints.iter().find(|c| c.contype == b'n') {
            None => q.push_str(" NOT NULL"),
            Some(c) if inline(c) => {
                if c.name == format!("{name}_not_null") {
                    q.push_str(" NOT NULL");
                } else {
                    q.push_str(&format!(" CONSTRAINT {} {}", ident(&c.name), c.definition));
                }
            }
            Some(_) => {}
        }
    }
    match &d.default {
        Some(DomainDefault::Expr(e)) => q.push_str(&format!(" DEFAULT {e}")),
        Some(DomainDefault::Literal(l)) => q.push_str(&format!(" DEFAULT {}", literal(l, true))),
        None => {}
    }
    for c in d
        .constraints
        .iter()
        .filter(|c| c.contype == b'c' && inline(c))
    {
        q.push_str(&format!(
            "\n\tCONSTRAINT {} {}",
            ident(&c.name),
            c.definition
        ));
    }
    q.push_str(";\n");
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coll(schema: &str, name: &str) -> Option<QualifiedName> {
        Some(QualifiedName {
            schema: schema.to_owned(),
            name: name.to_owned(),
        })
    }

    fn constraint(
        oid: u32,
        name: &str,
        contype: u8,
        def: &str,
        validated: bool,
    ) -> DomainConstraint {
        DomainConstraint {
            oid,
            name: name.to_owned(),
            contype,
            definition: def.to_owned(),
            validated,
        }
    }

    #[test]
    fn enums() {
        let labels = ["sad", "it's \"great\"", "ünïcödé"].map(str::to_owned);
        insta::assert_snapshot!(format!(
            "{}{}",
            enum_sql("\"S\".\"Mood\"", &labels),
            enum_sql("s.\"select\"", &[])
        ));
    }

    #[test]
    fn composites() {
        let atts = vec![
            Attribute {
                num: 1,
                name: "Left".to_owned(),
                type_name: "text".to_owned(),
                collation: coll("pg_catalog", "C"),
            },
            Attribute {
                num: 3,
                name: "right".to_owned(),
                type_name: "character varying(10)".to_owned(),
                collation: None,
            },
        ];
        insta::assert_snapshot!(format!(
            "{}{}",
            composite_sql("\"S\".\"Pair\"", &atts),
            composite_sql("s.nothing", &[])
        ));
    }

    #[test]
    fn ranges() {
        let plain = RangeInfo {
            subtype: "double precision".to_owned(),
            multirange: Some("s.float_multirange".to_owned()),
            subtype_diff: Some("float8mi".to_owned()),
            ..RangeInfo::default()
        };
        let everything = RangeInfo {
            subtype: "text".to_owned(),
            multirange: Some("s.\"Text Ranges\"".to_owned()),
            opclass: coll("pg_catalog", "text_pattern_ops"),
            collation: coll("pg_catalog", "C"),
            canonical: Some("s.canon".to_owned()),
            subtype_diff: Some("s.diff".to_owned()),
        };
        insta::assert_snapshot!(format!(
            "{}{}",
            range_sql("s.float_range", &plain),
            range_sql("s.\"Text Range\"", &everything)
        ));
    }

    #[test]
    fn domains() {
        let checks = DomainInfo {
            base: "numeric(12,2)".to_owned(),
            not_null: true,
            default: Some(DomainDefault::Expr("0".to_owned())),
            constraints: vec![
                constraint(1, "a_cap", b'c', "CHECK ((VALUE < 10))", true),
                constraint(2, "later", b'c', "CHECK ((VALUE <> 5)) NOT VALID", false),
                constraint(3, "money_not_null", b'n', "NOT NULL", true),
                constraint(4, "positive amount", b'c', "CHECK ((VALUE >= 0))", true),
            ],
            ..DomainInfo::default()
        };
        let named_not_null = DomainInfo {
            base: "text".to_owned(),
            collation: coll("pg_catalog", "C"),
            not_null: true,
            default: Some(DomainDefault::Literal("x'y".to_owned())),
            constraints: vec![constraint(5, "must be set", b'n', "NOT NULL", true)],
        };
        let pre_17 = DomainInfo {
            base: "integer".to_owned(),
            not_null: true,
            ..DomainInfo::default()
        };
        insta::assert_snapshot!(format!(
            "{}{}{}",
            domain_sql("money", "s.money", &checks, |c| c.validated),
            domain_sql("code", "s.code", &named_not_null, |c| c.validated),
            domain_sql("n", "s.n", &pre_17, |c| c.validated),
        ));
    }
}
