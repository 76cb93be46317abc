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
