//! Closing idle connections: a connection that has no request in flight for longer than its
//! idle timeout is closed, whether it never sent a byte, sits idle between keep-alive requests,
//! waits for a request body that never comes after its answer left, or is an HTTP/2 connection
//! with no stream open.
//!
//! hyper's own `header_read_timeout` covers HTTP/1 while a request's head is being read, but not
//! the wait for the first byte when the protocol is sniffed (`hyper_util`'s `auto` builder reads
//! without a time limit), nor HTTP/2, which has no idle timeout at all. So the connection's
//! socket is wrapped: [`IdleIo`] fails a read or write that waits while the connection has been
//! idle for the timeout, and hyper then closes the connection. Bytes alone do not make a
//! connection busy (HTTP/2 pings or a trickled request head would otherwise keep it open
//! forever); only a request being handled does ([`Activity::busy`]), and the idle time counts
//! from when the last one was answered.

use futures_util::task::AtomicWaker;
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// What a connection is doing: how many of its requests are being handled, and since when it has
/// had none. Shared by the connection's socket ([`IdleIo`]) and its requests ([`Busy`]).
#[derive(Debug)]
pub struct Activity {
    /// When the connection was accepted; `idle_since_ms` counts from here.
    start: Instant,
    in_flight: AtomicUsize,
    idle_since_ms: AtomicU64,
    /// The socket's task, woken when the last request in flight ends: it may be waiting without
    /// a deadline, and nothing else would wake it (an HTTP/1 connection whose answer is written
    /// while its request body never arrives waits for the body alone).
    socket: AtomicWaker,
}

impl Activity {
    /// A connection accepted now, idle until its first request.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
            socket: AtomicWaker::new(),
        })
    }

    /// Marks one request as being handled until the guard is dropped.
    pub fn busy(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(Arc::clone(self))
    }

    /// Since when the connection has had no request in flight; `None` while it has one.
    fn idle_since(&self) -> Option<Instant> {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(self.start + Duration::from_millis(self.idle_since_ms.load(Ordering::SeqCst)))
    }
}

/// A request being handled; see [`Activity::busy`].
#[derive(Debug)]
pub struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let activity = &self.0;
        let since = u64::try_from(activity.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        // The time first, then the count: whoever sees the count fall to zero sees the new time.
        activity.idle_since_ms.store(since, Ordering::SeqCst);
        if activity.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            activity.socket.wake();
        }
    }
}

/// A socket whose reads and writes fail with `TimedOut` once its connection has been idle for
/// `timeout`; see the module documentation.
#[derive(Debug)]
pub struct IdleIo<T> {
    io: T,
    activity: Arc<Activity>,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<T> IdleIo<T> {
    /// `io` with the idle limit `timeout`, its activity told by `activity`.
    pub fn new(io: T, activity: Arc<Activity>, timeout: Duration) -> Self {
        let deadline = Box::pin(tokio::time::sleep(timeout));
        Self {
            io,
            activity,
            timeout,
            deadline,
        }
    }

    /// Called when the socket has to wait: ready with an error once the connection has been idle
    /// for the timeout. While a request is in flight, nothing is armed: the end of the last one
    /// wakes the socket's task, which then waits here again.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        self.activity.socket.register(cx.waker());
        let Some(idle_since) = self.activity.idle_since() else {
            return Poll::Pending;
        };
        let deadline = idle_since + self.timeout;
        if self.deadline.deadline() != deadline {
            self.deadline.as_mut().reset(deadline);
        }
        ready!(self.deadline.as_mut().poll(cx));
        Poll::Ready(io::Error::new(
            io::ErrorKind::TimedOut,
            "the connection was idle too long",
        ))
    }

    /// `result`, unless it is `Pending` and the connection has been idle too long.
    fn or_idle<R>(&mut self, cx: &mut Context<'_>, result: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        match result {
            Poll::Pending => self.poll_idle(cx).map(Err),
            ready => ready,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for IdleIo<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_read(cx, buf);
        this.or_idle(cx, result)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for IdleIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_write(cx, buf);
        this.or_idle(cx, result)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.or_idle(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.io).poll_flush(cx);
        this.or_idle(cx, result)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt as _;

    #[tokio::test(start_paused = true)]
    async fn a_read_fails_once_idle_for_the_timeout_but_not_while_busy() {
        let (_client, server) = tokio::io::duplex(64);
        let activity = Activity::new();
        let mut io = IdleIo::new(server, Arc::clone(&activity), Duration::from_secs(5));
        let busy = activity.busy();
        // A read that starts while a request is in flight waits however long it takes...
        let read = tokio::spawn(async move {
            let mut buf = [0u8; 8];
            let started = Instant::now();
            (io.read(&mut buf).await, started.elapsed())
        });
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!read.is_finished());
        // ...and fails once the connection has been idle for the timeout since the request ended.
        drop(busy);
        let (result, waited) = tokio::time::timeout(Duration::from_secs(3600), read)
            .await
            .expect("the read was never woken")
            .expect("the read's task");
        assert_eq!(result.expect_err("idle").kind(), io::ErrorKind::TimedOut);
        assert!(waited >= Duration::from_secs(65), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_connection_is_idle_from_its_start() {
        let (_client, server) = tokio::io::duplex(64);
        let mut io = IdleIo::new(server, Activity::new(), Duration::from_secs(5));
        let mut buf = [0u8; 8];
        let result = tokio::time::timeout(Duration::from_secs(3600), io.read(&mut buf))
            .await
            .expect("never timed out");
        assert_eq!(result.expect_err("idle").kind(), io::ErrorKind::TimedOut);
    }
}
