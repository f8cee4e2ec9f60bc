use super::*;

fn items(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn table<'a>(name: &'a str, owner: &'a str) -> AclTarget<'a> {
    AclTarget {
        kind: AclType::Table,
        name,
        subname: None,
        schema: Some("public"),
        owner: Some(owner),
    }
}

#[test]
fn null_acl_means_default_privileges() {
    let acl = Acl {
        acl: None,
        default: items(&["o=arwdDxtm/o"]),
        init: None,
    };
    assert_eq!(acl_commands(&table("t", "o"), &acl).unwrap(), "");
}

#[test]
fn unchanged_acl_prints_nothing() {
    let acl = Acl {
        acl: Some(items(&["o=arwdDxtm/o"])),
        default: items(&["o=arwdDxtm/o"]),
        init: None,
    };
    assert_eq!(acl_commands(&table("t", "o"), &acl).unwrap(), "");
}

#[test]
fn all_privileges_revoked() {
    let acl = Acl {
        acl: Some(vec![]),
        default: items(&["o=arwdDxtm/o"]),
        init: None,
    };
    assert_eq!(
        acl_commands(&table("t", "o"), &acl).unwrap(),
        "REVOKE ALL ON TABLE public.t FROM o;\n"
    );
}

#[test]
fn owner_grants_come_first_and_other_grantors_switch_session() {
    let acl = Acl {
        acl: Some(items(&[
            "=r/o",
            "o=arwdDxt/o",
            "\"Role With Space\"=r*w/o",
            "bob=a/\"Role With Space\"",
        ])),
        default: items(&["o=arwdDxtm/o"]),
        init: None,
    };
    insta::assert_snapshot!(acl_commands(&table("t", "o"), &acl).unwrap());
}

#[test]
fn all_with_grant_option_and_pre_17_table_privileges() {
    // Without MAINTAIN (servers before 17) the full set is not "ALL" for pg_dump 18.
    let acl = Acl {
        acl: Some(items(&[
            "o=arwdDxt/o",
            "a=arwdDxtm/o",
            "b=r*a*w*d*D*x*t*m*/o",
        ])),
        default: items(&["o=arwdDxt/o"]),
        init: None,
    };
    insta::assert_snapshot!(acl_commands(&table("t", "o"), &acl).unwrap());
}

#[test]
fn column_privileges() {
    let target = AclTarget {
        kind: AclType::Table,
        name: "\"My Table\"",
        subname: Some("\"Col\""),
        schema: Some("S"),
        owner: Some("o"),
    };
    let acl = Acl {
        acl: Some(items(&["a=rw/o", "b=x*/o", "=arxw/o"])),
        default: vec![],
        init: None,
    };
    insta::assert_snapshot!(acl_commands(&target, &acl).unwrap());
}

#[test]
fn sequence_schema_database_large_object() {
    let seq = AclTarget {
        kind: AclType::Sequence,
        name: "s",
        subname: None,
        schema: Some("public"),
        owner: Some("o"),
    };
    let schema = AclTarget {
        kind: AclType::Schema,
        name: "sch",
        subname: None,
        schema: None,
        owner: Some("o"),
    };
    let db = AclTarget {
        kind: AclType::Database,
        name: "db",
        subname: None,
        schema: None,
        owner: Some("o"),
    };
    let lo = AclTarget {
        kind: AclType::LargeObject,
        name: "16400",
        subname: None,
        schema: None,
        owner: Some("o"),
    };
    let mut out = String::new();
    out.push_str(
        &acl_commands(
            &seq,
            &Acl {
                acl: Some(items(&["o=rwU/o", "a=U/o", "b=rwU/o"])),
                default: items(&["o=rwU/o"]),
                init: None,
            },
        )
        .unwrap(),
    );
    out.push_str(
        &acl_commands(
            &schema,
            &Acl {
                acl: Some(items(&["o=U/o", "=C/o"])),
                default: items(&["o=UC/o"]),
                init: None,
            },
        )
        .unwrap(),
    );
    out.push_str(
        &acl_commands(
            &db,
            &Acl {
                acl: Some(items(&["o=CTc/o", "a=c/o"])),
                default: items(&["=Tc/o", "o=CTc/o"]),
                init: None,
            },
        )
        .unwrap(),
    );
    out.push_str(
        &acl_commands(
            &lo,
            &Acl {
                acl: Some(items(&["o=rw/o", "=r/o"])),
                default: items(&["o=rw/o"]),
                init: None,
            },
        )
        .unwrap(),
    );
    insta::assert_snapshot!(out);
}

#[test]
fn initial_privileges_replace_the_default_as_base() {
    // The public schema: compared with {owner=UC/owner,=U/owner}, not with acldefault.
    let schema = AclTarget {
        kind: AclType::Schema,
        name: "public",
        subname: None,
        schema: None,
        owner: Some("pg_database_owner"),
    };
    let init = items(&[
        "pg_database_owner=UC/pg_database_owner",
        "=U/pg_database_owner",
    ]);
    let unchanged = Acl {
        acl: Some(init.clone()),
        default: items(&["pg_database_owner=UC/pg_database_owner"]),
        init: Some(init.clone()),
    };
    assert_eq!(acl_commands(&schema, &unchanged).unwrap(), "");
    let null_acl = Acl {
        acl: None,
        ..unchanged.clone()
    };
    assert_eq!(
        acl_commands(&schema, &null_acl).unwrap(),
        "REVOKE USAGE ON SCHEMA public FROM PUBLIC;\n"
    );
    let pre15 = Acl {
        acl: Some(items(&[
            "pg_database_owner=UC/pg_database_owner",
            "=UC/pg_database_owner",
        ])),
        ..unchanged
    };
    assert_eq!(
        acl_commands(&schema, &pre15).unwrap(),
        "REVOKE USAGE ON SCHEMA public FROM PUBLIC;\nGRANT ALL ON SCHEMA public TO PUBLIC;\n"
    );
}

#[test]
fn quoted_names_in_items() {
    assert_eq!(
        dequote_acl_name("\"a \"\"b\"\"=c\"=r/x"),
        ("a \"b\"=c".to_owned(), "=r/x")
    );
    let item = parse_acl_item("\"x/y\"=r/\"z=w\"", AclType::Table, None, true).unwrap();
    assert_eq!(item.grantee, "x/y");
    assert_eq!(item.grantor, "z=w");
    assert_eq!(item.privs, "SELECT");
    assert_eq!(quote_acl_name("Role With Space"), "\"Role With Space\"");
    assert_eq!(quote_acl_name("a\"b"), "\"a\"\"b\"");
    assert_eq!(quote_acl_name("plain_1"), "plain_1");
}

#[test]
fn malformed_items_are_errors() {
    for bad in ["norole", "a=r", "a=r/b=c"] {
        assert!(
            parse_acl_item(bad, AclType::Table, None, true).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn empty_initial_privileges_are_still_the_base() {
    let acl = Acl {
        acl: None,
        default: items(&["o=arwdDxtm/o"]),
        init: Some(vec![]),
    };
    assert_eq!(
        acl_commands(&table("t", "o"), &acl).unwrap(),
        "GRANT ALL ON TABLE public.t TO o;\n"
    );
}
