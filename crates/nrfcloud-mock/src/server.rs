//! The server: binds a loopback port, serves HTTP/1.1 connections in a background task (each
//! connection can be closed or reset on purpose by the "drop" and "reset" faults), and shuts
//! down gracefully when the [`MockServer`] is dropped or [`MockServer::shutdown`] is awaited.
//! [`ConnectionLimits`] bound it: a header-read timeout (hyper's), an idle timeout (the
//! connection's activity clock, [`crate::idle`]) and a number of connections served at once
//! (at the limit, accepting pauses).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::app::{App, AppInner};
use crate::config::MockConfig;
use crate::faults::{ConnectionKill, Faults};
use crate::idle::{Activity, WatchedBody};
use crate::limits::ConnectionLimits;
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
    connections: Arc<ConnectionCount>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// How many connections are served now, and the most served at once.
#[derive(Debug, Default)]
struct ConnectionCount {
    open: AtomicUsize,
    peak: AtomicUsize,
}

impl MockServer {
    /// Starts a server with the default [`MockConfig`] on a free loopback port.
    ///
    /// # Errors
    ///
    /// As [`MockServer::start_with`].
    pub async fn start() -> io::Result<Self> {
        Self::start_with(MockConfig::default()).await
    }

    /// Starts a server with `config`.
    ///
    /// # Errors
    ///
    /// The I/O error when the port cannot be bound.
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
        let mut router = crate::routes::router(app);
        if config.log_requests {
            router = router.layer(axum::middleware::from_fn(log_request));
        }
        let (shutdown, signal) = watch::channel(false);
        let connections = Arc::new(ConnectionCount::default());
        let task = tokio::spawn(serve(
            listener,
            router,
            signal,
            config.connection_limits,
            Arc::clone(&connections),
        ));
        Ok(Self {
            base_url,
            state,
            faults,
            connections,
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

    /// How many connections are being served now (at most
    /// [`ConnectionLimits::max_connections`]).
    pub fn open_connections(&self) -> usize {
        self.connections.open.load(Ordering::SeqCst)
    }

    /// The most connections served at once since the server started.
    pub fn peak_connections(&self) -> usize {
        self.connections.peak.load(Ordering::SeqCst)
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

async fn serve(
    listener: TcpListener,
    router: Router,
    mut signal: watch::Receiver<bool>,
    limits: ConnectionLimits,
    count: Arc<ConnectionCount>,
) {
    let max = limits.max_connections.max(1);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = signal.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {
                count.open.store(connections.len(), Ordering::SeqCst);
            }
            // At the limit, new connections wait in the listen queue until one closes.
            accepted = listener.accept(), if connections.len() < max => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(stream, router.clone(), signal.clone(), limits));
                count.open.store(connections.len(), Ordering::SeqCst);
                count.peak.fetch_max(connections.len(), Ordering::SeqCst);
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
    count.open.store(0, Ordering::SeqCst);
}

async fn connection(
    stream: TcpStream,
    router: Router,
    mut signal: watch::Receiver<bool>,
    limits: ConnectionLimits,
) {
    let kill = ConnectionKill::default();
    let handle = kill.clone();
    let activity = Activity::new();
    let watched = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let handling = watched.handling();
        let mut req = req.map(|body| Body::new(WatchedBody::new(body, Arc::clone(&watched))));
        req.extensions_mut().insert(handle.clone());
        let mut router = router.clone();
        async move {
            let response = tower_service::Service::call(&mut router, req).await;
            drop(handling);
            response
        }
    });
    let io = Io {
        stream,
        kill: kill.clone(),
        activity: Arc::clone(&activity),
    };
    let conn = http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let idle = tokio::time::sleep_until(activity.deadline(limits.idle_timeout));
    tokio::pin!(idle);
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            // A "drop" or "reset" fault: the connection (and the request in flight) is dropped
            // unanswered; `Io` resets it on the way out if asked to.
            _ = kill.killed() => break,
            _ = signal.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(Duration::from_secs(5), conn.as_mut()).await;
                break;
            }
            // Idle for the whole timeout: closed (dropping `conn` closes the socket).
            _ = idle.as_mut() => {
                if activity.is_idle(limits.idle_timeout) {
                    break;
                }
                let next = activity
                    .deadline(limits.idle_timeout)
                    .max(tokio::time::Instant::now() + limits.idle_timeout);
                idle.as_mut().reset(next);
            }
            // A handler ended: the idle clock starts again from now.
            () = activity.changed() => {
                idle.as_mut().reset(activity.deadline(limits.idle_timeout));
            }
        }
    }
}

/// A connection's socket: closed normally when dropped, or reset (zero linger, so the kernel
/// sends RST) after a "reset" fault.
struct Io {
    stream: TcpStream,
    kill: ConnectionKill,
    activity: Arc<Activity>,
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
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
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

/// `--log-requests`: `GET /v1/account 200 0.4 ms` on stderr, once the response is ready.
async fn log_request(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    eprintln!(
        "{method} {path} {} {:.1} ms",
        response.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    response
}
