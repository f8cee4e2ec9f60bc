//! Enum, composite, range and domain types (`pg_type`), read as pg_dump's getTypes,
//! getDomainConstraints and the queries of dumpEnumType, dumpCompositeType, dumpRangeType and
//! dumpDomain read them, but for all types at once.

use tokio_postgres::{Client, Row};

use super::{get, oid_array, text_array};
use crate::acl::Acl;
use crate::error::DumpError;

/// A schema-qualified name printed as such (a collation, an operator class), unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

/// A user-defined type that pg_dump dumps with CREATE TYPE or CREATE DOMAIN.
#[derive(Debug, Clone)]
pub struct UserType {
    pub oid: u32,
    pub namespace_oid: u32,
    pub schema: String,
    pub name: String,
    pub owner: String,
    pub acl: Acl,
    pub kind: TypeKind,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    /// Labels in `enumsortorder`.
    Enum(Vec<String>),
    /// The type's `pg_class` entry and its attributes, dropped ones left out.
    Composite {
        relid: u32,
        attributes: Vec<Attribute>,
    },
    Range(RangeInfo),
    Domain(DomainInfo),
}

/// An attribute of a composite type.
#[derive(Debug, Clone)]
pub struct Attribute {
    pub num: i16,
    pub name: String,
    /// `format_type(atttypid, atttypmod)`.
    pub type_name: String,
    /// Printed only when it differs from the attribute type's.
    pub collation: Option<QualifiedName>,
}

#[derive(Debug, Clone, Default)]
pub struct RangeInfo {
    pub subtype: String,
    /// `format_type(rngmultitypid)`.
    pub multirange: Option<String>,
    /// Printed only when not the subtype's default.
    pub opclass: Option<QualifiedName>,
    /// Printed only when it differs from the subtype's.
    pub collation: Option<QualifiedName>,
    /// Function names as `regproc` prints them.
    pub canonical: Option<String>,
    pub subtype_diff: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DomainInfo {
    /// `format_type(typbasetype, typtypmod)`.
    pub base: String,
    /// Printed only when it differs from the base type's.
    pub collation: Option<QualifiedName>,
    pub not_null: bool,
    pub default: Option<DomainDefault>,
    /// CHECK constraints, and from 17 the not-null one, in name order.
    pub constraints: Vec<DomainConstraint>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainDefault {
    /// `pg_get_expr(typdefaultbin)`.
    Expr(String),
    /// Only `typdefault` is set: printed as a literal.
    Literal(String),
}

/// A `pg_constraint` row of a domain.
#[derive(Debug, Clone)]
pub struct DomainConstraint {
    pub oid: u32,
    pub name: String,
    /// 'c' CHECK or 'n' NOT NULL.
    pub contype: u8,
    /// `pg_get_constraintdef`.
    pub definition: String,
    pub validated: bool,
}

/// A type pg_dump keeps as a dummy (an array type, a multirange and its array): never
/// printed, but what uses it depends through it on the type it derives from.
#[derive(Debug, Clone)]
pub struct DerivedType {
    pub oid: u32,
    pub name: String,
    pub schema: String,
    /// The enum, composite, range or domain type it derives from.
    pub base_oid: u32,
}

/// The relation kind of a composite type's `pg_class` entry, from a `pg_type` alias.
fn composite_relkind(alias: &str) -> String {
    format!("(SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = {alias}.typrelid)")
}

/// Whether the `pg_type` alias is one of the kinds read here.
fn dumped_kind(alias: &str) -> String {
    format!(
        "({alias}.typtype IN ('e', 'r', 'd', 'm') OR ({alias}.typtype = 'c' AND {} = 'c'))",
        composite_relkind(alias)
    )
}

/// Reads the types and the dummies derived from them, in OID order; of pg_catalog's types, the
/// range types with privileges set, whose changes pg_dump dumps (its multiranges and arrays
/// cannot have privileges of their own).
pub async fn load_types(client: &Client) -> Result<(Vec<UserType>, Vec<DerivedType>), DumpError> {
    let multirange_of = |alias: &str| {
        format!(
            "(SELECT mr.rngtypid FROM pg_catalog.pg_range mr WHERE mr.rngmultitypid = {alias}.oid)"
        )
    };
    let sql = format!(
        "SELECT t.oid, t.typnamespace, n.nspname::text, t.typname::text, \
                pg_catalog.pg_get_userbyid(t.typowner)::text, t.typtype, t.typrelid, \
                t.typacl::text[], pg_catalog.acldefault('T', t.typowner)::text[], \
                CASE WHEN t.typtype = 'm' THEN {t_range} \
                     WHEN e.oid IS NOT NULL AND e.typtype = 'm' THEN {e_range} \
                     ELSE e.oid END AS base_oid, \
                ARRAY(SELECT en.enumlabel::text FROM pg_catalog.pg_enum en \
                      WHERE en.enumtypid = t.oid ORDER BY en.enumsortorder), \
                pg_catalog.format_type(r.rngmultitypid, NULL), \
                pg_catalog.format_type(r.rngsubtype, NULL), \
                opcn.nspname::text, opc.opcname::text, opc.opcdefault, \
                rcn.nspname::text, rc.collname::text, \
                r.rngcanonical::pg_catalog.text, r.rngsubdiff::pg_catalog.text, \
                t.typnotnull, pg_catalog.format_type(t.typbasetype, t.typtypmod), \
                pg_catalog.pg_get_expr(t.typdefaultbin, 'pg_catalog.pg_type'::pg_catalog.regclass), \
                t.typdefault, dcn.nspname::text, dc.collname::text \
         FROM pg_catalog.pg_type t \
         JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         LEFT JOIN pg_catalog.pg_type e ON t.typelem <> 0 AND e.oid = t.typelem AND e.typarray = t.oid \
         LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid \
         LEFT JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype \
         LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc \
         LEFT JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace \
         LEFT JOIN pg_catalog.pg_collation rc ON rc.oid = r.rngcollation \
              AND r.rngcollation <> st.typcollation \
         LEFT JOIN pg_catalog.pg_namespace rcn ON rcn.oid = rc.collnamespace \
         LEFT JOIN pg_catalog.pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype \
         LEFT JOIN pg_catalog.pg_collation dc ON dc.oid = t.typcollation \
              AND t.typcollation <> bt.typcollation \
         LEFT JOIN pg_catalog.pg_namespace dcn ON dcn.oid = dc.collnamespace \
         WHERE ((n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' \
                 AND CASE WHEN e.oid IS NULL THEN {t_kind} ELSE {e_kind} END) \
                OR (n.nspname = 'pg_catalog' AND t.typtype = 'r' AND t.typacl IS NOT NULL)) \
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend x \
               WHERE x.classid = 'pg_catalog.pg_type'::pg_catalog.regclass \
                 AND x.objid = t.oid AND x.deptype = 'e') \
         ORDER BY t.oid",
        t_range = multirange_of("t"),
        e_range = multirange_of("e"),
        t_kind = dumped_kind("t"),
        e_kind = dumped_kind("e"),
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading types"))?;
    let mut types = Vec::new();
    let mut derived = Vec::new();
    for r in &rows {
        let typtype = get::<i8>(r, 5)? as u8;
        if let Some(base_oid) = get::<Option<u32>>(r, 9)? {
            derived.push(DerivedType {
                oid: get(r, 0)?,
                schema: get(r, 2)?,
                name: get(r, 3)?,
                base_oid,
            });
            continue;
        }
        let kind = match typtype {
            b'e' => TypeKind::Enum(text_array(r, 10)?),
            b'c' => TypeKind::Composite {
                relid: get(r, 6)?,
                attributes: Vec::new(),
            },
            b'r' => TypeKind::Range(RangeInfo {
                multirange: get(r, 11)?,
                subtype: get(r, 12)?,
                opclass: if get::<Option<bool>>(r, 15)?.unwrap_or(true) {
                    None
                } else {
                    qualified_name(r, 13)?
                },
                collation: qualified_name(r, 16)?,
                canonical: regproc(r, 18)?,
                subtype_diff: regproc(r, 19)?,
            }),
            b'd' => TypeKind::Domain(DomainInfo {
                not_null: get(r, 20)?,
                base: get(r, 21)?,
                default: match (get::<Option<String>>(r, 22)?, get(r, 23)?) {
                    (Some(expr), _) => Some(DomainDefault::Expr(expr)),
                    (None, Some(text)) => Some(DomainDefault::Literal(text)),
                    (None, None) => None,
                },
                collation: qualified_name(r, 24)?,
                constraints: Vec::new(),
            }),
            // A multirange without its range: nothing to attach it to.
            _ => continue,
        };
        types.push(UserType {
            oid: get(r, 0)?,
            namespace_oid: get(r, 1)?,
            schema: get(r, 2)?,
            name: get(r, 3)?,
            owner: get(r, 4)?,
            acl: Acl {
                acl: get(r, 7)?,
                default: text_array(r, 8)?,
                init: None,
            },
            kind,
        });
    }
    Ok((types, derived))
}

/// (schema, name) in columns `idx` and `idx + 1`, both NULL when there is none.
fn qualified_name(r: &Row, idx: usize) -> Result<Option<QualifiedName>, DumpError> {
    Ok(
        match (
            get::<Option<String>>(r, idx)?,
            get::<Option<String>>(r, idx + 1)?,
        ) {
            (Some(schema), Some(name)) => Some(QualifiedName { schema, name }),
            _ => None,
        },
    )
}

/// A `regproc` column: `-` is no function.
fn regproc(r: &Row, idx: usize) -> Result<Option<String>, DumpError> {
    Ok(get::<Option<String>>(r, idx)?.filter(|p| p != "-"))
}

/// Fills in the composite types' attributes and the domains' constraints.
pub async fn load_type_details(
    client: &Client,
    server_version: i32,
    types: &mut [UserType],
) -> Result<(), DumpError> {
    let index: std::collections::HashMap<u32, usize> =
        types.iter().enumerate().map(|(i, t)| (t.oid, i)).collect();
    let composites = oid_array(
        types
            .iter()
            .filter(|t| matches!(t.kind, TypeKind::Composite { .. }))
            .map(|t| t.oid),
    );
    let sql = format!(
        "SELECT ct.oid, a.attnum, a.attname::text, \
                pg_catalog.format_type(a.atttypid, a.atttypmod), cn.nspname::text, cl.collname::text \
         FROM unnest('{composites}'::pg_catalog.oid[]) AS src(typoid) \
         JOIN pg_catalog.pg_type ct ON ct.oid = src.typoid \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = ct.typrelid \
         LEFT JOIN pg_catalog.pg_type at ON at.oid = a.atttypid \
         LEFT JOIN pg_catalog.pg_collation cl ON cl.oid = a.attcollation \
              AND a.attcollation <> at.typcollation \
         LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = cl.collnamespace \
         WHERE a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY ct.oid, a.attnum"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading composite types' attributes"))?;
    for r in &rows {
        let Some(&i) = index.get(&get::<u32>(r, 0)?) else {
            continue;
        };
        if let TypeKind::Composite { attributes, .. } = &mut types[i].kind {
            attributes.push(Attribute {
                num: get(r, 1)?,
                name: get(r, 2)?,
                type_name: get(r, 3)?,
                collation: qualified_name(r, 4)?,
            });
        }
    }

    let domains = oid_array(
        types
            .iter()
            .filter(|t| matches!(t.kind, TypeKind::Domain(_)))
            .map(|t| t.oid),
    );
    // From 17 a domain's NOT NULL is a constraint of its own, with a name.
    let contypes = if server_version >= 170000 {
        "'c', 'n'"
    } else {
        "'c'"
    };
    let sql = format!(
        "SELECT c.contypid, c.oid, c.conname::text, pg_catalog.pg_get_constraintdef(c.oid), \
                c.convalidated, c.contype \
         FROM unnest('{domains}'::pg_catalog.oid[]) AS src(typoid) \
         JOIN pg_catalog.pg_constraint c ON c.contypid = src.typoid \
         WHERE c.contype IN ({contypes}) \
         ORDER BY c.contypid, c.conname"
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(DumpError::query("reading domain constraints"))?;
    for r in &rows {
        let Some(&i) = index.get(&get::<u32>(r, 0)?) else {
            continue;
        };
        if let TypeKind::Domain(d) = &mut types[i].kind {
            d.constraints.push(DomainConstraint {
                oid: get(r, 1)?,
                name: get(r, 2)?,
                definition: get(r, 3)?,
                validated: get(r, 4)?,
                contype: get::<i8>(r, 5)? as u8,
            });
        }
    }
    Ok(())
}
