//! TLS to a PostgreSQL server as libpq's `sslmode` says: `disable` (plain),
//! `prefer` (the default: encrypted when the server offers it, else
//! plain), `require` (encrypted or refused), both without checking the
//! server's identity, as libpq does; `verify-ca` and `verify-full`
//! (encrypted, the server's certificate chained to `sslrootcert`, a PEM
//! file, and its name checked — rustls always checks it, so both modes
//! check as `verify-full` does).

use postgres::config::SslMode;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// A server's address with how to reach it.
pub struct Target {
    pub config: postgres::Config,
    pub tls: MakeRustlsConnect,
    /// The server's certificate is checked (`verify-ca`, `verify-full`).
    pub verified: bool,
}

/// Reads a `postgres://` URL: the driver's own options, and Lumbung's
/// reading of `sslmode=verify-ca|verify-full` and `sslrootcert`, which the
/// driver does not know. The error says what is wrong without repeating
/// the URL (it may hold a password).
pub fn target(url: &str) -> Result<Target, String> {
    let mut parsed = url::Url::parse(url.trim()).map_err(|e| format!("not a URL: {e}"))?;
    let mut verify = false;
    let mut root: Option<String> = None;
    let mut kept: Vec<(String, String)> = Vec::new();
    for (key, value) in parsed.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("sslmode", "verify-ca" | "verify-full") => verify = true,
            ("sslrootcert", path) => root = Some(path.to_owned()),
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    if verify {
        kept.push(("sslmode".into(), "require".into()));
    }
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(&kept);
    }
    let config: postgres::Config = parsed
        .as_str()
        .parse()
        .map_err(|e: postgres::Error| e.to_string())?;
    let client = match (verify, root) {
        (true, Some(path)) => verifying(&path)?,
        (true, None) => {
            return Err(
                "sslmode=verify-full (or verify-ca) needs sslrootcert=FILE, the PEM file of the \
                 certificate authority that signed the server's certificate"
                    .into(),
            )
        }
        (false, Some(_)) => {
            return Err("sslrootcert is read with sslmode=verify-full (or verify-ca) only".into())
        }
        (false, None) => encrypting_only(),
    };
    debug_assert!(!verify || config.get_ssl_mode() == SslMode::Require);
    Ok(Target {
        config,
        tls: MakeRustlsConnect::new(client),
        verified: verify,
    })
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Trusts the authorities in the PEM file at `path`.
fn verifying(path: &str) -> Result<rustls::ClientConfig, String> {
    let unreadable = |e: &dyn std::fmt::Display| format!("sslrootcert {path}: {e}");
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
        roots
            .add(cert.map_err(|e| unreadable(&e))?)
            .map_err(|e| unreadable(&e))?;
    }
    if roots.is_empty() {
        return Err(unreadable(&"no certificate in the file"));
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Encrypts without checking who the server is (`prefer`, `require`).
fn encrypting_only() -> rustls::ClientConfig {
    let provider = provider();
    rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServer(provider)))
        .with_no_client_auth()
}

/// libpq's `require`: any certificate is taken; the handshake's signatures
/// are still checked, so the session is encrypted to whoever holds the
/// certificate's key.
#[derive(Debug)]
struct AnyServer(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
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
            &self.0.signature_verification_algorithms,
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
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_read_as_libpq_reads_them() {
        let plain = target("postgres://ana:s3cret@db.example:5433/lumbung").unwrap();
        assert_eq!(plain.config.get_ssl_mode(), SslMode::Prefer, "the default");
        assert_eq!(plain.config.get_dbname(), Some("lumbung"));
        assert_eq!(plain.config.get_password(), Some(&b"s3cret"[..]));
        let required =
            target("postgres://ana@db.example/lumbung?sslmode=require&application_name=x").unwrap();
        assert_eq!(required.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(required.config.get_application_name(), Some("x"));
        let off = target("postgres://ana@db.example/lumbung?sslmode=disable").unwrap();
        assert_eq!(off.config.get_ssl_mode(), SslMode::Disable);

        // verify-full needs the authority's certificate, readable and PEM.
        let err = target("postgres://ana:s3cret@db.example/lumbung?sslmode=verify-full")
            .err()
            .unwrap();
        assert!(err.contains("sslrootcert"), "{err}");
        assert!(!err.contains("s3cret"));
        let err =
            target("postgres://ana@db.example/l?sslmode=verify-ca&sslrootcert=/nonexistent.pem")
                .err()
                .unwrap();
        assert!(err.contains("/nonexistent.pem"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = target(&format!(
            "postgres://ana@db.example/l?sslmode=verify-full&sslrootcert={}",
            empty.display()
        ))
        .err()
        .unwrap();
        assert!(err.contains("no certificate"), "{err}");
        let err = target("postgres://ana@db.example/l?sslrootcert=/ca.pem")
            .err()
            .unwrap();
        assert!(err.contains("verify-full"), "{err}");
        // The driver's own complaints still come through.
        assert!(target("postgres://ana@db.example/l?sslmode=sometimes").is_err());
    }
}
