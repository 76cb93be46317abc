use parley_shared::users::User;
use parley_tests::client::{PASSWORD, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};

const COOKIE_NAME: &str = "parley_session";

/// The `parley_session` Set-Cookie header of a response, whole.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{COOKIE_NAME}=")))
        .map(str::to_owned)
}

/// `name=value` of a Set-Cookie header.
fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap_or_default()
}

#[tokio::test]
async fn a_session_survives_a_server_restart() -> anyhow::Result<()> {
    let mut app = TestApp::spawn().await?;
    let (client, user) = a_user(&app).await?;
    app.restart().await?;
    let me: User = expect_json(client.me().await?, StatusCode::OK).await?;
    assert_eq!(me.id, user.id);
    Ok(())
}

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let response = app.client().register("cookie_monster", PASSWORD).await?;
    let cookie = session_cookie(&response).unwrap_or_default();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http must still work on a laptop: {cookie}"
    );
    Ok(())
}

#[tokio::test]
async fn session_cookies_are_secure_behind_an_https_public_url() -> anyhow::Result<()> {
    let app =
        TestApp::spawn_with(|c| c.public_url = Some("https://chat.example.org".into())).await?;
    let response = app.client().register("secure_user", PASSWORD).await?;
    let cookie = session_cookie(&response).unwrap_or_default();
    assert!(cookie.contains("Secure"), "{cookie}");
    Ok(())
}

#[tokio::test]
async fn logging_in_issues_a_new_session_id_and_retires_the_old_one() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let client = app.client();
    let registered = client.register("rotator", PASSWORD).await?;
    let before = session_cookie(&registered).unwrap_or_default();
    let logged_in = client.login("rotator", PASSWORD).await?;
    let after = session_cookie(&logged_in).unwrap_or_default();
    assert!(!before.is_empty() && !after.is_empty());
    assert_ne!(pair(&before), pair(&after), "the id must change at login");

    let replay = app
        .client()
        .http
        .get(app.url("/api/v1/users/@me"))
        .header(COOKIE, pair(&before))
        .send()
        .await?;
    assert_eq!(
        replay.status(),
        StatusCode::UNAUTHORIZED,
        "the old id no longer works"
    );
    let current = app
        .client()
        .http
        .get(app.url("/api/v1/users/@me"))
        .header(COOKIE, pair(&after))
        .send()
        .await?;
    assert_eq!(current.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn a_logged_out_session_cannot_be_replayed() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let client = app.client();
    let registered = client.register("replayer", PASSWORD).await?;
    let cookie = session_cookie(&registered).unwrap_or_default();
    client
        .post("/api/v1/auth/logout", &serde_json::json!({}))
        .await?;
    let replay = app
        .client()
        .http
        .get(app.url("/api/v1/users/@me"))
        .header(COOKIE, pair(&cookie))
        .send()
        .await?;
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn a_forged_session_cookie_is_just_unauthorized() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    for forged in [
        "parley_session=AAAAAAAAAAAAAAAAAAAAAA",
        "parley_session=not base64 at all!",
        "parley_session=",
    ] {
        let response = app
            .client()
            .http
            .get(app.url("/api/v1/users/@me"))
            .header(COOKIE, forged)
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{forged}");
    }
    Ok(())
}

#[tokio::test]
async fn the_session_endpoint_names_the_user_or_nobody_without_a_401() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let nobody: parley_shared::users::SessionInfo = expect_json(
        app.client().get("/api/v1/auth/session").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(nobody.user, None);

    let (alice, user) = a_user(&app).await?;
    let signed_in: parley_shared::users::SessionInfo =
        expect_json(alice.get("/api/v1/auth/session").await?, StatusCode::OK).await?;
    assert_eq!(signed_in.user.map(|u| u.id), Some(user.id));

    let logout = alice
        .post("/api/v1/auth/logout", &serde_json::json!({}))
        .await?;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let after: parley_shared::users::SessionInfo =
        expect_json(alice.get("/api/v1/auth/session").await?, StatusCode::OK).await?;
    assert_eq!(after.user, None);

    // A token that is not valid is an error, not "nobody".
    let response = app
        .client()
        .with_bearer("pat_not-a-real-token")
        .get("/api/v1/auth/session")
        .await?;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}
