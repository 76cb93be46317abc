//! Bans: a ban removes the member at once and keeps them out of every door (invites, discovery)
//! until a moderator lifts it; role order decides who bans whom.

use std::time::Duration;

use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::servers::Ban;
use parley_tests::client::{expect_error, expect_json};
use parley_tests::gateway::Gateway;
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn a_banned_member_is_removed_and_cannot_come_back_until_unbanned() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (admin, _) = a_user(&app).await?;
    let (moderator, moderator_user) = a_user(&app).await?;
    let (troll, troll_user) = a_user(&app).await?;
    let server = admin.create_server("Bannable").await?;
    let id = server.server.id;
    admin
        .patch(
            &format!("/api/v1/servers/{id}"),
            &json!({"discoverable": true}),
        )
        .await?;
    moderator.join_via(&admin, id).await?;
    admin.set_role(id, moderator_user.id, "moderator").await?;
    troll.join_via(&admin, id).await?;
    let mut trolls = Gateway::connect(&troll).await?;

    let banned = moderator
        .put(
            &format!("/api/v1/servers/{id}/bans/{}", troll_user.id),
            &json!({"reason": "spam"}),
        )
        .await?;
    assert_eq!(banned.status(), StatusCode::NO_CONTENT);
    // Kicked at once: told, then no longer a member.
    trolls
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::MemberRemove { user_id, .. } if *user_id == troll_user.id),
        )
        .await?;
    expect_error(
        troll.get(&format!("/api/v1/servers/{id}")).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;

    // No door lets them back in.
    let code = admin.invite_code(id).await?;
    let error = expect_error(
        troll
            .post(&format!("/api/v1/invites/{code}"), &json!({}))
            .await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::Banned);
    let error = expect_error(
        troll
            .put(&format!("/api/v1/servers/{id}/members/@me"), &json!({}))
            .await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::Banned);
    let listed: Vec<parley_shared::servers::ServerPreview> =
        expect_json(troll.get("/api/v1/servers/discover").await?, StatusCode::OK).await?;
    assert!(listed.iter().all(|s| s.id != id), "not listed for them");
    let listed: Vec<parley_shared::servers::ServerPreview> =
        expect_json(admin.get("/api/v1/servers/discover").await?, StatusCode::OK).await?;
    assert!(listed.iter().any(|s| s.id == id), "still listed for others");

    // Moderators see the list; guests do not.
    let bans: Vec<Ban> = expect_json(
        moderator.get(&format!("/api/v1/servers/{id}/bans")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(bans.len(), 1);
    assert_eq!(bans[0].user.id, troll_user.id);
    assert_eq!(bans[0].reason.as_deref(), Some("spam"));
    assert_eq!(bans[0].banned_by, Some(moderator_user.id));

    // Lifted: the invite works again.
    let lifted = moderator
        .delete(&format!("/api/v1/servers/{id}/bans/{}", troll_user.id))
        .await?;
    assert_eq!(lifted.status(), StatusCode::NO_CONTENT);
    let rejoined = troll
        .post(&format!("/api/v1/invites/{code}"), &json!({}))
        .await?;
    assert_eq!(rejoined.status(), StatusCode::CREATED);
    expect_error(
        moderator
            .delete(&format!("/api/v1/servers/{id}/bans/{}", troll_user.id))
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn bans_follow_role_order() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (admin, admin_user) = a_user(&app).await?;
    let (moderator, moderator_user) = a_user(&app).await?;
    let (other_moderator, other_moderator_user) = a_user(&app).await?;
    let (guest, _) = a_user(&app).await?;
    let (stranger, stranger_user) = a_user(&app).await?;
    let server = admin.create_server("Order").await?;
    let id = server.server.id;
    for who in [&moderator, &other_moderator, &guest] {
        who.join_via(&admin, id).await?;
    }
    admin.set_role(id, moderator_user.id, "moderator").await?;
    admin
        .set_role(id, other_moderator_user.id, "moderator")
        .await?;
    let ban = |who: &parley_tests::Client, target: uuid::Uuid| {
        let who = who.clone();
        async move {
            who.put(&format!("/api/v1/servers/{id}/bans/{target}"), &json!({}))
                .await
        }
    };
    for (actor, target) in [
        (&guest, stranger_user.id),
        (&moderator, other_moderator_user.id),
        (&moderator, admin_user.id),
        (&moderator, moderator_user.id),
    ] {
        expect_error(ban(actor, target).await?, StatusCode::FORBIDDEN).await?;
    }
    expect_error(
        guest.get(&format!("/api/v1/servers/{id}/bans")).await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    expect_error(
        stranger.get(&format!("/api/v1/servers/{id}/bans")).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    // Someone who never joined can be banned ahead of time; admins ban moderators.
    assert_eq!(
        ban(&moderator, stranger_user.id).await?.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ban(&admin, other_moderator_user.id).await?.status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        ban(&moderator, uuid::Uuid::now_v7()).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    let error = expect_error(
        stranger
            .post(
                &format!("/api/v1/invites/{}", admin.invite_code(id).await?),
                &json!({}),
            )
            .await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::Banned);
    Ok(())
}
