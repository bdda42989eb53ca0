//! The server: binds a loopback port, serves HTTP/1.1 connections in a background task (each
//! connection can be closed or reset on purpose by the "drop" and "reset" faults), and shuts
//! down gracefully when the [`MockServer`] is dropped or [`MockServer::shutdown`] is awaited.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::app::{App, AppInner};
use crate::config::MockConfig;
use crate::faults::{ConnectionKill, Faults};
use crate::spec::ApiSpec;
use crate::state::MockState;
use crate::transforms::Transforms;

/// A running mock nRF Cloud. The API lives under `{base_url}/v1`, like
/// `https://api.nrfcloud.com/v1`.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// let server = nrfcloud_mock::MockServer::start().await?;
/// println!("{} with API key {}", server.api_url(), server.api_key());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MockServer {
    base_url: String,
    state: Arc<MockState>,
    faults: Arc<Faults>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Starts a server with the default [`MockConfig`] on a free loopback port.
    pub async fn start() -> io::Result<Self> {
        Self::start_with(MockConfig::default()).await
    }

    /// Starts a server with `config`.
    pub async fn start_with(config: MockConfig) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let spec = ApiSpec::load().map_err(io::Error::other)?;
        let state = Arc::new(MockState::new(&config, base_url.clone()));
        let faults = Arc::new(Faults::default());
        let app = App::new(AppInner {
            spec,
            state: Arc::clone(&state),
            faults: Arc::clone(&faults),
            transforms: config.transform.clone().map(|engine| {
                Transforms::new(
                    engine,
                    config.transform_limits.clone(),
                    config.transform_workers,
                )
            }),
            empty_lists_as_40499: config.empty_lists_as_40499,
        });
        let router = crate::routes::router(app);
        let (shutdown, signal) = watch::channel(false);
        let task = tokio::spawn(serve(listener, router, signal));
        Ok(Self {
            base_url,
            state,
            faults,
            shutdown,
            task: Some(task),
        })
    }

    /// The server's address, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The API's base URL: [`MockServer::base_url`] followed by `/v1`.
    pub fn api_url(&self) -> String {
        format!("{}/v1", self.base_url)
    }

    /// The team's API key (the "Simple Token").
    pub fn api_key(&self) -> &str {
        self.state.api_key()
    }

    /// The team id (`team.tenantId`).
    pub fn tenant_id(&self) -> &str {
        self.state.tenant_id()
    }

    /// The server's state, to inspect or prepare it from tests.
    pub fn state(&self) -> &MockState {
        &self.state
    }

    /// The fault knobs, changeable while the server runs.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Stops accepting connections, lets open ones finish (up to 5 s) and waits for the server
    /// task to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // The task sees the signal, closes idle connections and ends on its own.
        let _ = self.shutdown.send(true);
    }
}

async fn serve(listener: TcpListener, router: Router, mut signal: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = signal.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(stream, router.clone(), signal.clone()));
            }
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        connections.abort_all();
    }
}

async fn connection(stream: TcpStream, router: Router, mut signal: watch::Receiver<bool>) {
    let kill = ConnectionKill::default();
    let handle = kill.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(handle.clone());
        let mut router = router.clone();
        async move { tower_service::Service::call(&mut router, req.map(Body::new)).await }
    });
    let io = Io {
        stream,
        kill: kill.clone(),
    };
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        // A "drop" or "reset" fault: the connection (and the request in flight) is dropped
        // unanswered; `Io` resets it on the way out if asked to.
        _ = kill.killed() => {}
        _ = signal.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn.as_mut()).await;
        }
    }
}

/// A connection's socket: closed normally when dropped, or reset (zero linger, so the kernel
/// sends RST) after a "reset" fault.
struct Io {
    stream: TcpStream,
    kill: ConnectionKill,
}

impl Drop for Io {
    fn drop(&mut self) {
        if self.kill.resets() {
            let _ = self.stream.set_zero_linger();
        }
    }
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
