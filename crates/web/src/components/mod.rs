//! Components grouped by screen, one per file.

pub mod auth;
pub mod common;
pub mod settings;
pub mod shell;
