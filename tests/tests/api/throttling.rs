use std::time::Duration;

use parley_shared::ErrorCode;
use parley_tests::client::{PASSWORD, expect_error};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;

#[tokio::test]
async fn repeated_failed_logins_lock_the_account_with_retry_after() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.login_throttle.per_account = 3;
        c.login_throttle.per_ip = 100;
        c.login_throttle.window = Duration::from_secs(120);
    })
    .await?;
    let (_, user) = a_user(&app).await?;
    for _ in 0..3 {
        let response = app.client().login(&user.username, "guess guess").await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the account is locked, or guessing would go on.
    let response = app.client().login(&user.username, PASSWORD).await?;
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_default();
    assert!(
        (100..=120).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    let error = expect_error(response, StatusCode::TOO_MANY_REQUESTS).await?;
    assert_eq!(error.error, ErrorCode::RateLimited);

    // The lock is per account: others still get in.
    let (_, other) = a_user(&app).await?;
    assert_eq!(
        app.client()
            .login(&other.username, PASSWORD)
            .await?
            .status(),
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_limited_across_accounts() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.login_throttle.per_account = 100;
        c.login_throttle.per_ip = 4;
    })
    .await?;
    let (_, user) = a_user(&app).await?;
    for n in 0..4 {
        let response = app
            .client()
            .login(&format!("someone{n}"), "guess guess")
            .await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app.client().login(&user.username, PASSWORD).await?;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    Ok(())
}

#[tokio::test]
async fn a_correct_login_resets_the_account_count() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.login_throttle.per_account = 2).await?;
    let (_, user) = a_user(&app).await?;
    for _ in 0..3 {
        assert_eq!(
            app.client()
                .login(&user.username, "nope nope")
                .await?
                .status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            app.client().login(&user.username, PASSWORD).await?.status(),
            StatusCode::OK
        );
    }
    Ok(())
}

#[tokio::test]
async fn concurrent_guesses_are_counted_before_the_password_is_checked() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.login_throttle.per_account = 3;
        c.login_throttle.per_ip = 100;
    })
    .await?;
    let (_, user) = a_user(&app).await?;
    let guesses = (0..12).map(|n| {
        let client = app.client();
        let username = user.username.clone();
        async move { client.login(&username, &format!("guess number {n}")).await }
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(guesses)
        .await
        .into_iter()
        .map(|r| r.map(|r| r.status()))
        .collect::<Result<_, _>>()?;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (3, 9), "{statuses:?}");
    Ok(())
}

#[tokio::test]
async fn username_and_email_of_one_account_share_its_count() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.login_throttle.per_account = 3;
        c.login_throttle.per_ip = 100;
    })
    .await?;
    let body = serde_json::json!({"username": "twonames", "display_name": "Two",
        "password": PASSWORD, "email": "two@example.org"});
    let registered = app.client().post("/api/v1/auth/register", &body).await?;
    assert_eq!(registered.status(), StatusCode::CREATED);
    for login in ["twonames", "TWO@example.org", "twonames"] {
        let response = app.client().login(login, "wrong wrong").await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    for login in ["two@example.org", "twonames"] {
        let response = app.client().login(login, PASSWORD).await?;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{login}");
    }
    Ok(())
}

#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out_of_an_address_it_signed_in_from() -> anyhow::Result<()>
{
    let app = TestApp::spawn_with(|c| {
        c.login_throttle.per_account = 3;
        c.login_throttle.per_ip = 100;
    })
    .await?;
    let (_, user) = a_user(&app).await?;
    let home = app.client_from(2);
    assert_eq!(
        home.login(&user.username, PASSWORD).await?.status(),
        StatusCode::OK
    );
    let stranger = app.client_from(3);
    for _ in 0..3 {
        let response = stranger.login(&user.username, "guess guess").await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Strangers are locked out, the right password included...
    let response = stranger.login(&user.username, PASSWORD).await?;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let response = app.client_from(4).login(&user.username, PASSWORD).await?;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // ...the owner, at an address that signed in before, is not.
    let response = app.client_from(2).login(&user.username, PASSWORD).await?;
    assert_eq!(response.status(), StatusCode::OK);
    Ok(())
}

#[tokio::test]
async fn registrations_are_limited_per_address() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.registrations_per_ip = 3).await?;
    let here = app.client_from(5);
    for n in 0..3 {
        let response = here.register(&format!("local{n}"), PASSWORD).await?;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let response = here.register("local3", PASSWORD).await?;
    assert!(response.headers().contains_key("retry-after"));
    let error = expect_error(response, StatusCode::TOO_MANY_REQUESTS).await?;
    assert_eq!(error.error, ErrorCode::RateLimited);
    let elsewhere = app.client_from(6).register("remote0", PASSWORD).await?;
    assert_eq!(elsewhere.status(), StatusCode::CREATED);
    Ok(())
}

#[tokio::test]
async fn password_hashing_is_bounded_and_the_overflow_is_told_to_retry() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.hash_concurrency = 1;
        c.hash_queue_wait = Duration::from_millis(1);
    })
    .await?;
    let registrations = (0..8).map(|n| {
        let client = app.client();
        async move { client.register(&format!("burst{n}"), PASSWORD).await }
    });
    let mut created = 0;
    let mut busy = 0;
    for response in futures_util::future::join_all(registrations).await {
        let response = response?;
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(response.headers().contains_key("retry-after"));
                let error = expect_error(response, StatusCode::SERVICE_UNAVAILABLE).await?;
                assert_eq!(error.error, ErrorCode::Unavailable);
                busy += 1;
            }
            other => anyhow::bail!("unexpected {other}"),
        }
    }
    assert!(created >= 1 && busy >= 1, "{created} created, {busy} busy");
    Ok(())
}
