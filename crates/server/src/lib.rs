//! The resume chat server: reads configuration, builds the adapters the configuration asks for,
//! wires them into the chat service and serves it. Everything here is wiring; behaviour lives in
//! the crates it wires.

pub mod config;
pub mod metered;
pub mod retention;
pub mod startup;
pub mod telemetry;

pub use config::Settings;
pub use startup::{Application, StartError};
