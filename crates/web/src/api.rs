//! The REST client. Speaks only the `shared` types; every failure becomes an [`ApiError`] with
//! the server's error body (or one made up for a network failure).

use gloo_net::http::{Request, RequestBuilder, Response};
use parley_shared::users::{
    ApiToken, ChangePasswordRequest, CreateTokenRequest, CreatedToken, LoginRequest,
    RegisterRequest, SessionInfo, UpdateMeRequest, User,
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
    /// The server could not be reached (or answered something unreadable). What the browser
    /// says ("TypeError: Failed to fetch") means nothing to people, so it is not shown.
    fn network(_detail: String) -> Self {
        Self {
            status: 0,
            body: ErrorBody::new(
                ErrorCode::Unavailable,
                "Cannot reach Parley — check your connection.",
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

/// Who is signed in, if anyone (never a 401, so a signed-out visit logs no failed request).
pub async fn session() -> Result<Option<User>, ApiError> {
    let info: SessionInfo = json(send(Request::get(&url("/auth/session")).build()).await?).await?;
    Ok(info.user)
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

/// Uploads a profile picture picked in a file input.
pub async fn upload_avatar(file: &web_sys::File) -> Result<User, ApiError> {
    let form = web_sys::FormData::new().map_err(|_| ApiError::network("no FormData".into()))?;
    form.append_with_blob("avatar", file)
        .map_err(|_| ApiError::network("cannot attach the file".into()))?;
    json(send(Request::put(&url("/users/@me/avatar")).body(form)).await?).await
}

pub async fn remove_avatar() -> Result<User, ApiError> {
    json(send(Request::delete(&url("/users/@me/avatar")).build()).await?).await
}

pub async fn tokens() -> Result<Vec<ApiToken>, ApiError> {
    json(send(Request::get(&url("/users/@me/tokens")).build()).await?).await
}

pub async fn create_token(request: &CreateTokenRequest) -> Result<CreatedToken, ApiError> {
    json(send(with_body(Request::post(&url("/users/@me/tokens")), request)).await?).await
}

pub async fn revoke_token(id: Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/users/@me/tokens/{id}"))).build())
        .await
        .map(drop)
}

// ---- servers, channels, members, invites ------------------------------------------------------

use parley_shared::events::ServerEvent;
use parley_shared::messages::{EditMessageRequest, Message, Page, SendMessageRequest};
use parley_shared::servers::{
    Ban, BanRequest, Channel, CreateChannelRequest, CreateServerRequest, Invite, InvitePreview,
    Member, MyServer, Role, Server, ServerPreview, UpdateChannelRequest, UpdateMemberRequest,
    UpdateServerRequest,
};
use uuid::Uuid;

pub async fn create_server(request: &CreateServerRequest) -> Result<MyServer, ApiError> {
    json(send(with_body(Request::post(&url("/servers")), request)).await?).await
}

pub async fn update_server(id: Uuid, request: &UpdateServerRequest) -> Result<Server, ApiError> {
    json(
        send(with_body(
            Request::patch(&url(&format!("/servers/{id}"))),
            request,
        ))
        .await?,
    )
    .await
}

pub async fn delete_server(id: Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/servers/{id}"))).build())
        .await
        .map(drop)
}

/// Uploads an icon picked in a file input.
pub async fn upload_icon(id: Uuid, file: &web_sys::File) -> Result<Server, ApiError> {
    let form = web_sys::FormData::new().map_err(|_| ApiError::network("no FormData".into()))?;
    form.append_with_blob("icon", file)
        .map_err(|_| ApiError::network("cannot attach the file".into()))?;
    json(send(Request::put(&url(&format!("/servers/{id}/icon"))).body(form)).await?).await
}

pub async fn discover(query: &str) -> Result<Vec<ServerPreview>, ApiError> {
    let q = String::from(js_sys::encode_uri_component(query));
    json(send(Request::get(&url(&format!("/servers/discover?q={q}"))).build()).await?).await
}

pub async fn join_discoverable(id: Uuid) -> Result<MyServer, ApiError> {
    json(send(Request::put(&url(&format!("/servers/{id}/members/@me"))).build()).await?).await
}

pub async fn leave_server(id: Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/servers/{id}/members/@me"))).build())
        .await
        .map(drop)
}

pub async fn invite(id: Uuid) -> Result<Invite, ApiError> {
    json(send(Request::get(&url(&format!("/servers/{id}/invite"))).build()).await?).await
}

pub async fn regenerate_invite(id: Uuid) -> Result<Invite, ApiError> {
    json(send(Request::post(&url(&format!("/servers/{id}/invite"))).build()).await?).await
}

pub async fn invite_preview(code: &str) -> Result<InvitePreview, ApiError> {
    let code = String::from(js_sys::encode_uri_component(code));
    json(send(Request::get(&url(&format!("/invites/{code}"))).build()).await?).await
}

pub async fn accept_invite(code: &str) -> Result<MyServer, ApiError> {
    let code = String::from(js_sys::encode_uri_component(code));
    json(send(Request::post(&url(&format!("/invites/{code}"))).build()).await?).await
}

pub async fn members(server_id: Uuid) -> Result<Vec<Member>, ApiError> {
    json(send(Request::get(&url(&format!("/servers/{server_id}/members"))).build()).await?).await
}

pub async fn set_role(server_id: Uuid, user_id: Uuid, role: Role) -> Result<Member, ApiError> {
    let path = url(&format!("/servers/{server_id}/members/{user_id}"));
    json(
        send(with_body(
            Request::patch(&path),
            &UpdateMemberRequest { role },
        ))
        .await?,
    )
    .await
}

pub async fn bans(server_id: Uuid) -> Result<Vec<Ban>, ApiError> {
    json(send(Request::get(&url(&format!("/servers/{server_id}/bans"))).build()).await?).await
}

pub async fn ban(server_id: Uuid, user_id: Uuid) -> Result<(), ApiError> {
    let path = url(&format!("/servers/{server_id}/bans/{user_id}"));
    send(with_body(Request::put(&path), &BanRequest::default()))
        .await
        .map(drop)
}

pub async fn unban(server_id: Uuid, user_id: Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/servers/{server_id}/bans/{user_id}"))).build())
        .await
        .map(drop)
}

pub async fn kick(server_id: Uuid, user_id: Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/servers/{server_id}/members/{user_id}"))).build())
        .await
        .map(drop)
}

pub async fn create_channel(
    server_id: Uuid,
    request: &CreateChannelRequest,
) -> Result<Channel, ApiError> {
    json(
        send(with_body(
            Request::post(&url(&format!("/servers/{server_id}/channels"))),
            request,
        ))
        .await?,
    )
    .await
}

pub async fn update_channel(id: Uuid, request: &UpdateChannelRequest) -> Result<Channel, ApiError> {
    json(
        send(with_body(
            Request::patch(&url(&format!("/channels/{id}"))),
            request,
        ))
        .await?,
    )
    .await
}

pub async fn delete_channel(id: Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/channels/{id}"))).build())
        .await
        .map(drop)
}

// ---- messages ---------------------------------------------------------------------------------

pub async fn messages(
    channel_id: Uuid,
    before: Option<&str>,
    limit: u32,
) -> Result<Page<Message>, ApiError> {
    let mut path = format!("/channels/{channel_id}/messages?limit={limit}");
    if let Some(cursor) = before {
        path.push_str(&format!("&before={cursor}"));
    }
    json(send(Request::get(&url(&path)).build()).await?).await
}

/// The page centred on a message, newest first.
pub async fn messages_around(
    channel_id: Uuid,
    message_id: Uuid,
    limit: u32,
) -> Result<Page<Message>, ApiError> {
    let path = format!("/channels/{channel_id}/messages?limit={limit}&around={message_id}");
    json(send(Request::get(&url(&path)).build()).await?).await
}

/// Messages newer than a cursor, oldest first.
pub async fn messages_after(
    channel_id: Uuid,
    after: &str,
    limit: u32,
) -> Result<Page<Message>, ApiError> {
    let path = format!("/channels/{channel_id}/messages?limit={limit}&after={after}");
    json(send(Request::get(&url(&path)).build()).await?).await
}

pub async fn events_after(channel_id: Uuid, after_seq: i64) -> Result<Page<ServerEvent>, ApiError> {
    let path = url(&format!(
        "/channels/{channel_id}/events?after_seq={after_seq}&limit=100"
    ));
    json(send(Request::get(&path).build()).await?).await
}

pub async fn send_message(
    channel_id: Uuid,
    request: &SendMessageRequest,
) -> Result<Message, ApiError> {
    json(
        send(with_body(
            Request::post(&url(&format!("/channels/{channel_id}/messages"))),
            request,
        ))
        .await?,
    )
    .await
}

pub async fn edit_message(
    channel_id: Uuid,
    id: Uuid,
    content: String,
) -> Result<Message, ApiError> {
    let path = url(&format!("/channels/{channel_id}/messages/{id}"));
    json(
        send(with_body(
            Request::patch(&path),
            &EditMessageRequest { content },
        ))
        .await?,
    )
    .await
}

pub async fn delete_message(channel_id: Uuid, id: Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/channels/{channel_id}/messages/{id}"))).build())
        .await
        .map(drop)
}

use parley_shared::reactions::EmojiCatalogue;

fn reaction_path(channel_id: Uuid, message_id: Uuid, emoji: &str) -> String {
    let emoji = String::from(js_sys::encode_uri_component(emoji));
    url(&format!(
        "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}"
    ))
}

/// Adds (or, with `add` false, takes back) your reaction.
pub async fn react(
    channel_id: Uuid,
    message_id: Uuid,
    emoji: &str,
    add: bool,
) -> Result<(), ApiError> {
    let path = format!("{}/@me", reaction_path(channel_id, message_id, emoji));
    let request = if add {
        Request::put(&path)
    } else {
        Request::delete(&path)
    };
    send(request.build()).await.map(drop)
}

/// Every emoji by group, fetched once per page load.
pub async fn emoji_catalogue() -> Result<std::rc::Rc<EmojiCatalogue>, ApiError> {
    thread_local! {
        static CATALOGUE: std::cell::RefCell<Option<std::rc::Rc<EmojiCatalogue>>> =
            const { std::cell::RefCell::new(None) };
    }
    if let Some(known) = CATALOGUE.with(|c| c.borrow().clone()) {
        return Ok(known);
    }
    let fetched: EmojiCatalogue = json(send(Request::get(&url("/emoji")).build()).await?).await?;
    let shared = std::rc::Rc::new(fetched);
    CATALOGUE.with(|c| *c.borrow_mut() = Some(shared.clone()));
    Ok(shared)
}

/// The channel's pinned messages, latest pinned first.
pub async fn pins(channel_id: Uuid) -> Result<Vec<Message>, ApiError> {
    json(send(Request::get(&url(&format!("/channels/{channel_id}/pins"))).build()).await?).await
}

/// Pins or unpins a message.
pub async fn set_pin(channel_id: Uuid, message_id: Uuid, pinned: bool) -> Result<(), ApiError> {
    let path = url(&format!("/channels/{channel_id}/pins/{message_id}"));
    let request = if pinned {
        Request::put(&path)
    } else {
        Request::delete(&path)
    };
    send(request.build()).await.map(drop)
}

/// The first people who reacted with `emoji`.
pub async fn reaction_users(
    channel_id: Uuid,
    message_id: Uuid,
    emoji: &str,
) -> Result<Page<PublicUser>, ApiError> {
    let path = format!("{}?limit=20", reaction_path(channel_id, message_id, emoji));
    json(send(Request::get(&path).build()).await?).await
}

// ---- attachments ------------------------------------------------------------------------------

use parley_shared::messages::{Attachment, CreateUploadRequest, UploadSlot};

pub async fn create_upload(
    channel_id: Uuid,
    request: &CreateUploadRequest,
) -> Result<UploadSlot, ApiError> {
    json(
        send(with_body(
            Request::post(&url(&format!("/channels/{channel_id}/attachments"))),
            request,
        ))
        .await?,
    )
    .await
}

pub async fn cancel_upload(id: Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/attachments/{id}"))).build())
        .await
        .map(drop)
}

/// A file's bytes on their way to an upload slot. fetch cannot report upload progress, so this
/// is an `XMLHttpRequest`, which can also be aborted.
pub struct FileTransfer {
    xhr: web_sys::XmlHttpRequest,
}

impl FileTransfer {
    /// Starts sending `file` to `upload_url`; `on_progress` hears the fraction sent (0 to 1).
    /// The future ends with what the server made of the file.
    pub fn start(
        upload_url: &str,
        file: &web_sys::File,
        on_progress: impl Fn(f64) + 'static,
    ) -> Result<(Self, impl Future<Output = Result<Attachment, ApiError>>), ApiError> {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let failed = |_| ApiError::network("XMLHttpRequest refused".into());
        let xhr = web_sys::XmlHttpRequest::new().map_err(failed)?;
        xhr.open("PUT", upload_url).map_err(failed)?;
        xhr.set_request_header("Content-Type", "application/octet-stream")
            .map_err(failed)?;
        let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
            move |event: web_sys::ProgressEvent| {
                if event.length_computable() && event.total() > 0.0 {
                    on_progress(event.loaded() / event.total());
                }
            },
        );
        xhr.upload()
            .map_err(failed)?
            .set_onprogress(Some(progress.as_ref().unchecked_ref()));
        let (done, finished) = futures::channel::oneshot::channel::<()>();
        let done = std::cell::RefCell::new(Some(done));
        let ended = Closure::<dyn FnMut()>::new(move || {
            if let Some(done) = done.borrow_mut().take() {
                let _ = done.send(());
            }
        });
        xhr.set_onloadend(Some(ended.as_ref().unchecked_ref()));
        xhr.send_with_opt_blob(Some(file)).map_err(failed)?;
        let watched = xhr.clone();
        let outcome = async move {
            let _ = finished.await;
            // The handlers live until the request has ended.
            drop((progress, ended));
            let status = watched.status().unwrap_or(0);
            let text = watched.response_text().ok().flatten().unwrap_or_default();
            if status == 0 {
                return Err(ApiError::network("the upload did not complete".into()));
            }
            if (200..300).contains(&status) {
                return serde_json::from_str(&text).map_err(|e| ApiError::network(e.to_string()));
            }
            let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| {
                ErrorBody::new(
                    ErrorCode::Internal,
                    format!("The server answered {status}."),
                )
            });
            Err(ApiError { status, body })
        };
        Ok((Self { xhr }, outcome))
    }

    pub fn abort(&self) {
        let _ = self.xhr.abort();
    }
}

// ---- conversations ----------------------------------------------------------------------------

use parley_shared::servers::CreateConversationRequest;
use parley_shared::users::User as PublicUser;

pub async fn open_conversation(request: &CreateConversationRequest) -> Result<Channel, ApiError> {
    json(
        send(with_body(
            Request::post(&url("/users/@me/channels")),
            request,
        ))
        .await?,
    )
    .await
}

pub async fn leave_conversation(id: Uuid) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/channels/{id}/recipients/@me"))).build())
        .await
        .map(drop)
}

pub async fn add_recipient(id: Uuid, user_id: Uuid) -> Result<(), ApiError> {
    send(Request::put(&url(&format!("/channels/{id}/recipients/{user_id}"))).build())
        .await
        .map(drop)
}

pub async fn search_users(query: &str) -> Result<Vec<PublicUser>, ApiError> {
    let q = String::from(js_sys::encode_uri_component(query));
    json(send(Request::get(&url(&format!("/users/search?q={q}"))).build()).await?).await
}
