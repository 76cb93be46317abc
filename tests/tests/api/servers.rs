use parley_shared::ErrorCode;
use parley_shared::servers::{ChannelKind, MyServer, Role, Server, ServerPreview};
use parley_tests::client::{expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::json;

#[tokio::test]
async fn creating_a_server_makes_you_admin_with_a_general_channel() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, user) = a_user(&app).await?;
    let server = alice.create_server("  Rust Club  ").await?;
    assert_eq!(server.server.name, "Rust Club");
    assert_eq!(server.server.owner_id, user.id);
    assert_eq!(server.role, Role::Admin);
    assert_eq!(server.server.icon_url, None);
    let names: Vec<_> = server
        .channels
        .iter()
        .map(|c| (c.name.as_str(), c.kind, c.is_default))
        .collect();
    assert_eq!(names, [("general", ChannelKind::Text, true)]);

    let mine: Vec<MyServer> =
        expect_json(alice.get("/api/v1/servers").await?, StatusCode::OK).await?;
    assert_eq!(mine, std::slice::from_ref(&server));
    let one: MyServer = expect_json(
        alice
            .get(&format!("/api/v1/servers/{}", server.server.id))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(one, server);
    Ok(())
}

#[tokio::test]
async fn server_names_are_validated() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    for name in ["", "   ", &"x".repeat(101)] {
        let response = alice
            .post("/api/v1/servers", &json!({"name": name}))
            .await?;
        let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
        assert!(error.fields.contains_key("name"));
    }
    let mine: Vec<MyServer> =
        expect_json(alice.get("/api/v1/servers").await?, StatusCode::OK).await?;
    assert!(mine.is_empty(), "nothing was created");
    Ok(())
}

#[tokio::test]
async fn outsiders_get_404_exactly_as_for_a_missing_server() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (eve, _) = a_user(&app).await?;
    let server = alice.create_server("Private").await?;
    let general = server.channels[0].id;
    let missing = uuid::Uuid::now_v7();
    for id in [server.server.id, missing] {
        let paths = [
            format!("/api/v1/servers/{id}"),
            format!("/api/v1/servers/{id}/channels"),
            format!("/api/v1/servers/{id}/members"),
            format!("/api/v1/servers/{id}/invite"),
        ];
        for path in paths {
            let error = expect_error(eve.get(&path).await?, StatusCode::NOT_FOUND).await?;
            assert_eq!(error.error, ErrorCode::NotFound, "{path}");
        }
        expect_error(
            eve.patch(&format!("/api/v1/servers/{id}"), &json!({"name": "mine"}))
                .await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
        expect_error(
            eve.delete(&format!("/api/v1/servers/{id}")).await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
        expect_error(
            eve.post(
                &format!("/api/v1/servers/{id}/channels"),
                &json!({"name": "x", "kind": "text"}),
            )
            .await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
        expect_error(
            eve.post(&format!("/api/v1/servers/{id}/invite"), &json!({}))
                .await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
        expect_error(
            eve.put(&format!("/api/v1/servers/{id}/members/@me"), &json!({}))
                .await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
    }
    expect_error(
        eve.patch(
            &format!("/api/v1/channels/{general}"),
            &json!({"name": "x"}),
        )
        .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    expect_error(
        eve.delete(&format!("/api/v1/channels/{general}")).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn only_admins_change_server_settings_and_delete_it() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (admin, _) = a_user(&app).await?;
    let (moderator, moderator_user) = a_user(&app).await?;
    let (guest, _) = a_user(&app).await?;
    let server = admin.create_server("Club").await?;
    let id = server.server.id;
    moderator.join_via(&admin, id).await?;
    guest.join_via(&admin, id).await?;
    admin.set_role(id, moderator_user.id, "moderator").await?;

    for who in [&moderator, &guest] {
        let error = expect_error(
            who.patch(
                &format!("/api/v1/servers/{id}"),
                &json!({"name": "Taken over"}),
            )
            .await?,
            StatusCode::FORBIDDEN,
        )
        .await?;
        assert_eq!(error.error, ErrorCode::Forbidden);
        expect_error(
            who.delete(&format!("/api/v1/servers/{id}")).await?,
            StatusCode::FORBIDDEN,
        )
        .await?;
    }
    let renamed: Server = expect_json(
        admin
            .patch(
                &format!("/api/v1/servers/{id}"),
                &json!({"name": "Renamed", "discoverable": true}),
            )
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(
        (renamed.name.as_str(), renamed.discoverable),
        ("Renamed", true)
    );

    assert_eq!(
        admin
            .delete(&format!("/api/v1/servers/{id}"))
            .await?
            .status(),
        StatusCode::NO_CONTENT
    );
    for who in [&admin, &moderator, &guest] {
        let mine: Vec<MyServer> =
            expect_json(who.get("/api/v1/servers").await?, StatusCode::OK).await?;
        assert!(mine.is_empty());
        expect_error(
            who.get(&format!("/api/v1/servers/{id}")).await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
    }
    Ok(())
}

#[tokio::test]
async fn discoverable_servers_are_listed_and_joinable_without_an_invite() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let public = alice
        .post(
            "/api/v1/servers",
            &json!({"name": "Open Source Lounge", "discoverable": true}),
        )
        .await?;
    let public: MyServer = expect_json(public, StatusCode::CREATED).await?;
    let private = alice.create_server("Secret Lounge").await?;

    let listed: Vec<ServerPreview> =
        expect_json(bob.get("/api/v1/servers/discover").await?, StatusCode::OK).await?;
    assert_eq!(
        listed.iter().map(|s| s.id).collect::<Vec<_>>(),
        [public.server.id]
    );
    assert_eq!(listed[0].member_count, 1);
    let searched: Vec<ServerPreview> = expect_json(
        bob.get("/api/v1/servers/discover?q=LOUNGE").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(searched.len(), 1);
    let none: Vec<ServerPreview> = expect_json(
        bob.get("/api/v1/servers/discover?q=nothing").await?,
        StatusCode::OK,
    )
    .await?;
    assert!(none.is_empty());

    let joined = bob
        .put(
            &format!("/api/v1/servers/{}/members/@me", public.server.id),
            &json!({}),
        )
        .await?;
    let joined: MyServer = expect_json(joined, StatusCode::CREATED).await?;
    assert_eq!(joined.role, Role::Guest);
    let again = bob
        .put(
            &format!("/api/v1/servers/{}/members/@me", public.server.id),
            &json!({}),
        )
        .await?;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "joining twice is not an error"
    );
    let closed = bob
        .put(
            &format!("/api/v1/servers/{}/members/@me", private.server.id),
            &json!({}),
        )
        .await?;
    expect_error(closed, StatusCode::NOT_FOUND).await?;
    Ok(())
}

fn png(width: u32, height: u32) -> Vec<u8> {
    // A minimal valid PNG, written by hand: one colour type 2 (RGB) image, all black.
    let mut raw = Vec::new();
    for _ in 0..height {
        raw.push(0u8);
        raw.extend(std::iter::repeat_n(0u8, (width * 3) as usize));
    }
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend(kind);
    out.extend(data);
    let crc = crc32(&out[start..]);
    out.extend(crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// zlib with uncompressed ("stored") deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i == blocks.len() - 1));
        let len = block.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend(*block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend(((b << 16) | a).to_be_bytes());
    out
}

#[tokio::test]
async fn icons_are_checked_by_their_bytes_resized_and_served() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let server = alice.create_server("Pictured").await?;
    let id = server.server.id;
    bob.join_via(&alice, id).await?;
    let upload =
        |client: &parley_tests::Client, bytes: Vec<u8>, name: &'static str, mime: &'static str| {
            let client = client.clone();
            async move {
                let part = Part::bytes(bytes).file_name(name).mime_str(mime)?;
                let form = Form::new().part("icon", part);
                Ok::<_, anyhow::Error>(
                    client
                        .request(reqwest::Method::PUT, &format!("/api/v1/servers/{id}/icon"))
                        .multipart(form)
                        .send()
                        .await?,
                )
            }
        };

    let response = upload(&bob, png(64, 64), "a.png", "image/png").await?;
    expect_error(response, StatusCode::FORBIDDEN).await?;

    // A script with an image's name and type is still not an image.
    let response = upload(
        &alice,
        b"<script>alert(1)</script>".to_vec(),
        "icon.png",
        "image/png",
    )
    .await?;
    let error = expect_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await?;
    assert!(error.fields.contains_key("icon"));

    let response = upload(
        &alice,
        vec![0u8; 5 * 1024 * 1024 + 1],
        "big.png",
        "image/png",
    )
    .await?;
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE).await?;

    let response = upload(
        &alice,
        png(900, 600),
        "wide.bin",
        "application/octet-stream",
    )
    .await?;
    let updated: Server = expect_json(response, StatusCode::OK).await?;
    let url = updated.icon_url.clone().unwrap_or_default();
    assert!(
        url.starts_with("/media/icons/") && url.ends_with(".png"),
        "{url}"
    );

    let served = bob.get(&url).await?;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(
        served.headers()["cache-control"]
            .to_str()?
            .contains("immutable")
    );
    let bytes = served.bytes().await?;
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    assert_eq!(
        (width, height),
        (512, 512),
        "cropped to a square of at most 512 px"
    );

    let removed: Server = expect_json(
        alice.delete(&format!("/api/v1/servers/{id}/icon")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(removed.icon_url, None);
    Ok(())
}

async fn upload_icon(
    client: &parley_tests::Client,
    server_id: uuid::Uuid,
    bytes: Vec<u8>,
) -> anyhow::Result<reqwest::Response> {
    let part = Part::bytes(bytes)
        .file_name("icon.png")
        .mime_str("image/png")?;
    Ok(client
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/servers/{server_id}/icon"),
        )
        .multipart(Form::new().part("icon", part))
        .send()
        .await?)
}

/// The stored icon files.
fn icon_files(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(app.data_dir().join("icons"))
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn an_icon_declaring_too_many_pixels_is_refused_before_it_is_decoded() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Bombed").await?;
    // A long thin strip: small to send, but wider than an icon may declare.
    let response = upload_icon(&alice, server.server.id, png(5000, 1)).await?;
    let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    assert!(
        error
            .fields
            .get("icon")
            .is_some_and(|m| m[0].contains("4096")),
        "{error:?}"
    );
    assert!(icon_files(&app).is_empty(), "nothing was stored");
    let fits = upload_icon(&alice, server.server.id, png(4096, 1)).await?;
    assert_eq!(fits.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn replaced_and_removed_icons_leave_no_files_behind() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let first = alice.create_server("First").await?;
    let second = alice.create_server("Second").await?;
    let (a, b) = (first.server.id, second.server.id);

    let one: Server =
        expect_json(upload_icon(&alice, a, png(10, 10)).await?, StatusCode::OK).await?;
    assert_eq!(icon_files(&app).len(), 1);
    let two: Server =
        expect_json(upload_icon(&alice, a, png(20, 20)).await?, StatusCode::OK).await?;
    assert_ne!(one.icon_url, two.icon_url);
    assert_eq!(icon_files(&app).len(), 1, "the replaced file is gone");
    let gone = alice
        .get(one.icon_url.as_deref().unwrap_or_default())
        .await?;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    // The same picture on two servers is one file, kept while either shows it.
    expect_json::<Server>(upload_icon(&alice, b, png(20, 20)).await?, StatusCode::OK).await?;
    assert_eq!(icon_files(&app).len(), 1);
    expect_json::<Server>(
        alice.delete(&format!("/api/v1/servers/{a}/icon")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(
        icon_files(&app).len(),
        1,
        "still shown by the second server"
    );
    let deleted = alice.delete(&format!("/api/v1/servers/{b}")).await?;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(
        icon_files(&app).is_empty(),
        "deleting the server deletes its icon"
    );
    Ok(())
}

#[tokio::test]
async fn icon_uploads_are_rate_limited_per_user() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.icon_uploads_per_hour = 2).await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Busy").await?;
    for side in [8, 9] {
        let response = upload_icon(&alice, server.server.id, png(side, side)).await?;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = upload_icon(&alice, server.server.id, png(10, 10)).await?;
    assert!(response.headers().contains_key("retry-after"));
    let error = expect_error(response, StatusCode::TOO_MANY_REQUESTS).await?;
    assert_eq!(error.error, ErrorCode::RateLimited);
    Ok(())
}
