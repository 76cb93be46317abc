//! An outgoing event, encoded at most once per encoding however many sockets it goes to.

use std::sync::OnceLock;

use axum::extract::ws::{Message, Utf8Bytes};
use bytes_shim::Bytes;
use parley_shared::events::ServerEvent;

/// How a socket wants its frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    MessagePack,
}

#[derive(Debug)]
pub struct Frame {
    pub event: ServerEvent,
    json: OnceLock<Utf8Bytes>,
    msgpack: OnceLock<Bytes>,
}

impl Frame {
    pub fn new(event: ServerEvent) -> Self {
        Self {
            event,
            json: OnceLock::new(),
            msgpack: OnceLock::new(),
        }
    }

    /// The websocket message for `encoding`, encoding the event on first use only.
    pub fn message(&self, encoding: Encoding) -> Message {
        match encoding {
            Encoding::Json => Message::Text(
                self.json
                    .get_or_init(|| encode_json(&self.event).into())
                    .clone(),
            ),
            Encoding::MessagePack => Message::Binary(
                self.msgpack
                    .get_or_init(|| Bytes::from(encode_msgpack(&self.event)))
                    .clone(),
            ),
        }
    }
}

pub fn encode_json(event: &ServerEvent) -> String {
    // Serialising our own enum of plain data cannot fail.
    serde_json::to_string(event).unwrap_or_default()
}

pub fn encode_msgpack(event: &ServerEvent) -> Vec<u8> {
    // Named fields, so the `type` tag survives and other clients can read the maps.
    rmp_serde::to_vec_named(event).unwrap_or_default()
}

/// `axum` re-exports `bytes::Bytes` through its websocket types; naming it here keeps the
/// dependency list short.
mod bytes_shim {
    pub use axum::body::Bytes;
}
