//! Answers in flight shared between instances through Redis: a socket on instance B follows,
//! resumes and cancels an answer generated on instance A, and BUSY holds across instances.
//!
//! Must not depend on HTTP, SQL or model adapters; it implements the domain's `AnswerHub`.
//!
//! How: each instance keeps the answers it generates in an in-process [`MemoryHub`], and
//! mirrors into that same hub the answers of other instances that its own sockets follow, so
//! every socket reads from memory whichever instance writes. Between instances, per session:
//! - `{prefix}:claim:{session}` — the session's one answer in flight (`SET NX` with an expiry
//!   its instance keeps renewing, so the claim of an instance that died lapses);
//! - `{prefix}:events:{session}` — a Redis Stream of the answer's events (claimed, started,
//!   each piece, finished with its outcome), trimmed and expiring, read by an instance that
//!   starts following mid-answer;
//! - `{prefix}:notify:{session}` — pub/sub, the same events as they happen (one pattern
//!   subscription per instance), and cancel requests;
//! - `{prefix}:attended:{session}` — set for a few seconds by instances whose sockets follow
//!   another instance's answer, so its instance does not take it as orphaned.
//!
//! If Redis goes away, answers go on on the instance that holds their socket (they are written
//! to memory first), `health` says what is degraded, and the connection comes back by itself.

mod wire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::{
    AnswerFeed, AnswerHub, AnswerOutcome, AnswerPublisher, HubError, HubSettings, MemoryHub,
    SessionId,
};
use futures::StreamExt;
use redis::aio::ConnectionManager;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};
use uuid::Uuid;

use wire::{Envelope, Event, Outcome};

/// How long a claim lives without renewal: an instance that dies frees its sessions this long
/// after; renewed every [`SWEEP_EVERY`], so three sweeps may be missed.
const CLAIM_TTL: Duration = Duration::from_secs(15);

/// How often each instance renews its claims, marks the answers its sockets follow, checks for
/// orphans and for mirrored answers whose instance died, and checks Redis is back.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How long an "attended" mark lasts: a few sweeps, so one late sweep does not orphan an
/// answer.
const ATTENDED_TTL: Duration = Duration::from_secs(4);

/// Entries kept per session stream: a long answer is about a thousand pieces; older answers'
/// entries are only history.
const STREAM_MAX_ENTRIES: usize = 10_000;

/// How long a session's stream outlives its last event: nobody resumes an answer that ended
/// an hour ago from the stream (the stored conversation has it).
const STREAM_TTL: Duration = Duration::from_secs(3600);

/// Wait before resubscribing after the pub/sub connection dropped.
const RESUBSCRIBE_AFTER: Duration = Duration::from_millis(500);

/// Appends events (`ARGV[4..]`) to the session's stream, keeps the stream bounded and
/// expiring, and publishes each with its stream id: in one round trip, in order.
const EMIT_SCRIPT: &str = r"
for i = 4, #ARGV do
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
  redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[3] .. ' ' .. ARGV[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return #ARGV - 3
";

/// Events of one answer sent to Redis in one round trip at most: what piled up while the
/// previous batch was on its way (a fast model writes pieces faster than a round trip).
const MAX_BATCH: usize = 64;

/// Publishes an answer's end and frees its claim (if still the caller's) in one round trip:
/// the other instances hear the end before anyone can claim the session again.
const FINISH_SCRIPT: &str = r"
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'e', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[5] .. ' ' .. ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
return id
";

/// Renews a claim only if it is still the caller's: a plain `SET` from a sweep that read its
/// list of answers just before one ended would bring the ended answer's claim back (and with it
/// BUSY for the claim's whole life).
const RENEW_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
";

/// Frees a claim only if it is still the caller's.
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// Why the hub could not start. Neither carries the URL: it may hold a password, and the
/// caller, which owns the setting, names it redacted.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("not a Redis URL: {0}")]
    Url(String),
    #[error("cannot reach Redis: {0}")]
    Unreachable(String),
}

/// Answers in flight shared through Redis.
#[derive(Clone)]
pub struct RedisHub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for RedisHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisHub")
            .field("prefix", &self.inner.prefix)
            .field("instance", &self.inner.instance)
            .finish_non_exhaustive()
    }
}

struct Inner {
    conn: ConnectionManager,
    prefix: String,
    /// This process, as other instances see it.
    instance: Uuid,
    /// This instance's answers and the mirrors of the others' that its sockets follow.
    local: MemoryHub,
    orphan_timeout: Duration,
    /// The answers this instance generates.
    own: Mutex<HashMap<SessionId, Own>>,
    /// Other instances' answers followed here, fed into `local`. An async lock: applying an
    /// event awaits the local publisher, and events of one session must apply in order.
    mirrors: tokio::sync::Mutex<HashMap<SessionId, Mirror>>,
    /// False after a Redis command failed, until one succeeds.
    reachable: AtomicBool,
    /// True while the pub/sub subscription runs.
    subscribed: AtomicBool,
    emit: redis::Script,
    finish: redis::Script,
    renew: redis::Script,
    release: redis::Script,
    stop: CancellationToken,
}

struct Own {
    message_id: Uuid,
    /// Since when no socket anywhere follows it.
    unattended_since: Option<Instant>,
}

struct Mirror {
    message_id: Uuid,
    /// The stream id of the last event applied.
    last_id: StreamId,
    seq: u64,
    publisher: Box<dyn AnswerPublisher>,
    /// Sweeps in a row that found the claim gone (its instance died without finishing).
    claim_missing: u8,
}

/// A Redis stream id, `<ms>-<n>`, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
struct StreamId(u64, u64);

impl StreamId {
    fn parse(text: &str) -> Option<Self> {
        let (ms, n) = text.split_once('-')?;
        Some(Self(ms.parse().ok()?, n.parse().ok()?))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RedisHub {
    /// Connects to `url` (checked now, so that a wrong URL stops the start-up), subscribes to
    /// the other instances' events and starts the sweep. Keys start with `prefix`.
    ///
    /// # Errors
    /// [`ConnectError`] when the URL is wrong or Redis does not answer.
    pub async fn connect(
        url: &str,
        prefix: &str,
        settings: HubSettings,
    ) -> Result<Self, ConnectError> {
        let client = redis::Client::open(url).map_err(|e| ConnectError::Url(e.to_string()))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let conn = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(|e| ConnectError::Unreachable(e.to_string()))?;
        let inner = Arc::new(Inner {
            conn,
            prefix: prefix.to_owned(),
            instance: Uuid::new_v4(),
            local: MemoryHub::without_orphan_timeout(),
            orphan_timeout: settings.orphan_answer_timeout,
            own: Mutex::new(HashMap::new()),
            mirrors: tokio::sync::Mutex::new(HashMap::new()),
            reachable: AtomicBool::new(true),
            subscribed: AtomicBool::new(false),
            emit: redis::Script::new(EMIT_SCRIPT),
            finish: redis::Script::new(FINISH_SCRIPT),
            renew: redis::Script::new(RENEW_SCRIPT),
            release: redis::Script::new(RELEASE_SCRIPT),
            stop: CancellationToken::new(),
        });
        tokio::spawn(listen(Arc::clone(&inner), client));
        tokio::spawn(sweep(Arc::clone(&inner)));
        // Followers joining now must not miss events: wait (briefly) for the subscription.
        for _ in 0..50 {
            if inner.subscribed.load(Ordering::Relaxed) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        info!(instance = %inner.instance, "answers in flight are shared through Redis");
        Ok(Self { inner })
    }

    /// Stops the subscription and the sweep (the hub keeps working within this instance).
    pub fn close(&self) {
        self.inner.stop.cancel();
    }
}

impl Inner {
    fn key(&self, kind: &str, session: &SessionId) -> String {
        format!("{}:{kind}:{session}", self.prefix)
    }

    fn note<T>(&self, result: redis::RedisResult<T>, doing: &str) -> Option<T> {
        match result {
            Ok(value) => {
                if !self.reachable.swap(true, Ordering::Relaxed) {
                    info!("Redis answers again");
                }
                Some(value)
            }
            Err(error) => {
                if self.reachable.swap(false, Ordering::Relaxed) {
                    warn!(%error, doing, "Redis failed; answers in flight are kept on this instance only");
                } else {
                    debug!(%error, doing, "Redis failed");
                }
                None
            }
        }
    }

    /// Writes `events` to the session's stream and channel. Skipped while Redis is known to
    /// be away (the sweep notices when it is back): an answer must not wait on a dead
    /// connection between its pieces.
    async fn emit(&self, session: &SessionId, events: Vec<Event>) {
        if !self.reachable.load(Ordering::Relaxed) {
            return;
        }
        let mut invocation = self.emit.key(self.key("events", session));
        invocation
            .key(self.key("notify", session))
            .arg(STREAM_MAX_ENTRIES)
            .arg(STREAM_TTL.as_secs())
            .arg(self.instance.to_string());
        for event in events {
            let envelope = Envelope {
                i: self.instance,
                e: event,
            };
            if let Ok(json) = serde_json::to_string(&envelope) {
                invocation.arg(json);
            }
        }
        let result: redis::RedisResult<i64> = invocation.invoke_async(&mut self.conn.clone()).await;
        self.note(result, "publishing answer events");
    }

    async fn release_claim(&self, session: &SessionId, message_id: Uuid) {
        let result: redis::RedisResult<i64> = self
            .release
            .key(self.key("claim", session))
            .arg(message_id.to_string())
            .invoke_async(&mut self.conn.clone())
            .await;
        self.note(result, "releasing a claim");
    }

    /// Applies one event of another instance to the session's mirror (made on its claim).
    async fn apply(&self, session: SessionId, id: StreamId, event: Event) {
        let mut mirrors = self.mirrors.lock().await;
        if let Event::Claimed { m, q } = &event {
            if mirrors
                .get(&session)
                .is_some_and(|mirror| mirror.message_id == *m)
            {
                return;
            }
            if let Some(old) = mirrors.remove(&session) {
                old.publisher.finish(AnswerOutcome::died()).await;
            }
            match self.local.claim(&session, *m, q.as_str().into()).await {
                Ok(publisher) => {
                    mirrors.insert(
                        session,
                        Mirror {
                            message_id: *m,
                            last_id: id,
                            seq: 0,
                            publisher,
                            claim_missing: 0,
                        },
                    );
                }
                Err(error) => debug!(%error, "cannot mirror another instance's answer"),
            }
            return;
        }
        let Some(mirror) = mirrors.get_mut(&session) else {
            return;
        };
        if event.message_id() != Some(mirror.message_id) || id <= mirror.last_id {
            return;
        }
        mirror.last_id = id;
        match event {
            Event::Started { .. } => mirror.publisher.started().await,
            Event::Delta { s, t, .. } if s == mirror.seq + 1 => {
                mirror.seq = s;
                mirror.publisher.delta(s, &t).await;
            }
            Event::Finished { o, .. } => {
                if let Some(mirror) = mirrors.remove(&session) {
                    mirror.publisher.finish((*o).into()).await;
                }
            }
            Event::Delta { .. } | Event::Claimed { .. } | Event::Cancel => {}
        }
    }

    /// Brings the session's mirror up to date from its stream: when a socket starts following
    /// here in the middle of another instance's answer.
    async fn sync(&self, session: SessionId) {
        let Some(events) = self.read_events(session, "-").await else {
            return;
        };
        // The latest answer of the session: from its claim on.
        let Some(start) = events
            .iter()
            .rposition(|(_, e)| matches!(e.e, Event::Claimed { .. }))
        else {
            return;
        };
        let latest = &events[start..];
        if latest[0].1.i == self.instance {
            return;
        }
        let finished = latest
            .iter()
            .any(|(_, e)| matches!(e.e, Event::Finished { .. }));
        let message_id = latest[0].1.e.message_id();
        let claimed: Option<Option<String>> = self.note(
            redis::cmd("GET")
                .arg(self.key("claim", &session))
                .query_async(&mut self.conn.clone())
                .await,
            "reading a claim",
        );
        let alive = claimed.flatten().and_then(|m| m.parse::<Uuid>().ok()) == message_id;
        let mirrored = self
            .mirrors
            .lock()
            .await
            .get(&session)
            .map(|m| m.message_id);
        if mirrored.is_none() && (finished || !alive) {
            // Over, or its instance died: the stored conversation has whatever there is.
            return;
        }
        for (id, envelope) in latest.iter().cloned() {
            if mirrored == message_id && matches!(envelope.e, Event::Claimed { .. }) {
                continue;
            }
            self.apply(session, id, envelope.e).await;
        }
        // Events published between the read above and the mirror's making were dropped by
        // the subscription (nothing here followed the session yet); they are in the stream.
        let last = self.mirrors.lock().await.get(&session).map(|m| m.last_id);
        if let Some(StreamId(ms, n)) = last
            && let Some(later) = self.read_events(session, &format!("({ms}-{n}")).await
        {
            for (id, envelope) in later {
                self.apply(session, id, envelope.e).await;
            }
        }
    }

    /// The session's stream from `start` (an id, `(id` for after it, or `-`) to its end.
    async fn read_events(
        &self,
        session: SessionId,
        start: &str,
    ) -> Option<Vec<(StreamId, Envelope)>> {
        let entries: Vec<(String, Vec<String>)> = self.note(
            redis::cmd("XRANGE")
                .arg(self.key("events", &session))
                .arg(start)
                .arg("+")
                .query_async(&mut self.conn.clone())
                .await,
            "reading an answer's events",
        )?;
        Some(
            entries
                .into_iter()
                .filter_map(|(id, fields)| {
                    let id = StreamId::parse(&id)?;
                    let json = fields.get(1)?;
                    Some((id, serde_json::from_str(json).ok()?))
                })
                .collect(),
        )
    }

    /// Routes one pub/sub message: `<stream id> <instance> <envelope>`. This instance's own
    /// events come back too (one pattern subscription for all sessions): they are dropped
    /// before their JSON is read.
    async fn on_message(&self, channel: &str, payload: &str) {
        let Some(session) = channel
            .rsplit(':')
            .next()
            .and_then(|id| id.parse::<SessionId>().ok())
        else {
            return;
        };
        let mut parts = payload.splitn(3, ' ');
        let (Some(id), Some(instance), Some(json)) = (parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        if instance == self.instance.to_string() {
            return;
        }
        let Ok(envelope) = serde_json::from_str::<Envelope>(json) else {
            return;
        };
        if envelope.i == self.instance {
            return;
        }
        if let Event::Cancel = envelope.e {
            if lock(&self.own).contains_key(&session) {
                info!(session = %session.log_tag(), "stopping an answer at another instance's request");
                let _ = self.local.cancel(&session).await;
            }
            return;
        }
        let Some(id) = StreamId::parse(id) else {
            return;
        };
        let followed = self.local.followers(&session) > 0;
        let mirrored = self.mirrors.lock().await.contains_key(&session);
        if followed || mirrored {
            self.apply(session, id, envelope.e).await;
        }
    }

    /// One sweep: renew claims, spot orphans, mark followed mirrors, drop dead mirrors.
    async fn sweep_once(&self) {
        let now = Instant::now();
        let own: Vec<(SessionId, Uuid)> = lock(&self.own)
            .iter()
            .map(|(s, o)| (*s, o.message_id))
            .collect();
        for (session, message_id) in own {
            let renewed: Option<i64> = self.note(
                self.renew
                    .key(self.key("claim", &session))
                    .arg(message_id.to_string())
                    .arg(CLAIM_TTL.as_millis() as u64)
                    .invoke_async(&mut self.conn.clone())
                    .await,
                "renewing a claim",
            );
            let remote: bool = match renewed {
                Some(_) => self
                    .note(
                        redis::cmd("EXISTS")
                            .arg(self.key("attended", &session))
                            .query_async(&mut self.conn.clone())
                            .await,
                        "checking followers",
                    )
                    .unwrap_or(false),
                None => false,
            };
            let attended = remote || self.local.followers(&session) > 0;
            let orphaned = {
                let mut own = lock(&self.own);
                match own.get_mut(&session) {
                    Some(entry) if entry.message_id == message_id => {
                        if attended {
                            entry.unattended_since = None;
                            false
                        } else {
                            let since = *entry.unattended_since.get_or_insert(now);
                            now.duration_since(since) >= self.orphan_timeout
                        }
                    }
                    _ => false,
                }
            };
            if orphaned {
                info!(session = %session.log_tag(), %message_id, "nobody followed the answer for the orphan timeout; stopping it");
                let _ = self.local.cancel(&session).await;
            }
        }

        let mirrored: Vec<(SessionId, Uuid)> = self
            .mirrors
            .lock()
            .await
            .iter()
            .map(|(s, m)| (*s, m.message_id))
            .collect();
        for (session, message_id) in mirrored {
            if self.local.followers(&session) > 0 {
                let marked: Option<()> = self.note(
                    redis::cmd("SET")
                        .arg(self.key("attended", &session))
                        .arg(1)
                        .arg("PX")
                        .arg(ATTENDED_TTL.as_millis() as u64)
                        .query_async(&mut self.conn.clone())
                        .await,
                    "marking an answer followed",
                );
                let _ = marked;
            }
            let claim: Option<Option<String>> = self.note(
                redis::cmd("GET")
                    .arg(self.key("claim", &session))
                    .query_async(&mut self.conn.clone())
                    .await,
                "reading a claim",
            );
            let Some(claim) = claim else {
                continue;
            };
            let alive = claim.is_some_and(|m| m == message_id.to_string());
            let mut mirrors = self.mirrors.lock().await;
            let dead = match mirrors.get_mut(&session) {
                Some(mirror) if mirror.message_id == message_id => {
                    mirror.claim_missing = if alive { 0 } else { mirror.claim_missing + 1 };
                    mirror.claim_missing >= 2
                }
                _ => false,
            };
            if dead && let Some(mirror) = mirrors.remove(&session) {
                warn!(session = %session.log_tag(), "the instance writing an answer stopped without finishing it");
                mirror.publisher.finish(AnswerOutcome::died()).await;
            }
        }

        if !self.reachable.load(Ordering::Relaxed) {
            let pong: Option<String> = self.note(
                redis::cmd("PING").query_async(&mut self.conn.clone()).await,
                "checking Redis",
            );
            let _ = pong;
        }
    }
}

/// The pub/sub subscription, kept up for the hub's life.
async fn listen(inner: Arc<Inner>, client: redis::Client) {
    let pattern = format!("{}:notify:*", inner.prefix);
    loop {
        let subscribed = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.psubscribe(&pattern).await?;
            Ok::<_, redis::RedisError>(pubsub)
        }
        .await;
        match subscribed {
            Ok(pubsub) => {
                inner.subscribed.store(true, Ordering::Relaxed);
                // Events sent while unsubscribed are in the streams: catch up the mirrors.
                let sessions: Vec<SessionId> = inner.mirrors.lock().await.keys().copied().collect();
                for session in sessions {
                    inner.sync(session).await;
                }
                let mut messages = pubsub.into_on_message();
                loop {
                    tokio::select! {
                        () = inner.stop.cancelled() => return,
                        message = messages.next() => {
                            let Some(message) = message else { break };
                            if let Ok(payload) = message.get_payload::<String>() {
                                inner.on_message(message.get_channel_name(), &payload).await;
                            }
                        }
                    }
                }
                inner.subscribed.store(false, Ordering::Relaxed);
                warn!("the Redis subscription dropped; resubscribing");
            }
            Err(error) => debug!(%error, "cannot subscribe to Redis yet"),
        }
        tokio::select! {
            () = inner.stop.cancelled() => return,
            () = tokio::time::sleep(RESUBSCRIBE_AFTER) => {}
        }
    }
}

async fn sweep(inner: Arc<Inner>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = inner.stop.cancelled() => return,
            _ = every.tick() => inner.sweep_once().await,
        }
    }
}

#[async_trait]
impl AnswerHub for RedisHub {
    async fn claim(
        &self,
        session: &SessionId,
        message_id: Uuid,
        question: Arc<str>,
    ) -> Result<Box<dyn AnswerPublisher>, HubError> {
        let inner = &self.inner;
        let reachable = inner.reachable.load(Ordering::Relaxed);
        let claimed: Option<Option<String>> = if !reachable {
            None
        } else {
            inner.note(
                redis::cmd("SET")
                    .arg(inner.key("claim", session))
                    .arg(message_id.to_string())
                    .arg("NX")
                    .arg("PX")
                    .arg(CLAIM_TTL.as_millis() as u64)
                    .query_async(&mut inner.conn.clone())
                    .await,
                "claiming an answer",
            )
        };
        // `None`: Redis is away, so only this instance can say whether the session is busy.
        let shared = claimed.is_some();
        if claimed == Some(None) {
            return Err(HubError::Busy);
        }
        let local = match inner
            .local
            .claim(session, message_id, question.clone())
            .await
        {
            Ok(local) => local,
            Err(error) => {
                if shared {
                    inner.release_claim(session, message_id).await;
                }
                return Err(error);
            }
        };
        lock(&inner.own).insert(
            *session,
            Own {
                message_id,
                unattended_since: None,
            },
        );
        // The other instances hear of the claim through the writer, ahead of the pieces: the
        // answer starts without waiting for a second round trip.
        let (queue, pending) = tokio::sync::mpsc::unbounded_channel();
        let _ = queue.send(Event::Claimed {
            m: message_id,
            q: question.to_string(),
        });
        let writer = tokio::spawn(write_events(Arc::clone(inner), *session, pending));
        Ok(Box::new(RedisPublisher {
            inner: Arc::clone(inner),
            session: *session,
            message_id,
            local: Some(local),
            queue: Some(queue),
            writer: Some(writer),
        }))
    }

    async fn follow(
        &self,
        session: &SessionId,
        after_seq: u64,
    ) -> Result<Box<dyn AnswerFeed>, HubError> {
        // Another instance may be answering in this session: mirror it before reading. The
        // first feed only makes this instance count as following while it syncs, so that the
        // subscription passes on what is published meanwhile (a claim included).
        let registering = self.inner.local.follow(session, after_seq).await?;
        self.inner.sync(*session).await;
        let feed = self.inner.local.follow(session, after_seq).await;
        drop(registering);
        feed
    }

    async fn cancel(&self, session: &SessionId) -> Result<bool, HubError> {
        let inner = &self.inner;
        if lock(&inner.own).contains_key(session) {
            return inner.local.cancel(session).await;
        }
        // Mirrored here, or claimed by an instance whose "claimed" event is still on its way.
        let mirrored = inner.mirrors.lock().await.contains_key(session);
        let answering = mirrored || {
            let claim: Option<Option<String>> = inner.note(
                redis::cmd("GET")
                    .arg(inner.key("claim", session))
                    .query_async(&mut inner.conn.clone())
                    .await,
                "reading a claim",
            );
            matches!(claim, Some(Some(_)))
        };
        if answering {
            let envelope = Envelope {
                i: inner.instance,
                e: Event::Cancel,
            };
            let payload = format!(
                "0-0 {} {}",
                inner.instance,
                serde_json::to_string(&envelope).unwrap_or_default()
            );
            let sent: Option<i64> = inner.note(
                redis::cmd("PUBLISH")
                    .arg(inner.key("notify", session))
                    .arg(payload)
                    .query_async(&mut inner.conn.clone())
                    .await,
                "asking another instance to stop an answer",
            );
            if sent.is_none() {
                return Err(HubError::Unavailable(
                    "the instance writing this answer cannot be reached".into(),
                ));
            }
        }
        Ok(answering)
    }

    fn cancel_all(&self) {
        let own: Vec<SessionId> = lock(&self.inner.own).keys().copied().collect();
        let local = self.inner.local.clone();
        tokio::spawn(async move {
            for session in own {
                let _ = local.cancel(&session).await;
            }
        });
    }

    fn health(&self) -> Result<(), String> {
        if !self.inner.reachable.load(Ordering::Relaxed) {
            return Err(
                "Redis cannot be reached: answers in flight are kept on this instance \
                        only (other instances cannot resume them)"
                    .into(),
            );
        }
        if !self.inner.subscribed.load(Ordering::Relaxed) {
            return Err(
                "not subscribed to Redis: answers from other instances are not followed here"
                    .into(),
            );
        }
        Ok(())
    }
}

/// This instance's answer: written to memory first (its sockets here never wait on Redis),
/// then to Redis for the other instances.
struct RedisPublisher {
    inner: Arc<Inner>,
    session: SessionId,
    message_id: Uuid,
    /// `None` once finished.
    local: Option<Box<dyn AnswerPublisher>>,
    /// The events on their way to Redis, in order; the answer never waits for them.
    queue: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
    /// Sends what is queued, several events a round trip.
    writer: Option<tokio::task::JoinHandle<()>>,
}

/// Sends an answer's queued events to Redis until the queue is closed, batching what piled up
/// during each round trip.
async fn write_events(
    inner: Arc<Inner>,
    session: SessionId,
    mut pending: tokio::sync::mpsc::UnboundedReceiver<Event>,
) {
    while let Some(first) = pending.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match pending.try_recv() {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        inner.emit(&session, batch).await;
    }
}

impl RedisPublisher {
    fn queue(&self, event: Event) {
        if let Some(queue) = &self.queue {
            let _ = queue.send(event);
        }
    }

    /// Waits for every queued event to be sent (or given up on).
    async fn drain(&mut self) {
        self.queue = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.await;
        }
    }
}

#[async_trait]
impl AnswerPublisher for RedisPublisher {
    fn cancelled(&self) -> CancellationToken {
        self.local
            .as_ref()
            .map(|local| local.cancelled())
            .unwrap_or_default()
    }

    async fn started(&mut self) {
        if let Some(local) = &mut self.local {
            local.started().await;
        }
        self.queue(Event::Started { m: self.message_id });
    }

    async fn delta(&mut self, seq: u64, text: &str) {
        if let Some(local) = &mut self.local {
            local.delta(seq, text).await;
        }
        self.queue(Event::Delta {
            m: self.message_id,
            s: seq,
            t: text.to_owned(),
        });
    }

    async fn finish(mut self: Box<Self>, outcome: AnswerOutcome) {
        // The session is freed in Redis before this instance's sockets hear the end: a visitor
        // who asks again the moment the `response` arrives must not meet the old claim. The
        // pieces still queued go first.
        let wire = Outcome::from(&outcome);
        self.drain().await;
        finish_shared(&self.inner, self.session, self.message_id, wire).await;
        if let Some(local) = self.local.take() {
            local.finish(outcome).await;
        }
    }
}

/// Tells the other instances the answer is over and frees the session, in one round trip.
async fn finish_shared(inner: &Inner, session: SessionId, message_id: Uuid, outcome: Outcome) {
    {
        let mut own = lock(&inner.own);
        if own
            .get(&session)
            .is_some_and(|o| o.message_id == message_id)
        {
            own.remove(&session);
        }
    }
    let envelope = Envelope {
        i: inner.instance,
        e: Event::Finished {
            m: message_id,
            o: Box::new(outcome),
        },
    };
    let Ok(json) = serde_json::to_string(&envelope) else {
        return;
    };
    // Tried even while Redis seemed away: the claim must not outlive the answer.
    let result: redis::RedisResult<String> = inner
        .finish
        .key(inner.key("events", &session))
        .key(inner.key("notify", &session))
        .key(inner.key("claim", &session))
        .arg(json)
        .arg(STREAM_MAX_ENTRIES)
        .arg(STREAM_TTL.as_secs())
        .arg(message_id.to_string())
        .arg(inner.instance.to_string())
        .invoke_async(&mut inner.conn.clone())
        .await;
    inner.note(result, "publishing an answer's end");
}

impl Drop for RedisPublisher {
    fn drop(&mut self) {
        // Finished without a word (the answer task died): the local hub ends it for this
        // instance's sockets as its publisher drops; tell the others too.
        if self.local.take().is_some() {
            let inner = Arc::clone(&self.inner);
            let (session, message_id) = (self.session, self.message_id);
            self.queue = None;
            let writer = self.writer.take();
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    if let Some(writer) = writer {
                        let _ = writer.await;
                    }
                    let outcome = Outcome::from(&AnswerOutcome::died());
                    finish_shared(&inner, session, message_id, outcome).await;
                });
            }
        }
    }
}
