use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::{HarnessError, Result};
use super::tools::run;

/// A certificate and its private key, PEM.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A throwaway CA with a server certificate for `localhost`, 127.0.0.1 and
/// ::1 and a client certificate for the user `postgres`, all PEM, all under
/// one directory. Keys are P-256: quick to make, and rustls takes them.
#[derive(Clone, Debug)]
pub struct TestCa {
    pub ca_cert: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

impl TestCa {
    /// What [`super::ClusterOptions::tls`] wants.
    pub fn server(&self) -> TlsFiles {
        TlsFiles {
            cert: self.server_cert.clone(),
            key: self.server_key.clone(),
        }
    }

    pub fn client(&self) -> TlsFiles {
        TlsFiles {
            cert: self.client_cert.clone(),
            key: self.client_key.clone(),
        }
    }
}

// Our own config, so the system's openssl.cnf (whose default extensions
// differ between distributions) has no say in what the certificates hold.
const OPENSSL_CONF: &str = "\
[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// Makes a [`TestCa`] in `dir` with the `openssl` command-line tool.
pub fn make_test_ca(dir: &Path) -> Result<TestCa> {
    let mut version = Command::new("openssl");
    version.arg("version");
    run(
        "the openssl command-line tool is needed for test certificates (Debian: openssl)",
        &mut version,
        None,
    )?;

    let conf = dir.join("openssl.cnf");
    fs::write(&conf, OPENSSL_CONF)
        .map_err(HarnessError::io(format!("writing {}", conf.display())))?;
    let file = |name: &str| dir.join(name);
    let new_key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];

    let mut ca = Command::new("openssl");
    ca.current_dir(dir)
        .args(["req", "-config"])
        .arg(&conf)
        .args(["-x509", "-new", "-days", "3650", "-extensions", "ca_ext"])
        .args(new_key)
        .args([
            "-subj",
            "/CN=tusk test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ]);
    run("making the test CA", &mut ca, None)?;

    for (name, cn, ext, serial) in [
        ("server", "localhost", "server_ext", "2"),
        ("client", "postgres", "client_ext", "3"),
    ] {
        let mut req = Command::new("openssl");
        req.current_dir(dir)
            .args(["req", "-config"])
            .arg(&conf)
            .arg("-new")
            .args(new_key)
            .args(["-subj", &format!("/CN={cn}")])
            .args([
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ]);
        run(&format!("making the test {name} key"), &mut req, None)?;

        let mut sign = Command::new("openssl");
        sign.current_dir(dir)
            .args([
                "x509", "-req", "-days", "3650", "-CA", "ca.crt", "-CAkey", "ca.key",
            ])
            .args(["-set_serial", serial, "-extensions", ext, "-extfile"])
            .arg(&conf)
            .args([
                "-in",
                &format!("{name}.csr"),
                "-out",
                &format!("{name}.crt"),
            ]);
        run(
            &format!("signing the test {name} certificate"),
            &mut sign,
            None,
        )?;
    }

    Ok(TestCa {
        ca_cert: file("ca.crt"),
        server_cert: file("server.crt"),
        server_key: file("server.key"),
        client_cert: file("client.crt"),
        client_key: file("client.key"),
    })
}
