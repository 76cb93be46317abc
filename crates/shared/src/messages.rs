//! Messages in channels, their history, and cursor pages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::users::User;

pub const CONTENT_MAX: usize = 4000;
pub const NONCE_MAX: usize = 64;
/// Most attachments one message may carry.
pub const ATTACHMENTS_MAX: usize = 10;
/// Longest file name kept for an attachment, in characters.
pub const FILENAME_MAX: usize = 255;
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
    /// Files sent with the message, in the order they were named. Empty once it is deleted.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
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

/// A file sent with a message. `url` and `thumbnail_url` are paths on this server, readable by
/// whoever may read the channel (the session cookie or a bearer token), 404 for anyone else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: Uuid,
    pub filename: String,
    /// Bytes, as stored (images are re-encoded without their metadata).
    pub size: u64,
    /// Detected from the file's bytes, not from its name or the uploader's word.
    pub content_type: String,
    /// Pixels, for images.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub url: String,
    /// A smaller copy (at most 400 px a side, WebP), for images.
    pub thumbnail_url: Option<String>,
    /// A tiny blurred preview (a `data:` URL of a PNG a few pixels across), shown while the
    /// thumbnail loads, for images.
    pub placeholder: Option<String>,
}

impl Attachment {
    /// Whether the file is shown in the page (a picture, a player) rather than as a card.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/") && self.thumbnail_url.is_some()
    }
    pub fn is_video(&self) -> bool {
        self.content_type.starts_with("video/")
    }
    pub fn is_audio(&self) -> bool {
        self.content_type.starts_with("audio/")
    }
}

/// A file name as shown: 1 to 255 characters, one line, no path separators.
pub fn filename(value: &str) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if value.trim().is_empty() || len > FILENAME_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be 1 to {FILENAME_MAX} characters long").into()));
    }
    if value.contains(['/', '\\']) {
        return Err(ValidationError::new("path")
            .with_message("must be a file name, without / or \\".into()));
    }
    crate::validation::single_line(value)
}

fn media_type(value: &str) -> Result<(), ValidationError> {
    if value.len() > 127 || !value.is_ascii() || value.chars().any(|c| c.is_ascii_control()) {
        return Err(ValidationError::new("content_type")
            .with_message("must be a media type such as image/png".into()));
    }
    Ok(())
}

/// Asks for a place to upload one file to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"filename": "holiday.jpg", "size": 482133, "content_type": "image/jpeg"})))]
pub struct CreateUploadRequest {
    #[validate(custom(function = "filename"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = r"^[^/\\\u0000-\u001F\u007F-\u009F]*[^\s/\\\u0000-\u001F\u007F-\u009F][^/\\\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    pub filename: String,
    /// The file's size in bytes: exactly what the upload will send.
    #[serde(deserialize_with = "whole_number")]
    #[validate(range(min = 1, message = "must be at least 1 byte"))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub size: u64,
    /// What the client believes the file is. Only a hint: the server decides from the bytes,
    /// and refuses a file whose bytes contradict it (a page named `.png`, say).
    #[serde(default)]
    #[validate(custom(function = "media_type"))]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 127, pattern = r"^[\x20-\x7E]*$")
    )]
    pub content_type: Option<String>,
}

/// A count of bytes. JSON has one kind of number, so `1048576.0` is the same number as
/// `1048576` (JSON Schema agrees); fractions and negatives are refused.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    struct WholeNumber;
    impl serde::de::Visitor<'_> for WholeNumber {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a whole number of bytes")
        }
        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<u64, E> {
            Ok(value)
        }
        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<u64, E> {
            u64::try_from(value)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(value), &self))
        }
        fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<u64, E> {
            // 2^53: beyond it a float no longer holds every whole number.
            if value.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&value) {
                Ok(value as u64)
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Float(value), &self))
            }
        }
    }
    deserializer.deserialize_any(WholeNumber)
}

/// Where to send the bytes: `PUT` them to `upload_url` (same credentials), then name `id` in a
/// message's `attachment_ids` before `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadSlot {
    pub id: Uuid,
    pub upload_url: String,
    pub expires_at: DateTime<Utc>,
}

/// Message content: up to 4,000 characters once trimmed; empty only with attachments (which
/// [`SendMessageRequest::is_blank`] tells).
fn sent_content(value: &str) -> Result<(), ValidationError> {
    if value.trim().chars().count() > CONTENT_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be at most {CONTENT_MAX} characters long").into()));
    }
    crate::validation::multi_line(value)
}

fn attachment_ids(value: &[Uuid]) -> Result<(), ValidationError> {
    if value.len() > ATTACHMENTS_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("may name at most {ATTACHMENTS_MAX} files").into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    if !value.iter().all(|id| seen.insert(*id)) {
        return Err(
            ValidationError::new("unique").with_message("must not name a file twice".into())
        );
    }
    Ok(())
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
    /// Up to 4,000 characters once trimmed; tabs and line breaks are kept. May be empty (or
    /// left out) only when `attachment_ids` names at least one file.
    #[serde(default)]
    #[validate(custom(function = "sent_content"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 4000,
            pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
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
    /// Uploaded files to send with the message (up to 10, each uploaded by you to this
    /// channel and not yet sent), in the order to show them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[validate(custom(function = "attachment_ids"))]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub attachment_ids: Vec<Uuid>,
}

impl SendMessageRequest {
    /// Nothing to send: no text and no files. Refused as `content` "must not be empty".
    pub fn is_blank(&self) -> bool {
        self.content.trim().is_empty() && self.attachment_ids.is_empty()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_whole_numbers_however_json_spells_them() {
        let parsed = |size: &str| {
            serde_json::from_str::<CreateUploadRequest>(&format!(
                r#"{{"filename": "a.bin", "size": {size}}}"#
            ))
            .map(|r| r.size)
        };
        assert_eq!(parsed("1048576").ok(), Some(1_048_576));
        assert_eq!(parsed("68719476736.0").ok(), Some(68_719_476_736));
        assert!(parsed("1.5").is_err());
        assert!(parsed("-1").is_err());
        assert!(parsed("\"12\"").is_err());
    }
}
