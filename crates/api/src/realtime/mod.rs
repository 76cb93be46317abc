//! Realtime delivery. The store publishes a [`BusMessage`] on the [`bus::EventBus`] after each
//! commit; every instance's [`hub::Hub`] receives it and hands it to its own sockets that may see
//! it; [`gateway`] runs one socket.

pub mod bus;
pub mod frame;
pub mod gateway;
pub mod hub;

use parley_shared::events::ServerEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who may receive an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    /// Every member of the server (its channels are open to all members).
    Server(Uuid),
    /// These users only (a server they just joined, a direct conversation).
    Users(Vec<Uuid>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    pub audience: Audience,
    pub event: ServerEvent,
}

/// Credentials that stopped being valid. Every hub closes the sockets opened with them at once
/// (close code 4004). Plain data, so a cross-instance bus can carry it as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Revocation {
    /// These browser sessions ended: signed out, expired, or replaced at sign-in.
    Sessions { session_ids: Vec<String> },
    /// This personal access token was revoked.
    Token { token_id: Uuid },
    /// Every session of the user but `except` ended (a password change).
    UserSessions {
        user_id: Uuid,
        except: Option<String>,
    },
    /// Every token of the user was revoked.
    UserTokens { user_id: Uuid },
}

/// What travels on the bus: events for clients, and revocations for the hubs themselves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[expect(
    clippy::large_enum_variant,
    reason = "events are nearly every message, and the bus puts each in an Arc once"
)]
pub enum BusMessage {
    Event(Envelope),
    Revoke(Revocation),
    /// This hub may have missed messages (the link between instances was down): its sockets
    /// start over, and their clients catch up by seq.
    Resync,
}
