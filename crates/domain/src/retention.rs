//! Retention: conversations not updated for `RETENTION_DAYS` are erased, a batch at a time, by
//! one instance at a time.
//!
//! [`RetentionPolicy::sweep`] asks storage, through the [`RetentionPort`], to erase batches of
//! conversations older than the cutoff until a batch comes back short (nothing older is left)
//! or storage says another instance is sweeping now (that one finishes the work).

use std::num::NonZeroU32;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::ports::RepoError;

/// What one batch of a sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// This many conversations were erased, with their messages: at most the batch asked for.
    Erased(u64),
    /// Another instance is sweeping at this moment: nothing was erased, and this instance
    /// leaves the work to that one.
    AnotherInstanceSweeps,
}

/// Storage's side of retention.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RetentionPort: Send + Sync + 'static {
    /// Erases up to `batch` conversations whose `updated_at` is before `cutoff` (the oldest
    /// first), their messages with them, unless another instance is sweeping now. A batch is
    /// all or nothing.
    async fn erase_older_than(
        &self,
        cutoff: OffsetDateTime,
        batch: NonZeroU32,
    ) -> Result<BatchOutcome, RepoError>;
}

/// Retention as configured (`RETENTION_DAYS`).
#[serde_with::serde_as]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct RetentionSettings {
    /// Conversations not updated for this many days are erased; `None` (empty) keeps them
    /// forever. At most a hundred years: more is a typo, not a policy.
    #[serde_as(as = "config_values::Optional<config_values::Bounded<1, 36500>>")]
    pub retention_days: Option<u32>,
}

impl RetentionSettings {
    /// The policy to sweep with, or `None` when conversations are kept forever.
    pub fn policy(&self) -> Option<RetentionPolicy> {
        self.retention_days
            .and_then(NonZeroU32::new)
            .map(RetentionPolicy::new)
    }
}

/// Conversations erased per batch by default. Each batch is one transaction: a few hundred
/// conversations (and their messages, a few thousand rows) take milliseconds, so a sweep never
/// holds locks that the chat's own writes would wait on for long, and a sweep of a large backlog
/// still goes at thousands of conversations a second.
pub const DEFAULT_RETENTION_BATCH: NonZeroU32 = NonZeroU32::new(500).expect("500 is not zero");

/// How long conversations are kept, and how many are erased per batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    days: NonZeroU32,
    batch: NonZeroU32,
}

/// What a sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepSummary {
    /// Conversations erased by this instance.
    pub erased: u64,
    /// Whether this instance stopped because another one was sweeping.
    pub another_instance_sweeps: bool,
}

impl RetentionPolicy {
    /// Keeps conversations for `days` since they were last updated, erasing
    /// [`DEFAULT_RETENTION_BATCH`] at a time.
    pub fn new(days: NonZeroU32) -> Self {
        Self {
            days,
            batch: DEFAULT_RETENTION_BATCH,
        }
    }

    /// The same policy, erasing `batch` conversations at a time.
    #[must_use]
    pub fn with_batch(self, batch: NonZeroU32) -> Self {
        Self { batch, ..self }
    }

    /// Days conversations are kept.
    pub fn days(&self) -> NonZeroU32 {
        self.days
    }

    /// Conversations last updated before this instant are erased; `None` when no instant is
    /// that old (nothing to erase).
    pub fn cutoff(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        now.checked_sub(time::Duration::days(i64::from(self.days.get())))
    }

    /// Erases every conversation not updated since [`Self::cutoff`] of `now`, in batches,
    /// until a batch comes back short or another instance is found sweeping.
    ///
    /// # Errors
    /// The [`RepoError`] of the batch that failed; the batches before it stay erased, and the
    /// next sweep goes on where this one stopped.
    pub async fn sweep(
        &self,
        port: &dyn RetentionPort,
        now: OffsetDateTime,
    ) -> Result<SweepSummary, RepoError> {
        let mut summary = SweepSummary::default();
        let Some(cutoff) = self.cutoff(now) else {
            return Ok(summary);
        };
        loop {
            match port.erase_older_than(cutoff, self.batch).await? {
                BatchOutcome::AnotherInstanceSweeps => {
                    summary.another_instance_sweeps = true;
                    return Ok(summary);
                }
                BatchOutcome::Erased(erased) => {
                    summary.erased += erased;
                    if erased < u64::from(self.batch.get()) {
                        return Ok(summary);
                    }
                }
            }
        }
    }

    /// [`Self::sweep`] as of now.
    ///
    /// # Errors
    /// As [`Self::sweep`].
    pub async fn sweep_now(&self, port: &dyn RetentionPort) -> Result<SweepSummary, RepoError> {
        self.sweep(port, OffsetDateTime::now_utc()).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use mockall::Sequence;
    use mockall::predicate::eq;
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-12-10 12:00:00 UTC);

    fn days(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    fn policy(days_kept: u32, batch: u32) -> RetentionPolicy {
        RetentionPolicy::new(days(days_kept)).with_batch(days(batch))
    }

    /// A port that answers `outcomes` in order, each for the cutoff and batch given.
    fn port(
        cutoff: OffsetDateTime,
        batch: u32,
        outcomes: Vec<Result<BatchOutcome, RepoError>>,
    ) -> MockRetentionPort {
        let mut port = MockRetentionPort::new();
        let mut sequence = Sequence::new();
        for outcome in outcomes {
            port.expect_erase_older_than()
                .with(eq(cutoff), eq(days(batch)))
                .times(1)
                .in_sequence(&mut sequence)
                .return_once(move |_, _| outcome);
        }
        port
    }

    #[test]
    fn cutoff_is_the_given_days_before_now() {
        assert_eq!(
            policy(30, 10).cutoff(NOW),
            Some(datetime!(2026-11-10 12:00:00 UTC))
        );
    }

    #[test]
    fn a_cutoff_before_the_earliest_date_is_none() {
        let early = datetime!(-9999-01-02 00:00:00 UTC);
        assert_eq!(policy(36500, 10).cutoff(early), None);
    }

    #[tokio::test]
    async fn a_short_first_batch_ends_the_sweep() {
        let cutoff = datetime!(2026-11-10 12:00:00 UTC);
        let port = port(cutoff, 10, vec![Ok(BatchOutcome::Erased(3))]);
        let summary = policy(30, 10).sweep(&port, NOW).await.unwrap();
        assert_eq!(
            summary,
            SweepSummary {
                erased: 3,
                another_instance_sweeps: false
            }
        );
    }

    #[tokio::test]
    async fn full_batches_are_followed_until_one_comes_back_short() {
        let cutoff = datetime!(2026-11-10 12:00:00 UTC);
        let port = port(
            cutoff,
            10,
            vec![
                Ok(BatchOutcome::Erased(10)),
                Ok(BatchOutcome::Erased(10)),
                Ok(BatchOutcome::Erased(5)),
            ],
        );
        let summary = policy(30, 10).sweep(&port, NOW).await.unwrap();
        assert_eq!(summary.erased, 25);
        assert!(!summary.another_instance_sweeps);
    }

    #[tokio::test]
    async fn an_exact_multiple_of_the_batch_ends_with_an_empty_batch() {
        let cutoff = datetime!(2026-11-10 12:00:00 UTC);
        let port = port(
            cutoff,
            10,
            vec![
                Ok(BatchOutcome::Erased(10)),
                Ok(BatchOutcome::Erased(10)),
                Ok(BatchOutcome::Erased(0)),
            ],
        );
        assert_eq!(policy(30, 10).sweep(&port, NOW).await.unwrap().erased, 20);
    }

    #[tokio::test]
    async fn another_instance_sweeping_stops_this_one_at_once() {
        let cutoff = datetime!(2026-11-10 12:00:00 UTC);
        let port = port(cutoff, 10, vec![Ok(BatchOutcome::AnotherInstanceSweeps)]);
        let summary = policy(30, 10).sweep(&port, NOW).await.unwrap();
        assert_eq!(
            summary,
            SweepSummary {
                erased: 0,
                another_instance_sweeps: true
            }
        );
    }

    #[tokio::test]
    async fn another_instance_taking_over_keeps_what_this_one_erased() {
        let cutoff = datetime!(2026-11-10 12:00:00 UTC);
        let port = port(
            cutoff,
            10,
            vec![
                Ok(BatchOutcome::Erased(10)),
                Ok(BatchOutcome::AnotherInstanceSweeps),
            ],
        );
        let summary = policy(30, 10).sweep(&port, NOW).await.unwrap();
        assert_eq!(summary.erased, 10);
        assert!(summary.another_instance_sweeps);
    }

    #[tokio::test]
    async fn a_failed_batch_fails_the_sweep() {
        let cutoff = datetime!(2026-11-10 12:00:00 UTC);
        let down = RepoError::Unavailable("connection refused".into());
        let port = port(
            cutoff,
            10,
            vec![Ok(BatchOutcome::Erased(10)), Err(down.clone())],
        );
        assert_eq!(policy(30, 10).sweep(&port, NOW).await, Err(down));
    }

    #[tokio::test]
    async fn nothing_is_asked_when_no_instant_is_old_enough() {
        let port = MockRetentionPort::new();
        let early = datetime!(-9999-01-02 00:00:00 UTC);
        let summary = policy(36500, 10).sweep(&port, early).await.unwrap();
        assert_eq!(summary, SweepSummary::default());
    }

    #[test]
    fn settings_without_days_keep_forever() {
        assert_eq!(RetentionSettings::default().policy(), None);
        let settings = RetentionSettings {
            retention_days: Some(90),
        };
        assert_eq!(settings.policy().map(|p| p.days().get()), Some(90));
    }
}
