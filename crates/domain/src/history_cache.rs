//! The recent history of the conversations this process answers in, kept between questions so
//! that a question reads one row (the conversation's latest message id) instead of the hundreds
//! a long conversation's prompt holds.
//!
//! An entry is used only while the latest message in storage is the one it ends with: a message
//! written by another instance, another tool, or lost to a failed write makes the ids differ,
//! and the history is read again from storage. So the cache is exact whoever else writes.

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::Mutex;

use lru::LruCache;
use uuid::Uuid;

use crate::prompt::HistoryEntry;

/// Conversations kept at most, least recently asked in dropped first. An entry holds at most a
/// prompt's worth of text (tens of KiB for a long conversation, a few hundred bytes for most).
const CONVERSATIONS_KEPT: NonZeroUsize = NonZeroUsize::new(1024).unwrap();

/// A conversation's recent history, oldest first, and the id of its latest message.
#[derive(Debug)]
struct Recent {
    latest: Uuid,
    entries: VecDeque<HistoryEntry>,
    tokens: u64,
}

/// Recent histories by conversation id. Cheap to share: one short lock per question.
#[derive(Debug)]
pub(crate) struct HistoryCache {
    /// How many tokens of history a prompt can hold: what is kept of each conversation (the
    /// newest messages until their tokens reach it, the one that reaches it included, as
    /// `RepoPort::load_recent_history` reads them).
    room: u64,
    conversations: Mutex<LruCache<Uuid, Recent>>,
}

impl HistoryCache {
    pub(crate) fn new(room: u32) -> Self {
        Self {
            room: u64::from(room),
            conversations: Mutex::new(LruCache::new(CONVERSATIONS_KEPT)),
        }
    }

    /// The kept history of `conversation`, when its latest stored message is `latest`.
    pub(crate) fn get(&self, conversation: Uuid, latest: Uuid) -> Option<Vec<HistoryEntry>> {
        let mut conversations = self.lock();
        let recent = conversations.get(&conversation)?;
        if recent.latest != latest {
            conversations.pop(&conversation);
            return None;
        }
        Some(recent.entries.iter().cloned().collect())
    }

    /// Keeps `entries` (oldest first, as read from storage) as `conversation`'s history ending
    /// with the message `latest`.
    pub(crate) fn put(&self, conversation: Uuid, latest: Uuid, entries: Vec<HistoryEntry>) {
        let tokens = entries.iter().map(|e| u64::from(e.tokens)).sum();
        let mut recent = Recent {
            latest,
            entries: entries.into(),
            tokens,
        };
        self.trim(&mut recent);
        self.lock().put(conversation, recent);
    }

    /// Adds the message `id`, just stored after the message `after`, to `conversation`'s kept
    /// history. When the history kept does not end with `after` (or none is kept), nothing is
    /// added and the entry is dropped: the next question reads storage.
    pub(crate) fn append(&self, conversation: Uuid, after: Uuid, id: Uuid, entry: HistoryEntry) {
        let mut conversations = self.lock();
        match conversations.get_mut(&conversation) {
            Some(recent) if recent.latest == after => {
                recent.latest = id;
                recent.tokens += u64::from(entry.tokens);
                recent.entries.push_back(entry);
                self.trim(recent);
            }
            Some(_) => {
                conversations.pop(&conversation);
            }
            None => {}
        }
    }

    /// Starts `conversation`'s kept history: its first message `id` was just stored.
    pub(crate) fn start(&self, conversation: Uuid, id: Uuid, entry: HistoryEntry) {
        self.put(conversation, id, vec![entry]);
    }

    /// Drops what is kept of `conversation` (a write whose outcome is unknown).
    pub(crate) fn forget(&self, conversation: Uuid) {
        self.lock().pop(&conversation);
    }

    /// Drops the oldest messages that no prompt can hold any more.
    fn trim(&self, recent: &mut Recent) {
        while let Some(front) = recent.entries.front() {
            let rest = recent.tokens - u64::from(front.tokens);
            if recent.entries.len() == 1 || rest < self.room {
                break;
            }
            recent.tokens = rest;
            recent.entries.pop_front();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Uuid, Recent>> {
        // Every edit is complete under the lock; a panic elsewhere cannot leave half of one.
        self.conversations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::model::Role;

    fn entry(text: &str, tokens: u32) -> HistoryEntry {
        HistoryEntry {
            role: Role::User,
            content: text.into(),
            tokens,
        }
    }

    fn texts(entries: &[HistoryEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.content.as_ref()).collect()
    }

    #[test]
    fn serves_a_history_only_while_storage_ends_where_it_does() {
        let cache = HistoryCache::new(100);
        let (conversation, first, second) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        cache.start(conversation, first, entry("q1", 5));
        cache.append(conversation, first, second, entry("a1", 5));
        assert_eq!(
            texts(&cache.get(conversation, second).unwrap()),
            ["q1", "a1"]
        );
        // Another writer added a message: read storage again.
        assert!(cache.get(conversation, Uuid::now_v7()).is_none());
        assert!(
            cache.get(conversation, second).is_none(),
            "the stale entry is gone"
        );
    }

    #[test]
    fn an_append_after_an_unknown_message_drops_the_entry() {
        let cache = HistoryCache::new(100);
        let (conversation, first) = (Uuid::now_v7(), Uuid::now_v7());
        cache.start(conversation, first, entry("q1", 5));
        let next = Uuid::now_v7();
        cache.append(conversation, Uuid::now_v7(), next, entry("a1", 5));
        assert!(cache.get(conversation, next).is_none());
        assert!(cache.get(conversation, first).is_none());
    }

    #[test]
    fn keeps_what_a_prompt_can_hold_as_storage_would_read_it() {
        // Newest first until the tokens reach the room, the message reaching it included.
        let cache = HistoryCache::new(10);
        let conversation = Uuid::now_v7();
        let mut latest = Uuid::now_v7();
        cache.start(conversation, latest, entry("m1", 4));
        for (text, tokens) in [("m2", 4), ("m3", 4), ("m4", 4)] {
            let id = Uuid::now_v7();
            cache.append(conversation, latest, id, entry(text, tokens));
            latest = id;
        }
        // m4 + m3 = 8 < 10, + m2 = 12 ≥ 10: m2 is the one reaching it.
        assert_eq!(
            texts(&cache.get(conversation, latest).unwrap()),
            ["m2", "m3", "m4"]
        );
    }

    #[test]
    fn a_message_larger_than_the_room_is_still_kept_alone() {
        let cache = HistoryCache::new(10);
        let (conversation, id) = (Uuid::now_v7(), Uuid::now_v7());
        cache.put(conversation, id, vec![entry("old", 3), entry("huge", 50)]);
        assert_eq!(texts(&cache.get(conversation, id).unwrap()), ["huge"]);
    }

    #[test]
    fn forgets_on_request() {
        let cache = HistoryCache::new(10);
        let (conversation, id) = (Uuid::now_v7(), Uuid::now_v7());
        cache.start(conversation, id, entry("q", 1));
        cache.forget(conversation);
        assert!(cache.get(conversation, id).is_none());
    }
}
