use parley_shared::ErrorCode;
use parley_shared::users::User;
use parley_tests::client::{PASSWORD, expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn cookie_writes_from_a_foreign_origin_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    let evil = client.with_origin("https://evil.example");
    let response = evil
        .patch("/api/v1/users/@me", &json!({"display_name": "pwned"}))
        .await?;
    let error = expect_error(response, StatusCode::FORBIDDEN).await?;
    assert_eq!(error.error, ErrorCode::ForeignOrigin);
    let response = evil
        .post("/api/v1/users/@me/tokens", &json!({"name": "stolen"}))
        .await?;
    expect_error(response, StatusCode::FORBIDDEN).await?;
    let me: User = expect_json(client.me().await?, StatusCode::OK).await?;
    assert_ne!(me.display_name, "pwned");

    let ours = client.with_origin(&app.origin());
    let response = ours
        .patch("/api/v1/users/@me", &json!({"display_name": "mine"}))
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn logins_from_a_foreign_origin_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (_, user) = a_user(&app).await?;
    let response = app
        .client()
        .with_origin("http://evil.example")
        .login(&user.username, PASSWORD)
        .await?;
    expect_error(response, StatusCode::FORBIDDEN).await?;
    Ok(())
}

#[tokio::test]
async fn bearer_requests_are_not_subject_to_the_origin_check() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    let token = client.create_token("cli").await?;
    let bot = client
        .with_bearer(&token.token)
        .with_origin("https://elsewhere.example");
    let response = bot
        .patch("/api/v1/users/@me", &json!({"display_name": "from a bot"}))
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn the_public_url_decides_the_allowed_origin() -> anyhow::Result<()> {
    let app =
        TestApp::spawn_with(|c| c.public_url = Some("https://chat.example.org".into())).await?;
    let (client, _) = a_user(&app).await?;
    let proxied = client.with_origin("https://chat.example.org");
    let response = proxied
        .patch("/api/v1/users/@me", &json!({"display_name": "ok"}))
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let direct = client.with_origin(&app.origin());
    let response = direct
        .patch("/api/v1/users/@me", &json!({"display_name": "no"}))
        .await?;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    Ok(())
}
