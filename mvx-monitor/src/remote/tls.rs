//! Authentication of the link between the leader's host and a follower host: mutual TLS
//! (rustls, ring) with certificates from files, or plain TCP for loopback demos.
//!
//! Both ends present a certificate signed by the CA the other trusts (`--peer-ca`); the
//! leader checks the follower's against the name it dialled (an IP address needs an IP
//! subjectAltName, a host name a DNS one), the follower checks only that the leader's chains
//! to its CA.

use anyhow::{bail, Context, Result};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

/// How long connecting to a follower host may take (an address nobody answers on would
/// otherwise hold the start for the kernel's two minutes of retries).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How a link is secured.
#[derive(Clone, Debug)]
pub enum Security {
    /// Mutual TLS: our certificate and key, and the CA the peer's certificate must chain to.
    Tls {
        cert: PathBuf,
        key: PathBuf,
        peer_ca: PathBuf,
    },
    /// No authentication, no encryption (`--insecure`): loopback addresses only.
    Insecure,
}

/// A connected, authenticated byte stream.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

impl Security {
    /// From the command line's `--cert/--key/--peer-ca/--insecure`.
    pub fn from_args(
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
        peer_ca: Option<PathBuf>,
        insecure: bool,
    ) -> Result<Security> {
        match (cert, key, peer_ca, insecure) {
            (None, None, None, true) => Ok(Security::Insecure),
            (Some(_), _, _, true) | (_, Some(_), _, true) | (_, _, Some(_), true) => {
                bail!("--insecure cannot be combined with --cert, --key or --peer-ca")
            }
            (Some(cert), Some(key), Some(peer_ca), false) => {
                let s = Security::Tls { cert, key, peer_ca };
                // Read them now, so that a bad file is reported before anything starts.
                s.identity()?;
                s.roots()?;
                Ok(s)
            }
            _ => bail!(
                "a remote link needs --cert FILE --key FILE --peer-ca FILE (PEM), or --insecure \
                 for an unauthenticated link on loopback addresses only"
            ),
        }
    }

    /// Refuses an unauthenticated link to or from anything but a loopback address.
    pub fn check_peer(&self, peer: &SocketAddr) -> Result<()> {
        if matches!(self, Security::Insecure) && !peer.ip().is_loopback() {
            bail!("--insecure links are for loopback addresses only, and {peer} is not one");
        }
        Ok(())
    }

    fn identity(&self) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
        let Security::Tls { cert, key, .. } = self else {
            unreachable!("identity of an insecure link")
        };
        let certs = CertificateDer::pem_file_iter(cert)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("reading the certificate {}", cert.display()))?;
        if certs.is_empty() {
            bail!("{}: no PEM certificate in it", cert.display());
        }
        let key = PrivateKeyDer::from_pem_file(key)
            .with_context(|| format!("reading the private key {}", key.display()))?;
        Ok((certs, key))
    }

    fn roots(&self) -> Result<Arc<rustls::RootCertStore>> {
        let Security::Tls { peer_ca, .. } = self else {
            unreachable!("roots of an insecure link")
        };
        let mut roots = rustls::RootCertStore::empty();
        let certs = CertificateDer::pem_file_iter(peer_ca)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("reading the peer CA {}", peer_ca.display()))?;
        for c in certs {
            roots
                .add(c)
                .with_context(|| format!("{}: not a usable CA certificate", peer_ca.display()))?;
        }
        if roots.is_empty() {
            bail!("{}: no PEM certificate in it", peer_ca.display());
        }
        Ok(Arc::new(roots))
    }

    /// The leader's end: connects to `addr` and authenticates the follower as `name`.
    pub async fn connect(&self, addr: SocketAddr, name: &str) -> Result<Box<dyn Stream>> {
        self.check_peer(&addr)?;
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "connecting to the follower host {addr}: no answer within {}s",
                    CONNECT_TIMEOUT.as_secs()
                )
            })?
            .with_context(|| format!("connecting to the follower host {addr}"))?;
        tcp.set_nodelay(true)?;
        let Security::Tls { .. } = self else {
            return Ok(Box::new(tcp));
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let (certs, key) = self.identity()?;
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(self.roots()?)
            .with_client_auth_cert(certs, key)
            .context("our certificate and key do not match")?;
        let server_name = ServerName::try_from(name.to_string())
            .with_context(|| format!("{name:?} is not a host name or address"))?;
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(server_name, tcp)
            .await
            .with_context(|| format!("TLS handshake with the follower host {addr} ({name})"))?;
        Ok(Box::new(tls))
    }

    /// The follower's end: authenticates the leader's host on an accepted connection.
    pub async fn accept(&self, tcp: TcpStream) -> Result<Box<dyn Stream>> {
        let peer = tcp.peer_addr()?;
        self.check_peer(&peer)?;
        tcp.set_nodelay(true)?;
        let Security::Tls { .. } = self else {
            return Ok(Box::new(tcp));
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            self.roots()?,
            provider.clone(),
        )
        .build()
        .context("building the client certificate check")?;
        let (certs, key) = self.identity()?;
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(certs, key)
            .context("our certificate and key do not match")?;
        let tls = tokio_rustls::TlsAcceptor::from(Arc::new(config))
            .accept(tcp)
            .await
            .with_context(|| format!("TLS handshake with {peer}"))?;
        Ok(Box::new(tls))
    }
}
