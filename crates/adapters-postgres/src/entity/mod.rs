//! sea-orm entities of the two tables. Private to the crate: the outside sees domain types only.
//!
//! Timestamps are written through [`crate::convert::timestamp_value`], not through these
//! models, because SQLite needs a fixed-width text form to sort them (see there).

pub(crate) mod conversations;
pub(crate) mod messages;
