use super::*;
use crate::catalog::text_search::TsMapping;

fn render(sql: &ObjectSql) -> String {
    format!(
        "-- create\n{}-- drop\n{}-- comment name\n{}\n",
        sql.create, sql.drop, sql.comment_name
    )
}

fn two(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

#[test]
fn parsers_with_and_without_headline() {
    let p = TsParser {
        oid: 16800,
        schema: "Ops Schema".to_owned(),
        name: "My Parser".to_owned(),
        start: "prsd_start".to_owned(),
        token: "prsd_nexttoken".to_owned(),
        end: "prsd_end".to_owned(),
        headline: Some("prsd_headline".to_owned()),
        lextypes: "prsd_lextype".to_owned(),
        ..TsParser::default()
    };
    let bare = TsParser {
        headline: None,
        ..p.clone()
    };
    insta::assert_snapshot!(format!(
        "{}\n{}",
        render(&ts_parser_sql(&p)),
        render(&ts_parser_sql(&bare))
    ));
}

#[test]
fn templates_with_and_without_init() {
    let t = TsTemplate {
        oid: 16801,
        schema: "ops_other".to_owned(),
        name: "Simple \"Tmpl\"".to_owned(),
        init: Some("dsimple_init".to_owned()),
        lexize: "\"My Schema\".lexize".to_owned(),
        ..TsTemplate::default()
    };
    let bare = TsTemplate {
        init: None,
        ..t.clone()
    };
    insta::assert_snapshot!(format!(
        "{}\n{}",
        render(&ts_template_sql(&t)),
        render(&ts_template_sql(&bare))
    ));
}

#[test]
fn dictionaries_with_and_without_options() {
    let d = TsDict {
        oid: 16802,
        schema: "ops_other".to_owned(),
        name: "My Dict".to_owned(),
        owner: "postgres".to_owned(),
        template: two("pg_catalog", "snowball"),
        init_option: Some("language = 'english', stopwords = 'english'".to_owned()),
        ..TsDict::default()
    };
    let bare = TsDict {
        init_option: None,
        ..d.clone()
    };
    insta::assert_snapshot!(format!(
        "{}\n{}",
        render(&ts_dict_sql(&d)),
        render(&ts_dict_sql(&bare))
    ));
}

#[test]
fn configuration_with_mappings() {
    let c = TsConfig {
        oid: 16803,
        schema: "Ops Schema".to_owned(),
        name: "My Config".to_owned(),
        owner: "postgres".to_owned(),
        parser: two("Ops Schema", "My Parser"),
        mappings: vec![
            TsMapping {
                token: "asciiword".to_owned(),
                dictionaries: vec!["\"Ops Schema\".snow".to_owned(), "simple".to_owned()],
            },
            TsMapping {
                token: "int".to_owned(),
                dictionaries: vec!["ops_other.plain".to_owned()],
            },
        ],
        ..TsConfig::default()
    };
    let bare = TsConfig {
        mappings: Vec::new(),
        ..c.clone()
    };
    insta::assert_snapshot!(format!(
        "{}\n{}",
        render(&ts_config_sql(&c)),
        render(&ts_config_sql(&bare))
    ));
}

#[test]
fn access_methods_of_each_type() {
    let index = AccessMethod {
        oid: 16900,
        name: "Ops AM".to_owned(),
        kind: b'i',
        handler: "bthandler".to_owned(),
    };
    let table = AccessMethod {
        name: "ops_heap".to_owned(),
        kind: b't',
        handler: "heap_tableam_handler".to_owned(),
        ..index.clone()
    };
    let unknown = AccessMethod {
        kind: b'x',
        ..index.clone()
    };
    assert_eq!(access_method_sql(&unknown), None);
    insta::assert_snapshot!(format!(
        "{}\n{}",
        render(&access_method_sql(&index).unwrap()),
        render(&access_method_sql(&table).unwrap())
    ));
}
