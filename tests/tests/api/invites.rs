use parley_shared::ErrorCode;
use parley_shared::servers::{Invite, InvitePreview, MyServer, Role};
use parley_tests::client::{expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_invite_previews_the_server_and_joins_as_guest() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let server = alice.create_server("Invited").await?;
    let code = alice.invite_code(server.server.id).await?;
    assert!(code.len() >= 16, "at least 64 random bits: {code}");

    let preview: InvitePreview = expect_json(
        bob.get(&format!("/api/v1/invites/{code}")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(
        (preview.server.name.as_str(), preview.server.member_count),
        ("Invited", 1)
    );
    let joined: MyServer = expect_json(
        bob.post(&format!("/api/v1/invites/{code}"), &json!({}))
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    assert_eq!(
        (joined.server.id, joined.role),
        (server.server.id, Role::Guest)
    );
    let again = bob
        .post(&format!("/api/v1/invites/{code}"), &json!({}))
        .await?;
    let again: MyServer = expect_json(again, StatusCode::OK).await?;
    assert_eq!(
        again.role,
        Role::Guest,
        "accepting twice just opens the server"
    );
    Ok(())
}

#[tokio::test]
async fn regenerating_the_invite_retires_the_old_code() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let server = alice.create_server("Rotating").await?;
    let old = alice.invite_code(server.server.id).await?;
    let new: Invite = expect_json(
        alice
            .post(
                &format!("/api/v1/servers/{}/invite", server.server.id),
                &json!({}),
            )
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_ne!(old, new.code);
    let error = expect_error(
        bob.post(&format!("/api/v1/invites/{old}"), &json!({}))
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::NotFound);
    expect_error(
        bob.get(&format!("/api/v1/invites/{old}")).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    expect_json::<MyServer>(
        bob.post(&format!("/api/v1/invites/{}", new.code), &json!({}))
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn guests_cannot_see_or_regenerate_the_invite() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let server = alice.create_server("Club").await?;
    bob.join_via(&alice, server.server.id).await?;
    let path = format!("/api/v1/servers/{}/invite", server.server.id);
    expect_error(bob.get(&path).await?, StatusCode::FORBIDDEN).await?;
    expect_error(bob.post(&path, &json!({})).await?, StatusCode::FORBIDDEN).await?;
    Ok(())
}

#[tokio::test]
async fn guessing_invite_codes_is_rate_limited() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.invite_throttle.per_account = 5).await?;
    let (alice, _) = a_user(&app).await?;
    let (mallory, _) = a_user(&app).await?;
    let server = alice.create_server("Club").await?;
    let real = alice.invite_code(server.server.id).await?;
    for n in 0..5 {
        expect_error(
            mallory.get(&format!("/api/v1/invites/guess{n}")).await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
    }
    let response = mallory
        .post(&format!("/api/v1/invites/{real}"), &json!({}))
        .await?;
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        expect_error(response, StatusCode::TOO_MANY_REQUESTS)
            .await?
            .error,
        ErrorCode::RateLimited
    );
    Ok(())
}

#[tokio::test]
async fn signed_out_visitors_see_where_an_invite_leads_but_only_members_join() -> anyhow::Result<()>
{
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Club").await?;
    let code = alice.invite_code(server.server.id).await?;
    let visitor = app.client();
    let preview: InvitePreview = expect_json(
        visitor.get(&format!("/api/v1/invites/{code}")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(
        (preview.server.name.as_str(), preview.server.member_count),
        ("Club", 1)
    );
    expect_error(
        visitor
            .post(&format!("/api/v1/invites/{code}"), &json!({}))
            .await?,
        StatusCode::UNAUTHORIZED,
    )
    .await?;
    // A bad token is refused, not taken for "signed out".
    expect_error(
        visitor
            .with_bearer("pat_not-a-real-token")
            .get(&format!("/api/v1/invites/{code}"))
            .await?,
        StatusCode::UNAUTHORIZED,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn signed_out_guessing_of_invite_codes_is_rate_limited_by_address() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.invite_throttle.per_account = 3).await?;
    let visitor = app.client();
    for n in 0..3 {
        expect_error(
            visitor.get(&format!("/api/v1/invites/guess{n}")).await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
    }
    let response = visitor.get("/api/v1/invites/guess9").await?;
    assert!(response.headers().contains_key("retry-after"));
    expect_error(response, StatusCode::TOO_MANY_REQUESTS).await?;
    Ok(())
}
