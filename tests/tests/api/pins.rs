use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{Message, Page};
use parley_tests::client::{Client, expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

fn pin_path(channel: Uuid, message: Uuid) -> String {
    format!("/api/v1/channels/{channel}/pins/{message}")
}

async fn pins(client: &Client, channel: Uuid) -> anyhow::Result<Vec<Message>> {
    expect_json(
        client
            .get(&format!("/api/v1/channels/{channel}/pins"))
            .await?,
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn moderators_pin_up_to_fifty_and_the_changes_are_channel_events() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.send_burst = 1000;
        c.edit_burst = 1000;
    })
    .await?;
    let (admin, _) = a_user(&app).await?;
    let (guest, _) = a_user(&app).await?;
    let (outsider, _) = a_user(&app).await?;
    let server = admin.create_server("Board").await?;
    guest.join_via(&admin, server.server.id).await?;
    let channel = server.channels[0].id;
    let mut sent = Vec::new();
    for n in 0..51 {
        sent.push(admin.send_message(channel, &format!("note {n}")).await?);
    }
    let first = &sent[0];

    // A guest may not pin in a server; an outsider does not see the channel.
    expect_error(
        guest.put(&pin_path(channel, first.id), &json!({})).await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    expect_error(
        outsider
            .put(&pin_path(channel, first.id), &json!({}))
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    expect_error(
        outsider
            .get(&format!("/api/v1/channels/{channel}/pins"))
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;

    // Pinning twice is one change, one event.
    let last_seq = sent[50].seq;
    for _ in 0..2 {
        let response = admin.put(&pin_path(channel, first.id), &json!({})).await?;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let events: Page<ServerEvent> = expect_json(
        guest
            .get(&format!(
                "/api/v1/channels/{channel}/events?after_seq={last_seq}"
            ))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(
        events.items,
        vec![ServerEvent::PinsUpdate {
            channel_id: channel,
            seq: last_seq + 1,
            message_id: first.id,
            pinned: true
        }]
    );
    let listed = pins(&guest, channel).await?;
    assert_eq!(
        listed.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    assert!(listed[0].pinned);

    // Fifty at most.
    for message in &sent[1..50] {
        let response = admin
            .put(&pin_path(channel, message.id), &json!({}))
            .await?;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let error = expect_error(
        admin
            .put(&pin_path(channel, sent[50].id), &json!({}))
            .await?,
        StatusCode::CONFLICT,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::LimitReached);
    let listed = pins(&guest, channel).await?;
    assert_eq!(listed.len(), 50);
    assert_eq!(listed[0].id, sent[49].id, "the latest pinned first");

    // Unpinning makes room.
    let response = admin.delete(&pin_path(channel, first.id)).await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = admin
        .put(&pin_path(channel, sent[50].id), &json!({}))
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let page: Page<Message> = expect_json(
        guest
            .get(&format!("/api/v1/channels/{channel}/messages?limit=100"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    let pinned: Vec<bool> = page.items.iter().rev().map(|m| m.pinned).collect();
    assert!(
        !pinned[0] && pinned[1..].iter().all(|p| *p),
        "history shows what is pinned"
    );
    Ok(())
}

#[tokio::test]
async fn anyone_in_a_conversation_may_pin() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, bob_user) = a_user(&app).await?;
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
    let message = alice.send_message(conversation.id, "remember this").await?;
    let response = bob
        .put(&pin_path(conversation.id, message.id), &json!({}))
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(pins(&alice, conversation.id).await?.len(), 1);
    Ok(())
}
