use parley_shared::ErrorCode;
use parley_shared::users::User;
use parley_tests::client::{PASSWORD, expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn registering_returns_the_account_and_signs_in() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let client = app.client();
    let response = client
        .post(
            "/api/v1/auth/register",
            &json!({"username": "Ada.Lovelace", "display_name": "  Ada  ", "password": PASSWORD,
                    "email": "Ada@Example.org"}),
        )
        .await?;
    let user: User = expect_json(response, StatusCode::CREATED).await?;
    assert_eq!(
        user.username, "ada.lovelace",
        "usernames are stored lowercased"
    );
    assert_eq!(user.display_name, "Ada");
    assert_eq!(user.email.as_deref(), Some("ada@example.org"));

    let me: User = expect_json(client.me().await?, StatusCode::OK).await?;
    assert_eq!(me, user);
    Ok(())
}

#[tokio::test]
async fn usernames_are_unique_ignoring_case() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    expect_json::<User>(
        app.client().register("grace", PASSWORD).await?,
        StatusCode::CREATED,
    )
    .await?;
    let error = expect_error(
        app.client().register("GRACE", PASSWORD).await?,
        StatusCode::CONFLICT,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::UsernameTaken);
    assert!(error.fields.contains_key("username"));
    Ok(())
}

#[tokio::test]
async fn emails_are_unique_ignoring_case_but_optional() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let register = |name: &str, email: Option<&str>| json!({"username": name, "display_name": name, "password": PASSWORD, "email": email});
    let first = app
        .client()
        .post(
            "/api/v1/auth/register",
            &register("one", Some("x@example.org")),
        )
        .await?;
    assert_eq!(first.status(), StatusCode::CREATED);
    let taken = app
        .client()
        .post(
            "/api/v1/auth/register",
            &register("two", Some("X@EXAMPLE.org")),
        )
        .await?;
    let error = expect_error(taken, StatusCode::CONFLICT).await?;
    assert_eq!(error.error, ErrorCode::EmailTaken);
    assert!(error.fields.contains_key("email"));
    // Any number of accounts may have no email.
    for name in ["three", "four"] {
        let response = app
            .client()
            .post("/api/v1/auth/register", &register(name, None))
            .await?;
        assert_eq!(response.status(), StatusCode::CREATED);
        let response = app
            .client()
            .post(
                "/api/v1/auth/register",
                &register(&format!("{name}x"), Some("")),
            )
            .await?;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    Ok(())
}

#[tokio::test]
async fn invalid_registrations_name_every_bad_field() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let body = json!({"username": "no spaces!", "display_name": "   ", "password": "short",
                      "email": "not-an-email"});
    let response = app.client().post("/api/v1/auth/register", &body).await?;
    let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    assert_eq!(error.error, ErrorCode::ValidationFailed);
    let fields: Vec<_> = error.fields.keys().map(String::as_str).collect();
    assert_eq!(fields, ["display_name", "email", "password", "username"]);

    for username in ["ab", "a".repeat(33).as_str(), "ada-lovelace", "ädä"] {
        let response = app.client().register(username, PASSWORD).await?;
        let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
        assert!(
            error.fields.contains_key("username"),
            "{username} should be refused"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_missing_or_mistyped_field_is_a_validation_error() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let response = app
        .client()
        .post("/api/v1/auth/register", &json!({"username": "ada"}))
        .await?;
    let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    assert_eq!(error.error, ErrorCode::ValidationFailed);
    assert!(
        !error.fields.is_empty(),
        "the missing field is named: {error:?}"
    );

    let body = json!({"username": 5, "display_name": "x", "password": PASSWORD});
    let response = app.client().post("/api/v1/auth/register", &body).await?;
    let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    assert!(error.fields.contains_key("username"), "{error:?}");
    Ok(())
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let response = app
        .client()
        .request(reqwest::Method::POST, "/api/v1/auth/register")
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await?;
    let error = expect_error(response, StatusCode::BAD_REQUEST).await?;
    assert_eq!(error.error, ErrorCode::MalformedRequest);
    Ok(())
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_by_type() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let response = app
        .client()
        .request(reqwest::Method::POST, "/api/v1/auth/login")
        .header("content-type", "text/plain")
        .body("login=ada")
        .send()
        .await?;
    let error = expect_error(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await?;
    assert_eq!(error.error, ErrorCode::UnsupportedMediaType);
    Ok(())
}

#[tokio::test]
async fn an_oversized_body_is_refused_and_nothing_is_stored() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let body =
        json!({"username": "bigbody", "display_name": "x".repeat(100_000), "password": PASSWORD});
    let response = app.client().post("/api/v1/auth/register", &body).await?;
    let error = expect_error(response, StatusCode::PAYLOAD_TOO_LARGE).await?;
    assert_eq!(error.error, ErrorCode::PayloadTooLarge);
    let login = app.client().login("bigbody", PASSWORD).await?;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn users_log_in_with_username_or_email_in_any_case() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let body = json!({"username": "hopper", "display_name": "Grace", "password": PASSWORD,
                      "email": "grace@example.org"});
    expect_json::<User>(
        app.client().post("/api/v1/auth/register", &body).await?,
        StatusCode::CREATED,
    )
    .await?;
    for login in ["hopper", "HOPPER", "grace@example.org", "Grace@Example.org"] {
        let client = app.client();
        let user: User = expect_json(client.login(login, PASSWORD).await?, StatusCode::OK).await?;
        assert_eq!(user.username, "hopper");
        expect_json::<User>(client.me().await?, StatusCode::OK).await?;
    }
    Ok(())
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (_, user) = a_user(&app).await?;
    let wrong = app
        .client()
        .login(&user.username, "not the password")
        .await?;
    let wrong = (wrong.status(), wrong.text().await?);
    let unknown = app
        .client()
        .login("nobody_here", "not the password")
        .await?;
    let unknown = (unknown.status(), unknown.text().await?);
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown);
    let body: parley_shared::ErrorBody = serde_json::from_str(&wrong.1)?;
    assert_eq!(body.error, ErrorCode::InvalidCredentials);
    Ok(())
}

#[tokio::test]
async fn logging_out_ends_the_session() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, _) = a_user(&app).await?;
    let response = client.post("/api/v1/auth/logout", &json!({})).await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let error = expect_error(client.me().await?, StatusCode::UNAUTHORIZED).await?;
    assert_eq!(error.error, ErrorCode::Unauthorized);
    Ok(())
}

#[tokio::test]
async fn signed_out_callers_are_unauthorized_everywhere() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let client = app.client();
    for response in [
        client.me().await?,
        client
            .patch("/api/v1/users/@me", &json!({"display_name": "x"}))
            .await?,
        client
            .put(
                "/api/v1/users/@me/password",
                &json!({"current_password": "a", "new_password": PASSWORD}),
            )
            .await?,
        client.get("/api/v1/users/@me/tokens").await?,
        client
            .post("/api/v1/users/@me/tokens", &json!({"name": "x"}))
            .await?,
        client
            .delete(&format!(
                "/api/v1/users/@me/tokens/{}",
                uuid::Uuid::new_v4()
            ))
            .await?,
    ] {
        let error = expect_error(response, StatusCode::UNAUTHORIZED).await?;
        assert_eq!(error.error, ErrorCode::Unauthorized);
    }
    Ok(())
}

#[tokio::test]
async fn users_change_their_display_name() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (client, user) = a_user(&app).await?;
    let response = client
        .patch("/api/v1/users/@me", &json!({"display_name": " Countess "}))
        .await?;
    let updated: User = expect_json(response, StatusCode::OK).await?;
    assert_eq!(updated.display_name, "Countess");
    assert_eq!(updated.username, user.username);
    let me: User = expect_json(client.me().await?, StatusCode::OK).await?;
    assert_eq!(me.display_name, "Countess");

    let response = client
        .patch("/api/v1/users/@me", &json!({"display_name": ""}))
        .await?;
    let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
    assert!(error.fields.contains_key("display_name"));
    let me: User = expect_json(client.me().await?, StatusCode::OK).await?;
    assert_eq!(
        me.display_name, "Countess",
        "a refused change leaves the account as it was"
    );
    Ok(())
}

#[tokio::test]
async fn changing_the_password_signs_out_other_sessions_only() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (laptop, user) = a_user(&app).await?;
    let phone = app.client();
    expect_json::<User>(phone.login(&user.username, PASSWORD).await?, StatusCode::OK).await?;
    let token = laptop.create_token("bot").await?;

    let wrong = json!({"current_password": "not it at all", "new_password": "a brand new secret"});
    let error = expect_error(
        laptop.put("/api/v1/users/@me/password", &wrong).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(error.fields.contains_key("current_password"));
    let short = json!({"current_password": PASSWORD, "new_password": "short"});
    let error = expect_error(
        laptop.put("/api/v1/users/@me/password", &short).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(error.fields.contains_key("new_password"));
    assert_eq!(
        phone.me().await?.status(),
        StatusCode::OK,
        "refused changes end nothing"
    );

    let change = json!({"current_password": PASSWORD, "new_password": "a brand new secret"});
    let response = laptop.put("/api/v1/users/@me/password", &change).await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    assert_eq!(
        laptop.me().await?.status(),
        StatusCode::OK,
        "the session that changed it stays"
    );
    assert_eq!(
        phone.me().await?.status(),
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    let bot = app.client().with_bearer(&token.token);
    assert_eq!(
        bot.me().await?.status(),
        StatusCode::OK,
        "tokens are revoked separately"
    );

    assert_eq!(
        app.client().login(&user.username, PASSWORD).await?.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client()
            .login(&user.username, "a brand new secret")
            .await?
            .status(),
        StatusCode::OK
    );
    Ok(())
}
