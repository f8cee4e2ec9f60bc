//! TLS per `sslmode` over rustls, with libpq's rules for which certificates
//! are checked (fe-secure-openssl.c `initialize_SSL`, fe-secure-common.c).
//!
//! libpq verifies the server's chain whenever a root certificate file is
//! present, whatever the sslmode (so `require` with `~/.postgresql/root.crt`
//! behaves like `verify-ca`); only `verify-full` checks the host name, with
//! its own matching rules (CN fallback, single-label wildcards).

use std::fmt;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rustls::client::ResolvesClientCert;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, ServerName, UnixTime,
};
use rustls::sign::CertifiedKey;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::params::{ConnParams, HostKind, HostSpec, SslMode};

const ROOT_CERT_FILE: &str = ".postgresql/root.crt";
const ROOT_CRL_FILE: &str = ".postgresql/root.crl";
const USER_CERT_FILE: &str = ".postgresql/postgresql.crt";
const USER_KEY_FILE: &str = ".postgresql/postgresql.key";

const ROOT_CERT_HINT: &str = "Either provide the file, use the system's trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification.";

/// ALPN protocol name PostgreSQL 17+ servers expect (libpq always sends it).
const PG_ALPN: &[u8] = b"postgresql";

/// What a TLS attempt records for error reporting and `sslcertmode`.
#[derive(Debug, Default)]
pub(crate) struct TlsReport {
    /// A libpq-style message (and hint line) from TLS setup or
    /// certificate verification.
    pub failure: Mutex<Option<(String, Option<&'static str>)>>,
    /// Whether the server asked for a client certificate.
    pub cert_requested: AtomicBool,
    /// Whether one was sent.
    pub cert_sent: AtomicBool,
}

impl TlsReport {
    pub fn record(&self, message: String, hint: Option<&'static str>) {
        if let Ok(mut slot) = self.failure.lock() {
            slot.get_or_insert((message, hint));
        }
    }

    pub fn take_failure(&self) -> Option<(String, Option<&'static str>)> {
        self.failure.lock().ok().and_then(|mut s| s.take())
    }
}

/// A client configuration ready for one host, or the libpq error that
/// building it produced (reported only if the server accepts TLS, as in
/// libpq, which reads these files when the handshake starts).
pub(crate) struct TlsSetup {
    pub config: Result<Arc<rustls::ClientConfig>, TlsSetupError>,
    pub report: Arc<TlsReport>,
}

/// Why no TLS configuration could be built; Display is libpq's message.
#[derive(Debug, Clone)]
pub(crate) struct TlsSetupError {
    pub message: String,
    pub hint: Option<&'static str>,
}

impl TlsSetupError {
    fn new(message: String) -> Self {
        TlsSetupError {
            message,
            hint: None,
        }
    }
}

pub(crate) fn setup(params: &ConnParams, host: &HostSpec) -> TlsSetup {
    let report = Arc::new(TlsReport::default());
    let config = build_config(params, host, &report).map(Arc::new);
    TlsSetup { config, report }
}

fn home_file(params: &ConnParams, rel: &str) -> Option<PathBuf> {
    params.home_dir().map(|h| h.join(rel))
}

fn non_empty<'a>(params: &'a ConnParams, keyword: &str) -> Option<&'a str> {
    params.get(keyword).filter(|v| !v.is_empty())
}

fn build_config(
    params: &ConnParams,
    host: &HostSpec,
    report: &Arc<TlsReport>,
) -> Result<rustls::ClientConfig, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let versions = protocol_versions(params)?;
    let verifier = build_verifier(params, host, &provider, report)?;
    let client_cert = load_client_cert(params, &provider)?;

    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| TlsSetupError::new(format!("could not set SSL protocol version: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(Arc::new(ClientCert {
            key: client_cert,
            report: Arc::clone(report),
        }));
    config.alpn_protocols = vec![PG_ALPN.to_vec()];
    config.enable_sni = params.get("sslsni").is_some_and(|v| v.starts_with('1'));
    if let Some(path) = non_empty(params, "sslkeylogfile") {
        config.key_log = Arc::new(KeyLogFile(PathBuf::from(path)));
    }
    Ok(config)
}

fn protocol_versions(
    params: &ConnParams,
) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, TlsSetupError> {
    let min = params.get("ssl_min_protocol_version").unwrap_or("");
    let max = params.get("ssl_max_protocol_version").unwrap_or("");
    let allow_12 = !min.eq_ignore_ascii_case("TLSv1.3")
        && (max.is_empty() || !matches!(max.to_ascii_lowercase().as_str(), "tlsv1" | "tlsv1.1"));
    let allow_13 = max.is_empty() || max.eq_ignore_ascii_case("TLSv1.3");
    let mut versions = Vec::new();
    if allow_13 {
        versions.push(&rustls::version::TLS13);
    }
    if allow_12 {
        versions.push(&rustls::version::TLS12);
    }
    if versions.is_empty() {
        return Err(TlsSetupError::new(format!(
            "could not set maximum SSL protocol version: {max} is not supported"
        )));
    }
    Ok(versions)
}

fn build_verifier(
    params: &ConnParams,
    host: &HostSpec,
    provider: &Arc<CryptoProvider>,
    report: &Arc<TlsReport>,
) -> Result<Arc<PgVerifier>, TlsSetupError> {
    let sslmode = params.sslmode();
    let root_path = match non_empty(params, "sslrootcert") {
        Some(p) => Some(PathBuf::from(p)),
        None => home_file(params, ROOT_CERT_FILE),
    };

    let mut roots = RootCertStore::empty();
    let mut crls = Vec::new();
    let have_root = match &root_path {
        Some(p) if p.as_os_str() == "system" => {
            let loaded = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(loaded.certs);
            if added == 0 {
                let why = loaded
                    .errors
                    .first()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "no certificates found".to_owned());
                return Err(TlsSetupError::new(format!(
                    "could not load system root certificate paths: {why}"
                )));
            }
            true
        }
        Some(p) if std::fs::metadata(p).is_ok() => {
            load_roots(p, &mut roots)?;
            crls = load_crls(params);
            true
        }
        _ => {
            if matches!(sslmode, SslMode::VerifyCa | SslMode::VerifyFull) {
                let message = match &root_path {
                    None => {
                        "could not get home directory to locate root certificate file".to_owned()
                    }
                    Some(p) => format!("root certificate file \"{}\" does not exist", p.display()),
                };
                return Err(TlsSetupError {
                    message,
                    hint: Some(ROOT_CERT_HINT),
                });
            }
            false
        }
    };

    let chain = if have_root {
        let mut builder =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider));
        if !crls.is_empty() {
            builder = builder.with_crls(crls);
        }
        Some(builder.build().map_err(|e| {
            TlsSetupError::new(format!("could not set up certificate verification: {e}"))
        })?)
    } else {
        None
    };

    let full_host = if sslmode == SslMode::VerifyFull {
        // The name checked is `host`, never `hostaddr`.
        Some(match host.kind {
            HostKind::UnixSocket => None,
            _ => host.host.clone().filter(|h| !h.is_empty()),
        })
    } else {
        None
    };

    Ok(Arc::new(PgVerifier {
        chain,
        full_host,
        provider: Arc::clone(provider),
        report: Arc::clone(report),
    }))
}

fn load_roots(path: &Path, roots: &mut RootCertStore) -> Result<(), TlsSetupError> {
    let shown = path.display();
    let fail = |why: String| {
        TlsSetupError::new(format!(
            "could not read root certificate file \"{shown}\": {why}"
        ))
    };
    let data = std::fs::read(path).map_err(|e| fail(crate::error::strerror(&e)))?;
    let mut reader = data.as_slice();
    let mut count = 0;
    for cert in rustls_pemfile::certs(&mut reader) {
        let cert = cert.map_err(|e| fail(e.to_string()))?;
        roots.add(cert).map_err(|e| fail(e.to_string()))?;
        count += 1;
    }
    if count == 0 {
        return Err(fail("no certificate or crl found".to_owned()));
    }
    Ok(())
}

/// CRLs are optional in libpq: unreadable or absent ones are ignored.
fn load_crls(params: &ConnParams) -> Vec<CertificateRevocationListDer<'static>> {
    let mut files = Vec::new();
    let crl_file = non_empty(params, "sslcrl");
    let crl_dir = non_empty(params, "sslcrldir");
    if let Some(f) = crl_file {
        files.push(PathBuf::from(f));
    }
    if let Some(entries) = crl_dir.and_then(|d| std::fs::read_dir(d).ok()) {
        files.extend(entries.flatten().map(|e| e.path()));
    }
    if crl_file.is_none() && crl_dir.is_none() {
        files.extend(home_file(params, ROOT_CRL_FILE));
    }
    let mut crls = Vec::new();
    for f in files {
        let Ok(data) = std::fs::read(&f) else {
            continue;
        };
        let mut reader = data.as_slice();
        let mut found = false;
        for crl in rustls_pemfile::crls(&mut reader).flatten() {
            crls.push(crl);
            found = true;
        }
        if !found && data.first() == Some(&0x30) {
            crls.push(CertificateRevocationListDer::from(data));
        }
    }
    crls
}

/// Loads `sslcert`/`sslkey` (or the files under `~/.postgresql/`), with
/// libpq's checks and messages. `None` when there is no client certificate.
fn load_client_cert(
    params: &ConnParams,
    provider: &CryptoProvider,
) -> Result<Option<Arc<CertifiedKey>>, TlsSetupError> {
    if params.get("sslcertmode") == Some("disable") {
        return Ok(None);
    }
    let cert_path = match non_empty(params, "sslcert") {
        Some(p) => PathBuf::from(p),
        None => match home_file(params, USER_CERT_FILE) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let cert_shown = cert_path.display();
    if let Err(e) = std::fs::metadata(&cert_path) {
        // A missing file just means no client certificate.
        if e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(20) {
            return Ok(None);
        }
        return Err(TlsSetupError::new(format!(
            "could not open certificate file \"{cert_shown}\": {}",
            crate::error::strerror(&e)
        )));
    }
    let read_fail = |why: String| {
        TlsSetupError::new(format!(
            "could not read certificate file \"{cert_shown}\": {why}"
        ))
    };
    let data = std::fs::read(&cert_path).map_err(|e| read_fail(crate::error::strerror(&e)))?;
    let mut reader = data.as_slice();
    let chain: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut reader)
        .collect::<Result<_, _>>()
        .map_err(|e| read_fail(e.to_string()))?;
    if chain.is_empty() {
        return Err(read_fail("no certificate found".to_owned()));
    }

    let key_path = match non_empty(params, "sslkey") {
        Some(p) => PathBuf::from(p),
        None => match home_file(params, USER_KEY_FILE) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let key = load_private_key(&key_path)?;
    let key_shown = key_path.display();
    let signing = provider.key_provider.load_private_key(key).map_err(|e| {
        TlsSetupError::new(format!(
            "could not load private key file \"{key_shown}\": {e}"
        ))
    })?;
    let certified = CertifiedKey::new(chain, signing);
    match certified.keys_match() {
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
        // OpenSSL's text for the same failure, which libpq shows.
        Err(_) => {
            return Err(TlsSetupError::new(format!(
                "certificate does not match private key file \"{key_shown}\": key values mismatch"
            )));
        }
    }
    Ok(Some(Arc::new(certified)))
}

fn load_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(TlsSetupError::new(format!(
                "certificate present, but not private key file \"{shown}\""
            )));
        }
        Err(e) => {
            return Err(TlsSetupError::new(format!(
                "could not stat private key file \"{shown}\": {}",
                crate::error::strerror(&e)
            )));
        }
    };
    if !meta.is_file() {
        return Err(TlsSetupError::new(format!(
            "private key file \"{shown}\" is not a regular file"
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Root-owned keys may be group-readable (0640), others must be 0600.
        let mode = meta.mode();
        let too_open = if meta.uid() == 0 {
            mode & 0o037 != 0
        } else {
            mode & 0o077 != 0
        };
        if too_open {
            return Err(TlsSetupError::new(format!(
                "private key file \"{shown}\" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root"
            )));
        }
    }
    let fail = |why: String| {
        TlsSetupError::new(format!(
            "could not load private key file \"{shown}\": {why}"
        ))
    };
    let data = std::fs::read(path).map_err(|e| fail(crate::error::strerror(&e)))?;
    let mut reader = data.as_slice();
    match rustls_pemfile::private_key(&mut reader) {
        Ok(Some(key)) => return Ok(key),
        Ok(None) => {}
        Err(e) => return Err(fail(e.to_string())),
    }
    if data.windows(9).any(|w| w == b"ENCRYPTED") {
        return Err(fail(
            "encrypted private keys are not supported (sslpassword)".to_owned(),
        ));
    }
    // libpq falls back to DER when PEM fails.
    PrivateKeyDer::try_from(data).map_err(|e| fail(e.to_owned()))
}

/// Verification as libpq does it; see the module comment.
#[derive(Debug)]
struct PgVerifier {
    /// Checks the chain against the root certificates, if any were found.
    chain: Option<Arc<WebPkiServerVerifier>>,
    /// `Some` under verify-full: the host name to match (`None` if there is
    /// no name to match, which is an error).
    full_host: Option<Option<String>>,
    provider: Arc<CryptoProvider>,
    report: Arc<TlsReport>,
}

impl ServerCertVerifier for PgVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(chain) = &self.chain {
            match chain.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            ) {
                Ok(_) => {}
                // webpki checks the name last, so a name error means the
                // chain is good; names are libpq's business below.
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                )) => {}
                Err(e) => {
                    self.report
                        .record("SSL error: certificate verify failed".to_owned(), None);
                    return Err(e);
                }
            }
        }
        if let Some(host) = &self.full_host {
            if let Err(message) = check_host_name(end_entity, host.as_deref()) {
                self.report.record(message, None);
                return Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName,
                ));
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Resolves the client certificate and notes whether the server asked.
#[derive(Debug)]
struct ClientCert {
    key: Option<Arc<CertifiedKey>>,
    report: Arc<TlsReport>,
}

impl ResolvesClientCert for ClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.report.cert_requested.store(true, Ordering::Relaxed);
        let key = self.key.as_ref()?;
        key.key.choose_scheme(sigschemes)?;
        self.report.cert_sent.store(true, Ordering::Relaxed);
        Some(Arc::clone(key))
    }

    fn has_certs(&self) -> bool {
        // Always true so that a certificate request is seen even without a
        // certificate to send (sslcertmode=require reports on it).
        true
    }
}

/// NSS key log format, for `sslkeylogfile`.
struct KeyLogFile(PathBuf);

impl fmt::Debug for KeyLogFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("KeyLogFile").field(&self.0).finish()
    }
}

impl rustls::KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        if let Ok(mut f) = options.open(&self.0) {
            let line = format!("{label} {} {}\n", hex(client_random), hex(secret));
            // A key log is a debugging aid; failing to write it is not an
            // error for the connection.
            let _ = f.write_all(line.as_bytes());
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// libpq's `wildcard_certificate_match`: `*.` prefix only, matching one
/// label, case-insensitively.
fn wildcard_match(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.as_bytes(), host.as_bytes());
    if p.len() < 3 || p[0] != b'*' || p[1] != b'.' || p.len() > h.len() {
        return false;
    }
    let suffix = &h[h.len() - (p.len() - 1)..];
    if !suffix.eq_ignore_ascii_case(&p[1..]) {
        return false;
    }
    // The wildcard must not cover a dot (libpq's exact test, which lets a
    // dot sit right before the matched suffix).
    let cut = h.len() - p.len();
    !matches!(h.iter().position(|&b| b == b'.'), Some(d) if d < cut)
}

fn name_matches(name: &[u8], host: &str) -> Result<(bool, String), String> {
    if name.contains(&0) {
        return Err("SSL certificate's name contains embedded null".to_owned());
    }
    let name = String::from_utf8_lossy(name).into_owned();
    let m = name.eq_ignore_ascii_case(host) || wildcard_match(&name, host);
    Ok((m, name))
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    host.parse::<IpAddr>().ok()
}

/// libpq's `pq_verify_peer_name_matches_certificate`: SANs of the host's
/// type win; the subject CN is consulted only when there are none.
pub(crate) fn check_host_name(cert_der: &[u8], host: Option<&str>) -> Result<(), String> {
    use x509_cert::der::Decode;
    use x509_cert::der::oid::db::{rfc4519, rfc5280};
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::ext::pkix::name::GeneralName;

    let Some(host) = host else {
        return Err("host name must be specified for a verified SSL connection".to_owned());
    };
    let no_name = || "could not get server's host name from server certificate".to_owned();
    let cert = x509_cert::Certificate::from_der(cert_der).map_err(|_| no_name())?;
    let host_ip = parse_ip(host);
    let host_is_ip = host_ip.is_some();

    let mut examined = 0usize;
    let mut first_name: Option<String> = None;
    let mut check_cn = true;
    let mut matched = false;

    let sans = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == rfc5280::ID_CE_SUBJECT_ALT_NAME)
        .filter_map(|e| SubjectAltName::from_der(e.extn_value.as_bytes()).ok());
    'outer: for san in sans {
        for name in &san.0 {
            let (is_dns, is_ip) = match name {
                GeneralName::DnsName(_) => (true, false),
                GeneralName::IpAddress(_) => (false, true),
                _ => (false, false),
            };
            if (is_dns && !host_is_ip) || (is_ip && host_is_ip) {
                check_cn = false;
            }
            let (m, shown) = match name {
                GeneralName::DnsName(dns) => name_matches(dns.as_bytes(), host)?,
                GeneralName::IpAddress(ip) => {
                    let bytes = ip.as_bytes();
                    let cert_ip = match bytes.len() {
                        4 => IpAddr::from(<[u8; 4]>::try_from(bytes).map_err(|_| no_name())?),
                        16 => IpAddr::from(<[u8; 16]>::try_from(bytes).map_err(|_| no_name())?),
                        n => {
                            return Err(format!(
                                "certificate contains IP address with invalid length {n}"
                            ));
                        }
                    };
                    (host_ip == Some(cert_ip), cert_ip.to_string())
                }
                _ => continue,
            };
            examined += 1;
            first_name.get_or_insert(shown);
            if m {
                matched = true;
                check_cn = false;
                break 'outer;
            }
        }
    }

    if check_cn {
        let cn = cert
            .tbs_certificate
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid == rfc4519::CN);
        if let Some(atv) = cn {
            let (m, shown) = name_matches(atv.value.value(), host)?;
            examined += 1;
            first_name.get_or_insert(shown);
            matched = m;
        }
    }

    if matched {
        return Ok(());
    }
    let first = first_name.unwrap_or_default();
    Err(match examined {
        0 => no_name(),
        1 => format!("server certificate for \"{first}\" does not match host name \"{host}\""),
        2 => format!(
            "server certificate for \"{first}\" (and 1 other name) does not match host name \"{host}\""
        ),
        n => format!(
            "server certificate for \"{first}\" (and {} other names) does not match host name \"{host}\"",
            n - 1
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_CN: &str = "\
-----BEGIN CERTIFICATE-----
MIIBhzCCAS2gAwIBAgIUauCEXCwblpvMHh6ojtyPAr8dBQIwCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOZGIuZXhhbXBsZS5jb20wHhcNMjYxMTIzMjAxMTQ5WhcNMzYx
MTIwMjAxMTQ5WjAZMRcwFQYDVQQDDA5kYi5leGFtcGxlLmNvbTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABIY9V0YSgvGWcZVPWQt6cGB5UPgPrp/sdBFW+4wtKmwp
zpzHxhNaocdnDPfCYyf0xpd8begAbJaA1ss0sBv9Ik+jUzBRMB0GA1UdDgQWBBTU
LZgI3OjLXdI2HQa5uH/6zdezdjAfBgNVHSMEGDAWgBTULZgI3OjLXdI2HQa5uH/6
zdezdjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQC0A+TdziOY
wR5Qyw1ubNZzQ3n8GUGhcZhKYRS00GXgOwIgBihOvbnBRbF+of/3xSFPGEnqF4ey
llj96jf+8g95amM=
-----END CERTIFICATE-----
";
    const CERT_SAN: &str = "\
-----BEGIN CERTIFICATE-----
MIIBsTCCAVigAwIBAgIUdi4m+fos4M3nqLOYKSdi4R8T63swCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPaWdub3JlZC5leGFtcGxlMB4XDTI2MTEyMzIwMTE0OVoXDTM2
MTEyMDIwMTE0OVowGjEYMBYGA1UEAwwPaWdub3JlZC5leGFtcGxlMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEyanbVr2b6GYNFB1dPSApbFRPW8QcmFFH39B1nvoQ
g21kBqlw5c64qvk88lpUFY8IIXz1bAmn+/hmJ/qoxyBHcKN8MHowHQYDVR0OBBYE
FBC521ugK0xqQ2y278A6yDSeTP3nMB8GA1UdIwQYMBaAFBC521ugK0xqQ2y278A6
yDSeTP3nMA8GA1UdEwEB/wQFMAMBAf8wJwYDVR0RBCAwHoINKi5leGFtcGxlLmNv
bYINb3RoZXIuZXhhbXBsZTAKBggqhkjOPQQDAgNHADBEAiB/DLy2iaTYhkNINGH/
JAGmqjHHkCWSTtJ2FB/dHs2lmQIgVj7c37NtSfXghgSsgnCcxNzqwojm8yd2QH+2
U3BcfoA=
-----END CERTIFICATE-----
";
    const CERT_IP: &str = "\
-----BEGIN CERTIFICATE-----
MIIBjjCCATSgAwIBAgIUds6T2l/06Oue/lRe3SGvp0HBwTkwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MB4XDTI2MTEyMzIwMTE0OVoXDTM2MTEyMDIw
MTE0OVowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEkSO87Y6Kdfk4CUbs/EI7sBXhcfNNHm5SHHMijlEf9SH+c18wlalQCUiH
s75Fdi1RVHfZX3oobqEkX9r0Q6hvj6NkMGIwHQYDVR0OBBYEFCimnZN3gHPns9MA
vsJRx63SydRrMB8GA1UdIwQYMBaAFCimnZN3gHPns9MAvsJRx63SydRrMA8GA1Ud
EwEB/wQFMAMBAf8wDwYDVR0RBAgwBocEfwAAATAKBggqhkjOPQQDAgNIADBFAiEA
4d6Re+j05Vl+X7J4vFGBHwgt+wRv51RoT70LanfOSc4CIANO1kLHlstTHXJ5KvdH
KiS24EAzRsLPzWcgIE/se0XW
-----END CERTIFICATE-----
";
    const CERT_DNSONLY_IP: &str = "\
-----BEGIN CERTIFICATE-----
MIIBlDCCATmgAwIBAgIUSfFapKETHrxbKHPaDFL1zm51+GkwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMB4XDTI2MTEyMzIwMTE0OVoXDTM2MTEyMDIw
MTE0OVowFDESMBAGA1UEAwwJMTI3LjAuMC4xMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEjrsUVesY0emw+u2ysauW1gjTL95ZDLXg4SZ/Vp8pOM2YZ1SFOshiCWFU
I4Cg64bDddF5TbCLwr9lwWAFlOT5YKNpMGcwHQYDVR0OBBYEFM2spkEVVB237glW
4Z1Hy9ctacX4MB8GA1UdIwQYMBaAFM2spkEVVB237glW4Z1Hy9ctacX4MA8GA1Ud
EwEB/wQFMAMBAf8wFAYDVR0RBA0wC4IJbG9jYWxob3N0MAoGCCqGSM49BAMCA0kA
MEYCIQCn2Y9OSN773Ijwk0NWCpfXdsZbWr3ejCQAsRsV1Wz4MwIhANET8jTU8hOl
0IE4jNeZ1GXVE1XQu+RU1X8zzfcwi9e+
-----END CERTIFICATE-----
";

    fn der(pem: &str) -> Vec<u8> {
        let mut reader = pem.as_bytes();
        rustls_pemfile::certs(&mut reader)
            .next()
            .unwrap()
            .unwrap()
            .to_vec()
    }

    #[test]
    fn host_name_checks_follow_libpq() {
        let cases: &[(&str, Option<&str>, Result<(), &str>)] = &[
            (CERT_CN, Some("db.example.com"), Ok(())),
            (CERT_CN, Some("DB.Example.COM"), Ok(())),
            (
                CERT_CN,
                Some("x.example.com"),
                Err(
                    "server certificate for \"db.example.com\" does not match host name \"x.example.com\"",
                ),
            ),
            (CERT_SAN, Some("a.example.com"), Ok(())),
            (CERT_SAN, Some("other.example"), Ok(())),
            // A DNS SAN hides the CN from DNS host names.
            (
                CERT_SAN,
                Some("ignored.example"),
                Err(
                    "server certificate for \"*.example.com\" (and 1 other name) does not match host name \"ignored.example\"",
                ),
            ),
            (
                CERT_SAN,
                Some("a.b.example.com"),
                Err(
                    "server certificate for \"*.example.com\" (and 1 other name) does not match host name \"a.b.example.com\"",
                ),
            ),
            (CERT_IP, Some("127.0.0.1"), Ok(())),
            // Only an IP SAN: a DNS host name falls back to the CN.
            (CERT_IP, Some("localhost"), Ok(())),
            (
                CERT_IP,
                Some("127.0.0.2"),
                Err("server certificate for \"127.0.0.1\" does not match host name \"127.0.0.2\""),
            ),
            // libpq lets an IP host match the CN even beside DNS SANs.
            (CERT_DNSONLY_IP, Some("127.0.0.1"), Ok(())),
            (CERT_DNSONLY_IP, Some("localhost"), Ok(())),
            (
                CERT_DNSONLY_IP,
                Some("x"),
                Err("server certificate for \"localhost\" does not match host name \"x\""),
            ),
            (
                CERT_CN,
                None,
                Err("host name must be specified for a verified SSL connection"),
            ),
        ];
        for (pem, host, want) in cases {
            let got = check_host_name(&der(pem), *host);
            assert_eq!(got, want.map_err(str::to_owned), "{host:?}");
        }
        assert_eq!(
            check_host_name(b"not a certificate", Some("h")),
            Err("could not get server's host name from server certificate".to_owned())
        );
    }

    #[test]
    fn wildcards_follow_libpq() {
        let cases = [
            ("*.example.com", "db.example.com", true),
            ("*.example.com", "DB.Example.COM", true),
            ("*.example.com", "a.b.example.com", false),
            ("*.example.com", "example.com", false),
            ("*.example.com", ".example.com", false),
            ("*.example.com", "x.example.com", true),
            ("db.*.com", "db.example.com", false),
            ("*", "x", false),
            ("*.", "a.", false),
            ("*.a.b", "*.a.b", true),
        ];
        for (pattern, host, want) in cases {
            assert_eq!(wildcard_match(pattern, host), want, "{pattern} vs {host}");
        }
    }
}
