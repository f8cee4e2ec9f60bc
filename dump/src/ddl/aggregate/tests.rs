use super::*;

fn render(a: &AggregateSql) -> String {
    format!(
        "-- tag\n{}\n-- create\n{}-- drop\n{}-- comment name\n{}\n-- grant name\n{}\n",
        a.tag, a.sql.create, a.sql.drop, a.sql.comment_name, a.acl_name
    )
}

fn plain() -> Aggregate {
    Aggregate {
        oid: 16700,
        schema: "Ops Schema".to_owned(),
        name: "My Avg".to_owned(),
        owner: "postgres".to_owned(),
        arg_types: vec!["integer".to_owned()],
        arguments: "integer".to_owned(),
        identity_arguments: "integer".to_owned(),
        kind: b'n',
        transfn: "int4_avg_accum".to_owned(),
        transtype: "bigint[]".to_owned(),
        finalmodify: b'r',
        mfinalmodify: b'r',
        mtranstype: "-".to_owned(),
        parallel: b'u',
        ..Aggregate::default()
    }
}

#[test]
fn minimal_aggregate() {
    insta::assert_snapshot!(render(&aggregate_sql(&plain())));
}

#[test]
fn every_option_of_a_plain_aggregate() {
    let a = Aggregate {
        transspace: 128,
        initval: Some("{0,'0'}".to_owned()),
        finalfn: Some("int8_avg".to_owned()),
        finalextra: true,
        finalmodify: b'w',
        combinefn: Some("int4_avg_combine".to_owned()),
        serialfn: Some("\"S\".ser".to_owned()),
        deserialfn: Some("\"S\".deser".to_owned()),
        mtransfn: Some("int4_avg_accum".to_owned()),
        minvtransfn: Some("int4_avg_accum_inv".to_owned()),
        mtranstype: "bigint[]".to_owned(),
        mtransspace: 64,
        minitval: Some("{0,0}".to_owned()),
        mfinalfn: Some("int8_avg".to_owned()),
        mfinalextra: true,
        mfinalmodify: b's',
        sortop: Some(("pg_catalog".to_owned(), ">".to_owned())),
        parallel: b's',
        ..plain()
    };
    insta::assert_snapshot!(render(&aggregate_sql(&a)));
}

#[test]
fn zero_argument_aggregate_says_star() {
    let a = Aggregate {
        name: "count*".to_owned(),
        arg_types: Vec::new(),
        arguments: String::new(),
        identity_arguments: String::new(),
        parallel: b'r',
        ..plain()
    };
    insta::assert_snapshot!(render(&aggregate_sql(&a)));
}

#[test]
fn ordered_and_hypothetical_set_aggregates() {
    let ordered = Aggregate {
        name: "pct disc".to_owned(),
        arg_types: vec!["double precision".to_owned(), "anyelement".to_owned()],
        arguments: "double precision ORDER BY anyelement".to_owned(),
        identity_arguments: "double precision ORDER BY anyelement".to_owned(),
        kind: b'o',
        finalfn: Some("percentile_disc_final".to_owned()),
        finalextra: true,
        // Read-write is the default of ordered-set aggregates: not printed.
        finalmodify: b'w',
        ..plain()
    };
    let hypothetical = Aggregate {
        name: "my_rank".to_owned(),
        arg_types: vec!["\"any\"".to_owned()],
        arguments: "VARIADIC \"any\" ORDER BY VARIADIC \"any\"".to_owned(),
        identity_arguments: "VARIADIC \"any\" ORDER BY VARIADIC \"any\"".to_owned(),
        kind: b'h',
        finalmodify: b'r',
        ..ordered.clone()
    };
    insta::assert_snapshot!(format!(
        "{}\n{}",
        render(&aggregate_sql(&ordered)),
        render(&aggregate_sql(&hypothetical))
    ));
}
