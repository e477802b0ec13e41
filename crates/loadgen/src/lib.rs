//! `loadgen`: a WebSocket load generator for resume chat's benchmarks.
//!
//! It opens many connections to `/ws`, asks questions closed-loop (each connection asks again as
//! soon as its answer is in, at a set concurrency) or open-loop (at a set rate, latency counted
//! from when each question was due), or opens connections, asks once on each and holds them idle.
//! It reports questions per second, errors by code, latency of whole answers and of first
//! `delta` frames, connection set-up time, and — given the server's pid — the server's memory
//! and CPU time, as a table for people and one JSON line for scripts.
//!
//! It speaks DESIGN.md's protocol, and also the original service's, which sends no `delta`
//! frames (first-delta figures are then absent). It depends on no crate of this workspace: it
//! is a client, and must be able to measure any server that speaks the protocol.

pub mod args;
pub mod frame;
pub mod procstat;
pub mod report;
pub mod run;
pub mod startup;
pub mod stats;
