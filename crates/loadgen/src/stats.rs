//! Latency histograms and counters, recorded per connection task and merged at the end.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest latency recorded, in microseconds (one hour); longer values are clamped.
const MAX_MICROS: u64 = 3_600_000_000;
/// Significant figures kept: 0.1 % precision at any magnitude.
const SIGFIGS: u8 = 3;

/// Latency samples in microseconds.
///
/// Samples are kept as a plain list and put into an HDR histogram only when summarised: a
/// histogram of this range is a few hundred KiB, too much to hold several of per connection
/// when there are 10,000 connections.
#[derive(Debug, Clone, Default)]
pub struct Latency {
    micros: Vec<u64>,
    /// Values below zero (an "added" latency where the model was slower than announced).
    negative: u64,
}

impl Latency {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn record(&mut self, d: Duration) {
        let micros = u64::try_from(d.as_micros()).unwrap_or(MAX_MICROS);
        self.micros.push(micros.clamp(1, MAX_MICROS));
    }

    /// Records a signed value in microseconds; negatives count as zero, and are counted.
    pub fn record_signed_micros(&mut self, micros: f64) {
        if micros < 0.0 {
            self.negative += 1;
        }
        // Float to integer: saturating, and the value is clamped to the histogram's range.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let value = micros.max(1.0).min(MAX_MICROS as f64) as u64;
        self.micros.push(value);
    }

    pub fn merge(&mut self, other: &Latency) {
        self.micros.extend_from_slice(&other.micros);
        self.negative += other.negative;
    }

    pub fn count(&self) -> u64 {
        self.micros.len() as u64
    }

    /// Percentiles in milliseconds, or `None` when nothing was recorded.
    pub fn summary(&self) -> Option<Summary> {
        if self.micros.is_empty() {
            return None;
        }
        let mut hist = Histogram::<u64>::new_with_bounds(1, MAX_MICROS, SIGFIGS).ok()?;
        for v in &self.micros {
            hist.saturating_record(*v);
        }
        let ms = |micros: u64| round3(micros as f64 / 1000.0);
        Some(Summary {
            count: hist.len(),
            p50: ms(hist.value_at_quantile(0.50)),
            p90: ms(hist.value_at_quantile(0.90)),
            p99: ms(hist.value_at_quantile(0.99)),
            max: ms(hist.max()),
            mean: round3(hist.mean() / 1000.0),
            negative: self.negative,
        })
    }
}

/// Percentiles of a latency histogram, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
    /// Samples that were below zero and counted as zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub negative: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// What one connection task (or all of them, merged) measured.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    /// Questions answered with a `response` frame.
    pub ok: u64,
    /// Of those, answered before the measuring window closed (`--duration` runs).
    pub ok_in_window: u64,
    /// Failures by error code (the server's, or loadgen's own: TIMEOUT, CLOSED, …).
    pub errors: BTreeMap<String, u64>,
    /// Send (or, open loop, due time) to `response`.
    pub latency: Latency,
    /// Send to the first `delta`.
    pub first_delta: Latency,
    /// First delta minus the model's time to first token.
    pub added_first_delta: Latency,
    /// Whole answer minus the model's own time (first token + gaps between tokens).
    pub added_total: Latency,
    /// Gap between consecutive deltas minus the model's gap.
    pub delta_lateness: Latency,
    /// Last delta to `response`: storing the answer, mostly.
    pub response_after_last_delta: Latency,
    /// TCP + WebSocket handshake.
    pub handshake: Latency,
    /// Handshake start to the greeting (`system` frame): includes opening the conversation.
    pub ready: Latency,
    /// Answers whose deltas did not add up to the response.
    pub delta_mismatch: u64,
    /// Open loop: questions that had to wait for their connection's previous answer.
    pub started_late: u64,
    /// Greetings that said `resumed: true`.
    pub resumed: u64,
    /// Time of the last answer, from the start of measuring.
    pub last_finish: Duration,
}

impl Recorder {
    pub fn error(&mut self, code: &str) {
        *self.errors.entry(code.to_owned()).or_default() += 1;
    }

    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn merge(&mut self, other: &Recorder) {
        self.ok += other.ok;
        self.ok_in_window += other.ok_in_window;
        for (code, n) in &other.errors {
            *self.errors.entry(code.clone()).or_default() += n;
        }
        self.latency.merge(&other.latency);
        self.first_delta.merge(&other.first_delta);
        self.added_first_delta.merge(&other.added_first_delta);
        self.added_total.merge(&other.added_total);
        self.delta_lateness.merge(&other.delta_lateness);
        self.response_after_last_delta
            .merge(&other.response_after_last_delta);
        self.handshake.merge(&other.handshake);
        self.ready.merge(&other.ready);
        self.delta_mismatch += other.delta_mismatch;
        self.started_late += other.started_late;
        self.resumed += other.resumed;
        self.last_finish = self.last_finish.max(other.last_finish);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_in_milliseconds() {
        let mut l = Latency::new();
        for ms in 1..=100 {
            l.record(Duration::from_millis(ms));
        }
        let s = l.summary().expect("recorded");
        assert_eq!(s.count, 100);
        assert!((s.p50 - 50.0).abs() < 0.1, "{s:?}");
        assert!((s.p99 - 99.0).abs() < 0.1, "{s:?}");
        assert!((s.max - 100.0).abs() < 0.1, "{s:?}");
        assert!(Latency::new().summary().is_none());
    }

    #[test]
    fn negative_added_latency_counts_as_zero_and_is_counted() {
        let mut l = Latency::new();
        l.record_signed_micros(-250.0);
        l.record_signed_micros(2000.0);
        let s = l.summary().expect("recorded");
        assert_eq!(s.negative, 1);
        assert_eq!(s.count, 2);
        assert!((s.max - 2.0).abs() < 0.01, "{s:?}");
    }

    #[test]
    fn merging_adds_counts_and_errors() {
        let mut a = Recorder {
            ok: 2,
            ..Recorder::default()
        };
        a.error("BUSY");
        a.latency.record(Duration::from_millis(5));
        let mut b = Recorder {
            ok: 3,
            ..Recorder::default()
        };
        b.error("BUSY");
        b.error("TIMEOUT");
        b.latency.record(Duration::from_millis(7));
        b.last_finish = Duration::from_secs(3);
        a.merge(&b);
        assert_eq!(a.ok, 5);
        assert_eq!(a.failed(), 3);
        assert_eq!(a.errors.get("BUSY"), Some(&2));
        assert_eq!(a.latency.count(), 2);
        assert_eq!(a.last_finish, Duration::from_secs(3));
    }
}
