use parley_shared::messages::{Message, Page};
use parley_shared::servers::Role;
use parley_tests::client::{Client, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

async fn newest(client: &Client, channel: Uuid) -> anyhow::Result<Message> {
    let page: Page<Message> = expect_json(
        client
            .get(&format!("/api/v1/channels/{channel}/messages?limit=1"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    page.items
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no message"))
}

#[tokio::test]
async fn mentions_resolve_to_members_only_and_everyone_only_from_moderators() -> anyhow::Result<()>
{
    let app = TestApp::spawn().await?;
    let (admin, admin_user) = a_user(&app).await?;
    let (guest, guest_user) = a_user(&app).await?;
    let (moderator, moderator_user) = a_user(&app).await?;
    let (_outsider, outsider_user) = a_user(&app).await?;
    let server = admin.create_server("Names").await?;
    guest.join_via(&admin, server.server.id).await?;
    moderator.join_via(&admin, server.server.id).await?;
    let promoted = admin
        .set_role(server.server.id, moderator_user.id, "moderator")
        .await?;
    assert_eq!(promoted.status(), StatusCode::OK);
    let channel = server.channels[0].id;

    // A guest names a member (in any case), an outsider, someone unknown, and everyone.
    let text = format!(
        "hi @{} and @{}, also @{} @nobody_here @everyone @admins, mail a@{} `@{}`",
        guest_user.username.to_uppercase(),
        admin_user.username,
        outsider_user.username,
        guest_user.username,
        moderator_user.username,
    );
    let sent = guest.send_message(channel, &text).await?;
    let mut expected = vec![admin_user.id, guest_user.id];
    expected.sort();
    assert_eq!(
        sent.mentions, expected,
        "members only, code and emails ignored"
    );
    assert!(!sent.mention_everyone, "a guest's @everyone stays text");
    assert!(sent.mention_roles.is_empty());
    assert_eq!(
        newest(&admin, channel).await?.mentions,
        expected,
        "as read back"
    );

    // A moderator's @here and @admins count.
    let loud = moderator
        .send_message(channel, "@here meeting, @admins too")
        .await?;
    assert!(loud.mention_everyone);
    assert_eq!(loud.mention_roles, vec![Role::Admin]);
    assert!(loud.mentions.is_empty());

    // Editing resolves again.
    let edited: Message = expect_json(
        moderator
            .patch(
                &format!("/api/v1/channels/{channel}/messages/{}", loud.id),
                &json!({"content": format!("just @{}", guest_user.username)}),
            )
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(edited.mentions, vec![guest_user.id]);
    assert!(!edited.mention_everyone);
    assert!(edited.mention_roles.is_empty());

    // Stored per mentioned user with the channel and seq, for mention badges.
    let rows = app
        .query(
            "SELECT message_id, seq FROM message_mentions WHERE user_id = ? AND channel_id = ?",
            vec![guest_user.id.into(), channel.into()],
        )
        .await?;
    let mut stored: Vec<i64> = rows
        .iter()
        .map(|row| row.try_get::<i64>("", "seq"))
        .collect::<Result<_, _>>()?;
    stored.sort();
    assert_eq!(
        stored,
        vec![sent.seq, loud.seq],
        "one row per message that names them"
    );
    Ok(())
}

#[tokio::test]
async fn conversations_resolve_mentions_to_their_people() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, alice_user) = a_user(&app).await?;
    let (bob, bob_user) = a_user(&app).await?;
    let (_carol, carol_user) = a_user(&app).await?;
    let server = alice.create_server("Shared").await?;
    bob.join_via(&alice, server.server.id).await?;
    let conversation: parley_shared::servers::Channel = expect_json(
        alice
            .post(
                "/api/v1/users/@me/channels",
                &json!({"recipient_ids": [bob_user.id]}),
            )
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    let sent = alice
        .send_message(
            conversation.id,
            &format!(
                "@{} @{} @{} @everyone",
                bob_user.username, carol_user.username, alice_user.username
            ),
        )
        .await?;
    let mut expected = vec![alice_user.id, bob_user.id];
    expected.sort();
    assert_eq!(sent.mentions, expected);
    assert!(!sent.mention_everyone, "no roles in a conversation");
    Ok(())
}
