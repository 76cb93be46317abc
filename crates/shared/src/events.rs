//! The gateway's frames. Both directions are objects tagged by `type`; JSON text frames by
//! default, MessagePack binary frames when the client connects with `?encoding=msgpack`.
//! The channel events (`message_*`) are also what `GET /channels/{id}/events` returns.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ErrorCode, FieldErrors};
use crate::messages::Message;
use crate::servers::{Channel, Conversation, Member, MyServer, Server};
use crate::users::User;

/// Bumped when a frame changes incompatibly; sent in `hello`.
pub const GATEWAY_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// First frame. Send a `heartbeat` at least this often or the socket is closed.
    Hello {
        heartbeat_interval_ms: u64,
        version: u32,
    },
    /// Second frame: the state to start from. Events after it apply on top.
    Ready {
        user: User,
        servers: Vec<MyServer>,
        conversations: Vec<Conversation>,
    },
    HeartbeatAck,
    /// The answer to a `send_message`: the message as stored.
    Ack {
        nonce: String,
        message: Message,
    },
    /// A client frame was refused. `nonce` names the `send_message` it answers, if any.
    Error {
        nonce: Option<String>,
        error: ErrorCode,
        message: String,
        /// Seconds to wait, for `rate_limited`.
        retry_after: Option<u64>,
        /// Per-field messages for `validation_failed`, as in REST error bodies.
        #[serde(default, skip_serializing_if = "FieldErrors::is_empty")]
        fields: FieldErrors,
    },
    MessageCreate {
        channel_id: Uuid,
        seq: i64,
        message: Message,
    },
    MessageUpdate {
        channel_id: Uuid,
        seq: i64,
        message: Message,
    },
    /// The message's place stays; it now shows as deleted.
    MessageDelete {
        channel_id: Uuid,
        seq: i64,
        message: Message,
    },
    /// Someone reacted to a message (a new reaction; repeating one sends nothing).
    ReactionAdd {
        channel_id: Uuid,
        seq: i64,
        message_id: Uuid,
        user_id: Uuid,
        emoji: String,
    },
    ReactionRemove {
        channel_id: Uuid,
        seq: i64,
        message_id: Uuid,
        user_id: Uuid,
        emoji: String,
    },
    /// A message was pinned or unpinned: fetch `GET /channels/{id}/pins` for the list.
    PinsUpdate {
        channel_id: Uuid,
        seq: i64,
        message_id: Uuid,
        pinned: bool,
    },
    ChannelCreate {
        channel: Channel,
    },
    ChannelUpdate {
        channel: Channel,
    },
    ChannelDelete {
        channel_id: Uuid,
        server_id: Option<Uuid>,
    },
    /// You joined a server (through an invite, discovery, or creating it on another device).
    ServerCreate {
        server: MyServer,
    },
    ServerUpdate {
        server: Server,
    },
    ServerDelete {
        server_id: Uuid,
    },
    MemberAdd {
        member: Member,
    },
    /// Someone you share a server or a conversation with changed their profile (their
    /// avatar, say); you get your own changes too.
    UserUpdate {
        user: User,
    },
    MemberUpdate {
        member: Member,
    },
    MemberRemove {
        server_id: Uuid,
        user_id: Uuid,
    },
    /// Someone was added to a group conversation you are in.
    RecipientAdd {
        channel_id: Uuid,
        user: User,
    },
    /// Someone left (or was removed from) a group conversation you are in.
    RecipientRemove {
        channel_id: Uuid,
        user_id: Uuid,
    },
}

impl ServerEvent {
    /// The channel seq of a channel event, for resuming.
    pub fn channel_seq(&self) -> Option<(Uuid, i64)> {
        match self {
            ServerEvent::MessageCreate {
                channel_id, seq, ..
            }
            | ServerEvent::MessageUpdate {
                channel_id, seq, ..
            }
            | ServerEvent::MessageDelete {
                channel_id, seq, ..
            }
            | ServerEvent::ReactionAdd {
                channel_id, seq, ..
            }
            | ServerEvent::ReactionRemove {
                channel_id, seq, ..
            }
            | ServerEvent::PinsUpdate {
                channel_id, seq, ..
            } => Some((*channel_id, *seq)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientEvent {
    Heartbeat,
    /// Same rules and errors as `POST /channels/{id}/messages`; answered by `ack` or `error`.
    SendMessage {
        channel_id: Uuid,
        #[serde(default)]
        content: String,
        nonce: String,
        /// The message this one answers, as `reply_to` in the REST request.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Uuid>,
        /// Uploaded files to send with it, as in `POST /channels/{id}/messages`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachment_ids: Vec<Uuid>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_tagged_by_type() {
        let frame = serde_json::to_value(ServerEvent::HeartbeatAck).unwrap_or_default();
        assert_eq!(frame, serde_json::json!({"type": "heartbeat_ack"}));
        let parsed: ClientEvent = serde_json::from_str(
            r#"{"type":"send_message","channel_id":"0190a000-0000-7000-8000-000000000000","content":"hi","nonce":"n1"}"#,
        )
        .unwrap_or(ClientEvent::Heartbeat);
        assert!(matches!(parsed, ClientEvent::SendMessage { .. }));
    }
}
