//! AGGREGATE entries (pg_dump's dumpAgg), with their comments, security labels and
//! privileges (granted as on a FUNCTION, there being no GRANT ... ON AGGREGATE).

use tusk_format::quote::{ident, literal};

use super::Builder;
use super::operator::{ObjectSql, operator_ref};
use crate::acl::{AclTarget, AclType};
use crate::catalog::Aggregate;
use crate::objects::DumpObject;

/// An aggregate's SQL, its TOC tag (name unquoted, argument types) and the signature GRANT
/// names it by.
#[derive(Debug, PartialEq, Eq)]
pub struct AggregateSql {
    pub sql: ObjectSql,
    pub tag: String,
    pub acl_name: String,
}

impl Builder<'_> {
    pub(super) fn aggregate(&mut self, obj: &DumpObject, agg: &Aggregate) {
        let AggregateSql { sql, tag, acl_name } = aggregate_sql(agg);
        let signature = sql.comment_name.clone();
        let at = (Some(agg.schema.as_str()), tag.as_str());
        self.pre_data_object(obj, "AGGREGATE", at, Some(&agg.owner), sql);
        self.seclabel(
            "AGGREGATE",
            &signature,
            Some(&agg.schema),
            &agg.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
        let target = AclTarget {
            kind: AclType::Function,
            name: &acl_name,
            subname: None,
            schema: Some(&agg.schema),
            owner: Some(&agg.owner),
        };
        self.acl(obj.id, None, target, None, &agg.acl);
    }
}

/// `FINALFUNC_MODIFY` and `MFINALFUNC_MODIFY` when not the kind's default (DefineAggregate's:
/// read-only for plain aggregates, read-write for ordered-set ones).
fn modify(option: &str, value: u8, kind: u8) -> String {
    let default = if kind == b'n' { b'r' } else { b'w' };
    let word = match value {
        _ if value == default => return String::new(),
        b'r' => "READ_ONLY",
        b's' => "SHAREABLE",
        _ => "READ_WRITE",
    };
    format!(",\n    {option} = {word}")
}

/// `dumpAgg`.
pub fn aggregate_sql(agg: &Aggregate) -> AggregateSql {
    let name = ident(&agg.name);
    let (signature, full) = if agg.arg_types.is_empty() {
        (format!("{name}(*)"), format!("{name}(*)"))
    } else {
        (
            format!("{name}({})", agg.identity_arguments),
            format!("{name}({})", agg.arguments),
        )
    };
    let mut d = format!(
        "    SFUNC = {},\n    STYPE = {}",
        agg.transfn, agg.transtype
    );
    if agg.transspace != 0 {
        d.push_str(&format!(",\n    SSPACE = {}", agg.transspace));
    }
    if let Some(init) = &agg.initval {
        d.push_str(&format!(",\n    INITCOND = {}", literal(init, true)));
    }
    if let Some(f) = &agg.finalfn {
        d.push_str(&format!(",\n    FINALFUNC = {f}"));
        if agg.finalextra {
            d.push_str(",\n    FINALFUNC_EXTRA");
        }
        d.push_str(&modify("FINALFUNC_MODIFY", agg.finalmodify, agg.kind));
    }
    for (option, f) in [
        ("COMBINEFUNC", &agg.combinefn),
        ("SERIALFUNC", &agg.serialfn),
        ("DESERIALFUNC", &agg.deserialfn),
    ] {
        if let Some(f) = f {
            d.push_str(&format!(",\n    {option} = {f}"));
        }
    }
    if let Some(f) = &agg.mtransfn {
        d.push_str(&format!(
            ",\n    MSFUNC = {f},\n    MINVFUNC = {},\n    MSTYPE = {}",
            agg.minvtransfn.as_deref().unwrap_or("-"),
            agg.mtranstype
        ));
    }
    if agg.mtransspace != 0 {
        d.push_str(&format!(",\n    MSSPACE = {}", agg.mtransspace));
    }
    if let Some(init) = &agg.minitval {
        d.push_str(&format!(",\n    MINITCOND = {}", literal(init, true)));
    }
    if let Some(f) = &agg.mfinalfn {
        d.push_str(&format!(",\n    MFINALFUNC = {f}"));
        if agg.mfinalextra {
            d.push_str(",\n    MFINALFUNC_EXTRA");
        }
        d.push_str(&modify("MFINALFUNC_MODIFY", agg.mfinalmodify, agg.kind));
    }
    if let Some(op) = &agg.sortop {
        d.push_str(&format!(",\n    SORTOP = {}", operator_ref(op)));
    }
    if agg.kind == b'h' {
        d.push_str(",\n    HYPOTHETICAL");
    }
    match agg.parallel {
        b's' => d.push_str(",\n    PARALLEL = safe"),
        b'r' => d.push_str(",\n    PARALLEL = restricted"),
        _ => {}
    }
    let schema = ident(&agg.schema);
    let types = agg.arg_types.join(", ");
    AggregateSql {
        sql: ObjectSql {
            create: format!("CREATE AGGREGATE {schema}.{full} (\n{d}\n);\n"),
            drop: format!("DROP AGGREGATE {schema}.{signature};\n"),
            comment_name: signature,
        },
        tag: if agg.arg_types.is_empty() {
            format!("{}(*)", agg.name)
        } else {
            format!("{}({types})", agg.name)
        },
        acl_name: format!("{name}({types})"),
    }
}

#[cfg(test)]
mod tests;
