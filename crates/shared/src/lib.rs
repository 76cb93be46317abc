//! The language the Parley server and its clients speak: request and response bodies with their
//! validation rules, the error shape, and (as the product grows) gateway events.
//!
//! This crate is compiled for the browser (wasm32) as well as for the server, so it holds plain
//! data and pure functions only. It must never depend on tokio, axum or sea-orm; a test in
//! `tests/` enforces that.

pub mod error;
pub mod events;
pub mod messages;
pub mod reactions;
pub mod servers;
pub mod users;
pub mod validation;

pub use error::{ErrorBody, ErrorCode, FieldErrors};
