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
#[cfg_attr(feature = "openapi", schema(example = json!({"recipient_ids": ["0190b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b"]})))]
pub struct CreateConversationRequest {
    /// One person for a 1:1 conversation; 2 to 9 for a group.
    #[validate(length(min = 1, max = 9, message = "must name 1 to 9 people"))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 9))]
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

/// The code in what someone pasted: an invite link (`https://chat.example.org/invite/AbC…`,
/// with or without a query or a trailing slash) or a bare code. `None` when it is neither.
pub fn invite_code_in(pasted: &str) -> Option<&str> {
    let pasted = pasted.trim().trim_end_matches('/');
    let code = pasted
        .rsplit_once("/invite/")
        .map_or(pasted, |(_, code)| code);
    let code = code.split(['?', '#']).next().unwrap_or_default();
    let valid =
        !code.is_empty() && code.len() <= 64 && code.chars().all(|c| c.is_ascii_alphanumeric());
    valid.then_some(code)
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
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Rustaceans", "discoverable": true})))]
pub struct CreateServerRequest {
    #[validate(custom(function = "validation::server_name"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    pub name: String,
    #[serde(default)]
    pub discoverable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Rustaceans", "discoverable": false})))]
pub struct UpdateServerRequest {
    #[validate(custom(function = "validation::server_name"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "off-topic", "kind": "text", "topic": "Anything goes"})))]
pub struct CreateChannelRequest {
    #[validate(custom(function = "validation::channel_name"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    pub name: String,
    pub kind: ChannelKind,
    #[validate(custom(function = "validation::topic"))]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 1024, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")
    )]
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
#[cfg_attr(feature = "openapi", schema(example = json!({"topic": "Release planning", "position": 0})))]
pub struct UpdateChannelRequest {
    #[validate(custom(function = "validation::channel_name"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An empty topic clears it.
    #[validate(custom(function = "validation::topic"))]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 1024, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Moves the channel to this place in the server's order (0 is first). Server channels only.
    #[validate(range(min = 0, max = 10_000, message = "must be between 0 and 10000"))]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10_000))]
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    pub position: Option<i32>,
}

/// An optional whole number, written `3` or `3.0` (JSON Schema counts both as integers).
fn whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Whole(i64),
        Decimal(f64),
    }
    let invalid = || serde::de::Error::custom("must be a whole number between 0 and 10000");
    match Option::<Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Number::Whole(n)) => i32::try_from(n).map(Some).map_err(|_| invalid()),
        Some(Number::Decimal(n)) if n.fract() == 0.0 && n.abs() <= f64::from(i32::MAX) => {
            Ok(Some(n as i32))
        }
        Some(Number::Decimal(_)) => Err(invalid()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"role": "moderator"})))]
pub struct UpdateMemberRequest {
    pub role: Role,
}

/// Someone banned from a server, as its moderators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ban {
    pub server_id: Uuid,
    pub user: User,
    /// Who banned them; `None` once that account is gone.
    pub banned_by: Option<Uuid>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"reason": "spam"})))]
pub struct BanRequest {
    /// Shown to moderators in the ban list.
    #[validate(custom(function = "validation::ban_reason"))]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 512, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_found_in_links_and_alone() {
        assert_eq!(invite_code_in("AbCd1234"), Some("AbCd1234"));
        assert_eq!(
            invite_code_in(" https://chat.example.org/invite/AbCd1234/ "),
            Some("AbCd1234")
        );
        assert_eq!(
            invite_code_in("http://127.0.0.1:8080/invite/AbCd1234?x=1#y"),
            Some("AbCd1234")
        );
        assert_eq!(invite_code_in(""), None);
        assert_eq!(invite_code_in("https://chat.example.org/invite/"), None);
        assert_eq!(invite_code_in("not a code"), None);
        assert_eq!(invite_code_in("../../etc"), None);
    }

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
    fn positions_may_be_written_as_whole_decimals() {
        let read =
            |json: &str| serde_json::from_str::<UpdateChannelRequest>(json).map(|r| r.position);
        assert_eq!(read(r#"{"position": 3}"#).ok(), Some(Some(3)));
        assert_eq!(read(r#"{"position": 3.0}"#).ok(), Some(Some(3)));
        assert_eq!(read(r#"{}"#).ok(), Some(None));
        assert!(read(r#"{"position": 2.5}"#).is_err());
        assert!(read(r#"{"position": "3"}"#).is_err());
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
