//! SUBSCRIPTION entries (pg_dump's dumpSubscription, outside binary upgrade): created
//! without connecting, so a restore does not reach the publisher.

use tusk_format::quote::{ident, literal};
use tusk_format::{Section, TocEntry};

use super::Builder;
use crate::catalog::Subscription;
use crate::objects::DumpObject;

/// The statements that create and drop `s`.
pub fn subscription_sql(s: &Subscription) -> (String, String) {
    let name = ident(&s.name);
    let publications: Vec<String> = s.publications.iter().map(|p| ident(p)).collect();
    let mut q = format!(
        "CREATE SUBSCRIPTION {name} CONNECTION {} PUBLICATION {} WITH (connect = false, slot_name = ",
        literal(&s.conninfo, true),
        publications.join(", ")
    );
    match &s.slot_name {
        Some(slot) => q.push_str(&literal(slot, true)),
        None => q.push_str("NONE"),
    }
    if s.binary {
        q.push_str(", binary = true");
    }
    q.push_str(match s.stream {
        b't' => ", streaming = on",
        b'p' => ", streaming = parallel",
        _ => ", streaming = off",
    });
    if s.two_phase != b'd' {
        q.push_str(", two_phase = on");
    }
    if s.disable_on_error {
        q.push_str(", disable_on_error = true");
    }
    if !s.password_required {
        q.push_str(", password_required = false");
    }
    if s.run_as_owner {
        q.push_str(", run_as_owner = true");
    }
    if s.failover {
        q.push_str(", failover = true");
    }
    if s.synchronous_commit != "off" {
        q.push_str(&format!(
            ", synchronous_commit = {}",
            ident(&s.synchronous_commit)
        ));
    }
    if !s.origin.eq_ignore_ascii_case("any") {
        q.push_str(&format!(", origin = {}", s.origin));
    }
    q.push_str(");\n");
    (q, format!("DROP SUBSCRIPTION {name};\n"))
}

impl Builder<'_> {
    pub(super) fn subscription(&mut self, obj: &DumpObject, s: &Subscription) {
        let (create, drop) = subscription_sql(s);
        let mut te = TocEntry::new(obj.id, "SUBSCRIPTION", s.name.clone(), Section::PostData);
        te.catalog_id = obj.catalog_id;
        te.owner = Some(s.owner.clone());
        te.defn = Some(create);
        te.drop_stmt = Some(drop);
        self.entries.push(te);
        let name = ident(&s.name);
        self.comment(
            "SUBSCRIPTION",
            &name,
            None,
            &s.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
        self.seclabel(
            "SUBSCRIPTION",
            &name,
            None,
            &s.owner,
            obj.catalog_id,
            0,
            obj.id,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions() {
        let plain = Subscription {
            name: "Sub One".into(),
            conninfo: "host=nowhere dbname='it''s'".into(),
            publications: vec!["select".into(), "Pub Two".into()],
            synchronous_commit: "off".into(),
            stream: b'f',
            two_phase: b'd',
            password_required: true,
            origin: "any".into(),
            ..Subscription::default()
        };
        let everything = Subscription {
            name: "all".into(),
            slot_name: Some("slot".into()),
            binary: true,
            stream: b'p',
            two_phase: b'p',
            disable_on_error: true,
            password_required: false,
            run_as_owner: true,
            failover: true,
            synchronous_commit: "remote_apply".into(),
            origin: "none".into(),
            ..plain.clone()
        };
        let mut out = String::new();
        for s in [&plain, &everything] {
            let (create, drop) = subscription_sql(s);
            out.push_str(&create);
            out.push_str(&drop);
        }
        insta::assert_snapshot!(out);
    }
}
