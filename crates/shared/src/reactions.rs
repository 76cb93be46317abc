//! Reactions: one emoji per reaction, aggregated on each message as `{emoji, count, me}`.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;
use validator::ValidationError;

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

/// The canonical spelling of a reaction's emoji: exactly one emoji as Unicode lists them (skin
/// tones, flags and joined sequences included), in its fully qualified form, so "❤" and "❤️"
/// are the same reaction. Text, two emoji, or an emoji with text around it are refused.
pub fn canonical_emoji(value: &str) -> Result<&'static str, ValidationError> {
    let refuse =
        || ValidationError::new("emoji").with_message("must be exactly one Unicode emoji".into());
    // Plain ASCII is text, even the digits and signs Unicode can also show as emoji.
    if value.is_ascii() || value.len() > 64 || value.graphemes(true).count() != 1 {
        return Err(refuse());
    }
    let bare: String = value.chars().filter(|c| *c != '\u{fe0f}').collect();
    let found = emojis::get(value)
        .or_else(|| emojis::get(&bare))
        .or_else(|| emojis::get(&format!("{bare}\u{fe0f}")));
    found.map(emojis::Emoji::as_str).ok_or_else(refuse)
}

/// Whether the text is only one to three emoji (and spaces): shown large.
pub fn only_emoji(text: &str) -> bool {
    let mut count = 0;
    for grapheme in text.graphemes(true) {
        if grapheme.trim().is_empty() {
            continue;
        }
        if canonical_emoji(grapheme).is_err() {
            return false;
        }
        count += 1;
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
    fn one_emoji_is_accepted_in_its_canonical_form() {
        for (input, canonical) in [
            ("👍", "👍"),
            ("👍🏽", "👍🏽"),
            ("❤️", "❤️"),
            ("❤", "❤️"),
            ("🇫🇷", "🇫🇷"),
            ("👩‍👩‍👧", "👩‍👩‍👧"),
            ("🏳️‍🌈", "🏳️‍🌈"),
            ("1️⃣", "1️⃣"),
        ] {
            assert_eq!(canonical_emoji(input).ok(), Some(canonical), "{input:?}");
        }
    }

    #[test]
    fn text_and_several_emoji_are_refused() {
        for input in [
            "", "a", "ok", "👍👍", "👍 ", " 👍", "👍a", ":smile:", "<b>", "\u{fe0f}", "1", "#", "é",
        ] {
            assert!(canonical_emoji(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn one_to_three_emoji_alone_are_large() {
        assert!(only_emoji("🎉"));
        assert!(only_emoji("🎉 👍🏽 ❤️"));
        assert!(!only_emoji("🎉🎉🎉🎉"));
        assert!(!only_emoji("yay 🎉"));
        assert!(!only_emoji("  "));
    }
}
