//! Messages in channels, their history, and cursor pages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::users::User;

pub const CONTENT_MAX: usize = 4000;
pub const NONCE_MAX: usize = 64;
/// What a deleted message shows instead of its content.
pub const DELETED_CONTENT: &str = "This message has been deleted.";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// UUIDv7: time-ordered.
    pub id: Uuid,
    pub channel_id: Uuid,
    pub author: User,
    pub content: String,
    /// The channel seq the message was created at: its place in the timeline.
    pub seq: i64,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted: bool,
    /// The client nonce it was sent with, for reconciling optimistic sends.
    pub nonce: Option<String>,
    /// The message this one answers, as it is now (kept current when it is edited or deleted).
    #[serde(default)]
    pub reply_to: Option<ReplyPreview>,
    /// Its reactions, in the order they were first added.
    #[serde(default)]
    pub reactions: Vec<crate::reactions::Reaction>,
    /// The people it `@mentions`, resolved when it was sent or last edited: members of the
    /// channel only.
    #[serde(default)]
    pub mentions: Vec<Uuid>,
    /// Roles it mentions (`@admins`, `@moderators`), honoured only from moderators and admins.
    #[serde(default)]
    pub mention_roles: Vec<crate::servers::Role>,
    /// It mentions `@everyone` or `@here`, honoured only from moderators and admins.
    #[serde(default)]
    pub mention_everyone: bool,
    /// Pinned to its channel.
    #[serde(default)]
    pub pinned: bool,
}

/// How many messages a channel may have pinned.
pub const PINS_MAX: u64 = 50;

/// The `@names` a message's text mentions (lowercased, each once), outside code: an `@` at the
/// start or after a character that is not part of a name, followed by 1 to 32 of `a-z`, `0-9`,
/// `_`, `.`. An email address is not a mention.
pub fn mentioned_names(content: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (index, part) in content.split('`').enumerate() {
        if index % 2 == 1 {
            continue;
        }
        let mut previous: Option<char> = None;
        for (at, c) in part.char_indices() {
            let starts =
                c == '@' && previous.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '.'));
            previous = Some(c);
            if !starts {
                continue;
            }
            let rest = &part[at + 1..];
            let len = rest
                .find(|n: char| !(n.is_ascii_alphanumeric() || n == '_' || n == '.'))
                .unwrap_or(rest.len());
            // A name does not end with a dot: "@bob." is bob at the end of a sentence.
            let name = rest[..len].trim_end_matches('.').to_ascii_lowercase();
            if (1..=32).contains(&name.len()) && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// How many characters of a parent message a reply shows.
pub const EXCERPT_MAX: usize = 100;

/// What a reply shows of the message it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyPreview {
    /// The parent message's id (in the same channel).
    pub id: Uuid,
    pub author: User,
    /// Its first 100 characters; empty once it is deleted.
    pub excerpt: String,
    /// The parent was deleted: show "Original message was deleted".
    pub deleted: bool,
}

impl ReplyPreview {
    /// The preview of `parent`: the first [`EXCERPT_MAX`] characters, nothing once deleted.
    pub fn of(parent: &Message) -> Self {
        ReplyPreview {
            id: parent.id,
            author: parent.author.clone(),
            excerpt: if parent.deleted {
                String::new()
            } else {
                excerpt(&parent.content)
            },
            deleted: parent.deleted,
        }
    }
}

/// The first [`EXCERPT_MAX`] characters of `content`, with an ellipsis when cut.
pub fn excerpt(content: &str) -> String {
    let mut chars = content.chars();
    let head: String = chars.by_ref().take(EXCERPT_MAX).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Message content: 1 to 4,000 characters once trimmed.
pub fn content(value: &str) -> Result<(), ValidationError> {
    let len = value.trim().chars().count();
    if len == 0 {
        return Err(ValidationError::new("blank").with_message("must not be empty".into()));
    }
    if len > CONTENT_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be at most {CONTENT_MAX} characters long").into()));
    }
    crate::validation::multi_line(value)
}

fn nonce(value: &str) -> Result<(), ValidationError> {
    if value.is_empty() || value.chars().count() > NONCE_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be 1 to {NONCE_MAX} characters long").into()));
    }
    crate::validation::single_line(value)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"content": "Hello, everyone!", "nonce": "0190b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b"})))]
pub struct SendMessageRequest {
    /// 1 to 4,000 characters once trimmed; tabs and line breaks are kept.
    #[validate(custom(function = "content"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 4000,
            pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
        )
    )]
    pub content: String,
    /// Chosen by the client, unique per message it sends (a UUID is a good choice). Sending again
    /// with the same nonce returns the message already created instead of a second one.
    #[validate(custom(function = "nonce"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    pub nonce: String,
    /// The message this one answers: a message of the same channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"content": "Hello, everyone! (edited)"})))]
pub struct EditMessageRequest {
    #[validate(custom(function = "content"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 4000,
            pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
        )
    )]
    pub content: String,
}

/// A previous version of a message: what it said until `replaced_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageEdit {
    pub content: String,
    pub replaced_at: DateTime<Utc>,
    /// Who replaced it: the author editing, or whoever deleted the message.
    pub replaced_by: Uuid,
}

/// A page of a cursor-paginated list. `next_cursor` continues in the same direction; `None` when
/// there is nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    /// Only on pages centred on a message (`around=`): continues towards newer messages (use it
    /// as `after=`); `None` when the page reaches the newest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_cursor: Option<String>,
}
