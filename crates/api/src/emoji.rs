//! Unicode's emoji list (the `emojis` crate) on the server: what counts as one reaction emoji,
//! `:shortcode:` expansion when a message is sent, and the catalogue pickers show. Kept here so
//! the web app does not carry the list.

use std::sync::OnceLock;

use parley_shared::reactions::{EmojiCatalogue, EmojiGroup, EmojiInfo};
use unicode_segmentation::UnicodeSegmentation;

/// The canonical spelling of a reaction's emoji: exactly one emoji as Unicode lists them (skin
/// tones, flags and joined sequences included), in its fully qualified form, so "❤" and "❤️"
/// are the same reaction. `None` for text, two emoji, or an emoji with text around it.
pub fn canonical(value: &str) -> Option<&'static str> {
    // Plain ASCII is text, even the digits and signs Unicode can also show as emoji.
    if value.is_ascii() || value.len() > 64 || value.graphemes(true).count() != 1 {
        return None;
    }
    let bare: String = value.chars().filter(|c| *c != '\u{fe0f}').collect();
    emojis::get(value)
        .or_else(|| emojis::get(&bare))
        .or_else(|| emojis::get(&format!("{bare}\u{fe0f}")))
        .map(emojis::Emoji::as_str)
}

/// Replaces `:shortcode:` with its emoji (`:tada:` becomes 🎉), outside code. Unknown names
/// stay as written.
pub fn expand_shortcodes(content: &str) -> String {
    if !content.contains(':') {
        return content.to_owned();
    }
    let mut out = String::with_capacity(content.len());
    // Text between backticks is code, left alone.
    for (index, part) in content.split('`').enumerate() {
        if index > 0 {
            out.push('`');
        }
        if index % 2 == 1 {
            out.push_str(part);
        } else {
            expand_in(part, &mut out);
        }
    }
    out
}

fn expand_in(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-')))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        let closed = after[name_len..].starts_with(':');
        match emojis::get_by_shortcode(name).filter(|_| closed && !name.is_empty()) {
            Some(emoji) => {
                out.push_str(emoji.as_str());
                rest = &after[name_len + 1..];
            }
            None => {
                out.push(':');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

fn group_name(group: emojis::Group) -> &'static str {
    use emojis::Group;
    match group {
        Group::SmileysAndEmotion => "Smileys and emotion",
        Group::PeopleAndBody => "People and body",
        Group::AnimalsAndNature => "Animals and nature",
        Group::FoodAndDrink => "Food and drink",
        Group::TravelAndPlaces => "Travel and places",
        Group::Activities => "Activities",
        Group::Objects => "Objects",
        Group::Symbols => "Symbols",
        Group::Flags => "Flags",
    }
}

/// Every emoji (default skin tone), by group, built once.
pub fn catalogue() -> &'static EmojiCatalogue {
    static CATALOGUE: OnceLock<EmojiCatalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| EmojiCatalogue {
        groups: emojis::Group::iter()
            .map(|group| EmojiGroup {
                name: group_name(group).to_owned(),
                emoji: group
                    .emojis()
                    .map(|e| EmojiInfo {
                        emoji: e.as_str().to_owned(),
                        name: e.name().to_owned(),
                        shortcodes: e.shortcodes().map(str::to_owned).collect(),
                    })
                    .collect(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_emoji_is_accepted_in_its_canonical_form() {
        for (input, expected) in [
            ("👍", "👍"),
            ("👍🏽", "👍🏽"),
            ("❤️", "❤️"),
            ("❤", "❤️"),
            ("🇫🇷", "🇫🇷"),
            ("👩‍👩‍👧", "👩‍👩‍👧"),
            ("🏳️‍🌈", "🏳️‍🌈"),
            ("1️⃣", "1️⃣"),
        ] {
            assert_eq!(canonical(input), Some(expected), "{input:?}");
        }
    }

    #[test]
    fn text_and_several_emoji_are_refused() {
        for input in [
            "", "a", "ok", "👍👍", "👍 ", " 👍", "👍a", ":smile:", "<b>", "\u{fe0f}", "1", "#", "é",
        ] {
            assert_eq!(canonical(input), None, "{input:?}");
        }
    }

    #[test]
    fn shortcodes_become_emoji_outside_code() {
        assert_eq!(expand_shortcodes("ship it :tada:"), "ship it 🎉");
        assert_eq!(expand_shortcodes(":+1::heart:"), "👍❤️");
        assert_eq!(expand_shortcodes("`:tada:` stays"), "`:tada:` stays");
        assert_eq!(expand_shortcodes("at 10:30:45"), "at 10:30:45");
        assert_eq!(expand_shortcodes(":nope: and :"), ":nope: and :");
        assert_eq!(expand_shortcodes("https://x.y/:tada:"), "https://x.y/🎉");
    }
}
