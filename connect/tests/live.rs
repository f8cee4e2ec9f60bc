//! Checks against a running server, ignored by default. Point
//! `TUSK_LIVE_DIR` at a directory holding the server's socket and a
//! `certs/` directory (`ca.crt`, `other-ca.crt`, `client.crt`,
//! `client.key`), with the server on port `TUSK_LIVE_PORT` (default 5499),
//! `ssl=on` with a certificate for `localhost`/`127.0.0.1` signed by
//! `ca.crt`, and roles `pwuser` (scram, password `pw`), `md5user` (md5,
//! `md5pw`), `nossluser` (hostnossl only) and `certuser` (hostssl cert).
//! Then: `cargo test -p tusk-connect --test live -- --ignored`.

use std::sync::{Arc, Mutex};

use tusk_connect::{
    ConnectError, ConnectOptions, FailureKind, NoticeHandler, ProcessEnv, SocketTarget, connect,
    resolve,
};

struct Live {
    dir: String,
    port: String,
}

fn live() -> Option<Live> {
    let dir = std::env::var("TUSK_LIVE_DIR").ok()?;
    let port = std::env::var("TUSK_LIVE_PORT").unwrap_or_else(|_| "5499".to_owned());
    Some(Live { dir, port })
}

impl Live {
    fn cert(&self, name: &str) -> String {
        format!("{}/certs/{name}", self.dir)
    }

    fn opts(&self, conninfo: &str) -> ConnectOptions {
        ConnectOptions {
            dbname: Some(format!("port={} dbname=postgres {conninfo}", self.port)),
            username: Some("postgres".to_owned()),
            no_password: true,
            application_name: Some("tusk-live".to_owned()),
            ..ConnectOptions::default()
        }
    }

    async fn connect(&self, conninfo: &str) -> Result<tusk_connect::Connection, ConnectError> {
        let opts = self.opts(conninfo);
        let params = resolve(&opts, &ProcessEnv)?;
        connect(&params, &opts).await
    }

    async fn error(&self, conninfo: &str) -> String {
        match self.connect(conninfo).await {
            Ok(_) => panic!("connected with {conninfo}"),
            Err(e) => e.to_string(),
        }
    }
}

async fn one(conn: &tusk_connect::Connection) -> String {
    let rows = conn.client.simple_query("SELECT 1").await.unwrap();
    match &rows[1] {
        tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).unwrap().to_owned(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
#[ignore]
async fn unix_socket_and_tcp() {
    let Some(l) = live() else { return };
    let c = l.connect(&format!("host={}", l.dir)).await.unwrap();
    assert_eq!(one(&c).await, "1");
    assert!(!c.server.tls);
    assert!(matches!(c.server.socket, SocketTarget::Unix(_)));
    assert!(c.server_version_num().unwrap() >= 140000);
    assert_eq!(c.parameter("application_name"), Some("tusk-live"));

    let c = l.connect("host=127.0.0.1").await.unwrap();
    assert!(c.server.tls, "prefer uses TLS when the server offers it");
    assert_eq!(one(&c).await, "1");

    let c = l.connect("host=127.0.0.1 sslmode=disable").await.unwrap();
    assert!(!c.server.tls);

    let c = l.connect("host=localhost sslmode=allow").await.unwrap();
    assert!(!c.server.tls, "allow tries plaintext first");
}

#[tokio::test]
#[ignore]
async fn tls_modes() {
    let Some(l) = live() else { return };
    let ca = l.cert("ca.crt");
    let other = l.cert("other-ca.crt");

    let c = l.connect("host=127.0.0.1 sslmode=require").await.unwrap();
    assert!(c.server.tls);
    let c = l
        .connect(&format!(
            "host=127.0.0.1 sslmode=require sslrootcert={other}"
        ))
        .await;
    assert_eq!(
        c.unwrap_err().to_string(),
        format!(
            "connection to server at \"127.0.0.1\", port {} failed: SSL error: certificate verify failed",
            l.port
        ),
        "require with a root file verifies the chain, as in libpq"
    );

    for conninfo in [
        format!("host=127.0.0.1 sslmode=verify-ca sslrootcert={ca}"),
        format!("host=localhost sslmode=verify-full sslrootcert={ca}"),
        format!("host=127.0.0.1 sslmode=verify-full sslrootcert={ca}"),
        format!("host=localhost hostaddr=127.0.0.1 sslmode=verify-full sslrootcert={ca}"),
        format!("host=wronghost hostaddr=127.0.0.1 sslmode=verify-ca sslrootcert={ca}"),
    ] {
        let c = l
            .connect(&conninfo)
            .await
            .unwrap_or_else(|e| panic!("{conninfo}: {e}"));
        assert!(c.server.tls);
        assert_eq!(one(&c).await, "1");
    }

    assert_eq!(
        l.error(&format!(
            "host=wronghost hostaddr=127.0.0.1 sslmode=verify-full sslrootcert={ca}"
        ))
        .await,
        format!(
            "connection to server at \"127.0.0.1\", port {} failed: server certificate for \"localhost\" (and 1 other name) does not match host name \"wronghost\"",
            l.port
        )
    );
    assert_eq!(
        l.error(&format!(
            "host=127.0.0.1 sslmode=verify-ca sslrootcert={other}"
        ))
        .await,
        format!(
            "connection to server at \"127.0.0.1\", port {} failed: SSL error: certificate verify failed",
            l.port
        )
    );
    let missing = format!("{}/certs/missing.crt", l.dir);
    let err = l
        .connect(&format!(
            "host=127.0.0.1 sslmode=verify-full sslrootcert={missing}"
        ))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "connection to server at \"127.0.0.1\", port {} failed: root certificate file \"{missing}\" does not exist",
            l.port
        )
    );
    assert!(err.libpq_message().ends_with(
        "\nEither provide the file, use the system's trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification."
    ));

    // Unix sockets never use TLS, whatever the sslmode.
    let c = l
        .connect(&format!("host={} sslmode=require", l.dir))
        .await
        .unwrap();
    assert!(!c.server.tls);
}

#[tokio::test]
#[ignore]
async fn client_certificates() {
    let Some(l) = live() else { return };
    let (cert, key, ca) = (l.cert("client.crt"), l.cert("client.key"), l.cert("ca.crt"));
    let c = l
        .connect(&format!(
            "host=localhost user=certuser sslmode=verify-full sslrootcert={ca} sslcert={cert} sslkey={key} sslcertmode=require"
        ))
        .await
        .unwrap();
    assert_eq!(one(&c).await, "1");

    let err = l
        .error("host=localhost user=certuser sslmode=require sslcert=/nonexistent")
        .await;
    assert!(
        err.contains("FATAL:  connection requires a valid client certificate"),
        "{err}"
    );

    let err = l
        .error(&format!("host={} sslcertmode=require", l.dir))
        .await;
    assert!(
        err.ends_with("failed: server did not request an SSL certificate"),
        "{err}"
    );
}

#[tokio::test]
#[ignore]
async fn passwords_and_errors() {
    let Some(l) = live() else { return };
    let p = &l.port;

    let err = l.connect("host=127.0.0.1 user=pwuser").await.unwrap_err();
    assert!(err.needs_password());
    assert_eq!(
        err.to_string(),
        format!(
            "connection to server at \"127.0.0.1\", port {p} failed: fe_sendauth: no password supplied"
        )
    );

    let c = l
        .connect("host=127.0.0.1 user=pwuser password=pw")
        .await
        .unwrap();
    assert!(c.server.used_password);
    assert_eq!(one(&c).await, "1");
    // The used password is kept for reconnecting elsewhere.
    let again = c.params.with_dbname("template1");
    let c2 = connect(&again, &l.opts("")).await.unwrap();
    assert_eq!(one(&c2).await, "1");

    let c = l
        .connect("host=127.0.0.1 user=md5user password=md5pw sslmode=disable")
        .await
        .unwrap();
    assert_eq!(one(&c).await, "1");

    // A failure during authentication is retried without TLS under
    // prefer, so libpq reports it twice.
    let err = l
        .connect("host=127.0.0.1 user=pwuser password=wrong")
        .await
        .unwrap_err();
    let line = format!(
        "connection to server at \"127.0.0.1\", port {p} failed: FATAL:  password authentication failed for user \"pwuser\""
    );
    assert_eq!(err.libpq_message(), format!("{line}\n{line}"));
    assert_eq!(
        err.code(),
        Some(&tokio_postgres::error::SqlState::INVALID_PASSWORD)
    );

    // After authentication there is no retry.
    assert_eq!(
        l.error("host=127.0.0.1 dbname=nosuch").await,
        format!(
            "connection to server at \"127.0.0.1\", port {p} failed: FATAL:  database \"nosuch\" does not exist"
        )
    );

    // hostnossl only: prefer falls back to plaintext and connects.
    let c = l.connect("host=127.0.0.1 user=nossluser").await.unwrap();
    assert!(!c.server.tls);
    let err = l
        .error("host=127.0.0.1 user=nossluser sslmode=require")
        .await;
    assert!(
        err.contains("FATAL:  pg_hba.conf rejects connection"),
        "{err}"
    );

    // .pgpass through passfile=.
    let dir = tempfile::tempdir().unwrap();
    let passfile = dir.path().join("pgpass");
    std::fs::write(&passfile, format!("127.0.0.1:{p}:*:pwuser:pw\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let c = l
        .connect(&format!(
            "host=127.0.0.1 user=pwuser passfile={}",
            passfile.display()
        ))
        .await
        .unwrap();
    assert!(c.server.used_password);

    assert_eq!(
        l.error("host=127.0.0.1 port=5999").await,
        "connection to server at \"127.0.0.1\", port 5999 failed: Connection refused"
    );
    let err = l.connect("host=/tmp/nonexistent-dir").await.unwrap_err();
    assert_eq!(
        err.libpq_message(),
        format!(
            "connection to server on socket \"/tmp/nonexistent-dir/.s.PGSQL.{p}\" failed: No such file or directory\n\tIs the server running locally and accepting connections on that socket?"
        )
    );
    assert_eq!(err.attempts()[0].kind, FailureKind::Socket);
    assert_eq!(
        l.error("host=nosuchhost.invalid").await,
        "could not translate host name \"nosuchhost.invalid\" to address: Name or service not known"
    );
    assert_eq!(
        l.error("host=127.0.0.1 target_session_attrs=read-only")
            .await,
        format!("connection to server at \"127.0.0.1\", port {p} failed: session is not read-only")
    );
    assert_eq!(
        l.error("host=127.0.0.1 target_session_attrs=standby").await,
        format!(
            "connection to server at \"127.0.0.1\", port {p} failed: server is not in hot standby mode"
        )
    );
    let c = l
        .connect("host=127.0.0.1 target_session_attrs=prefer-standby")
        .await
        .unwrap();
    assert_eq!(one(&c).await, "1");
}

#[tokio::test]
#[ignore]
async fn multiple_hosts() {
    let Some(l) = live() else { return };
    let opts = ConnectOptions {
        dbname: Some(format!(
            "host=127.0.0.1,/nonexistent,{} port=5999,{},{} dbname=postgres user=postgres",
            l.dir, l.port, l.port
        )),
        ..ConnectOptions::default()
    };
    let params = resolve(&opts, &ProcessEnv).unwrap();
    let c = connect(&params, &opts).await.unwrap();
    assert_eq!(c.server.host_index, 2);
    assert_eq!(one(&c).await, "1");
}

#[tokio::test]
#[ignore]
async fn cancel_and_notices() {
    let Some(l) = live() else { return };
    let seen = Arc::new(Mutex::new(Vec::new()));
    for conninfo in [format!("host={}", l.dir), "host=127.0.0.1".to_owned()] {
        let sink = Arc::clone(&seen);
        let mut opts = l.opts(&conninfo);
        opts.on_notice = Some(NoticeHandler::new(move |n| {
            if let Ok(mut v) = sink.lock() {
                v.push(n.message().to_owned());
            }
        }));
        let params = resolve(&opts, &ProcessEnv).unwrap();
        let c = connect(&params, &opts).await.unwrap();
        c.client
            .batch_execute("DO $$ BEGIN RAISE NOTICE 'hello %', 1; END $$")
            .await
            .unwrap();

        let cancel = c.cancel_token();
        let sleeper = tokio::spawn(async move {
            let r = c.client.simple_query("SELECT pg_sleep(30)").await;
            drop(c);
            r
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        cancel.cancel().await.unwrap();
        let err = sleeper.await.unwrap().unwrap_err();
        assert_eq!(
            err.code(),
            Some(&tokio_postgres::error::SqlState::QUERY_CANCELED),
            "{conninfo}"
        );
    }
    assert_eq!(seen.lock().unwrap().as_slice(), ["hello 1", "hello 1"]);
}
