//! The retention task: with `RETENTION_DAYS` set, erases the conversations not updated for
//! that long, at start and then every hour, until the server stops.

use std::sync::Arc;
use std::time::Duration;

use domain::{RetentionPolicy, RetentionPort};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How often retention sweeps after the one at start. Retention is counted in days: an hour
/// late is nothing, and an hour between sweeps keeps each one short.
pub const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Sweeps with `policy` through `port` at once, then every `every`, until `stop` is cancelled
/// (a sweep under way is dropped then: its batch in progress is rolled back). A failed sweep
/// is logged and tried again at the next tick; the task never ends on its own.
pub fn spawn(
    policy: RetentionPolicy,
    port: Arc<dyn RetentionPort>,
    every: Duration,
    stop: CancellationToken,
) -> JoinHandle<()> {
    let days = policy.days().get();
    info!(
        days,
        "retention: conversations not updated for {days} days are erased, now and every {} min",
        every.as_secs() / 60
    );
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        // A sweep that outlasts the period (a large backlog) is followed by a full period, not
        // by a burst of sweeps to catch up.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            // Biased: once the server stops, no new sweep starts, even when a tick is due.
            tokio::select! {
                biased;
                () = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let swept = tokio::select! {
                biased;
                () = stop.cancelled() => return,
                swept = policy.sweep_now(port.as_ref()) => swept,
            };
            match swept {
                Ok(summary) if summary.another_instance_sweeps => info!(
                    erased = summary.erased,
                    "retention: another instance is sweeping; this one leaves it the work"
                ),
                Ok(summary) => info!(
                    erased = summary.erased,
                    days,
                    "retention: erased {} conversations not updated for {days} days",
                    summary.erased
                ),
                Err(error) => warn!(
                    %error,
                    "retention: the sweep failed; trying again in {} min",
                    every.as_secs() / 60
                ),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::num::NonZeroU32;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use domain::retention::MockRetentionPort;
    use domain::{BatchOutcome, RepoError};

    use super::*;

    /// A port whose first batch fails and whose later ones find nothing; counts the batches.
    fn port(calls: Arc<AtomicUsize>) -> MockRetentionPort {
        let mut port = MockRetentionPort::new();
        port.expect_erase_older_than().returning(move |_, _| {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(RepoError::Unavailable("connection refused".into()))
            } else {
                Ok(BatchOutcome::Erased(0))
            }
        });
        port
    }

    async fn wait_for(calls: &AtomicUsize, at_least: usize) {
        tokio::time::timeout(Duration::from_secs(10), async {
            while calls.load(Ordering::SeqCst) < at_least {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn sweeps_at_start_and_each_period_after_a_failure_and_stops_with_the_server() {
        let calls = Arc::new(AtomicUsize::new(0));
        let stop = CancellationToken::new();
        let policy = RetentionPolicy::new(NonZeroU32::new(30).unwrap());
        let task = spawn(
            policy,
            Arc::new(port(calls.clone())),
            Duration::from_millis(20),
            stop.clone(),
        );
        // The first sweep fails; the task lives on and sweeps again.
        wait_for(&calls, 3).await;
        stop.cancel();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn the_first_sweep_does_not_wait_for_the_period() {
        let calls = Arc::new(AtomicUsize::new(0));
        let stop = CancellationToken::new();
        let policy = RetentionPolicy::new(NonZeroU32::new(30).unwrap());
        let task = spawn(
            policy,
            Arc::new(port(calls.clone())),
            SWEEP_EVERY,
            stop.clone(),
        );
        wait_for(&calls, 1).await;
        stop.cancel();
        task.await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
