use std::io::Cursor;
use std::time::Duration;

use parley_shared::events::ServerEvent;
use parley_shared::servers::Member;
use parley_shared::users::User;
use parley_tests::client::{expect_error, expect_json};
use parley_tests::gateway::Gateway;
use parley_tests::{Client, FileStore, TestApp, a_user};
use reqwest::StatusCode;

fn picture(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    image::DynamicImage::new_rgb8(width, height)
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)?;
    Ok(bytes)
}

async fn put_avatar(client: &Client, bytes: Vec<u8>) -> anyhow::Result<reqwest::Response> {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("me.png");
    let form = reqwest::multipart::Form::new().part("avatar", part);
    Ok(client
        .request(reqwest::Method::PUT, "/api/v1/users/@me/avatar")
        .multipart(form)
        .send()
        .await?)
}

#[tokio::test]
async fn an_avatar_is_stored_served_and_announced_to_the_people_who_see_you() -> anyhow::Result<()>
{
    for files in FileStore::all() {
        avatar_on(files).await?;
    }
    Ok(())
}

async fn avatar_on(files: FileStore) -> anyhow::Result<()> {
    let app = TestApp::spawn_storing(files, |_| {}).await?;
    let (alice, alice_user) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let server = alice.create_server("Faces").await?;
    bob.join_via(&alice, server.server.id).await?;
    assert_eq!(alice_user.avatar_url, None);
    let mut watching = Gateway::connect(&bob).await?;

    let me: User = expect_json(
        put_avatar(&alice, picture(600, 400)?).await?,
        StatusCode::OK,
    )
    .await?;
    let url = me.avatar_url.clone().unwrap_or_default();
    assert!(url.starts_with("/api/v1/avatars/"), "{url}");
    assert!(
        me.email.is_some() || me.allow_dms_from.is_some(),
        "your own account"
    );

    // Bob hears of it, and sees it in the member list.
    let update = watching
        .wait_for(
            Duration::from_secs(5),
            |e| matches!(e, ServerEvent::UserUpdate { user } if user.id == me.id),
        )
        .await?;
    let ServerEvent::UserUpdate { user } = update else {
        anyhow::bail!("expected user_update");
    };
    assert_eq!(user.avatar_url.as_deref(), Some(url.as_str()));
    assert_eq!(
        user.email, None,
        "the event carries the public profile only"
    );
    let members: Vec<Member> = expect_json(
        bob.get(&format!("/api/v1/servers/{}/members", server.server.id))
            .await?,
        StatusCode::OK,
    )
    .await?;
    let listed = members.iter().find(|m| m.user.id == me.id);
    assert_eq!(
        listed.and_then(|m| m.user.avatar_url.as_deref()),
        Some(url.as_str())
    );

    // A 256 px square PNG, for people signed in.
    let response = bob.get(&url).await?;
    assert_eq!(response.status(), StatusCode::OK);
    let stored = image::load_from_memory(&response.bytes().await?)?;
    assert_eq!((stored.width(), stored.height()), (256, 256));
    assert_eq!(
        app.client().get(&url).await?.status(),
        StatusCode::UNAUTHORIZED
    );
    let hash = url.rsplit('/').next().unwrap_or_default().to_owned();
    assert!(app.stored(&format!("avatars/{hash}.png")).await?);

    // Removing it brings the initials back and deletes the file.
    let me: User = expect_json(
        alice.delete("/api/v1/users/@me/avatar").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(me.avatar_url, None);
    assert!(!app.stored(&format!("avatars/{hash}.png")).await?);
    assert_eq!(bob.get(&url).await?.status(), StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn an_avatar_must_be_a_picture() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let refused = expect_error(
        put_avatar(
            &alice,
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        )
        .await?,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await?;
    assert!(refused.message.starts_with("Avatars must be"));
    assert!(refused.fields.contains_key("avatar"));
    let response = alice
        .request(reqwest::Method::PUT, "/api/v1/users/@me/avatar")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await?;
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    Ok(())
}
