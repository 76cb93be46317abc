//! Reactions: one emoji per reaction, aggregated on each message as `{emoji, count, me}`.

use serde::{Deserialize, Serialize};

/// How many different emoji one message may carry.
pub const DISTINCT_MAX: usize = 20;

/// One emoji on a message and how many reacted with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reaction {
    /// A Unicode emoji in its fully qualified form. (A server's custom emoji will come with an
    /// `emoji_id` beside it; clients should ignore fields they do not know.)
    pub emoji: String,
    pub count: u32,
    /// Whether you are among them (always `false` in gateway events, which go to everyone:
    /// apply `reaction_add` and `reaction_remove` instead).
    pub me: bool,
}

/// Every emoji the server knows, by group, for pickers (`GET /api/v1/emoji`). Served rather
/// than compiled into the web app, which stays small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmojiCatalogue {
    pub groups: Vec<EmojiGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmojiGroup {
    /// E.g. "Smileys and emotion".
    pub name: String,
    pub emoji: Vec<EmojiInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmojiInfo {
    pub emoji: String,
    /// Unicode's name, e.g. "party popper".
    pub name: String,
    /// Shortcodes without colons, e.g. "tada".
    pub shortcodes: Vec<String>,
}

/// Whether the character starts an emoji: a pictograph or a regional-indicator letter.
fn pictographic(c: char) -> bool {
    matches!(u32::from(c),
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF
        | 0x2190..=0x21FF | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x203C | 0x2049 | 0x2122
        | 0x2139 | 0x24C2 | 0x25AA..=0x25FE | 0x2934 | 0x2935 | 0xA9 | 0xAE)
}

/// Whether the text is only one to three emoji (and spaces): shown large. A display rule, not
/// validation (the server checks reactions against Unicode's list); it walks characters rather
/// than grapheme tables so the web app stays small: skin tones, variation selectors, keycaps,
/// tags and joiners continue an emoji, a joiner glues the next pictograph to it, and two
/// regional indicators make one flag.
pub fn only_emoji(text: &str) -> bool {
    let mut count = 0;
    let mut joined = false;
    let mut open_flag = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let code = u32::from(c);
        match code {
            _ if c.is_whitespace() => {
                joined = false;
                open_flag = false;
            }
            0x200D => joined = true,
            0xFE0F | 0x20E3 | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F => {}
            // A keycap: a digit, # or * followed by FE0F? and 20E3.
            _ if (c.is_ascii_digit() || c == '#' || c == '*')
                && chars
                    .peek()
                    .is_some_and(|n| matches!(u32::from(*n), 0xFE0F | 0x20E3)) =>
            {
                count += 1;
            }
            0x1F1E6..=0x1F1FF => {
                if open_flag {
                    open_flag = false;
                } else {
                    open_flag = true;
                    count += 1;
                }
            }
            _ if pictographic(c) => {
                if !joined {
                    count += 1;
                }
                joined = false;
            }
            _ => return false,
        }
        if count > 3 {
            return false;
        }
    }
    count > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_to_three_emoji_alone_are_large() {
        for large in ["🎉", "🎉 👍🏽 ❤️", "🇫🇷", "1️⃣", "👩‍👩‍👧", "☕"]
        {
            assert!(only_emoji(large), "{large:?}");
        }
        for normal in [
            "🎉🎉🎉🎉",
            "yay 🎉",
            "  ",
            "1",
            "é",
            "a",
            "→x",
            "🇫🇷🇩🇪🇮🇹🇪🇸",
            "#1",
        ] {
            assert!(!only_emoji(normal), "{normal:?}");
        }
    }
}
