//! Accounts, sign-in and personal access tokens.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

use crate::validation;

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
pub struct RegisterRequest {
    #[validate(custom(function = "validation::username"))]
    pub username: String,
    #[validate(custom(function = "validation::display_name"))]
    pub display_name: String,
    #[validate(custom(function = "validation::password"))]
    pub password: String,
    #[validate(email(message = "must be an email address"), length(max = 254))]
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
pub struct LoginRequest {
    /// Username or email.
    #[validate(length(min = 1, max = 254, message = "is required"))]
    pub login: String,
    #[validate(length(min = 1, max = 256, message = "is required"))]
    pub password: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMeRequest {
    #[validate(custom(function = "validation::display_name"))]
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub allow_dms_from: Option<AllowDmsFrom>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 256, message = "is required"))]
    pub current_password: String,
    #[validate(custom(function = "validation::password"))]
    pub new_password: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateTokenRequest {
    #[validate(custom(function = "validation::token_name"))]
    pub name: String,
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
