//! The answers in flight of this process: the default hub, with nothing to set up.
//!
//! Each session that has a follower or an answer in flight has a room: the answer's pieces so
//! far, its outcome once over, and a version number bumped on every change. Followers wake on
//! the version and read what they lack under the room's lock, so a follower that falls behind
//! reads several pieces at once instead of overflowing a buffer, and none is lost or repeated.
//! Locks are held for a few assignments, never across an `.await`; the map's lock is taken
//! before a room's, never the other way round.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::info;
use uuid::Uuid;

use super::{
    AnswerFeed, AnswerHub, AnswerOutcome, AnswerPublisher, Answering, FeedEvent, HubError,
    HubSettings,
};
use crate::model::SessionId;

/// Answers in flight kept in this process.
#[derive(Debug, Clone)]
pub struct MemoryHub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    rooms: Mutex<HashMap<SessionId, Arc<Room>>>,
    /// `None` when another part keeps the orphan time (a hub shared between instances counts
    /// followers everywhere, not only here).
    orphan_timeout: Option<Duration>,
}

#[derive(Debug)]
struct Room {
    state: Mutex<RoomState>,
    /// Bumped after every change of `state`; followers wait on it.
    version: watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct RoomState {
    followers: usize,
    /// Counts the times `followers` fell to zero, so that an orphan timer started by one of
    /// them does nothing once somebody followed again.
    orphaned: u64,
    /// The answer in flight, or the last one (kept for followers still reading its end).
    flight: Option<Flight>,
}

#[derive(Debug)]
struct Flight {
    message_id: Uuid,
    question: Arc<str>,
    cancel: CancellationToken,
    started: bool,
    /// Piece `seq` is `deltas[seq - 1]`.
    deltas: Vec<Arc<str>>,
    outcome: Option<Arc<AnswerOutcome>>,
}

impl Flight {
    fn in_flight(&self) -> bool {
        self.outcome.is_none()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The critical sections only assign fields; a panic in one leaves nothing half-done.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Room {
    fn new() -> Self {
        Self {
            state: Mutex::new(RoomState::default()),
            version: watch::Sender::new(0),
        }
    }

    fn changed(&self) {
        self.version.send_modify(|v| *v = v.wrapping_add(1));
    }
}

impl MemoryHub {
    pub fn new(settings: HubSettings) -> Self {
        Self::with_orphan_timeout(Some(settings.orphan_answer_timeout))
    }

    /// A hub that never stops an answer for want of followers: the part of a shared hub that
    /// keeps this instance's answers, whose followers may be on other instances.
    pub fn without_orphan_timeout() -> Self {
        Self::with_orphan_timeout(None)
    }

    fn with_orphan_timeout(orphan_timeout: Option<Duration>) -> Self {
        Self {
            inner: Arc::new(Inner {
                rooms: Mutex::new(HashMap::new()),
                orphan_timeout,
            }),
        }
    }

    /// Sessions with a follower or an answer in flight (for tests and metrics).
    pub fn rooms(&self) -> usize {
        lock(&self.inner.rooms).len()
    }

    /// How many feeds follow `session` in this process.
    pub fn followers(&self, session: &SessionId) -> usize {
        lock(&self.inner.rooms)
            .get(session)
            .map_or(0, |room| lock(&room.state).followers)
    }
}

impl Default for MemoryHub {
    fn default() -> Self {
        Self::new(HubSettings::default())
    }
}

impl Inner {
    /// Runs `change` on `session`'s room (made if need be) with the map still locked, so that
    /// [`Inner::tidy`] cannot forget the room between finding it and changing it.
    fn with_room<T>(
        &self,
        session: &SessionId,
        change: impl FnOnce(&Arc<Room>, &mut RoomState) -> T,
    ) -> (Arc<Room>, T) {
        let mut rooms = lock(&self.rooms);
        let room = Arc::clone(
            rooms
                .entry(*session)
                .or_insert_with(|| Arc::new(Room::new())),
        );
        let result = change(&room, &mut lock(&room.state));
        drop(rooms);
        (room, result)
    }

    /// Forgets `session`'s room when nobody follows it and nothing is in flight.
    fn tidy(&self, session: &SessionId) {
        let mut rooms = lock(&self.rooms);
        let idle = rooms.get(session).is_some_and(|room| {
            let state = lock(&room.state);
            state.followers == 0 && !state.flight.as_ref().is_some_and(Flight::in_flight)
        });
        if idle {
            rooms.remove(session);
        }
    }

    /// Called with the room locked when its last follower left an answer in flight: stops the
    /// answer unless somebody follows again within the orphan timeout.
    fn orphan_timer(&self, session: SessionId, room: &Arc<Room>, state: &RoomState) {
        let Some(message_id) = state.flight.as_ref().map(|f| f.message_id) else {
            return;
        };
        let Some(timeout) = self.orphan_timeout else {
            return;
        };
        let epoch = state.orphaned;
        let room = Arc::clone(room);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime left to keep time (the process is ending): stop it now.
            if let Some(flight) = &state.flight {
                flight.cancel.cancel();
            }
            return;
        };
        runtime.spawn(async move {
            tokio::time::sleep(timeout).await;
            let state = lock(&room.state);
            if state.followers == 0
                && state.orphaned == epoch
                && let Some(flight) = &state.flight
                && flight.message_id == message_id
                && flight.in_flight()
            {
                info!(
                    session = %session.log_tag(),
                    %message_id,
                    "nobody followed the answer for the orphan timeout; stopping it"
                );
                flight.cancel.cancel();
            }
        });
    }
}

#[async_trait]
impl AnswerHub for MemoryHub {
    async fn claim(
        &self,
        session: &SessionId,
        message_id: Uuid,
        question: Arc<str>,
    ) -> Result<Box<dyn AnswerPublisher>, HubError> {
        let cancel = CancellationToken::new();
        let (room, claimed) = self.inner.with_room(session, |room, state| {
            if state.flight.as_ref().is_some_and(Flight::in_flight) {
                return false;
            }
            state.flight = Some(Flight {
                message_id,
                question,
                cancel: cancel.clone(),
                started: false,
                deltas: Vec::new(),
                outcome: None,
            });
            if state.followers == 0 {
                state.orphaned = state.orphaned.wrapping_add(1);
                self.inner.orphan_timer(*session, room, state);
            }
            true
        });
        if !claimed {
            return Err(HubError::Busy);
        }
        room.changed();
        Ok(Box::new(MemoryPublisher {
            inner: Arc::clone(&self.inner),
            session: *session,
            room,
            cancel,
            finished: false,
        }))
    }

    async fn follow(
        &self,
        session: &SessionId,
        after_seq: u64,
    ) -> Result<Box<dyn AnswerFeed>, HubError> {
        let (room, (version, cursor, answering)) = self.inner.with_room(session, |room, state| {
            let version = room.version.subscribe();
            state.followers += 1;
            match &state.flight {
                None => (version, Cursor::default(), None),
                Some(flight) if !flight.in_flight() => (version, Cursor::past(flight), None),
                Some(flight) if !flight.started => (version, Cursor::before(flight), None),
                Some(flight) => {
                    let latest = flight.deltas.len() as u64;
                    // A client that claims more than there is holds pieces of another answer.
                    let after = if after_seq > latest { 0 } else { after_seq };
                    let catch_up = flight.deltas[usize::try_from(after).unwrap_or(0)..].concat();
                    let cursor = Cursor {
                        message_id: Some(flight.message_id),
                        started_sent: true,
                        seq: latest,
                        finished_sent: false,
                    };
                    let answering = Answering {
                        message_id: flight.message_id,
                        seq: latest,
                        catch_up,
                    };
                    (version, cursor, Some(answering))
                }
            }
        });
        Ok(Box::new(MemoryFeed {
            inner: Arc::clone(&self.inner),
            session: *session,
            room,
            version,
            cursor,
            pending: VecDeque::new(),
            answering,
        }))
    }

    async fn cancel(&self, session: &SessionId) -> Result<bool, HubError> {
        let room = lock(&self.inner.rooms).get(session).cloned();
        let Some(room) = room else {
            return Ok(false);
        };
        let state = lock(&room.state);
        match &state.flight {
            Some(flight) if flight.in_flight() => {
                flight.cancel.cancel();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn cancel_all(&self) {
        let rooms = lock(&self.inner.rooms);
        for room in rooms.values() {
            if let Some(flight) = &lock(&room.state).flight
                && flight.in_flight()
            {
                flight.cancel.cancel();
            }
        }
    }
}

/// The answer task's handle on its room. Dropped without [`AnswerPublisher::finish`] (the task
/// died), it ends the answer with [`AnswerOutcome::died`] so that the session is not busy for
/// ever.
#[derive(Debug)]
struct MemoryPublisher {
    inner: Arc<Inner>,
    session: SessionId,
    room: Arc<Room>,
    cancel: CancellationToken,
    finished: bool,
}

impl MemoryPublisher {
    fn update(&self, change: impl FnOnce(&mut Flight)) {
        if let Some(flight) = lock(&self.room.state).flight.as_mut() {
            change(flight);
        }
        self.room.changed();
    }

    fn end(&mut self, outcome: AnswerOutcome) {
        self.finished = true;
        self.update(|flight| flight.outcome = Some(Arc::new(outcome)));
        self.inner.tidy(&self.session);
    }
}

#[async_trait]
impl AnswerPublisher for MemoryPublisher {
    fn cancelled(&self) -> CancellationToken {
        self.cancel.clone()
    }

    async fn started(&mut self) {
        self.update(|flight| flight.started = true);
    }

    async fn delta(&mut self, seq: u64, text: &str) {
        self.update(|flight| {
            debug_assert_eq!(seq, flight.deltas.len() as u64 + 1, "pieces come in order");
            flight.deltas.push(text.into());
        });
    }

    async fn finish(mut self: Box<Self>, outcome: AnswerOutcome) {
        self.end(outcome);
    }
}

impl Drop for MemoryPublisher {
    fn drop(&mut self) {
        if !self.finished {
            self.end(AnswerOutcome::died());
        }
    }
}

/// What a follower has been given of the room's answer.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    message_id: Option<Uuid>,
    started_sent: bool,
    seq: u64,
    finished_sent: bool,
}

impl Cursor {
    /// Nothing of `flight` given yet.
    fn before(flight: &Flight) -> Self {
        Self {
            message_id: Some(flight.message_id),
            ..Self::default()
        }
    }

    /// All of `flight` given (a finished answer a new follower has no use for).
    fn past(flight: &Flight) -> Self {
        Self {
            message_id: Some(flight.message_id),
            started_sent: true,
            seq: flight.deltas.len() as u64,
            finished_sent: true,
        }
    }
}

/// One follower of a room.
#[derive(Debug)]
struct MemoryFeed {
    inner: Arc<Inner>,
    session: SessionId,
    room: Arc<Room>,
    version: watch::Receiver<u64>,
    cursor: Cursor,
    pending: VecDeque<FeedEvent>,
    answering: Option<Answering>,
}

impl MemoryFeed {
    /// Queues every event the follower lacks.
    fn catch_up(&mut self) {
        let state = lock(&self.room.state);
        let Some(flight) = &state.flight else {
            return;
        };
        if self.cursor.message_id != Some(flight.message_id) {
            self.cursor = Cursor::before(flight);
        }
        if flight.started && !self.cursor.started_sent {
            self.cursor.started_sent = true;
            self.pending.push_back(FeedEvent::Started {
                message_id: flight.message_id,
                question: Arc::clone(&flight.question),
            });
        }
        let given = usize::try_from(self.cursor.seq).unwrap_or(usize::MAX);
        for (index, text) in flight.deltas.iter().enumerate().skip(given) {
            self.pending.push_back(FeedEvent::Delta {
                seq: index as u64 + 1,
                text: Arc::clone(text),
            });
        }
        self.cursor.seq = flight.deltas.len() as u64;
        if let Some(outcome) = &flight.outcome
            && !self.cursor.finished_sent
        {
            self.cursor.finished_sent = true;
            self.pending
                .push_back(FeedEvent::Finished(Arc::clone(outcome)));
        }
    }
}

#[async_trait]
impl AnswerFeed for MemoryFeed {
    fn answering(&self) -> Option<Answering> {
        self.answering.clone()
    }

    async fn next(&mut self) -> FeedEvent {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return event;
            }
            // Seen before reading, so a change made after the read wakes the wait below.
            self.version.mark_unchanged();
            self.catch_up();
            if self.pending.is_empty() && self.version.changed().await.is_err() {
                // The room's sender lives as long as this feed holds the room.
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Drop for MemoryFeed {
    fn drop(&mut self) {
        let orphaned = {
            let mut state = lock(&self.room.state);
            state.followers = state.followers.saturating_sub(1);
            if state.followers == 0 && state.flight.as_ref().is_some_and(Flight::in_flight) {
                state.orphaned = state.orphaned.wrapping_add(1);
                self.inner.orphan_timer(self.session, &self.room, &state);
                true
            } else {
                false
            }
        };
        if !orphaned {
            self.inner.tidy(&self.session);
        }
    }
}

#[cfg(test)]
mod tests;
