use std::io::{BufRead, BufReader, Cursor};
use std::time::Duration;

use parley_shared::ErrorCode;
use parley_shared::events::{ClientEvent, ServerEvent};
use parley_shared::messages::{Attachment, Message, Page};
use parley_tests::client::{PASSWORD, expect_error, expect_json};
use parley_tests::gateway::Gateway;
use parley_tests::{Client, FileStore, TestApp, a_user};
use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, HeaderMap, RANGE,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Deterministic bytes no format recognises.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut bytes = Vec::with_capacity(len);
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(len);
    // Not a zip, a PNG...: nothing starts with zero bytes like this.
    bytes[..4].copy_from_slice(&[0, 0, 0, 0]);
    bytes
}

/// Alice's server with Bob in it; Carol is in none of it.
async fn three_people(app: &TestApp) -> anyhow::Result<(Client, Client, Client, Uuid)> {
    let (alice, _) = a_user(app).await?;
    let (bob, _) = a_user(app).await?;
    let (carol, _) = a_user(app).await?;
    let server = alice.create_server("Files").await?;
    bob.join_via(&alice, server.server.id).await?;
    Ok((alice, bob, carol, server.channels[0].id))
}

async fn sent(response: reqwest::Response) -> anyhow::Result<Message> {
    expect_json(response, StatusCode::CREATED).await
}

fn header(headers: &HeaderMap, name: impl reqwest::header::AsHeaderName) -> &str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_file_sent_with_a_message_comes_back_byte_identical_to_the_channel() -> anyhow::Result<()>
{
    for files in FileStore::all() {
        a_file_sent_with_a_message_comes_back_byte_identical_to_the_channel_on(files).await?;
    }
    Ok(())
}

async fn a_file_sent_with_a_message_comes_back_byte_identical_to_the_channel_on(
    files: FileStore,
) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |_| {}).await?;
    let (alice, bob, _, channel) = three_people(&app).await?;
    let bytes = noise(300_000, 7);
    let uploaded = alice.upload(channel, "data.bin", bytes.clone()).await?;
    assert_eq!(uploaded.size, 300_000);
    assert_eq!(uploaded.content_type, "application/octet-stream");
    let message = sent(alice.send_with_files(channel, "", &[uploaded.id]).await?).await?;
    assert_eq!(message.content, "");
    assert_eq!(message.attachments, vec![uploaded.clone()]);

    let history: Page<Message> = expect_json(
        bob.get(&format!("/api/v1/channels/{channel}/messages"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(history.items[0].attachments, vec![uploaded.clone()]);
    let response = bob.get(&uploaded.url).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(response.bytes().await?.as_ref(), bytes.as_slice());
    assert_eq!(header(&headers, CONTENT_TYPE), "application/octet-stream");
    assert_eq!(
        header(&headers, CONTENT_DISPOSITION),
        "attachment; filename=\"data.bin\"; filename*=UTF-8''data.bin"
    );
    if app.files() == &FileStore::Disk {
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert_eq!(header(&headers, "content-security-policy"), "sandbox");
    } else {
        // Parley checks access, then sends the reader to a presigned URL on the bucket.
        let answer = bob.not_following_redirects().get(&uploaded.url).await?;
        assert_eq!(answer.status(), StatusCode::TEMPORARY_REDIRECT);
        let location = header(answer.headers(), "location");
        assert!(location.contains("X-Amz-Signature="), "{location}");
        assert!(location.contains(&uploaded.id.to_string()));
    }
    Ok(())
}

#[tokio::test]
async fn pdfs_are_shown_inline_and_pages_are_only_ever_downloaded() -> anyhow::Result<()> {
    for files in FileStore::all() {
        pdfs_are_shown_inline_and_pages_are_only_ever_downloaded_on(files).await?;
    }
    Ok(())
}

async fn pdfs_are_shown_inline_and_pages_are_only_ever_downloaded_on(
    files: FileStore,
) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |_| {}).await?;
    let (alice, bob, _, channel) = three_people(&app).await?;
    let pdf = alice.upload(channel, "report.pdf", PDF.to_vec()).await?;
    assert_eq!(pdf.content_type, "application/pdf");
    let page = b"<!DOCTYPE html><script>alert(document.cookie)</script>".to_vec();
    let html = alice.upload(channel, "page.html", page.clone()).await?;
    assert_eq!(html.content_type, "text/html");
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let svg = alice.upload(channel, "logo.svg", svg).await?;
    assert_eq!(svg.content_type, "image/svg+xml");
    assert!(svg.thumbnail_url.is_none());
    sent(
        alice
            .send_with_files(channel, "three files", &[pdf.id, html.id, svg.id])
            .await?,
    )
    .await?;

    let response = bob.get(&pdf.url).await?;
    let headers = response.headers();
    assert_eq!(header(headers, CONTENT_TYPE), "application/pdf");
    assert!(header(headers, CONTENT_DISPOSITION).starts_with("inline; filename=\"report.pdf\""));
    let on_disk = app.files() == &FileStore::Disk;
    if on_disk {
        assert_eq!(header(headers, "content-security-policy"), "sandbox");
    }
    for file in [&html, &svg] {
        let response = bob.get(&file.url).await?;
        let headers = response.headers();
        assert_eq!(header(headers, CONTENT_TYPE), "application/octet-stream");
        assert!(header(headers, CONTENT_DISPOSITION).starts_with("attachment;"));
        if on_disk {
            assert_eq!(header(headers, "content-security-policy"), "sandbox");
            assert_eq!(header(headers, "x-content-type-options"), "nosniff");
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_page_renamed_png_is_refused_and_nothing_is_kept() -> anyhow::Result<()> {
    for files in FileStore::all() {
        a_page_renamed_png_is_refused_and_nothing_is_kept_on(files).await?;
    }
    Ok(())
}

async fn a_page_renamed_png_is_refused_and_nothing_is_kept_on(
    files: FileStore,
) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |_| {}).await?;
    let (alice, _, _, channel) = three_people(&app).await?;
    let page = b"<html><body><script>fetch('/api/v1/users/@me')</script></body></html>".to_vec();
    let slot = alice
        .upload_slot(channel, "cute-cat.png", page.len() as u64)
        .await?;
    let refused = expect_error(
        alice.put_bytes(&slot.upload_url, page).await?,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await?;
    assert_eq!(refused.error, ErrorCode::UnsupportedMediaType);
    assert!(refused.fields["file"][0].contains("text/html"));
    // Declared as a picture by type rather than by name: the same.
    let body = json!({"filename": "upload", "size": 5, "content_type": "image/jpeg"});
    let slot: parley_shared::messages::UploadSlot = expect_json(
        alice
            .post(&format!("/api/v1/channels/{channel}/attachments"), &body)
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    let response = alice.put_bytes(&slot.upload_url, b"hello".to_vec()).await?;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The refused upload cannot be sent.
    let refused = expect_error(
        alice.send_with_files(channel, "", &[slot.id]).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(refused.fields.contains_key("attachment_ids"));
    assert!(
        !app.stored(&format!("attachments/{}/original", slot.id))
            .await?
    );
    Ok(())
}

#[tokio::test]
async fn people_outside_the_channel_get_404_for_its_files() -> anyhow::Result<()> {
    for files in FileStore::all() {
        people_outside_the_channel_get_404_for_its_files_on(files).await?;
    }
    Ok(())
}

async fn people_outside_the_channel_get_404_for_its_files_on(
    files: FileStore,
) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |_| {}).await?;
    let (alice, bob, carol, channel) = three_people(&app).await?;
    let file = alice
        .upload(channel, "notes.txt", b"secret plans".to_vec())
        .await?;
    assert_eq!(file.content_type, "text/plain; charset=utf-8");
    // Not sent yet: only its uploader sees it.
    assert_eq!(alice.get(&file.url).await?.status(), StatusCode::OK);
    assert_eq!(bob.get(&file.url).await?.status(), StatusCode::NOT_FOUND);
    sent(alice.send_with_files(channel, "plans", &[file.id]).await?).await?;
    assert_eq!(bob.get(&file.url).await?.status(), StatusCode::OK);
    let outsider = expect_error(carol.get(&file.url).await?, StatusCode::NOT_FOUND).await?;
    assert_eq!(outsider.error, ErrorCode::NotFound);
    assert_eq!(
        app.client().get(&file.url).await?.status(),
        StatusCode::UNAUTHORIZED
    );
    // Nobody else can send Alice's upload, nor Alice a file of another channel.
    let other = alice.create_server("Elsewhere").await?;
    let second = alice.upload(channel, "more.txt", b"more".to_vec()).await?;
    let refused = alice
        .send_with_files(other.channels[0].id, "", &[second.id])
        .await?;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = bob.send_with_files(channel, "", &[second.id]).await?;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Nor can an upload be sent twice.
    let refused = alice.send_with_files(channel, "", &[file.id]).await?;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}

#[tokio::test]
async fn ranges_are_served_for_seeking() -> anyhow::Result<()> {
    for files in FileStore::all() {
        ranges_are_served_for_seeking_on(files).await?;
    }
    Ok(())
}

async fn ranges_are_served_for_seeking_on(files: FileStore) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |_| {}).await?;
    let (alice, bob, _, channel) = three_people(&app).await?;
    let bytes = noise(10_000, 3);
    let file = alice.upload(channel, "clip.bin", bytes.clone()).await?;
    sent(alice.send_with_files(channel, "", &[file.id]).await?).await?;

    let whole = bob.get(&file.url).await?;
    assert_eq!(header(whole.headers(), "accept-ranges"), "bytes");
    let part = bob
        .request(reqwest::Method::GET, &file.url)
        .header(RANGE, "bytes=1000-1999")
        .send()
        .await?;
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        header(part.headers(), CONTENT_RANGE),
        "bytes 1000-1999/10000"
    );
    assert_eq!(header(part.headers(), CONTENT_LENGTH), "1000");
    assert_eq!(part.bytes().await?.as_ref(), &bytes[1000..2000]);
    let tail = bob
        .request(reqwest::Method::GET, &file.url)
        .header(RANGE, "bytes=-10")
        .send()
        .await?;
    assert_eq!(tail.bytes().await?.as_ref(), &bytes[9990..]);
    let beyond = bob
        .request(reqwest::Method::GET, &file.url)
        .header(RANGE, "bytes=10000-")
        .send()
        .await?;
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    if app.files() == &FileStore::Disk {
        assert_eq!(header(beyond.headers(), CONTENT_RANGE), "bytes */10000");
    }
    Ok(())
}

#[tokio::test]
async fn deleting_a_message_deletes_its_files() -> anyhow::Result<()> {
    for files in FileStore::all() {
        deleting_a_message_deletes_its_files_on(files).await?;
    }
    Ok(())
}

async fn deleting_a_message_deletes_its_files_on(files: FileStore) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |_| {}).await?;
    let (alice, bob, _, channel) = three_people(&app).await?;
    let file = alice.upload(channel, "a.pdf", PDF.to_vec()).await?;
    let message = sent(
        alice
            .send_with_files(channel, "gone soon", &[file.id])
            .await?,
    )
    .await?;
    let stored = format!("attachments/{}/original", file.id);
    assert!(app.stored(&stored).await?);
    let response = alice
        .delete(&format!(
            "/api/v1/channels/{channel}/messages/{}",
            message.id
        ))
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(bob.get(&file.url).await?.status(), StatusCode::NOT_FOUND);
    assert_eq!(alice.get(&file.url).await?.status(), StatusCode::NOT_FOUND);
    assert!(!app.stored(&stored).await?);
    let history: Page<Message> = expect_json(
        bob.get(&format!("/api/v1/channels/{channel}/messages"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert!(history.items[0].deleted && history.items[0].attachments.is_empty());
    Ok(())
}

#[tokio::test]
async fn deleting_a_server_deletes_its_files() -> anyhow::Result<()> {
    for files in FileStore::all() {
        deleting_a_server_deletes_its_files_on(files).await?;
    }
    Ok(())
}

async fn deleting_a_server_deletes_its_files_on(files: FileStore) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |_| {}).await?;
    let (alice, _, _, channel) = three_people(&app).await?;
    let file = alice.upload(channel, "a.pdf", PDF.to_vec()).await?;
    sent(alice.send_with_files(channel, "", &[file.id]).await?).await?;
    let stored = format!("attachments/{}/original", file.id);
    assert!(app.stored(&stored).await?);
    let servers: Vec<parley_shared::servers::MyServer> =
        expect_json(alice.get("/api/v1/servers").await?, StatusCode::OK).await?;
    let response = alice
        .delete(&format!("/api/v1/servers/{}", servers[0].server.id))
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(!app.stored(&stored).await?);
    Ok(())
}

#[tokio::test]
async fn sizes_are_held_to_the_limit_and_to_what_was_announced() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.upload_max_bytes = 1024 * 1024).await?;
    let (alice, _, _, channel) = three_people(&app).await?;
    let body = json!({"filename": "big.bin", "size": 1024 * 1024 + 1});
    let refused = expect_error(
        alice
            .post(&format!("/api/v1/channels/{channel}/attachments"), &body)
            .await?,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await?;
    assert_eq!(refused.message, "Files may be at most 1 MiB.");
    // More bytes than announced: 413, and the slot stays usable.
    let slot = alice.upload_slot(channel, "a.bin", 1000).await?;
    let response = alice.put_bytes(&slot.upload_url, noise(20_000, 1)).await?;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Fewer: 422.
    let response = alice.put_bytes(&slot.upload_url, noise(999, 1)).await?;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stored: Attachment = expect_json(
        alice.put_bytes(&slot.upload_url, noise(1000, 1)).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(stored.size, 1000);
    // Once only.
    let again = expect_error(
        alice.put_bytes(&slot.upload_url, noise(1000, 1)).await?,
        StatusCode::CONFLICT,
    )
    .await?;
    assert_eq!(again.error, ErrorCode::AlreadyUploaded);
    // Ten files at most, and a message needs text or a file.
    let ids: Vec<Uuid> = (0..11).map(|_| Uuid::now_v7()).collect();
    let refused = expect_error(
        alice.send_with_files(channel, "", &ids).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(refused.fields.contains_key("attachment_ids"));
    let refused = expect_error(
        alice.send_with_files(channel, "  ", &[]).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(refused.fields.contains_key("content"));
    Ok(())
}

#[tokio::test]
async fn uploads_are_rate_limited_per_user() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.uploads_per_hour = 2).await?;
    let (alice, bob, _, channel) = three_people(&app).await?;
    alice.upload_slot(channel, "1.txt", 1).await?;
    alice.upload_slot(channel, "2.txt", 1).await?;
    let body = json!({"filename": "3.txt", "size": 1});
    let path = format!("/api/v1/channels/{channel}/attachments");
    let response = alice.post(&path, &body).await?;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(bob.post(&path, &body).await?.status(), StatusCode::CREATED);
    Ok(())
}

#[tokio::test]
async fn uploads_no_message_claims_are_deleted_after_the_expiry() -> anyhow::Result<()> {
    for files in FileStore::all() {
        uploads_no_message_claims_are_deleted_after_the_expiry_on(files).await?;
    }
    Ok(())
}

async fn uploads_no_message_claims_are_deleted_after_the_expiry_on(
    files: FileStore,
) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |c| c.upload_expiry = Duration::from_secs(1)).await?;
    let (alice, _, _, channel) = three_people(&app).await?;
    let file = alice.upload(channel, "late.pdf", PDF.to_vec()).await?;
    let stored = format!("attachments/{}/original", file.id);
    assert!(app.stored(&stored).await?);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!app.stored(&stored).await?, "the sweep deletes the file");
    assert_eq!(alice.get(&file.url).await?.status(), StatusCode::NOT_FOUND);
    let refused = alice.send_with_files(channel, "", &[file.id]).await?;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}

#[tokio::test]
async fn a_cancelled_upload_is_gone() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, bob, _, channel) = three_people(&app).await?;
    let file = alice.upload(channel, "oops.pdf", PDF.to_vec()).await?;
    assert_eq!(bob.delete(&file.url).await?.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        alice.delete(&file.url).await?.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(alice.get(&file.url).await?.status(), StatusCode::NOT_FOUND);
    let sent_file = alice.upload(channel, "kept.pdf", PDF.to_vec()).await?;
    sent(alice.send_with_files(channel, "", &[sent_file.id]).await?).await?;
    assert_eq!(
        alice.delete(&sent_file.url).await?.status(),
        StatusCode::FORBIDDEN
    );
    Ok(())
}

#[tokio::test]
async fn files_sent_over_the_gateway_arrive_with_the_message_event() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, bob, _, channel_id) = three_people(&app).await?;
    let mut listener = Gateway::connect(&bob).await?;
    let mut socket = Gateway::connect(&alice).await?;
    let file = alice.upload(channel_id, "a.pdf", PDF.to_vec()).await?;
    socket
        .send(&ClientEvent::SendMessage {
            channel_id,
            content: String::new(),
            nonce: "with-a-file".into(),
            attachment_ids: vec![file.id],
            reply_to: None,
        })
        .await?;
    let ack = socket
        .wait_for(Duration::from_secs(5), |e| {
            matches!(e, ServerEvent::Ack { .. })
        })
        .await?;
    let ServerEvent::Ack { message, .. } = ack else {
        anyhow::bail!("expected an ack");
    };
    assert_eq!(message.attachments, vec![file.clone()]);
    let created = listener
        .wait_for(Duration::from_secs(5), |e| {
            matches!(e, ServerEvent::MessageCreate { .. })
        })
        .await?;
    let ServerEvent::MessageCreate { message, .. } = created else {
        anyhow::bail!("expected message_create");
    };
    assert_eq!(message.attachments, vec![file]);
    Ok(())
}

/// A JPEG carrying an EXIF block (orientation "turn right", and a GPS position).
fn photo_with_exif(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut image = image::RgbImage::new(width, height);
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        *pixel = image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]);
    }
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)?;
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(b"\x00\x01"); // one entry
    tiff.extend_from_slice(b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00"); // orientation 6
    tiff.extend_from_slice(b"\x00\x00\x00\x00");
    tiff.extend_from_slice(b"GPSLatitude 48.858370 N GPSLongitude 2.294481 E");
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let length = u16::try_from(app1.len() + 2)?;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    Ok(out)
}

#[tokio::test]
async fn pictures_get_their_size_a_thumbnail_and_a_placeholder_and_lose_their_exif()
-> anyhow::Result<()> {
    for files in FileStore::all() {
        pictures_get_their_size_a_thumbnail_and_a_placeholder_and_lose_their_exif_on(files).await?;
    }
    Ok(())
}

async fn pictures_get_their_size_a_thumbnail_and_a_placeholder_and_lose_their_exif_on(
    files: FileStore,
) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |_| {}).await?;
    let (alice, bob, _, channel) = three_people(&app).await?;
    let photo = photo_with_exif(1200, 800)?;
    assert!(photo.windows(11).any(|w| w == b"GPSLatitude"));
    let file = alice.upload(channel, "paris.jpg", photo).await?;
    assert_eq!(file.content_type, "image/jpeg");
    // Orientation 6 turns the picture upright: it is taller than wide.
    assert_eq!((file.width, file.height), (Some(800), Some(1200)));
    assert!(
        file.placeholder
            .as_deref()
            .is_some_and(|p| p.starts_with("data:image/png;base64,"))
    );
    sent(alice.send_with_files(channel, "", &[file.id]).await?).await?;

    let response = bob.get(&file.url).await?;
    assert!(header(response.headers(), CONTENT_DISPOSITION).starts_with("inline;"));
    let stored = response.bytes().await?;
    assert_eq!(stored.len() as u64, file.size);
    assert!(!stored.windows(11).any(|w| w == b"GPSLatitude"), "GPS gone");
    assert!(!stored.windows(4).any(|w| w == b"Exif"), "EXIF gone");
    let decoded = image::load_from_memory(&stored)?;
    assert_eq!((decoded.width(), decoded.height()), (800, 1200));

    let thumbnail_url = file.thumbnail_url.clone().unwrap_or_default();
    let response = bob.get(&thumbnail_url).await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(response.headers(), CONTENT_TYPE), "image/webp");
    let thumbnail = image::load_from_memory(&response.bytes().await?)?;
    assert_eq!(thumbnail.height(), 400);
    assert!((266..=267).contains(&thumbnail.width()));
    Ok(())
}

#[tokio::test]
async fn a_picture_declaring_absurd_dimensions_is_refused_without_decoding() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _, _, channel) = three_people(&app).await?;
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(1, 1)
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)?;
    png[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let slot = alice
        .upload_slot(channel, "bomb.png", png.len() as u64)
        .await?;
    let refused = expect_error(
        alice.put_bytes(&slot.upload_url, png).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(refused.fields["file"][0].contains("60000"));
    Ok(())
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The server in its own process, stopped (stdin closed, then killed) when dropped.
struct ServerProcess {
    child: std::process::Child,
    port: u16,
}

impl ServerProcess {
    fn start(data_dir: &std::path::Path) -> anyhow::Result<Self> {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_test_server"))
            .env_clear()
            .env("PARLEY_DATA_DIR", data_dir)
            .env("PARLEY_WEB_DIR", data_dir.join("web"))
            .env("PARLEY_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("unexpected first line: {line}"))?;
        Ok(Self { child, port })
    }

    /// A figure from /proc/<pid>/status, in KiB.
    fn status_kib(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no {field} in /proc status"))
    }

    /// Starts counting the peak resident memory afresh.
    fn reset_peak(&self) -> anyhow::Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5")?;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_20_mib_file_streams_through_the_server_without_being_held_in_memory()
-> anyhow::Result<()> {
    const SIZE: usize = 20 * 1024 * 1024;
    let data_dir = tempfile::tempdir()?;
    let server = ServerProcess::start(data_dir.path())?;
    let alice = Client::new(format!("http://127.0.0.1:{}", server.port));
    let username = format!("big_{}", &Uuid::new_v4().simple().to_string()[..8]);
    assert_eq!(
        alice.register(&username, PASSWORD).await?.status(),
        StatusCode::CREATED
    );
    let channel = alice.create_server("Big files").await?.channels[0].id;
    let bytes = noise(SIZE, 20);
    let digest = Sha256::digest(&bytes);

    // Warm up (first connections, first queries), then measure the peak from here on.
    alice.upload(channel, "small.bin", noise(1000, 2)).await?;
    let resident = server.status_kib("VmRSS:")?;
    server.reset_peak()?;
    let file = alice.upload(channel, "big.bin", bytes).await?;
    assert_eq!(file.size, SIZE as u64);
    let response = alice.get(&file.url).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let mut hasher = Sha256::new();
    let mut received = 0;
    let mut stream = response.bytes_stream();
    use futures_util::StreamExt;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        received += chunk.len();
        hasher.update(&chunk);
    }
    assert_eq!(received, SIZE);
    assert_eq!(hasher.finalize(), digest, "byte-identical");
    let peak = server.status_kib("VmHWM:")?;
    let grew_mib = peak.saturating_sub(resident) as f64 / 1024.0;
    assert!(
        grew_mib < 8.0,
        "the server's memory grew by {grew_mib:.1} MiB while a 20 MiB file went through it"
    );
    Ok(())
}

/// The redirect's URL is presigned for `PARLEY_S3_URL_EXPIRY_SECS` from now. (moto serves
/// presigned URLs without checking their signature or age, so the refusal of an old one cannot
/// be seen here; what Parley controls, the lifetime it signs into the URL, is checked.)
#[tokio::test]
async fn s3_downloads_redirect_to_short_lived_presigned_urls() -> anyhow::Result<()> {
    let Some(files) = FileStore::s3() else {
        return Ok(());
    };
    let app = TestApp::spawn_storing(files, |c| {
        if let parley_api::config::StorageConfig::S3(s3) = &mut c.storage {
            s3.url_expiry = Duration::from_secs(42);
        }
    })
    .await?;
    let (alice, bob, carol, channel) = three_people(&app).await?;
    let file = alice.upload(channel, "a.pdf", PDF.to_vec()).await?;
    sent(alice.send_with_files(channel, "", &[file.id]).await?).await?;
    // Outsiders are not even redirected.
    let outsider = carol.not_following_redirects().get(&file.url).await?;
    assert_eq!(outsider.status(), StatusCode::NOT_FOUND);
    let answer = bob.not_following_redirects().get(&file.url).await?;
    assert_eq!(answer.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(header(answer.headers(), "cache-control"), "no-store");
    let location = header(answer.headers(), "location").to_owned();
    assert!(location.contains("X-Amz-Expires=42&"), "{location}");
    let signed_at = location
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("X-Amz-Date="))
        .and_then(|d| chrono::NaiveDateTime::parse_from_str(d, "%Y%m%dT%H%M%SZ").ok())
        .ok_or_else(|| anyhow::anyhow!("no X-Amz-Date in {location}"))?;
    let age = chrono::Utc::now().naive_utc() - signed_at;
    assert!(age.num_seconds().abs() < 60, "signed {age} ago");
    let fetched = reqwest::Client::new().get(&location).send().await?;
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(
        header(fetched.headers(), CONTENT_DISPOSITION),
        "inline; filename=\"a.pdf\"; filename*=UTF-8''a.pdf"
    );
    assert_eq!(fetched.bytes().await?.as_ref(), PDF);
    Ok(())
}
