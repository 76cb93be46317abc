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
    Ok(())
}

pub fn password(value: &str) -> Result<(), ValidationError> {
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
    Ok(())
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
    fn emails_are_normalised_to_lowercase_or_none() {
        assert_eq!(
            normalize_email(Some(" Ada@Example.ORG ")),
            Some("ada@example.org".into())
        );
        assert_eq!(normalize_email(Some("  ")), None);
        assert_eq!(normalize_email(None), None);
    }
}
