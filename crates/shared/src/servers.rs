//! Servers (communities), their channels, members, roles and invites.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

use crate::users::User;
use crate::validation;

/// A member's standing in a server. Ordered: `Guest < Moderator < Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Guest,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Guest => "guest",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "guest" => Some(Role::Guest),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Admins and moderators manage channels and see the invite.
    pub fn can_manage_channels(self) -> bool {
        self >= Role::Moderator
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Text,
    Audio,
    Video,
    /// A 1:1 conversation.
    Dm,
    /// A conversation of up to ten people.
    GroupDm,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Text => "text",
            ChannelKind::Audio => "audio",
            ChannelKind::Video => "video",
            ChannelKind::Dm => "dm",
            ChannelKind::GroupDm => "group_dm",
        }
    }

    /// Conversations live outside servers.
    pub fn is_conversation(self) -> bool {
        matches!(self, ChannelKind::Dm | ChannelKind::GroupDm)
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "text" => Some(ChannelKind::Text),
            "audio" => Some(ChannelKind::Audio),
            "video" => Some(ChannelKind::Video),
            "dm" => Some(ChannelKind::Dm),
            "group_dm" => Some(ChannelKind::GroupDm),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Server {
    pub id: Uuid,
    pub name: String,
    /// Where the icon is served; `None` shows the server's initials.
    pub icon_url: Option<String>,
    pub owner_id: Uuid,
    /// Listed on the Discover page and joinable without an invite.
    pub discoverable: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Channel {
    pub id: Uuid,
    pub server_id: Option<Uuid>,
    pub kind: ChannelKind,
    pub name: String,
    pub topic: Option<String>,
    /// Sort order within the server, from 0.
    pub position: i32,
    /// The channel's `general`: it cannot be deleted.
    pub is_default: bool,
    /// The seq of the channel's latest event (0 when none).
    pub last_seq: i64,
    /// The people in a conversation (empty for server channels).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<User>,
    /// Who created a group conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_at: Option<DateTime<Utc>>,
}

/// A conversation in your list, with its latest message for the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    #[serde(flatten)]
    pub channel: Channel,
    pub last_message: Option<crate::messages::Message>,
}

/// Most people in one group conversation, its creator included.
pub const GROUP_MAX: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateConversationRequest {
    /// One person for a 1:1 conversation; 2 to 9 for a group.
    #[validate(length(min = 1, max = 9, message = "must name 1 to 9 people"))]
    pub recipient_ids: Vec<Uuid>,
}

/// A server you are in, with your role and its channels in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyServer {
    #[serde(flatten)]
    pub server: Server,
    pub role: Role,
    pub channels: Vec<Channel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub server_id: Uuid,
    pub user: User,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// A server as seen from outside: on the Discover page or behind an invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerPreview {
    pub id: Uuid,
    pub name: String,
    pub icon_url: Option<String>,
    pub member_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitePreview {
    pub code: String,
    pub server: ServerPreview,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateServerRequest {
    #[validate(custom(function = "validation::server_name"))]
    pub name: String,
    #[serde(default)]
    pub discoverable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateServerRequest {
    #[validate(custom(function = "validation::server_name"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateChannelRequest {
    #[validate(custom(function = "validation::channel_name"))]
    pub name: String,
    pub kind: ChannelKind,
    #[validate(custom(function = "validation::topic"))]
    #[serde(default)]
    pub topic: Option<String>,
}

impl CreateChannelRequest {
    /// Text channel names are lowercase with dashes (`Off Topic` becomes `off-topic`).
    pub fn normalized(self) -> Self {
        Self {
            name: validation::normalize_channel_name(&self.name, self.kind),
            topic: self
                .topic
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            kind: self.kind,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateChannelRequest {
    #[validate(custom(function = "validation::channel_name"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An empty topic clears it.
    #[validate(custom(function = "validation::topic"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Moves the channel to this place in the server's order (0 is first). Server channels only.
    #[validate(range(min = 0, max = 10_000, message = "must be between 0 and 10000"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMemberRequest {
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Guest < Role::Moderator && Role::Moderator < Role::Admin);
        assert!(!Role::Guest.can_manage_channels());
        assert!(Role::Moderator.can_manage_channels());
        for role in [Role::Guest, Role::Moderator, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }

    #[test]
    fn text_channel_names_are_normalised() {
        let request = CreateChannelRequest {
            name: "  Off Topic  Chat ".into(),
            kind: ChannelKind::Text,
            topic: Some("  ".into()),
        }
        .normalized();
        assert_eq!(request.name, "off-topic-chat");
        assert_eq!(request.topic, None);
        let voice = CreateChannelRequest {
            name: " Lounge Room ".into(),
            kind: ChannelKind::Audio,
            topic: None,
        };
        assert_eq!(voice.normalized().name, "Lounge Room");
    }
}
