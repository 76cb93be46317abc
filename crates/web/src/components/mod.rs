//! Components grouped by screen, one per file.

pub mod auth;
pub mod chat;
pub mod common;
pub mod conversations;
pub mod servers;
pub mod settings;
pub mod shell;
