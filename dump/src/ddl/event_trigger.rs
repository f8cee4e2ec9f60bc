//! EVENT TRIGGER entries (pg_dump's dumpEventTrigger).

use tusk_format::quote::ident;
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::EventTrigger;
use crate::objects::DumpObject;

impl Builder<'_> {
    pub(super) fn event_trigger(&mut self, obj: &DumpObject, et: &EventTrigger) {
        let (create, drop) = event_trigger_sql(et);
        let mut te = TocEntry::new(obj.id, "EVENT TRIGGER", et.name.clone(), Section::PostData);
        te.catalog_id = obj.catalog_id;
        te.owner = Some(et.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);
        let name = ident(&et.name);
        let cid = obj.catalog_id;
        self.comment("EVENT TRIGGER", &name, None, &et.owner, cid, 0, obj.id);
        self.seclabel("EVENT TRIGGER", &name, None, &et.owner, cid, 0, obj.id);
    }
}

/// The CREATE (with the enable state when not the default) and DROP statements of `et`.
pub fn event_trigger_sql(et: &EventTrigger) -> (String, String) {
    let name = ident(&et.name);
    let mut q = format!("CREATE EVENT TRIGGER {name} ON {}", ident(&et.event));
    if !et.tags.is_empty() {
        q.push_str(&format!("\n         WHEN TAG IN ({})", et.tags));
    }
    q.push_str(&format!("\n   EXECUTE FUNCTION {}();\n", et.function));
    if et.enabled != b'O' {
        let state = match et.enabled {
            b'D' => "DISABLE",
            b'A' => "ENABLE ALWAYS",
            b'R' => "ENABLE REPLICA",
            _ => "ENABLE",
        };
        q.push_str(&format!("\nALTER EVENT TRIGGER {name} {state};\n"));
    }
    (q, format!("DROP EVENT TRIGGER {name};\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(et: &EventTrigger) -> String {
        let (create, drop) = event_trigger_sql(et);
        format!("-- create\n{create}-- drop\n{drop}")
    }

    #[test]
    fn with_tags_and_every_enable_state() {
        let base = EventTrigger {
            oid: 16600,
            name: "Log DDL".into(),
            owner: "postgres".into(),
            event: "ddl_command_end".into(),
            tags: "'CREATE TABLE', 'ALTER TABLE'".into(),
            function: "\"Fn Schema\".on_ddl".into(),
            enabled: b'O',
        };
        let all: Vec<String> = [b'O', b'D', b'A', b'R']
            .into_iter()
            .map(|enabled| {
                render(&EventTrigger {
                    enabled,
                    ..base.clone()
                })
            })
            .collect();
        insta::assert_snapshot!(all.join("\n"));
    }

    #[test]
    fn without_tags() {
        insta::assert_snapshot!(render(&EventTrigger {
            name: "drops".into(),
            event: "sql_drop".into(),
            function: "public.on_drop".into(),
            enabled: b'O',
            ..EventTrigger::default()
        }));
    }
}
