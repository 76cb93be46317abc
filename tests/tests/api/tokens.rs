use parley_shared::ErrorCode;
use parley_shared::users::{ApiToken, User};
use parley_tests::client::{expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_token_authenticates_every_endpoint_until_revoked() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, user) = a_user(&app).await?;
    let created = client.create_token("deploy bot").await?;
    assert_eq!(created.name, "deploy bot");
    assert!(created.token.starts_with("pat_"));

    let bot = client.with_bearer(&created.token);
    let me: User = expect_json(bot.me().await?, StatusCode::OK).await?;
    assert_eq!(me.id, user.id);
    let renamed = bot
        .patch("/api/v1/users/@me", &json!({"display_name": "Bot-run"}))
        .await?;
    assert_eq!(
        renamed.status(),
        StatusCode::OK,
        "writes work with a token too"
    );

    let revoked = client
        .delete(&format!("/api/v1/users/@me/tokens/{}", created.id))
        .await?;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let error = expect_error(bot.me().await?, StatusCode::UNAUTHORIZED).await?;
    assert_eq!(error.error, ErrorCode::Unauthorized);
    Ok(())
}

#[tokio::test]
async fn listed_tokens_never_show_their_secret() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    let first = client.create_token("one").await?;
    let second = client.create_token("two").await?;
    let response = client.get("/api/v1/users/@me/tokens").await?;
    let text = response.text().await?;
    assert!(!text.contains(&first.token) && !text.contains(&second.token));
    let listed: Vec<ApiToken> = serde_json::from_str(&text)?;
    let names: Vec<_> = listed.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["one", "two"]);
    Ok(())
}

#[tokio::test]
async fn a_token_records_when_it_was_last_used() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    let created = client.create_token("cron").await?;
    let listed: Vec<ApiToken> = expect_json(
        client.get("/api/v1/users/@me/tokens").await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(listed[0].last_used_at, None);
    client.with_bearer(&created.token).me().await?;
    let listed: Vec<ApiToken> = expect_json(
        client.get("/api/v1/users/@me/tokens").await?,
        StatusCode::OK,
    )
    .await?;
    assert!(listed[0].last_used_at.is_some());
    Ok(())
}

#[tokio::test]
async fn a_bad_bearer_token_is_unauthorized_even_with_a_valid_cookie() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    for header in [
        "Bearer pat_not_a_real_token",
        "Basic dXNlcjpwYXNz",
        "Bearer",
    ] {
        let response = client
            .request(reqwest::Method::GET, "/api/v1/users/@me")
            .header("authorization", header)
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{header}");
    }
    Ok(())
}

#[tokio::test]
async fn nobody_can_revoke_someone_elses_token() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (owner, _) = a_user(&app).await?;
    let (other, _) = a_user(&app).await?;
    let token = owner.create_token("mine").await?;
    let response = other
        .delete(&format!("/api/v1/users/@me/tokens/{}", token.id))
        .await?;
    let error = expect_error(response, StatusCode::NOT_FOUND).await?;
    assert_eq!(error.error, ErrorCode::NotFound);
    assert_eq!(
        owner.with_bearer(&token.token).me().await?.status(),
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn token_requests_are_validated() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    for name in ["", &"x".repeat(65)] {
        let response = client
            .post("/api/v1/users/@me/tokens", &json!({"name": name}))
            .await?;
        let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
        assert!(error.fields.contains_key("name"));
    }
    let response = client.delete("/api/v1/users/@me/tokens/not-a-uuid").await?;
    let error = expect_error(response, StatusCode::BAD_REQUEST).await?;
    assert_eq!(error.error, ErrorCode::MalformedRequest);
    let response = client
        .delete(&format!(
            "/api/v1/users/@me/tokens/{}",
            uuid::Uuid::new_v4()
        ))
        .await?;
    expect_error(response, StatusCode::NOT_FOUND).await?;
    Ok(())
}
