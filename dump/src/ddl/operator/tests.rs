use super::*;
use crate::catalog::operators::{AmOp, AmProc};

fn render(sql: &ObjectSql) -> String {
    format!(
        "-- create\n{}-- drop\n{}-- comment name\n{}\n",
        sql.create, sql.drop, sql.comment_name
    )
}

fn pair(schema: &str, name: &str) -> Option<(String, String)> {
    Some((schema.to_owned(), name.to_owned()))
}

fn infix() -> Operator {
    Operator {
        oid: 16400,
        schema: "Ops Schema".to_owned(),
        name: "===".to_owned(),
        owner: "postgres".to_owned(),
        kind: b'b',
        left: "integer".to_owned(),
        right: "integer".to_owned(),
        function: Some("int4eq(integer,integer)".to_owned()),
        commutator: pair("Ops Schema", "==="),
        negator: pair("public", "!=="),
        restrict: Some("eqsel(internal,oid,internal,integer)".to_owned()),
        join: Some("eqjoinsel(internal,oid,internal,smallint,internal)".to_owned()),
        merges: true,
        hashes: true,
        ..Operator::default()
    }
}

#[test]
fn infix_operator_with_every_option() {
    insta::assert_snapshot!(render(&operator_sql(&infix()).unwrap()));
}

#[test]
fn prefix_operator_has_no_left_argument() {
    let op = Operator {
        kind: b'l',
        name: "@-@".to_owned(),
        left: "-".to_owned(),
        right: "bigint".to_owned(),
        function: Some("\"My(Schema\".\"neg(\"(bigint)".to_owned()),
        commutator: None,
        negator: None,
        restrict: None,
        join: None,
        merges: false,
        hashes: false,
        ..infix()
    };
    insta::assert_snapshot!(render(&operator_sql(&op).unwrap()));
}

#[test]
fn shell_operator_is_not_dumped() {
    let op = Operator {
        function: None,
        ..infix()
    };
    assert_eq!(operator_sql(&op), None);
}

fn members() -> Members {
    Members {
        operators: vec![
            AmOp {
                strategy: 1,
                operator: "<(integer,bigint)".to_owned(),
                sort_family: None,
            },
            AmOp {
                strategy: 15,
                operator: "<->(point,point)".to_owned(),
                sort_family: pair("pg_catalog", "float_ops"),
            },
        ],
        functions: vec![AmProc {
            number: 1,
            function: "btint48cmp(integer,bigint)".to_owned(),
            left: "integer".to_owned(),
            right: "bigint".to_owned(),
        }],
    }
}

fn opclass() -> OpClass {
    OpClass {
        oid: 16500,
        schema: "Ops Schema".to_owned(),
        name: "int4 ops".to_owned(),
        owner: "postgres".to_owned(),
        method: "btree".to_owned(),
        input_type: "integer".to_owned(),
        family: pair("Ops Schema", "Int \"Fam\""),
        ..OpClass::default()
    }
}

#[test]
fn operator_class_with_members() {
    let c = OpClass {
        default: true,
        storage: Some("box".to_owned()),
        members: members(),
        ..opclass()
    };
    insta::assert_snapshot!(render(&opclass_sql(&c)));
}

#[test]
fn empty_operator_class_gets_a_dummy_storage() {
    insta::assert_snapshot!(render(&opclass_sql(&opclass())));
}

#[test]
fn operator_family_with_and_without_loose_members() {
    let f = OpFamily {
        oid: 16600,
        schema: "ops_other".to_owned(),
        name: "Int \"Fam\"".to_owned(),
        owner: "postgres".to_owned(),
        method: "hash".to_owned(),
        ..OpFamily::default()
    };
    let loose = OpFamily {
        members: members(),
        ..f.clone()
    };
    insta::assert_snapshot!(format!(
        "{}\n{}",
        render(&opfamily_sql(&f)),
        render(&opfamily_sql(&loose))
    ));
}
