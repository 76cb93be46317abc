//! Ending a session or revoking a token ends everything opened with it, sockets included
//! (close code 4004), and minting a lasting credential needs the password.

use std::time::Duration;

use chrono::Utc;
use parley_shared::ErrorCode;
use parley_shared::events::ClientEvent;
use parley_shared::users::CreatedToken;
use parley_tests::client::{PASSWORD, expect_error, expect_json};
use parley_tests::gateway::Gateway;
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(5);
const SESSION_ENDED: u16 = 4004;

/// A socket that is still open answers a heartbeat.
async fn alive(socket: &mut Gateway) -> anyhow::Result<()> {
    socket.send(&ClientEvent::Heartbeat).await?;
    socket
        .wait_for(WAIT, |e| {
            matches!(e, parley_shared::events::ServerEvent::HeartbeatAck)
        })
        .await?;
    Ok(())
}

#[tokio::test]
async fn revoking_a_token_closes_its_sockets_at_once() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    let token = client.create_token("bot").await?;
    let bot = client.with_bearer(&token.token);
    let mut bots = Gateway::connect(&bot).await?;
    let mut browsers = Gateway::connect(&client).await?;
    let revoked = client
        .delete(&format!("/api/v1/users/@me/tokens/{}", token.id))
        .await?;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(bots.closed_with(WAIT).await?, Some(SESSION_ENDED));
    alive(&mut browsers).await?;
    Ok(())
}

#[tokio::test]
async fn signing_out_closes_that_sessions_sockets() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, user) = a_user(&app).await?;
    let laptop = app.client();
    expect_json::<parley_shared::users::User>(
        laptop.login(&user.username, PASSWORD).await?,
        StatusCode::OK,
    )
    .await?;
    let mut phones = Gateway::connect(&client).await?;
    let mut laptops = Gateway::connect(&laptop).await?;
    client.post("/api/v1/auth/logout", &json!({})).await?;
    assert_eq!(phones.closed_with(WAIT).await?, Some(SESSION_ENDED));
    alive(&mut laptops).await?;
    Ok(())
}

#[tokio::test]
async fn a_password_change_closes_the_other_sessions_sockets_and_optionally_the_tokens()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, user) = a_user(&app).await?;
    let other_device = app.client();
    other_device.login(&user.username, PASSWORD).await?;
    let token = client.create_token("script").await?;
    let mut mine = Gateway::connect(&client).await?;
    let mut theirs = Gateway::connect(&other_device).await?;
    let mut scripts = Gateway::connect(&client.with_bearer(&token.token)).await?;

    let changed = client
        .put(
            "/api/v1/users/@me/password",
            &json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
        )
        .await?;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(theirs.closed_with(WAIT).await?, Some(SESSION_ENDED));
    alive(&mut mine).await?;
    alive(&mut scripts).await?;

    // Asked to, the change revokes every token too, and their sockets close.
    let changed = client
        .put(
            "/api/v1/users/@me/password",
            &json!({"current_password": "a brand new secret", "new_password": PASSWORD,
                    "revoke_tokens": true}),
        )
        .await?;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(scripts.closed_with(WAIT).await?, Some(SESSION_ENDED));
    let refused = client.with_bearer(&token.token).me().await?;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    alive(&mut mine).await?;
    Ok(())
}

#[tokio::test]
async fn a_socket_of_an_expired_session_is_closed_at_its_next_heartbeat() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.heartbeat_interval = Duration::from_secs(1)).await?;
    let (client, _) = a_user(&app).await?;
    // The session runs out two seconds from now.
    let soon = Utc::now() + chrono::Duration::seconds(2);
    app.execute("UPDATE sessions SET expires_at = ?", vec![soon.into()])
        .await?;
    let mut socket = Gateway::connect(&client).await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    loop {
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "the socket outlived its session"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        socket.send(&ClientEvent::Heartbeat).await?;
        match tokio::time::timeout(Duration::from_millis(500), socket.closed_with(WAIT)).await {
            Ok(code) => {
                assert_eq!(code?, Some(SESSION_ENDED));
                return Ok(());
            }
            Err(_) => continue,
        }
    }
}

/// Moves the session's "signed in at" and "refreshed at" marks `age` into the past.
async fn age_sessions(app: &TestApp, age: chrono::Duration) -> anyhow::Result<()> {
    let rows = app.query("SELECT id, data FROM sessions", vec![]).await?;
    for row in rows {
        let id: String = row.try_get("", "id")?;
        let data: String = row.try_get("", "data")?;
        let mut data: serde_json::Value = serde_json::from_str(&data)?;
        let then = (Utc::now() - age).timestamp();
        data["signed_in_at"] = then.into();
        data["refreshed_at"] = then.into();
        app.execute(
            "UPDATE sessions SET data = ? WHERE id = ?",
            vec![data.to_string().into(), id.into()],
        )
        .await?;
    }
    Ok(())
}

#[tokio::test]
async fn creating_a_token_needs_the_password_unless_the_session_just_signed_in()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    let path = "/api/v1/users/@me/tokens";

    // Just signed in: the session may create one without the password.
    let fresh = client.post(path, &json!({"name": "fresh"})).await?;
    let token: CreatedToken = expect_json(fresh, StatusCode::CREATED).await?;

    // An older session (a stolen cookie, say) must give the password.
    age_sessions(&app, chrono::Duration::minutes(10)).await?;
    let error = expect_error(
        client.post(path, &json!({"name": "stolen"})).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(error.fields.contains_key("current_password"), "{error:?}");
    let error = expect_error(
        client
            .post(
                path,
                &json!({"name": "guess", "current_password": "not it at all"}),
            )
            .await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(error.fields.contains_key("current_password"));
    let confirmed = client
        .post(path, &json!({"name": "ok", "current_password": PASSWORD}))
        .await?;
    assert_eq!(confirmed.status(), StatusCode::CREATED);

    // A token cannot mint another one without the password either.
    let bot = client.with_bearer(&token.token);
    let error = expect_error(
        bot.post(path, &json!({"name": "child"})).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::ValidationFailed);
    assert!(error.fields.contains_key("current_password"));
    let confirmed = bot
        .post(
            path,
            &json!({"name": "child", "current_password": PASSWORD}),
        )
        .await?;
    assert_eq!(confirmed.status(), StatusCode::CREATED);
    Ok(())
}

#[tokio::test]
async fn sessions_slide_refreshing_their_expiry_and_cookie_at_most_once_a_day() -> anyhow::Result<()>
{
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    let expiry = || async {
        let rows = app.query("SELECT expires_at FROM sessions", vec![]).await?;
        let row = rows.first().ok_or_else(|| anyhow::anyhow!("no session"))?;
        anyhow::Ok(row.try_get::<chrono::DateTime<Utc>>("", "expires_at")?)
    };
    let sets_cookie = |response: &reqwest::Response| {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with("parley_session=")))
    };

    // Used within the day: nothing is written and no cookie is sent.
    let response = client.me().await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!sets_cookie(&response));

    // Last refreshed two days ago and running out tomorrow: one use pushes it back 30 days.
    age_sessions(&app, chrono::Duration::days(2)).await?;
    let tomorrow = Utc::now() + chrono::Duration::days(1);
    app.execute("UPDATE sessions SET expires_at = ?", vec![tomorrow.into()])
        .await?;
    let response = client.me().await?;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(sets_cookie(&response), "the cookie is sent again");
    let pushed = expiry().await? - Utc::now();
    assert!(pushed > chrono::Duration::days(29), "{pushed}");
    let response = client.me().await?;
    assert!(!sets_cookie(&response), "once, not on every request");
    Ok(())
}
