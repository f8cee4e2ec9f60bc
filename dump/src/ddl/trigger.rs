//! TRIGGER entries (pg_dump's dumpTrigger).

use tusk_format::quote::{ident, qualified};
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::{Relation, Trigger};
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn trigger(&mut self, obj: &DumpObject, rel: &Relation, tg: &Trigger) {
        let qual = qualified(&rel.schema, &rel.name);
        let (create, drop) = trigger_sql(&qual, rel.relkind == b'f', tg);
        let mut te = TocEntry::new(
            obj.id,
            "TRIGGER",
            format!("{} {}", rel.name, tg.name),
            Section::PostData,
        );
        te.catalog_id = obj.catalog_id;
        te.namespace = Some(rel.schema.clone());
        te.owner = Some(rel.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);
        self.comment(
            &format!("TRIGGER {} ON", ident(&tg.name)),
            &ident(&rel.name),
            Some(&rel.schema),
            &rel.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
    }
}

/// The statements that create and drop `tg` on the table `qual` (already quoted). A
/// partition's clone exists once its parent's trigger does, so only its enable state is set,
/// and there is nothing to drop.
pub fn trigger_sql(qual: &str, foreign_table: bool, tg: &Trigger) -> (String, String) {
    let name = ident(&tg.name);
    let set_state = |state: &str| {
        format!(
            "\nALTER {}TABLE {qual} {state} TRIGGER {name};\n",
            if foreign_table { "FOREIGN " } else { "" }
        )
    };
    let state = match tg.enabled {
        b'D' | b'f' => "DISABLE",
        b'R' => "ENABLE REPLICA",
        b'A' => "ENABLE ALWAYS",
        _ => "ENABLE",
    };
    if tg.partition_clone {
        return (set_state(state), String::new());
    }
    let mut create = format!("{};\n", tg.definition);
    if !matches!(tg.enabled, b'O' | b't') {
        create.push_str(&set_state(state));
    }
    (create, format!("DROP TRIGGER {name} ON {qual};\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(name: &str, enabled: u8, partition_clone: bool) -> Trigger {
        Trigger {
            oid: 16400,
            table_oid: 16384,
            name: name.to_owned(),
            enabled,
            partition_clone,
            definition: format!(
                "CREATE TRIGGER {} BEFORE UPDATE ON \"S\".\"T\" FOR EACH ROW \
                 EXECUTE FUNCTION suppress_redundant_updates_trigger()",
                ident(name)
            ),
        }
    }

    fn render(foreign_table: bool, tg: &Trigger) -> String {
        let (create, drop) = trigger_sql("\"S\".\"T\"", foreign_table, tg);
        format!("-- create\n{create}-- drop\n{drop}")
    }

    #[test]
    fn enabled_trigger_is_its_definition() {
        insta::assert_snapshot!(render(false, &trigger("Mixed \"Name\"", b'O', false)));
    }

    #[test]
    fn enable_states_follow_the_definition() {
        let all: Vec<String> = [b'D', b'R', b'A', b'f']
            .into_iter()
            .map(|s| render(false, &trigger("tg", s, false)))
            .collect();
        insta::assert_snapshot!(all.join("\n"));
    }

    #[test]
    fn foreign_table_says_so() {
        insta::assert_snapshot!(render(true, &trigger("tg", b'D', false)));
    }

    #[test]
    fn partition_clone_only_sets_its_state() {
        let all: Vec<String> = [b'O', b'D', b'R', b'A']
            .into_iter()
            .map(|s| render(false, &trigger("select", s, true)))
            .collect();
        insta::assert_snapshot!(all.join("\n"));
    }
}
