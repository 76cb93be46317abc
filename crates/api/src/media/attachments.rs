//! Message attachments: receiving an upload's bytes (streamed to storage as they arrive, never
//! held whole), telling what they are from the bytes themselves, preparing pictures (metadata
//! stripped, thumbnail, placeholder), serving them so they cannot run script in Parley's origin,
//! and deleting them.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use object_store::path::Path as Key;
use parley_shared::ErrorCode;
use uuid::Uuid;

use super::images;
use super::storage::{Described, Storage};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::attachments::{self, Uploaded};

/// Where attachments are served from (the API's own prefix: every answer is access-checked).
pub const URL_PREFIX: &str = "/api/v1/attachments";
/// Bytes looked at to tell a file's type.
const SNIFF_BYTES: usize = 8 * 1024;
/// Parts of an upload in flight to storage at once.
const PARTS_IN_FLIGHT: usize = 2;

pub fn url(id: Uuid) -> String {
    format!("{URL_PREFIX}/{id}")
}

pub fn thumbnail_url(id: Uuid) -> String {
    format!("{URL_PREFIX}/{id}/thumbnail")
}

fn original_key(id: Uuid) -> Key {
    Key::from(format!("attachments/{id}/original"))
}

fn thumbnail_key(id: Uuid) -> Key {
    Key::from(format!("attachments/{id}/thumbnail"))
}

/// The media type of a file, from its first bytes. Files nothing recognises are
/// `application/octet-stream`, or `text/plain` when they read as UTF-8 text.
pub fn sniff(head: &[u8]) -> String {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &text[i..]);
    let lower: Vec<u8> = start
        .iter()
        .take(1024)
        .map(u8::to_ascii_lowercase)
        .collect();
    // SVG is XML that browsers run scripts in; infer calls it XML (or nothing).
    if lower.starts_with(b"<svg")
        || (lower.starts_with(b"<?xml") || lower.starts_with(b"<!doctype svg"))
            && lower.windows(4).any(|w| w == b"<svg")
    {
        return "image/svg+xml".into();
    }
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    // Pages infer does not catch (it looks for a few opening tags only).
    if [
        &b"<!doctype html"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<script",
        b"<iframe",
    ]
    .iter()
    .any(|tag| lower.starts_with(tag))
    {
        return "text/html".into();
    }
    // A multi-byte character may be cut at the end of what we looked at.
    let utf8 = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(err) => err.error_len().is_none() && head.len() - err.valid_up_to() < 4,
    };
    if utf8 && !head.contains(&0) {
        "text/plain; charset=utf-8".into()
    } else {
        "application/octet-stream".into()
    }
}

/// What a file's name or declared type says it is: `image`, `video`, `audio`, `pdf`, or
/// nothing in particular.
fn claimed_family(filename: &str, declared: Option<&str>) -> Option<&'static str> {
    let extension = filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    let by_name = match extension.as_str() {
        "png" | "jpg" | "jpeg" | "jfif" | "gif" | "webp" | "avif" | "bmp" | "heic" | "heif"
        | "tif" | "tiff" | "ico" => Some("image"),
        "mp4" | "m4v" | "mov" | "webm" | "mkv" | "avi" => Some("video"),
        "mp3" | "m4a" | "ogg" | "oga" | "opus" | "wav" | "flac" | "aac" => Some("audio"),
        "pdf" => Some("pdf"),
        _ => None,
    };
    by_name.or_else(|| {
        let declared = declared?.to_ascii_lowercase();
        if declared == "application/pdf" {
            Some("pdf")
        } else if declared.starts_with("image/") && !declared.starts_with("image/svg") {
            Some("image")
        } else if declared.starts_with("video/") {
            Some("video")
        } else if declared.starts_with("audio/") {
            Some("audio")
        } else {
            None
        }
    })
}

fn family(content_type: &str) -> Option<&'static str> {
    if content_type == "application/pdf" {
        Some("pdf")
    } else if content_type.starts_with("image/") && content_type != "image/svg+xml" {
        Some("image")
    } else if content_type.starts_with("video/") {
        Some("video")
    } else if content_type.starts_with("audio/") {
        Some("audio")
    } else {
        None
    }
}

/// Refuses bytes that are not what the name or declared type says (a page renamed `.png`).
fn check_claim(filename: &str, declared: Option<&str>, detected: &str) -> AppResult<()> {
    let Some(claimed) = claimed_family(filename, declared) else {
        return Ok(());
    };
    // Some containers hold either sound or pictures (an .ogg, an .mp4 of only sound).
    let close_enough = matches!(
        (claimed, family(detected)),
        ("audio", Some("video")) | ("video", Some("audio"))
    );
    if family(detected) == Some(claimed) || close_enough {
        return Ok(());
    }
    let what = match claimed {
        "pdf" => "a PDF",
        "image" => "an image",
        "video" => "a video",
        _ => "audio",
    };
    Err(AppError::new(
        ErrorCode::UnsupportedMediaType,
        format!("The file's contents are not {what}, as its name or type says."),
    )
    .with_field("file", format!("is {detected}, not {what}")))
}

/// Types shown in the page (`inline`); everything else is downloaded.
fn shown_inline(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png"
            | "image/jpeg"
            | "image/gif"
            | "image/webp"
            | "image/avif"
            | "video/mp4"
            | "video/webm"
            | "video/ogg"
            | "audio/mpeg"
            | "audio/ogg"
            | "audio/wav"
            | "audio/x-wav"
            | "audio/flac"
            | "audio/x-flac"
            | "audio/aac"
            | "audio/mp4"
            | "audio/m4a"
            | "audio/x-m4a"
            | "application/pdf"
    )
}

/// The type a file is served as. Kinds a browser would run (pages, SVG, XML, scripts) go out as
/// opaque bytes, and are downloaded anyway.
fn served_type(content_type: &str) -> &str {
    let active = content_type.starts_with("text/html")
        || content_type.starts_with("image/svg")
        || content_type.contains("xml")
        || content_type.contains("javascript");
    if active {
        "application/octet-stream"
    } else {
        content_type
    }
}

/// `inline` or `attachment`, with the name in both the plain and the UTF-8 form (RFC 6266).
fn disposition(content_type: &str, filename: &str) -> String {
    let kind = if shown_inline(content_type) {
        "inline"
    } else {
        "attachment"
    };
    let plain: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{kind}; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

fn described(content_type: &str, filename: &str) -> Described {
    Described {
        content_type: served_type(content_type).to_owned(),
        content_disposition: disposition(content_type, filename),
    }
}

fn interrupted() -> AppError {
    AppError::new(
        ErrorCode::MalformedRequest,
        "The upload was interrupted; send the file again.",
    )
}

fn too_large(declared: u64) -> AppError {
    AppError::new(
        ErrorCode::PayloadTooLarge,
        format!("The upload is larger than the {declared} bytes announced for it."),
    )
    .with_field("file", format!("must be exactly {declared} bytes"))
}

/// Receives an upload's bytes into storage, checks and prepares them, and records what they
/// are. The slot must be empty; on any failure nothing is left stored and the slot stays empty.
pub async fn receive(
    state: &AppState,
    slot: attachments::Model,
    declared_type: Option<String>,
    body: Body,
) -> AppResult<attachments::Model> {
    let declared = u64::try_from(slot.size).unwrap_or_default();
    let mut stream = body.into_data_stream();
    // Enough of the start to tell the type, before anything is stored.
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut ended = false;
    while head.len() < SNIFF_BYTES {
        match stream.next().await {
            Some(Ok(chunk)) => {
                if (head.len() + chunk.len()) as u64 > declared {
                    return Err(too_large(declared));
                }
                head.extend_from_slice(&chunk);
            }
            Some(Err(_)) => return Err(interrupted()),
            None => {
                ended = true;
                break;
            }
        }
    }
    let detected = sniff(&head);
    check_claim(&slot.filename, declared_type.as_deref(), &detected)?;

    let storage = &state.storage;
    let key = original_key(slot.id);
    let mut writer = storage
        .writer(&key, &described(&detected, &slot.filename))
        .await?;
    let mut received = head.len() as u64;
    writer.write(&head);
    drop(head);
    let mut failure = None;
    if !ended {
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else {
                failure = Some(interrupted());
                break;
            };
            received += chunk.len() as u64;
            if received > declared {
                failure = Some(too_large(declared));
                break;
            }
            // Bounded memory: at most a few parts wait for storage.
            if let Err(err) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                failure = Some(AppError::internal(err));
                break;
            }
            writer.write(&chunk);
        }
    }
    if failure.is_none() && received != declared {
        failure = Some(
            AppError::new(
                ErrorCode::ValidationFailed,
                format!("The upload sent {received} bytes, but {declared} were announced."),
            )
            .with_field("file", format!("must be exactly {declared} bytes")),
        );
    }
    if let Some(failure) = failure {
        if let Err(err) = writer.abort().await {
            tracing::warn!(error = %err, "could not abort a failed upload");
        }
        return Err(failure);
    }
    writer.finish().await.map_err(AppError::internal)?;

    let prepared = match prepare(state, &slot, &key, &detected, received).await {
        Ok(prepared) => prepared,
        Err(err) => {
            forget(storage, slot.id).await;
            return Err(err);
        }
    };
    match attachments::mark_uploaded(&state.store, slot.id, prepared).await? {
        Some(model) => Ok(model),
        None => {
            // Cancelled or swept while the bytes arrived.
            forget(storage, slot.id).await;
            Err(AppError::not_found())
        }
    }
}

/// Pictures are decoded (on the bounded pool), stored again without their metadata, and given
/// a thumbnail and a placeholder. Other files are recorded as they are.
async fn prepare(
    state: &AppState,
    slot: &attachments::Model,
    key: &Key,
    detected: &str,
    size: u64,
) -> AppResult<Uploaded> {
    let mut uploaded = Uploaded {
        size,
        content_type: detected.to_owned(),
        ..Uploaded::default()
    };
    let Some(format) = images::processable(detected) else {
        return Ok(uploaded);
    };
    let original = state.storage.read_all(key).await?;
    let picture = state
        .image_decoders
        .run(move || images::prepare(&original, format))
        .await??;
    if let Some(cleaned) = picture.cleaned {
        uploaded.size = cleaned.len() as u64;
        state
            .storage
            .put(key, cleaned, &described(detected, &slot.filename))
            .await?;
    }
    state
        .storage
        .put(
            &thumbnail_key(slot.id),
            picture.thumbnail,
            &described("image/webp", &slot.filename),
        )
        .await?;
    uploaded.width = Some(picture.width);
    uploaded.height = Some(picture.height);
    uploaded.has_thumbnail = true;
    uploaded.placeholder = Some(picture.placeholder);
    Ok(uploaded)
}

/// Deletes an attachment's files. A failure leaves stray files, not a broken message: log it.
pub async fn forget(storage: &Storage, id: Uuid) {
    for key in [original_key(id), thumbnail_key(id)] {
        if let Err(err) = storage.delete(&key).await {
            tracing::warn!(error = ?err, %id, "could not delete an attachment's file");
        }
    }
}

pub async fn forget_all(storage: &Storage, ids: impl IntoIterator<Item = Uuid>) {
    for id in ids {
        forget(storage, id).await;
    }
}

/// Which file of an attachment to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    Thumbnail,
}

/// Serves an attachment the caller may read: from S3 by a redirect to a short-lived presigned
/// URL, from disk with the headers that keep it from running script in our origin, and with
/// Range support (for seeking in video).
pub async fn serve(
    storage: &Storage,
    attachment: &attachments::Model,
    variant: Variant,
    request_headers: &HeaderMap,
) -> AppResult<Response> {
    let (key, content_type) = match variant {
        Variant::Original => (
            original_key(attachment.id),
            attachment.content_type.as_str(),
        ),
        Variant::Thumbnail if attachment.has_thumbnail => {
            (thumbnail_key(attachment.id), "image/webp")
        }
        Variant::Thumbnail => return Err(AppError::not_found()),
    };
    if let Some(url) = storage.presigned(&key).await? {
        let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::LOCATION,
            HeaderValue::from_str(&url).map_err(AppError::internal)?,
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    let size = storage.size(&key).await?;
    let range = match request_headers.get(header::RANGE) {
        Some(value) => match parse_range(value.to_str().unwrap_or_default(), size) {
            RangeRequest::Satisfiable(range) => Some(range),
            RangeRequest::Ignored => None,
            RangeRequest::Unsatisfiable => {
                let mut response = AppError::new(
                    ErrorCode::RangeNotSatisfiable,
                    format!("The file has {size} bytes; the range asked for lies beyond them."),
                )
                .into_response();
                response.headers_mut().insert(
                    header::CONTENT_RANGE,
                    HeaderValue::from_str(&format!("bytes */{size}"))
                        .map_err(AppError::internal)?,
                );
                return Ok(response);
            }
        },
        None => None,
    };
    let result = storage.read(&key, range.clone()).await?;
    let body = Body::from_stream(result.into_stream());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let described = described(content_type, &attachment.filename);
    let value = |text: &str| HeaderValue::from_str(text).map_err(AppError::internal);
    headers.insert(header::CONTENT_TYPE, value(&described.content_type)?);
    headers.insert(
        header::CONTENT_DISPOSITION,
        value(&described.content_disposition)?,
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Even opened directly, a file is a sandboxed document: no script, no same-origin access.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    // Readable only by the channel's readers: caches shared between people must not keep it.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    match range {
        Some(range) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_RANGE,
                value(&format!("bytes {}-{}/{size}", range.start, range.end - 1))?,
            );
            headers.insert(
                header::CONTENT_LENGTH,
                HeaderValue::from(range.end - range.start),
            );
        }
        None => {
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        }
    }
    Ok(response)
}

#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    Satisfiable(std::ops::Range<u64>),
    /// Not a single byte range we understand (several ranges, other units): the whole file.
    Ignored,
    Unsatisfiable,
}

/// One `bytes=` range, as RFC 9110 reads it: `a-b`, `a-` or `-n` (the last n bytes).
fn parse_range(value: &str, size: u64) -> RangeRequest {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeRequest::Ignored;
    };
    if spec.contains(',') {
        return RangeRequest::Ignored;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return RangeRequest::Ignored;
    };
    let (start, end) = (start.trim(), end.trim());
    let parsed = |text: &str| text.parse::<u64>().ok();
    let range = match (start.is_empty(), end.is_empty()) {
        (true, false) => match parsed(end) {
            Some(0) => return RangeRequest::Unsatisfiable,
            Some(n) => size.saturating_sub(n)..size,
            None => return RangeRequest::Ignored,
        },
        (false, _) => {
            let Some(first) = parsed(start) else {
                return RangeRequest::Ignored;
            };
            let last = if end.is_empty() {
                size.saturating_sub(1)
            } else {
                match parsed(end) {
                    Some(last) if last >= first => last.min(size.saturating_sub(1)),
                    _ => return RangeRequest::Ignored,
                }
            };
            if first >= size {
                return RangeRequest::Unsatisfiable;
            }
            first..last + 1
        }
        (true, true) => return RangeRequest::Ignored,
    };
    if range.is_empty() {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Satisfiable(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff(b"  <!DOCTYPE html><p>hi"), "text/html");
        assert_eq!(
            sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "image/svg+xml"
        );
        assert_eq!(
            sniff("plain words, é".as_bytes()),
            "text/plain; charset=utf-8"
        );
        assert_eq!(sniff(&[0, 1, 2, 3, 255]), "application/octet-stream");
    }

    #[test]
    fn a_page_named_like_a_picture_is_refused() {
        let refused = check_claim("cat.png", None, "text/html").unwrap_err();
        assert_eq!(refused.code(), ErrorCode::UnsupportedMediaType);
        assert!(check_claim("page.html", Some("image/png"), "text/html").is_err());
        assert!(check_claim("cat.png", None, "image/png").is_ok());
        assert!(check_claim("notes.txt", None, "text/plain; charset=utf-8").is_ok());
        assert!(check_claim("song.ogg", None, "video/ogg").is_ok());
    }

    #[test]
    fn only_harmless_kinds_are_shown_inline() {
        assert!(disposition("image/png", "a.png").starts_with("inline;"));
        assert!(disposition("application/pdf", "a.pdf").starts_with("inline;"));
        assert!(disposition("text/html", "a.html").starts_with("attachment;"));
        assert!(disposition("image/svg+xml", "a.svg").starts_with("attachment;"));
        assert_eq!(served_type("image/svg+xml"), "application/octet-stream");
        assert_eq!(served_type("text/html"), "application/octet-stream");
        assert_eq!(
            disposition("application/zip", "naïve \"x\".zip"),
            "attachment; filename=\"na_ve _x_.zip\"; filename*=UTF-8''na%C3%AFve%20%22x%22.zip"
        );
    }

    #[test]
    fn ranges_are_read_as_http_says() {
        use RangeRequest::*;
        assert_eq!(parse_range("bytes=0-99", 1000), Satisfiable(0..100));
        assert_eq!(parse_range("bytes=900-", 1000), Satisfiable(900..1000));
        assert_eq!(parse_range("bytes=-100", 1000), Satisfiable(900..1000));
        assert_eq!(parse_range("bytes=990-5000", 1000), Satisfiable(990..1000));
        assert_eq!(parse_range("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), Ignored);
        assert_eq!(parse_range("items=0-1", 1000), Ignored);
    }
}
