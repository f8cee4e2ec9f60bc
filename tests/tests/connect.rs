//! Connecting the libpq way: passwords from every source libpq reads, and TLS per sslmode.

use std::os::unix::fs::PermissionsExt;

use tusk_tests::harness::{Cluster, make_test_ca, outcome, run_unchecked, tusk_bin};

const PASSWORD: &str = "s3cret pass";

/// A schema-only plain dump of `postgres` with the given extra environment and arguments.
fn dump(c: &Cluster, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
    let mut cmd = c.command(tusk_bin("tusk_dump").unwrap());
    cmd.env_remove("PGPASSWORD").args(["-s", "-w"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args);
    run_unchecked("tusk_dump", &mut cmd, None).unwrap()
}

fn assert_ok(out: &std::process::Output, how: &str) {
    assert!(
        out.status.success(),
        "{how}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn password_from_every_source() {
    let c = Cluster::options(15)
        .scram_password(PASSWORD)
        .start()
        .unwrap();
    let port = c.port().to_string();

    let out = dump(&c, &[("PGPASSWORD", PASSWORD)], &["postgres"]);
    assert_ok(&out, "PGPASSWORD");

    let dir = tempfile::tempdir().unwrap();
    let pgpass = dir.path().join("pgpass");
    std::fs::write(
        &pgpass,
        format!("# comment\nother:*:*:*:nope\n127.0.0.1:{port}:*:postgres:s3cret pass\n"),
    )
    .unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = dump(
        &c,
        &[("PGPASSFILE", pgpass.to_str().unwrap())],
        &["postgres"],
    );
    assert_ok(&out, ".pgpass");

    let conninfo =
        format!("host=127.0.0.1 port={port} user=postgres password='s3cret pass' dbname=postgres");
    let out = dump(&c, &[], &["-d", &conninfo]);
    assert_ok(&out, "conninfo");

    let uri = format!("postgresql://postgres:s3cret%20pass@127.0.0.1:{port}/postgres");
    let out = dump(&c, &[], &["-d", &uri]);
    assert_ok(&out, "URI");

    // -w and no password anywhere: refused, not prompted.
    let out = dump(&c, &[], &["postgres"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no password supplied"), "{err}");
}

#[test]
fn pgpass_with_group_access_is_ignored() {
    let c = Cluster::options(15)
        .scram_password(PASSWORD)
        .start()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pgpass = dir.path().join("pgpass");
    std::fs::write(&pgpass, format!("*:*:*:*:{PASSWORD}\n")).unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = dump(
        &c,
        &[("PGPASSFILE", pgpass.to_str().unwrap())],
        &["postgres"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has group or world access"), "{err}");
}

#[test]
fn tls_modes() {
    let dir = tempfile::tempdir().unwrap();
    let ca = make_test_ca(dir.path()).unwrap();
    let c = Cluster::options(15).tls(ca.server()).start().unwrap();
    let port = c.port().to_string();
    let ca_path = ca.ca_cert.to_str().unwrap().to_owned();
    let conn = |host: &str, mode: &str| {
        format!(
            "host={host} port={port} user=postgres dbname=postgres sslmode={mode} sslrootcert={ca_path}"
        )
    };

    assert_ok(
        &dump(&c, &[], &["-d", &conn("127.0.0.1", "require")]),
        "require",
    );
    assert_ok(
        &dump(&c, &[], &["-d", &conn("localhost", "verify-full")]),
        "verify-full, right CA and host",
    );

    // Refusals are libpq's, word for word: pg_dump of the same major is the oracle.
    let refused_as_upstream = |conninfo: &str, how: &str| {
        let args = ["-s", "-w", "-f", "/dev/null", "-d", conninfo];
        let ours = outcome(
            c.command(tusk_bin("tusk_dump").unwrap())
                .env_remove("PGPASSWORD")
                .args(args),
            false,
        )
        .unwrap();
        let theirs = outcome(
            c.upstream("pg_dump").env_remove("PGPASSWORD").args(args),
            false,
        )
        .unwrap();
        assert_eq!(ours, theirs, "{how}");
        assert_eq!(ours.0, Some(1), "{how} must be refused");
    };
    // A certificate for a host we did not ask for: the server's cert names localhost and
    // 127.0.0.1, so reach it by a name it does not carry.
    refused_as_upstream(
        &format!(
            "host=wronghost hostaddr=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=verify-full sslrootcert={ca_path}"
        ),
        "verify-full, wrong host name",
    );
    // A CA we do not trust, under verify-full and verify-ca.
    let other = tempfile::tempdir().unwrap();
    let other_ca = make_test_ca(other.path()).unwrap();
    for mode in ["verify-full", "verify-ca"] {
        refused_as_upstream(
            &format!(
                "host=localhost port={port} user=postgres dbname=postgres sslmode={mode} sslrootcert={}",
                other_ca.ca_cert.to_str().unwrap()
            ),
            &format!("{mode}, untrusted CA"),
        );
    }
    // `require` against a server without TLS never falls back to plaintext.
    let plain = Cluster::shared(15);
    let args = ["-s", "-f", "/dev/null", "-d"];
    let conninfo = format!(
        "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=require",
        plain.port()
    );
    let ours = outcome(
        plain
            .command(tusk_bin("tusk_dump").unwrap())
            .args(args)
            .arg(&conninfo),
        false,
    )
    .unwrap();
    let theirs = outcome(plain.upstream("pg_dump").args(args).arg(&conninfo), false).unwrap();
    assert_eq!(ours, theirs, "require without TLS on the server");
    assert_eq!(ours.0, Some(1));
}
