//! Accounts, sign-in and personal access tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

use crate::validation;

/// Who this browser session belongs to, if anyone: `GET /auth/session` answers 200 either way,
/// so a signed-out page load does not count as a failed request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub user: Option<User>,
}

/// A Parley account as other people see it. `email` is present only on your own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    /// Unique, lowercase, 3-32 characters of `a-z`, `0-9`, `_`, `.`.
    pub username: String,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Who may start a conversation with you; present only on your own account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_dms_from: Option<AllowDmsFrom>,
    pub created_at: DateTime<Utc>,
    /// The profile picture (256 px square PNG), readable by anyone signed in; `null` shows
    /// the initials.
    #[serde(default)]
    pub avatar_url: Option<String>,
}

/// Who may start a direct conversation with someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AllowDmsFrom {
    Everyone,
    /// People you share a server with (the default).
    SharedServers,
}

impl AllowDmsFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            AllowDmsFrom::Everyone => "everyone",
            AllowDmsFrom::SharedServers => "shared_servers",
        }
    }

    pub fn parse(value: &str) -> Self {
        if value == "everyone" {
            AllowDmsFrom::Everyone
        } else {
            AllowDmsFrom::SharedServers
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"username": "ada", "display_name": "Ada Lovelace", "password": "correct horse battery", "email": "ada@example.org"})))]
pub struct RegisterRequest {
    /// 3-32 characters of `a-z`, `0-9`, `_` and `.` (uppercase is lowered).
    #[validate(custom(function = "validation::username"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 3,
            max_length = 32,
            pattern = r"^\s*[A-Za-z0-9_.]{3,32}\s*$"
        )
    )]
    pub username: String,
    #[validate(custom(function = "validation::display_name"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    pub display_name: String,
    #[validate(custom(function = "validation::password"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 8, max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    pub password: String,
    #[validate(custom(function = "validation::email"))]
    #[cfg_attr(feature = "openapi", schema(max_length = 254, format = "email"))]
    #[serde(default)]
    pub email: Option<String>,
}

impl RegisterRequest {
    /// The request as it is validated and stored: username and email lowercased, the display
    /// name trimmed, an empty email dropped.
    pub fn normalized(self) -> Self {
        Self {
            username: validation::normalize_username(&self.username),
            display_name: self.display_name.trim().to_owned(),
            password: self.password,
            email: validation::normalize_email(self.email.as_deref()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"login": "ada", "password": "correct horse battery"})))]
pub struct LoginRequest {
    /// Username or email.
    #[validate(custom(function = "validation::login"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 254,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    pub login: String,
    #[validate(length(min = 1, max = 256, message = "is required"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    pub password: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"display_name": "Ada L.", "allow_dms_from": "everyone"})))]
pub struct UpdateMeRequest {
    #[validate(custom(function = "validation::display_name"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub allow_dms_from: Option<AllowDmsFrom>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"current_password": "correct horse battery", "new_password": "a brand new secret", "revoke_tokens": true})))]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 256, message = "is required"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    pub current_password: String,
    #[validate(custom(function = "validation::password"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 8, max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    pub new_password: String,
    /// Also revoke every personal access token (and close the sockets opened with them).
    #[serde(default)]
    pub revoke_tokens: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "deploy bot", "current_password": "correct horse battery"})))]
pub struct CreateTokenRequest {
    #[validate(custom(function = "validation::token_name"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
        )
    )]
    pub name: String,
    /// Required unless this browser session signed in less than five minutes ago.
    #[validate(length(min = 1, max = 256, message = "is required"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 256, pattern = r"^[^\u0000]*$")
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
}

/// A personal access token as listed: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The answer to creating a token: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub id: Uuid,
    pub name: String,
    /// Send as `Authorization: Bearer <token>`. Store it now: it cannot be shown again.
    pub token: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_is_normalised_before_validation() {
        let request = RegisterRequest {
            username: " Ada.L ".into(),
            display_name: "  Ada  ".into(),
            password: "correct horse".into(),
            email: Some("".into()),
        }
        .normalized();
        assert_eq!(request.username, "ada.l");
        assert_eq!(request.display_name, "Ada");
        assert_eq!(request.email, None);
        assert!(request.validate().is_ok());
    }

    #[test]
    fn invalid_registration_reports_each_field() {
        let request = RegisterRequest {
            username: "a".into(),
            display_name: " ".into(),
            password: "short".into(),
            email: Some("not-an-email".into()),
        };
        let errors = request.validate().err().map(|e| crate::ErrorBody::from(&e));
        let fields = errors
            .map(|e| e.fields.into_keys().collect::<Vec<_>>())
            .unwrap_or_default();
        assert_eq!(fields, ["display_name", "email", "password", "username"]);
    }
}
