//! The Parley server. `main.rs` is a thin wrapper around [`startup::Application`]; everything
//! else lives here so the black-box tests can start the same server in-process.

pub mod access;
pub mod auth;
pub mod config;
pub mod connections;
pub mod emoji;
pub mod error;
pub mod extract;
pub mod limits;
pub mod media;
pub mod realtime;
pub mod routes;
pub mod shared;
pub mod startup;
pub mod state;
pub mod store;
pub mod web;

pub use config::Config;
pub use startup::Application;
