//! A third-party client of the API: a cookie jar, optionally a bearer token, typed helpers.

use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, ensure};
use parley_shared::ErrorBody;
use parley_shared::messages::{Attachment, Message, UploadSlot};
use parley_shared::servers::{Invite, MyServer};
use parley_shared::users::{CreatedToken, User};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::TestApp;

/// The password every factory-made user has.
pub const PASSWORD: &str = "correct horse battery";

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    base: String,
    bearer: Option<String>,
    origin: Option<String>,
}

impl Client {
    pub fn new(base: String) -> Self {
        Self::from_address(base, None)
    }

    /// A client whose connections come from `local` (another loopback address, say), to look
    /// like a different machine to the server.
    pub fn from_address(base: String, local: Option<std::net::IpAddr>) -> Self {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .local_address(local)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            http,
            jar,
            base,
            bearer: None,
            origin: None,
        }
    }

    /// The same client (cookies, token) that hands back redirects instead of following them.
    pub fn not_following_redirects(&self) -> Self {
        let http = reqwest::Client::builder()
            .cookie_provider(self.jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            http,
            ..self.clone()
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn bearer(&self) -> Option<&str> {
        self.bearer.as_deref()
    }

    /// The `Cookie` header this client would send, for opening a websocket as a browser would.
    pub fn cookie_header(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().ok()?;
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
    }

    /// A client that authenticates with `token` only (a fresh, empty cookie jar).
    pub fn with_bearer(&self, token: &str) -> Self {
        Self {
            bearer: Some(token.to_owned()),
            ..Self::new(self.base.clone())
        }
    }

    /// The same client (cookies, token) talking to another instance of the server.
    pub fn at(&self, app: &TestApp) -> Self {
        Self {
            base: app.url(""),
            origin: self.origin.as_ref().map(|_| app.origin()),
            ..self.clone()
        }
    }

    /// The same client (sharing its cookies), sending `Origin: origin` as a browser page would.
    pub fn with_origin(&self, origin: &str) -> Self {
        Self {
            origin: Some(origin.to_owned()),
            ..self.clone()
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(origin) = &self.origin {
            request = request.header(reqwest::header::ORIGIN, origin);
        }
        request
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Response> {
        Ok(self.request(Method::GET, path).send().await?)
    }

    pub async fn delete(&self, path: &str) -> anyhow::Result<Response> {
        Ok(self.request(Method::DELETE, path).send().await?)
    }

    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Response> {
        Ok(self.request(Method::POST, path).json(body).send().await?)
    }

    pub async fn patch(&self, path: &str, body: &Value) -> anyhow::Result<Response> {
        Ok(self.request(Method::PATCH, path).json(body).send().await?)
    }

    pub async fn put(&self, path: &str, body: &Value) -> anyhow::Result<Response> {
        Ok(self.request(Method::PUT, path).json(body).send().await?)
    }

    pub async fn register(&self, username: &str, password: &str) -> anyhow::Result<Response> {
        let body = json!({ "username": username, "display_name": username, "password": password });
        self.post("/api/v1/auth/register", &body).await
    }

    pub async fn login(&self, login: &str, password: &str) -> anyhow::Result<Response> {
        self.post(
            "/api/v1/auth/login",
            &json!({ "login": login, "password": password }),
        )
        .await
    }

    pub async fn me(&self) -> anyhow::Result<Response> {
        self.get("/api/v1/users/@me").await
    }

    pub async fn create_server(&self, name: &str) -> anyhow::Result<MyServer> {
        let response = self
            .post("/api/v1/servers", &json!({ "name": name }))
            .await?;
        expect_json(response, StatusCode::CREATED).await
    }

    pub async fn invite_code(&self, server_id: uuid::Uuid) -> anyhow::Result<String> {
        let response = self
            .get(&format!("/api/v1/servers/{server_id}/invite"))
            .await?;
        let invite: Invite = expect_json(response, StatusCode::OK).await?;
        Ok(invite.code)
    }

    /// Joins through the server's invite code (read by `inviter`).
    pub async fn join_via(
        &self,
        inviter: &Client,
        server_id: uuid::Uuid,
    ) -> anyhow::Result<MyServer> {
        let code = inviter.invite_code(server_id).await?;
        let response = self
            .post(&format!("/api/v1/invites/{code}"), &json!({}))
            .await?;
        expect_json(response, StatusCode::CREATED).await
    }

    pub async fn set_role(
        &self,
        server_id: uuid::Uuid,
        user_id: uuid::Uuid,
        role: &str,
    ) -> anyhow::Result<Response> {
        self.patch(
            &format!("/api/v1/servers/{server_id}/members/{user_id}"),
            &json!({ "role": role }),
        )
        .await
    }

    /// Sends `content` with a fresh nonce and returns the stored message.
    pub async fn send_message(
        &self,
        channel_id: uuid::Uuid,
        content: &str,
    ) -> anyhow::Result<Message> {
        let body = json!({ "content": content, "nonce": uuid::Uuid::new_v4().to_string() });
        let response = self
            .post(&format!("/api/v1/channels/{channel_id}/messages"), &body)
            .await?;
        expect_json(response, StatusCode::CREATED).await
    }

    /// Asks for an upload slot for `size` bytes named `filename`.
    pub async fn upload_slot(
        &self,
        channel_id: uuid::Uuid,
        filename: &str,
        size: u64,
    ) -> anyhow::Result<UploadSlot> {
        let body = json!({ "filename": filename, "size": size });
        let response = self
            .post(&format!("/api/v1/channels/{channel_id}/attachments"), &body)
            .await?;
        expect_json(response, StatusCode::CREATED).await
    }

    /// Sends bytes to an upload slot; the raw answer.
    pub async fn put_bytes(&self, path: &str, bytes: Vec<u8>) -> anyhow::Result<Response> {
        Ok(self
            .request(Method::PUT, path)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes)
            .send()
            .await?)
    }

    /// Uploads `bytes` as `filename` to the channel (slot, then PUT) and returns what the server
    /// made of it.
    pub async fn upload(
        &self,
        channel_id: uuid::Uuid,
        filename: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<Attachment> {
        let slot = self
            .upload_slot(channel_id, filename, bytes.len() as u64)
            .await?;
        let response = self.put_bytes(&slot.upload_url, bytes).await?;
        expect_json(response, StatusCode::OK).await
    }

    /// Sends a message carrying the uploads `attachment_ids` (and `content`, which may be empty).
    pub async fn send_with_files(
        &self,
        channel_id: uuid::Uuid,
        content: &str,
        attachment_ids: &[uuid::Uuid],
    ) -> anyhow::Result<Response> {
        let body = json!({
            "content": content,
            "nonce": uuid::Uuid::new_v4().to_string(),
            "attachment_ids": attachment_ids,
        });
        self.post(&format!("/api/v1/channels/{channel_id}/messages"), &body)
            .await
    }

    /// Creates a token, confirming with [`PASSWORD`].
    pub async fn create_token(&self, name: &str) -> anyhow::Result<CreatedToken> {
        let body = json!({ "name": name, "current_password": PASSWORD });
        let response = self.post("/api/v1/users/@me/tokens", &body).await?;
        expect_json(response, StatusCode::CREATED).await
    }
}

/// The body of a response that must have `status`, read as `T`.
pub async fn expect_json<T: DeserializeOwned>(
    response: Response,
    status: StatusCode,
) -> anyhow::Result<T> {
    let actual = response.status();
    let text = response.text().await?;
    ensure!(actual == status, "expected {status}, got {actual}: {text}");
    serde_json::from_str(&text).with_context(|| format!("unexpected body: {text}"))
}

/// The error body of a response that must have `status`.
pub async fn expect_error(response: Response, status: StatusCode) -> anyhow::Result<ErrorBody> {
    expect_json(response, status).await
}

static NEXT_USER: AtomicU32 = AtomicU32::new(1);

/// A freshly registered, signed-in user with a unique name and [`PASSWORD`].
pub async fn a_user(app: &TestApp) -> anyhow::Result<(Client, User)> {
    let n = NEXT_USER.fetch_add(1, Ordering::Relaxed);
    let username = format!(
        "user{n}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..6]
    );
    let client = app.client();
    let response = client.register(&username, PASSWORD).await?;
    let user = expect_json(response, StatusCode::CREATED).await?;
    Ok((client, user))
}
