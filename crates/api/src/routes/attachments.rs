//! Attachments: ask for an upload slot in a channel, `PUT` the bytes to it, name it in a
//! message's `attachment_ids`; read a file (or its thumbnail) back; cancel an unsent upload.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use parley_shared::messages::{Attachment, CreateUploadRequest, UploadSlot};
use parley_shared::servers::ChannelKind;
use parley_shared::{ErrorBody, ErrorCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::access;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiPath, ValidJson};
use crate::media::attachments::{self as files, Variant};
use crate::state::AppState;
use crate::store::{attachments, channels};

/// Routes under `/channels`.
pub fn channel_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_upload))
}

/// Routes under `/attachments`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // The upload takes the raw body, which the JSON body limit does not apply to: it streams
        // to storage and counts its own bytes against the slot's size.
        .routes(routes!(upload, download, cancel_upload))
        .routes(routes!(thumbnail))
}

/// Ask for a place to upload a file to this channel. `PUT` the file's bytes to `upload_url`
/// (with the same credentials), then send a message naming `id` in `attachment_ids` within the
/// hour; an upload no message names by then is deleted. Rate limited per user.
#[utoipa::path(
    post, path = "/{channel_id}/attachments", tag = "attachments", operation_id = "create_upload",
    params(("channel_id" = Uuid, Path)),
    request_body = CreateUploadRequest,
    responses(
        (status = 201, body = UploadSlot),
        (status = 403, description = "Not a text channel", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, description = "Larger than this server accepts", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
async fn create_upload(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(channel_id): ApiPath<Uuid>,
    ValidJson(request): ValidJson<CreateUploadRequest>,
) -> AppResult<(StatusCode, Json<UploadSlot>)> {
    let (channel, _) = access::channel(&state, channel_id, caller.id()).await?;
    if matches!(
        channels::kind(&channel),
        ChannelKind::Audio | ChannelKind::Video
    ) {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "Files can only be sent to text channels.",
        ));
    }
    let max = state.config.upload_max_bytes;
    if request.size > max {
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("Files may be at most {}.", human_size(max)),
        )
        .with_field("size", format!("must be at most {max} bytes")));
    }
    state.limits.uploads.check(&caller.id()).await?;
    let slot = attachments::create_slot(
        &state.store,
        channel.id,
        caller.id(),
        request.filename.trim().to_owned(),
        request.size,
        request.content_type.unwrap_or_default(),
    )
    .await?;
    let expires_at = slot.created_at
        + chrono::Duration::from_std(state.config.upload_expiry)
            .unwrap_or(chrono::Duration::hours(1));
    Ok((
        StatusCode::CREATED,
        Json(UploadSlot {
            id: slot.id,
            upload_url: files::url(slot.id),
            expires_at,
        }),
    ))
}

fn human_size(bytes: u64) -> String {
    if bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// The bytes of a file, as the OpenAPI document describes them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[expect(
    dead_code,
    reason = "describes raw bodies for the OpenAPI document only"
)]
struct FileBytes(Vec<u8>);

/// The upload slot's file: exactly the announced number of bytes, in one request body (any
/// `Content-Type`; the server tells the type from the bytes). Only the uploader may send it,
/// once. Pictures (PNG, JPEG, GIF, WebP) come back with their size, a thumbnail and a
/// placeholder, and are stored without their metadata.
#[utoipa::path(
    put, path = "/{attachment_id}", tag = "attachments", operation_id = "upload_attachment",
    params(("attachment_id" = Uuid, Path)),
    request_body(content = FileBytes, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = Attachment),
        (status = 400, description = "The upload was interrupted", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Already uploaded", body = ErrorBody),
        (status = 413, description = "More bytes than announced", body = ErrorBody),
        (status = 415, description = "The bytes are not what the name or type says", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 503, description = "Every image decoder is busy; see Retry-After", body = ErrorBody),
    )
)]
async fn upload(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(attachment_id): ApiPath<Uuid>,
    body: Body,
) -> AppResult<Json<Attachment>> {
    let slot = attachments::by_id(&state.store, attachment_id)
        .await?
        .filter(|a| a.uploader_id == caller.id())
        .ok_or_else(AppError::not_found)?;
    // Still allowed in the channel (not kicked since asking for the slot).
    access::channel(&state, slot.channel_id, caller.id()).await?;
    let expired = slot.created_at
        + chrono::Duration::from_std(state.config.upload_expiry)
            .unwrap_or(chrono::Duration::hours(1))
        < Utc::now();
    if expired {
        return Err(AppError::not_found());
    }
    if slot.uploaded_at.is_some() || slot.message_id.is_some() {
        return Err(AppError::new(
            ErrorCode::AlreadyUploaded,
            "This upload already has its file; ask for a new upload slot to send another.",
        ));
    }
    let declared_type = Some(slot.content_type.clone()).filter(|t| !t.is_empty());
    let stored = files::receive(&state, slot, declared_type, body).await?;
    Ok(Json(attachments::to_dto(&stored)))
}

/// Cancel an upload that no message has claimed: it and its file are deleted. Attachments of
/// a sent message go with the message.
#[utoipa::path(
    delete, path = "/{attachment_id}", tag = "attachments", operation_id = "cancel_upload",
    params(("attachment_id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 403, description = "Already sent with a message", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn cancel_upload(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(attachment_id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    let slot = attachments::by_id(&state.store, attachment_id)
        .await?
        .filter(|a| a.uploader_id == caller.id())
        .ok_or_else(AppError::not_found)?;
    if slot.message_id.is_some() || !attachments::delete_unclaimed(&state.store, slot.id).await? {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "This file was sent with a message; delete the message instead.",
        ));
    }
    files::forget(&state.storage, slot.id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// An attachment the caller may read: one sent in a channel they can read, or their own
/// upload not sent yet. 404 for anyone else, as if it did not exist.
async fn readable(
    state: &AppState,
    caller: &CurrentUser,
    attachment_id: Uuid,
) -> AppResult<attachments::Model> {
    let attachment = attachments::by_id(&state.store, attachment_id)
        .await?
        .filter(|a| a.uploaded_at.is_some())
        .ok_or_else(AppError::not_found)?;
    if attachment.message_id.is_none() {
        if attachment.uploader_id != caller.id() {
            return Err(AppError::not_found());
        }
    } else {
        access::channel(state, attachment.channel_id, caller.id()).await?;
    }
    Ok(attachment)
}

/// The file. Pictures, video, audio and PDFs are served `inline`, everything else as a
/// download (`Content-Disposition: attachment`), never as a page: `Content-Security-Policy:
/// sandbox` and `X-Content-Type-Options: nosniff` on every answer, and pages, SVG and scripts go
/// out as `application/octet-stream`. Honours one `Range` (206). With S3 storage the answer is a
/// 307 to a presigned URL that works for a few minutes.
#[utoipa::path(
    get, path = "/{attachment_id}", tag = "attachments", operation_id = "download_attachment",
    params(
        ("attachment_id" = Uuid, Path),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023`"),
    ),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = FileBytes),
        (status = 206, description = "The range asked for", content_type = "application/octet-stream", body = FileBytes),
        (status = 307, description = "With S3 storage: the file's presigned URL in `Location`"),
        (status = 404, body = ErrorBody),
        (status = 416, description = "The range lies beyond the file", body = ErrorBody),
    )
)]
async fn download(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(attachment_id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let attachment = readable(&state, &caller, attachment_id).await?;
    files::serve(&state.storage, &attachment, Variant::Original, &headers).await
}

/// A picture's thumbnail: WebP, at most 400 px a side. 404 for files that are not pictures.
#[utoipa::path(
    get, path = "/{attachment_id}/thumbnail", tag = "attachments", operation_id = "attachment_thumbnail",
    params(("attachment_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/webp", body = FileBytes),
        (status = 307, description = "With S3 storage: the thumbnail's presigned URL in `Location`"),
        (status = 404, body = ErrorBody),
    )
)]
async fn thumbnail(
    State(state): State<AppState>,
    caller: CurrentUser,
    ApiPath(attachment_id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let attachment = readable(&state, &caller, attachment_id).await?;
    files::serve(&state.storage, &attachment, Variant::Thumbnail, &headers).await
}
