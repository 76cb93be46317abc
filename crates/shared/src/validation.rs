//! Validation rules that are more than a length check, shared so the app can check a form before
//! it is sent and the server enforces the same rule.

use validator::ValidationError;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 8;
/// Hashing cost grows with the input; a cap keeps a login from being an expensive request.
pub const PASSWORD_MAX: usize = 256;
pub const DISPLAY_NAME_MAX: usize = 64;
pub const TOKEN_NAME_MAX: usize = 64;
pub const BAN_REASON_MAX: usize = 512;

/// Text every database stores: no NUL (PostgreSQL refuses it in text). Every string a client
/// sends (body fields, path segments, query values) passes this check on the server before
/// anything else looks at it; the rules below add what each field needs on top.
pub fn storable(value: &str) -> Result<(), ValidationError> {
    if value.contains('\0') {
        return Err(
            ValidationError::new("nul").with_message("must not contain the NUL character".into())
        );
    }
    Ok(())
}

/// One line of text: no control characters at all (names, topics, logins, nonces).
pub fn single_line(value: &str) -> Result<(), ValidationError> {
    if value.chars().any(char::is_control) {
        return Err(ValidationError::new("control")
            .with_message("must not contain control characters".into()));
    }
    Ok(())
}

/// Text that may span lines (message content): tabs and line breaks (`\n`, `\r`) are kept,
/// other control characters are refused.
pub fn multi_line(value: &str) -> Result<(), ValidationError> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ValidationError::new("control").with_message(
            "must not contain control characters other than tabs and line breaks".into(),
        ));
    }
    Ok(())
}

/// Usernames are 3-32 characters of `a-z`, `0-9`, `_` and `.`, compared ignoring case (they are
/// stored lowercased, see [`normalize_username`]).
pub fn username(value: &str) -> Result<(), ValidationError> {
    let len = value.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(ValidationError::new("length").with_message(
            format!("must be {USERNAME_MIN} to {USERNAME_MAX} characters long").into(),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    {
        return Err(ValidationError::new("charset")
            .with_message("may only contain letters a-z, digits, '_' and '.'".into()));
    }
    Ok(())
}

/// Display names are what people see; they may be anything printable but not blank.
pub fn display_name(value: &str) -> Result<(), ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::new("blank").with_message("must not be blank".into()));
    }
    if trimmed.chars().count() > DISPLAY_NAME_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be at most {DISPLAY_NAME_MAX} characters long").into()));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new("control")
            .with_message("must not contain control characters".into()));
    }
    Ok(())
}

pub fn token_name(value: &str) -> Result<(), ValidationError> {
    let len = value.trim().chars().count();
    if len == 0 || len > TOKEN_NAME_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be 1 to {TOKEN_NAME_MAX} characters long").into()));
    }
    single_line(value)
}

/// A sign-in name (username or email): one line.
pub fn login(value: &str) -> Result<(), ValidationError> {
    if value.is_empty() || value.chars().count() > 254 {
        return Err(
            ValidationError::new("length").with_message("must be 1 to 254 characters long".into())
        );
    }
    single_line(value)
}

pub fn ban_reason(value: &str) -> Result<(), ValidationError> {
    if value.chars().count() > BAN_REASON_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be at most {BAN_REASON_MAX} characters long").into()));
    }
    single_line(value)
}

/// Passwords may hold any character but NUL: they are hashed, never shown.
pub fn password(value: &str) -> Result<(), ValidationError> {
    storable(value)?;
    let len = value.chars().count();
    if len < PASSWORD_MIN {
        return Err(ValidationError::new("length")
            .with_message(format!("must be at least {PASSWORD_MIN} characters long").into()));
    }
    if len > PASSWORD_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be at most {PASSWORD_MAX} characters long").into()));
    }
    Ok(())
}

pub const SERVER_NAME_MAX: usize = 100;
pub const CHANNEL_NAME_MAX: usize = 100;
pub const TOPIC_MAX: usize = 1024;

pub fn server_name(value: &str) -> Result<(), ValidationError> {
    visible_text(value, SERVER_NAME_MAX)
}

pub fn channel_name(value: &str) -> Result<(), ValidationError> {
    visible_text(value, CHANNEL_NAME_MAX)
}

pub fn topic(value: &str) -> Result<(), ValidationError> {
    if value.chars().count() > TOPIC_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be at most {TOPIC_MAX} characters long").into()));
    }
    single_line(value)
}

/// 1 to `max` characters once trimmed, none of them control characters.
fn visible_text(value: &str, max: usize) -> Result<(), ValidationError> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len == 0 || len > max {
        return Err(ValidationError::new("length")
            .with_message(format!("must be 1 to {max} characters long").into()));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ValidationError::new("control")
            .with_message("must not contain control characters".into()));
    }
    Ok(())
}

/// Text channels are named like `off-topic`: lowercase, runs of spaces become one dash. Audio
/// and video channels keep their spelling, trimmed.
pub fn normalize_channel_name(value: &str, kind: crate::servers::ChannelKind) -> String {
    match kind {
        crate::servers::ChannelKind::Text => value
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-")
            .to_lowercase(),
        _ => value.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

pub fn normalize_username(value: &str) -> String {
    value.trim().to_lowercase()
}

pub const EMAIL_MAX: usize = 254;

/// An email address as HTML's `<input type=email>` accepts one: a local part of letters, digits
/// and ``.!#$%&'*+/=?^_`{|}~-``, an `@`, and a domain of dot-separated labels of letters, digits
/// and inner hyphens. Hand-written rather than validator's `email` rule, which would put a regex
/// engine and the IDNA tables (about a third of the app) into the browser bundle; addresses with
/// non-ASCII domains must be given in their `xn--` form.
pub fn email(value: &str) -> Result<(), ValidationError> {
    let invalid =
        || Err(ValidationError::new("email").with_message("must be an email address".into()));
    if value.len() > EMAIL_MAX {
        return Err(ValidationError::new("length")
            .with_message(format!("must be at most {EMAIL_MAX} characters long").into()));
    }
    let Some((local, domain)) = value.split_once('@') else {
        return invalid();
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if local_ok && domain.split('.').all(label_ok) {
        Ok(())
    } else {
        invalid()
    }
}

/// Emails are compared ignoring case; an empty one means "none given".
pub fn normalize_email(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_documented_alphabet() {
        assert!(username("ada.lovelace_1").is_ok());
        assert!(username("ab").is_err());
        assert!(username(&"a".repeat(33)).is_err());
        assert!(
            username("Ada").is_err(),
            "uppercase is normalised before validation"
        );
        assert!(username("ada lovelace").is_err());
        assert!(username("adä").is_err());
    }

    #[test]
    fn display_names_must_have_visible_text() {
        assert!(display_name("Ada Lovelace").is_ok());
        assert!(display_name("   ").is_err());
        assert!(display_name("a\u{0007}b").is_err());
        assert!(display_name(&"x".repeat(65)).is_err());
    }

    #[test]
    fn emails_are_checked_like_html_email_inputs() {
        for good in [
            "ada@example.org",
            "a.b+tag@mail.example.co",
            "x@localhost",
            "o'neil@xn--bcher-kva.example",
        ] {
            assert!(email(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "ada@@example.org",
            "ada@exa mple.org",
            "ada@-x.org",
            "ada@x..org",
            "äda@example.org",
            "ada@bücher.example",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(email(&format!("{}@example.org", "a".repeat(250))).is_err());
    }

    #[test]
    fn control_characters_are_refused_except_line_breaks_in_multi_line_text() {
        assert!(storable("a\0b").is_err());
        assert!(storable("a\nb").is_ok());
        assert!(single_line("a\tb").is_err());
        assert!(multi_line("one\r\ntwo\tthree").is_ok());
        assert!(multi_line("a\u{0007}b").is_err());
        assert!(multi_line("a\0b").is_err());
        assert!(password("correct\0horse").is_err());
        assert!(token_name("bot\nname").is_err());
    }

    #[test]
    fn emails_are_normalised_to_lowercase_or_none() {
        assert_eq!(
            normalize_email(Some(" Ada@Example.ORG ")),
            Some("ada@example.org".into())
        );
        assert_eq!(normalize_email(Some("  ")), None);
        assert_eq!(normalize_email(None), None);
    }
}
