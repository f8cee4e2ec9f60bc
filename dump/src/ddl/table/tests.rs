use super::{TableContext, create_table};
use crate::catalog::{
    AttrDefault, Catalog, CheckState, Column, Constraint, Relation, TableDetails,
    tables::ColumnSettings,
};

fn rel(oid: u32, schema: &str, name: &str, relkind: u8, columns: Vec<Column>) -> Relation {
    Relation {
        oid,
        schema: schema.to_owned(),
        name: name.to_owned(),
        relkind,
        owner: "owner".to_owned(),
        persistence: b'p',
        reloptions: Vec::new(),
        toast_reloptions: Vec::new(),
        tablespace: String::new(),
        access_method: Some("heap".to_owned()),
        owned_by: None,
        columns,
        sequence: None,
        view: None,
        acl: Default::default(),
        column_acls: Vec::new(),
        pages: 0,
        tuples: None,
        table: TableDetails {
            replica_identity: b'd',
            ..TableDetails::default()
        },
        selected: true,
    }
}

fn col(num: i16, name: &str, type_name: &str) -> Column {
    Column {
        num,
        name: name.to_owned(),
        type_name: type_name.to_owned(),
        is_local: true,
        settings: ColumnSettings {
            stat_target: -1,
            storage: b'x',
            type_storage: b'x',
            ..ColumnSettings::default()
        },
        ..Column::default()
    }
}

fn check(oid: u32, table: u32, name: &str, def: &str, is_local: bool) -> Constraint {
    Constraint {
        oid,
        table_oid: table,
        name: name.to_owned(),
        contype: b'c',
        definition: Some(def.to_owned()),
        check: Some(CheckState {
            is_local,
            validated: true,
        }),
        ..Constraint::default()
    }
}

fn render(cat: &Catalog, oid: u32, no_toast_compression: bool) -> String {
    let ctx = TableContext {
        cat,
        inline_default: &|_| true,
        inline_check: &|_| true,
        no_toast_compression,
    };
    create_table(&ctx, cat.relation(oid).expect("relation in catalog"))
}

#[test]
fn partition_lists_inherited_columns_and_checks() {
    let parent = rel(1, "public", "Measure", b'p', vec![col(1, "id", "integer")]);
    let mut id = col(1, "id", "integer");
    id.is_local = false;
    id.not_null = Some("Measure_id_not_null".to_owned());
    id.not_null_is_local = false;
    let mut day = col(2, "day", "date");
    day.default = Some(AttrDefault {
        oid: 10,
        expr: "CURRENT_DATE".to_owned(),
    });
    let mut part = rel(2, "public", "measure 1", b'r', vec![id, day]);
    part.table.is_partition = true;
    part.table.parents = vec![1];
    part.table.partition_bound = Some("FOR VALUES IN (1)".to_owned());
    let cat = Catalog::for_tests(
        vec![parent, part],
        vec![check(20, 2, "id_pos", "CHECK ((id > 0))", false)],
    );
    insta::assert_snapshot!(render(&cat, 2, false));
}

#[test]
fn inherited_child_prints_only_local_parts() {
    let a = rel(1, "s", "A", b'r', vec![col(1, "x", "integer")]);
    let b = rel(2, "s", "b", b'r', vec![col(1, "y", "text")]);
    let mut x = col(1, "x", "integer");
    x.is_local = false;
    x.not_null = Some("Named NN".to_owned());
    x.not_null_is_local = true;
    let mut y = col(2, "y", "text");
    y.default = Some(AttrDefault {
        oid: 0,
        expr: "NULL".to_owned(),
    });
    let dropped = Column {
        dropped: true,
        ..col(3, "........pg.dropped.3........", "")
    };
    let mut z = col(4, "z", "integer");
    z.not_null = Some(String::new());
    z.not_null_is_local = true;
    z.not_null_no_inherit = true;
    let mut child = rel(3, "s", "child", b'r', vec![x, y, dropped, z]);
    child.table.parents = vec![1, 2];
    let cat = Catalog::for_tests(
        vec![a, b, child],
        vec![
            check(20, 3, "inherited", "CHECK ((x > 0))", false),
            check(21, 3, "own", "CHECK ((z <> 0)) NO INHERIT", true),
        ],
    );
    insta::assert_snapshot!(render(&cat, 3, false));
}

#[test]
fn table_properties_and_column_settings() {
    let mut doc = col(1, "doc", "text");
    doc.settings = ColumnSettings {
        stat_target: 500,
        storage: b'e',
        type_storage: b'x',
        compression: b'l',
        options: "n_distinct=100".to_owned(),
        ..ColumnSettings::default()
    };
    let mut key = col(2, "Key", "integer");
    key.collation = Some("pg_catalog.\"C\"".to_owned());
    key.settings.stat_target = 0;
    let mut t = rel(1, "public", "props", b'p', vec![doc, key]);
    t.persistence = b'u';
    t.reloptions = vec!["fillfactor=70".to_owned()];
    t.toast_reloptions = vec!["autovacuum_enabled=false".to_owned()];
    t.table.partition_key = Some("RANGE (\"Key\")".to_owned());
    t.table.replica_identity = b'f';
    t.table.force_row_security = true;
    let cat = Catalog::for_tests(vec![t], Vec::new());
    insta::assert_snapshot!("props", render(&cat, 1, false));
    insta::assert_snapshot!("props_no_toast_compression", render(&cat, 1, true));
}

#[test]
fn empty_table_keeps_parentheses() {
    let mut t = rel(1, "public", "no columns", b'r', Vec::new());
    t.persistence = b'u';
    t.table.replica_identity = b'n';
    let cat = Catalog::for_tests(vec![t], Vec::new());
    insta::assert_snapshot!(render(&cat, 1, false));
}

#[test]
fn foreign_table_with_options() {
    let mut id = col(1, "id", "integer");
    id.not_null = Some(String::new());
    id.not_null_is_local = true;
    let mut note = col(2, "note", "text");
    note.settings.stat_target = 50;
    let mut t = rel(1, "Foreign Schema", "Remote \"T\"", b'f', vec![id, note]);
    // Not printed for a foreign table.
    t.table.replica_identity = b'f';
    let mut cat = Catalog::for_tests(vec![t], Vec::new());
    cat.foreign_tables.insert(
        1,
        crate::catalog::ForeignTable {
            server_oid: 7,
            server: "select".to_owned(),
            options: "schema_name 'remote',\n    table_name 'it''s'".to_owned(),
            column_options: vec![(2, "\"z opt\" 'last'".to_owned())],
        },
    );
    insta::assert_snapshot!(render(&cat, 1, false));
}

#[test]
fn typed_tables_print_only_what_the_type_lacks() {
    let mut plain = rel(
        1,
        "public",
        "plain",
        b'r',
        vec![col(1, "id", "integer"), col(2, "name", "text")],
    );
    let mut id = col(1, "id", "integer");
    id.not_null = Some(String::new());
    id.not_null_is_local = true;
    let mut name = col(2, "name", "text");
    name.default = Some(AttrDefault {
        oid: 10,
        expr: "''::text".to_owned(),
    });
    let mut tuned = rel(
        2,
        "public",
        "tuned",
        b'r',
        vec![id, name, col(3, "note", "text")],
    );
    for t in [&mut plain, &mut tuned] {
        t.table.of_type = Some("public.person_type".to_owned());
    }
    let cat = Catalog::for_tests(vec![plain, tuned], Vec::new());
    insta::assert_snapshot!("typed_plain", render(&cat, 1, false));
    insta::assert_snapshot!("typed_tuned", render(&cat, 2, false));
}

#[test]
fn option_values_stay_bare_when_they_read_as_identifiers() {
    let mut t = rel(1, "public", "opts", b'r', vec![col(1, "id", "integer")]);
    t.reloptions = [
        "autovacuum_enabled=off",
        "fillfactor=10",
        "user_catalog_table=true",
    ]
    .map(str::to_owned)
    .to_vec();
    t.toast_reloptions = vec!["vacuum_index_cleanup=auto".to_owned()];
    let cat = Catalog::for_tests(vec![t], Vec::new());
    insta::assert_snapshot!(render(&cat, 1, false));
}
