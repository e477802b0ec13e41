//! Group commit: one writer task per database gathers the writes of every socket waiting at
//! that moment and stores them in one transaction (one multi-row statement per table), so that
//! a hundred answers finishing together cost one commit, one WAL flush and a few round trips
//! instead of a hundred of each. On SQLite it also makes this task the only writer, so the pool's
//! connections no longer queue on the database lock.
//!
//! Each caller awaits its own write's outcome, which is sent only after the commit succeeded:
//! nothing is reported stored that is not. When a batch fails, its writes are tried again one by
//! one, each with the single-statement path and its own outcome (so a message whose conversation
//! was erased fails alone, and the rest of the batch is stored).

use domain::{Conversation, Message, RepoError};
use tokio::sync::{mpsc, oneshot};
use tracing::debug;

use crate::repo::SeaOrmRepo;

/// Writes taken into one batch at most: 7 bound values a message keeps a batch far below
/// SQLite's (32,766) and PostgreSQL's (65,535) limits on a statement's parameters.
const MAX_BATCH: usize = 256;

/// Writes waiting for the writer at most; callers past it wait to queue (back-pressure).
const QUEUE_CAPACITY: usize = 4096;

/// One write of the chat: a conversation's first storing, or a message.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    Conversation(Conversation),
    Message(Message),
}

struct Pending {
    write: Write,
    done: oneshot::Sender<Result<(), RepoError>>,
}

/// The queue to a database's writer task. The task ends once every queue to it is dropped,
/// after storing what was queued.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::Sender<Pending>,
}

impl GroupCommit {
    /// Starts the writer over `direct`, a repository that writes straight to the database.
    pub(crate) fn spawn(direct: SeaOrmRepo) -> Self {
        let (queue, writes) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(run(direct, writes));
        Self { queue }
    }

    /// Stores `write` with the next batch; resolves once it is committed (or has failed).
    pub(crate) async fn write(&self, write: Write) -> Result<(), RepoError> {
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(Pending { write, done })
            .await
            .map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

fn stopped() -> RepoError {
    RepoError::Unavailable("the database writer has stopped".into())
}

/// Takes what is waiting (up to [`MAX_BATCH`]) and stores it, until every queue is dropped.
async fn run(direct: SeaOrmRepo, mut writes: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while writes.recv_many(&mut batch, MAX_BATCH).await > 0 {
        store(&direct, &mut batch).await;
    }
}

/// Stores `batch` in one transaction, or else one write at a time; tells each caller. A write
/// whose caller stopped waiting is stored all the same, as a lone write would be.
async fn store(direct: &SeaOrmRepo, batch: &mut Vec<Pending>) {
    if batch.len() > 1 {
        let writes: Vec<&Write> = batch.iter().map(|p| &p.write).collect();
        match direct.store_batch(&writes).await {
            Ok(()) => {
                for pending in batch.drain(..) {
                    let _ = pending.done.send(Ok(()));
                }
                return;
            }
            Err(error) => {
                debug!(%error, writes = batch.len(), "a batch failed; storing its writes one by one");
            }
        }
    }
    for pending in batch.drain(..) {
        let outcome = match &pending.write {
            Write::Conversation(c) => direct.create_conversation_now(c).await,
            Write::Message(m) => direct.append_message_now(m).await,
        };
        let _ = pending.done.send(outcome);
    }
}
