//! The socket side shared by the emulators: a listener on 127.0.0.1 whose connections a
//! handler can cut (a dropped connection, before or after the write), how a handled request
//! ends, and a running server's lifetime, on the test's runtime or on a thread of its own.
//!
//! It knows nothing of any tracker's API: the router it serves is the emulator's.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How long a stalled request is held open before its connection is dropped.
pub const STALL_LIMIT: Duration = Duration::from_secs(60);

/// How a handled request ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The response is sent.
    Answer,
    /// The connection is cut instead.
    Drop,
    /// No answer for [`STALL_LIMIT`], then the connection is cut.
    Stall,
}

/// A handle on one accepted connection: once killed, it reads as closed and every write
/// fails, so the response being written never reaches the client and the socket is closed.
#[derive(Debug, Clone)]
pub struct Connection(Arc<AtomicBool>);

impl Connection {
    /// Carries out `ending` before the handler returns its response.
    pub async fn end(&self, ending: Ending) {
        match ending {
            Ending::Answer => {}
            Ending::Drop => self.0.store(true, Ordering::SeqCst),
            Ending::Stall => {
                tokio::time::sleep(STALL_LIMIT).await;
                self.0.store(true, Ordering::SeqCst);
            }
        }
    }
}

/// A listener whose connections a handler can cut: see [`Connection`].
struct KillableListener {
    inner: TcpListener,
}

impl Listener for KillableListener {
    type Io = KillableStream;
    type Addr = Connection;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((io, _)) => {
                    let _ = io.set_nodelay(true);
                    let killed = Arc::new(AtomicBool::new(false));
                    return (
                        KillableStream {
                            io,
                            killed: killed.clone(),
                        },
                        Connection(killed),
                    );
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()?;
        Ok(Connection(Arc::new(AtomicBool::new(false))))
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

struct KillableStream {
    io: TcpStream,
    killed: Arc<AtomicBool>,
}

impl KillableStream {
    fn killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Binds a free port on 127.0.0.1.
async fn bind() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("the emulator binds a local port");
    let addr = listener
        .local_addr()
        .expect("a bound socket has an address");
    (listener, addr)
}

/// Serves `app` on `listener` until the future is dropped; handlers may extract
/// `ConnectInfo<Connection>`.
async fn serve(listener: TcpListener, app: Router) {
    let listener = KillableListener { inner: listener };
    let _ = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<Connection>(),
    )
    .await;
}

/// A server running on 127.0.0.1; dropping it stops the server.
pub struct Running {
    pub addr: SocketAddr,
    task: Option<tokio::task::JoinHandle<()>>,
    thread: Option<(
        tokio::sync::oneshot::Sender<()>,
        std::thread::JoinHandle<()>,
    )>,
}

impl Running {
    /// Binds a free port, builds the state for its address with `state`, and serves the
    /// router `app` makes of it on the current tokio runtime.
    pub async fn start<S: Send + Sync + 'static>(
        state: impl FnOnce(SocketAddr) -> Arc<S>,
        app: fn(Arc<S>) -> Router,
    ) -> (Running, Arc<S>) {
        let (listener, addr) = bind().await;
        let shared = state(addr);
        let task = tokio::spawn(serve(listener, app(shared.clone())));
        let running = Running {
            addr,
            task: Some(task),
            thread: None,
        };
        (running, shared)
    }

    /// [`Running::start`] on a thread of its own, for tests that are not async.
    pub fn start_blocking<S: Send + Sync + 'static>(
        state: impl FnOnce(SocketAddr) -> Arc<S> + Send + 'static,
        app: fn(Arc<S>) -> Router,
    ) -> (Running, Arc<S>) {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the emulator's runtime starts");
            runtime.block_on(async move {
                let (listener, addr) = bind().await;
                let shared = state(addr);
                let _ = addr_tx.send((addr, shared.clone()));
                tokio::select! {
                    _ = serve(listener, app(shared)) => {}
                    _ = stop_rx => {}
                }
            });
        });
        let (addr, shared) = addr_rx.recv().expect("the emulator thread starts");
        let running = Running {
            addr,
            task: None,
            thread: Some((stop_tx, thread)),
        };
        (running, shared)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some((stop, thread)) = self.thread.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}
