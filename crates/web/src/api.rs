//! The REST client. Speaks only the `shared` types; every failure becomes an [`ApiError`] with
//! the server's error body (or one made up for a network failure).

use gloo_net::http::{Request, RequestBuilder, Response};
use parley_shared::users::{
    ApiToken, ChangePasswordRequest, CreateTokenRequest, CreatedToken, LoginRequest,
    RegisterRequest, UpdateMeRequest, User,
};
use parley_shared::{ErrorBody, ErrorCode, FieldErrors};
use serde::Serialize;
use serde::de::DeserializeOwned;

const BASE: &str = "/api/v1";

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// 0 when the server could not be reached at all.
    pub status: u16,
    pub body: ErrorBody,
}

impl ApiError {
    fn network(message: String) -> Self {
        Self {
            status: 0,
            body: ErrorBody::new(
                ErrorCode::Unavailable,
                format!("Cannot reach Parley: {message}"),
            ),
        }
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status == 401 && self.body.error == ErrorCode::Unauthorized
    }

    pub fn message(&self) -> &str {
        &self.body.message
    }

    pub fn fields(&self) -> &FieldErrors {
        &self.body.fields
    }
}

impl From<&validator::ValidationErrors> for ApiError {
    /// Client-side validation with the server's rules, reported the way the server would.
    fn from(errors: &validator::ValidationErrors) -> Self {
        Self {
            status: 422,
            body: ErrorBody::from(errors),
        }
    }
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let request = request.map_err(|e| ApiError::network(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::network(e.to_string()))?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let body = response.json::<ErrorBody>().await.unwrap_or_else(|_| {
        ErrorBody::new(
            ErrorCode::Internal,
            format!("The server answered {status}."),
        )
    });
    Err(ApiError { status, body })
}

async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    response
        .json::<T>()
        .await
        .map_err(|e| ApiError::network(e.to_string()))
}

fn with_body(builder: RequestBuilder, body: &impl Serialize) -> Result<Request, gloo_net::Error> {
    builder.json(body)
}

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

pub async fn me() -> Result<User, ApiError> {
    json(send(Request::get(&url("/users/@me")).build()).await?).await
}

pub async fn register(request: &RegisterRequest) -> Result<User, ApiError> {
    json(send(with_body(Request::post(&url("/auth/register")), request)).await?).await
}

pub async fn login(request: &LoginRequest) -> Result<User, ApiError> {
    json(send(with_body(Request::post(&url("/auth/login")), request)).await?).await
}

pub async fn logout() -> Result<(), ApiError> {
    send(Request::post(&url("/auth/logout")).build())
        .await
        .map(drop)
}

pub async fn update_me(request: &UpdateMeRequest) -> Result<User, ApiError> {
    json(send(with_body(Request::patch(&url("/users/@me")), request)).await?).await
}

pub async fn change_password(request: &ChangePasswordRequest) -> Result<(), ApiError> {
    send(with_body(
        Request::put(&url("/users/@me/password")),
        request,
    ))
    .await
    .map(drop)
}

pub async fn tokens() -> Result<Vec<ApiToken>, ApiError> {
    json(send(Request::get(&url("/users/@me/tokens")).build()).await?).await
}

pub async fn create_token(request: &CreateTokenRequest) -> Result<CreatedToken, ApiError> {
    json(send(with_body(Request::post(&url("/users/@me/tokens")), request)).await?).await
}

pub async fn revoke_token(id: uuid::Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/users/@me/tokens/{id}"))).build())
        .await
        .map(drop)
}
