//! Accepting connections and serving the routes on them: plain TCP, or TLS
//! with rustls when a certificate and key are configured, with the timeouts
//! that keep slow or silent clients from holding connections forever.
//!
//! warp's own `serve` sets no timeouts and (in 0.4) has no TLS, so the hub
//! runs the accept loop itself with hyper-util, as warp does inside:
//!
//! * a TLS handshake must finish within `handshake` (a client that opens a
//!   socket and says nothing is dropped);
//! * request headers must arrive within `header_read` (slowloris), which
//!   hyper also applies to the wait for the next request on a kept-alive
//!   connection;
//! * request bodies are guarded where they are read (`crate::ingest::spool`
//!   drops an upload that stalls), and every handler is bounded by the
//!   store's acquire timeout.
//!
//! Each request carries the peer's address as a [`Peer`] extension, which
//! the audit log records. Each is also served under its request id
//! ([`crate::request_id`]): a `request` span (id, method, route template)
//! around all of its handling, so every log line written meanwhile carries
//! them; the id in the answer's `X-Request-Id` header; and, once answered,
//! one access log line and the HTTP metrics. This is the one place that
//! sees every answer, warp's own refusals included, and the only place that
//! can put the whole of warp's handling inside a span and a task-local.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use std::time::{Duration, Instant};
use tracing::Instrument;
use warp::http;

use anyhow::Context as _;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tower_service::Service;

use crate::metrics::Metrics;
use crate::request_id::{self, RequestId};

/// The peer's address, attached to every request.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// How long the hub waits on a client.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// For a TLS handshake to finish.
    pub handshake: Duration,
    /// For a request's headers (and, kept alive, for the next request).
    pub header_read: Duration,
}

/// Load a PEM certificate chain and private key into a rustls server
/// configuration (HTTP/1.1 only, as the plain listener).
pub fn tls_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let chain = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading the TLS certificate {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing the TLS certificate {}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("{} holds no PEM certificate", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("reading the TLS private key {}", key.display()))?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .context("choosing TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .context("the TLS certificate and private key do not belong together")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Adds [`Peer`] to each request before warp sees it, and serves the
/// request under its id (see the module documentation).
#[derive(Clone)]
struct PerRequest<S> {
    inner: S,
    peer: SocketAddr,
    metrics: Metrics,
}

impl<S, B, RB> Service<http::Request<B>> for PerRequest<S>
where
    S: Service<http::Request<B>, Response = http::Response<RB>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    RB: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        request.extensions_mut().insert(Peer(self.peer));
        let id = RequestId::for_request(
            request
                .headers()
                .get(request_id::HEADER)
                .map(http::HeaderValue::as_bytes),
        );
        // The template, never the raw path: paths name merchants and keys.
        let route = crate::api::route_template(request.uri().path());
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            method = %request.method(),
            route,
        );
        let started = Instant::now();
        // warp starts a filter's work in `call`: that is part of the request.
        let inner = span.in_scope(|| id.clone().sync_scope(|| self.inner.call(request)));
        let metrics = self.metrics.clone();
        Box::pin(async move {
            let mut answered = id.clone().scope(inner).instrument(span.clone()).await;
            if let Ok(response) = &mut answered {
                // A sane client id or our hex: always a valid header value.
                if let Ok(value) = http::HeaderValue::from_str(id.as_str()) {
                    response.headers_mut().insert(request_id::HEADER, value);
                }
                let status = response.status().as_u16();
                let elapsed = started.elapsed();
                metrics.http_request(route, status, elapsed);
                let duration_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3;
                span.in_scope(|| tracing::info!(status, duration_ms, "request"));
            }
            answered
        })
    }
}

/// Serve `filter` on `listener` until `shutdown` completes, then let open
/// requests finish. Every answer is counted in `metrics`.
pub async fn serve<F>(
    listener: TcpListener,
    filter: F,
    tls: Option<Arc<ServerConfig>>,
    timeouts: Timeouts,
    metrics: Metrics,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    F: warp::Filter + Clone + Send + Sync + 'static,
    F::Extract: warp::Reply,
{
    let tls = tls.map(TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors, typically: back off, go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(PerRequest {
            inner: warp::service(filter.clone()),
            peer,
            metrics: metrics.clone(),
        });
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(timeouts.header_read);
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let served = match tls {
                None => {
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    watcher.watch(connection.into_owned()).await
                }
                Some(acceptor) => {
                    let stream =
                        match tokio::time::timeout(timeouts.handshake, acceptor.accept(stream))
                            .await
                        {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(error)) => {
                                tracing::debug!(%peer, %error, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!(%peer, "TLS handshake timed out");
                                return;
                            }
                        };
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    watcher.watch(connection.into_owned()).await
                }
            };
            if let Err(error) = served {
                // A client that went away or timed out: not the hub's fault.
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
