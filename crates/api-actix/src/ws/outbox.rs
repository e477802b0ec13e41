//! The writing half of a socket: frames are queued without waiting and written by a task of
//! their own, each write bounded in time, the queue bounded in bytes.
//!
//! A client that stops reading fills its TCP window, then actix-ws's channel, and then a write
//! waits for ever. Were the socket loop doing that write itself, it could no longer read
//! `cancel`, answer pings or notice timeouts, and the socket, its connection slot and its
//! upstream model request would be held for good. Here the loop only queues; the writer cuts the
//! client off when one write waits longer than the send timeout, and the loop does when the
//! queue passes [`MAX_QUEUED_BYTES`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::rt;
use actix_web::web::Bytes;
use actix_ws::{CloseReason, Session};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info};

/// Frames waiting for one client, in bytes, before it counts as too far behind. A whole answer
/// of 1,000 tokens is about 50 KiB of delta frames, so only a client that stopped reading gets
/// here.
const MAX_QUEUED_BYTES: usize = 1 << 20;

/// What each queued frame counts for besides its text, so that a flood of empty frames is
/// bounded too.
const FRAME_OVERHEAD_BYTES: usize = 16;

/// The socket can take no more frames: the client is gone or was cut off.
#[derive(Debug)]
pub(crate) struct Closed;

enum Outgoing {
    Text(String),
    Ping,
    Pong(Bytes),
    Close(CloseReason),
}

impl Outgoing {
    fn weight(&self) -> usize {
        FRAME_OVERHEAD_BYTES
            + match self {
                Outgoing::Text(text) => text.len(),
                Outgoing::Pong(bytes) => bytes.len(),
                Outgoing::Ping | Outgoing::Close(_) => 0,
            }
    }
}

/// The queue to one client's writer. Dropping it lets the writer finish what is queued and end
/// the socket.
pub(crate) struct Outbox {
    queue: mpsc::UnboundedSender<Outgoing>,
    queued_bytes: Arc<AtomicUsize>,
    /// Cancelled when nothing more can reach the client.
    gone: CancellationToken,
}

impl Outbox {
    /// Starts the writer of `session`; a write that waits longer than `send_timeout` cuts the
    /// client off.
    pub(crate) fn spawn(session: Session, send_timeout: Duration) -> Self {
        let (queue, frames) = mpsc::unbounded_channel();
        let queued_bytes = Arc::new(AtomicUsize::new(0));
        let gone = CancellationToken::new();
        rt::spawn(
            write(
                session,
                frames,
                Arc::clone(&queued_bytes),
                gone.clone(),
                send_timeout,
            )
            .in_current_span(),
        );
        Self {
            queue,
            queued_bytes,
            gone,
        }
    }

    pub(crate) fn text(&self, text: String) -> Result<(), Closed> {
        self.push(Outgoing::Text(text))
    }

    pub(crate) fn ping(&self) -> Result<(), Closed> {
        self.push(Outgoing::Ping)
    }

    pub(crate) fn pong(&self, bytes: Bytes) -> Result<(), Closed> {
        self.push(Outgoing::Pong(bytes))
    }

    /// Queues the close frame after everything already queued; nothing can follow it.
    pub(crate) fn close(&self, reason: CloseReason) {
        let _ = self.queue.send(Outgoing::Close(reason));
    }

    /// Resolves once the client is gone or was cut off.
    pub(crate) async fn gone(&self) {
        self.gone.cancelled().await;
    }

    fn push(&self, frame: Outgoing) -> Result<(), Closed> {
        if self.gone.is_cancelled() {
            return Err(Closed);
        }
        let weight = frame.weight();
        let before = self.queued_bytes.fetch_add(weight, Ordering::Relaxed);
        // One frame is always taken, however large, so an answer is never refused outright.
        if before > 0 && before + weight > MAX_QUEUED_BYTES {
            info!(
                queued_bytes = before,
                "the client fell too far behind; cutting it off"
            );
            metrics::counter!("resume_chat_ws_slow_clients_total").increment(1);
            self.gone.cancel();
            return Err(Closed);
        }
        self.queue.send(frame).map_err(|_| Closed)
    }
}

/// Writes queued frames in order until the queue closes, a close frame is written, the socket
/// is closed by the other side, or one write waits longer than `send_timeout`.
async fn write(
    mut session: Session,
    mut frames: mpsc::UnboundedReceiver<Outgoing>,
    queued_bytes: Arc<AtomicUsize>,
    gone: CancellationToken,
    send_timeout: Duration,
) {
    while let Some(frame) = frames.recv().await {
        let weight = frame.weight();
        let written = match frame {
            Outgoing::Close(reason) => {
                let _ = tokio::time::timeout(send_timeout, session.close(Some(reason))).await;
                break;
            }
            Outgoing::Text(text) => tokio::time::timeout(send_timeout, session.text(text)).await,
            Outgoing::Ping => tokio::time::timeout(send_timeout, session.ping(b"")).await,
            Outgoing::Pong(bytes) => tokio::time::timeout(send_timeout, session.pong(&bytes)).await,
        };
        queued_bytes.fetch_sub(weight, Ordering::Relaxed);
        match written {
            Ok(Ok(())) => {}
            Ok(Err(_closed)) => {
                debug!("the socket was closed while frames were queued");
                break;
            }
            Err(_elapsed) => {
                info!(
                    timeout_secs = send_timeout.as_secs_f64(),
                    "the client stopped reading; cutting it off"
                );
                metrics::counter!("resume_chat_ws_slow_clients_total").increment(1);
                break;
            }
        }
    }
    gone.cancel();
}
