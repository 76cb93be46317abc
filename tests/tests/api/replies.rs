use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{Message, Page};
use parley_tests::client::{Client, expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

async fn reply(
    client: &Client,
    channel: Uuid,
    parent: Uuid,
    content: &str,
) -> anyhow::Result<reqwest::Response> {
    let body = json!({"content": content, "nonce": Uuid::new_v4().to_string(), "reply_to": parent});
    client
        .post(&format!("/api/v1/channels/{channel}/messages"), &body)
        .await
}

async fn newest(client: &Client, channel: Uuid) -> anyhow::Result<Vec<Message>> {
    let page: Page<Message> = expect_json(
        client
            .get(&format!("/api/v1/channels/{channel}/messages"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    Ok(page.items)
}

#[tokio::test]
async fn a_reply_shows_its_parent_as_it_is_now_through_edits_and_deletion() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, alice_user) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let server = alice.create_server("Threads").await?;
    bob.join_via(&alice, server.server.id).await?;
    let channel = server.channels[0].id;
    let long = "é".repeat(150);
    let parent = alice.send_message(channel, &long).await?;

    let answer: Message = expect_json(
        reply(&bob, channel, parent.id, "agreed").await?,
        StatusCode::CREATED,
    )
    .await?;
    let preview = answer
        .reply_to
        .clone()
        .expect("the reply carries a preview");
    assert_eq!(preview.id, parent.id);
    assert_eq!(preview.author.id, alice_user.id);
    assert_eq!(preview.excerpt, format!("{}…", "é".repeat(100)));
    assert!(!preview.deleted);
    assert!(parent.reply_to.is_none());

    // The event others receive (and replay) carries it too.
    let events: Page<ServerEvent> = expect_json(
        alice
            .get(&format!("/api/v1/channels/{channel}/events?after_seq=1"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert!(
        matches!(&events.items[0], ServerEvent::MessageCreate { message, .. } if message.reply_to.as_ref().map(|p| p.id) == Some(parent.id)),
        "{:?}",
        events.items
    );

    // The parent is edited: the history shows the new words.
    expect_json::<Message>(
        alice
            .patch(
                &format!("/api/v1/channels/{channel}/messages/{}", parent.id),
                &json!({"content": "short now"}),
            )
            .await?,
        StatusCode::OK,
    )
    .await?;
    let items = newest(&bob, channel).await?;
    let shown = items.iter().find(|m| m.id == answer.id).expect("listed");
    assert_eq!(
        shown.reply_to.as_ref().map(|p| p.excerpt.as_str()),
        Some("short now")
    );

    // Editing the reply keeps its parent.
    let edited: Message = expect_json(
        bob.patch(
            &format!("/api/v1/channels/{channel}/messages/{}", answer.id),
            &json!({"content": "agreed, edited"}),
        )
        .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(edited.reply_to.as_ref().map(|p| p.id), Some(parent.id));

    // The parent is deleted: the preview says so and shows nothing of it.
    let deleted = alice
        .delete(&format!(
            "/api/v1/channels/{channel}/messages/{}",
            parent.id
        ))
        .await?;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let items = newest(&bob, channel).await?;
    let shown = items.iter().find(|m| m.id == answer.id).expect("listed");
    let preview = shown.reply_to.as_ref().expect("still a reply");
    assert!(preview.deleted);
    assert_eq!(preview.excerpt, "");

    // Replying to a deleted message is still a reply to a message of the channel.
    let late: Message = expect_json(
        reply(&bob, channel, parent.id, "too late").await?,
        StatusCode::CREATED,
    )
    .await?;
    assert!(late.reply_to.is_some_and(|p| p.deleted));
    Ok(())
}

#[tokio::test]
async fn replies_across_channels_or_to_unknown_messages_are_refused() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Rooms").await?;
    let general = server.channels[0].id;
    let other: parley_shared::servers::Channel = expect_json(
        alice
            .post(
                &format!("/api/v1/servers/{}/channels", server.server.id),
                &json!({"name": "other", "kind": "text"}),
            )
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    let parent = alice.send_message(general, "over here").await?;
    for target in [parent.id, Uuid::now_v7()] {
        let error = expect_error(
            reply(&alice, other.id, target, "over there").await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
        assert_eq!(error.error, ErrorCode::ValidationFailed);
        assert!(error.fields.contains_key("reply_to"), "{error:?}");
    }
    assert!(newest(&alice, other.id).await?.is_empty(), "nothing stored");
    Ok(())
}

async fn around(
    client: &Client,
    channel: Uuid,
    message: Uuid,
    limit: u32,
) -> anyhow::Result<Page<Message>> {
    expect_json(
        client
            .get(&format!(
                "/api/v1/channels/{channel}/messages?around={message}&limit={limit}"
            ))
            .await?,
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn around_pages_centre_on_a_message_at_the_start_middle_and_end_of_a_long_channel()
-> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.send_rate = 100_000;
        c.send_burst = 100_000;
    })
    .await?;
    let (alice, _) = a_user(&app).await?;
    let (outsider, _) = a_user(&app).await?;
    let server = alice.create_server("Long").await?;
    let channel = server.channels[0].id;
    const TOTAL: i64 = 2_000;
    let mut ids = Vec::new();
    for n in 1..=TOTAL {
        ids.push(
            alice
                .send_message(channel, &format!("message {n}"))
                .await?
                .id,
        );
    }
    let seqs = |page: &Page<Message>| page.items.iter().map(|m| m.seq).collect::<Vec<_>>();

    // The middle (seq 1000): 25 older, the message itself and 24 newer, newest first.
    let middle = around(&alice, channel, ids[999], 50).await?;
    assert_eq!(seqs(&middle), (975..=1024).rev().collect::<Vec<_>>());
    // Both cursors continue without a gap or an overlap.
    let older: Page<Message> = expect_json(
        alice
            .get(&format!(
                "/api/v1/channels/{channel}/messages?limit=3&before={}",
                middle.next_cursor.clone().expect("older ones exist")
            ))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(seqs(&older), vec![974, 973, 972]);
    let newer: Page<Message> = expect_json(
        alice
            .get(&format!(
                "/api/v1/channels/{channel}/messages?limit=3&after={}",
                middle.newer_cursor.clone().expect("newer ones exist")
            ))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(seqs(&newer), vec![1025, 1026, 1027]);

    // The start: nothing older, so the page fills with newer ones.
    let start = around(&alice, channel, ids[0], 50).await?;
    assert_eq!(seqs(&start), (1..=50).rev().collect::<Vec<_>>());
    assert!(start.next_cursor.is_none());
    assert!(start.newer_cursor.is_some());
    let near_start = around(&alice, channel, ids[2], 10).await?;
    assert_eq!(seqs(&near_start), (1..=10).rev().collect::<Vec<_>>());

    // The end: nothing newer, so the page fills with older ones.
    let end = around(&alice, channel, ids[1999], 50).await?;
    assert_eq!(seqs(&end), (1951..=2000).rev().collect::<Vec<_>>());
    assert!(end.newer_cursor.is_none());
    assert!(end.next_cursor.is_some());
    let odd = around(&alice, channel, ids[1997], 7).await?;
    assert_eq!(seqs(&odd), (1994..=2000).rev().collect::<Vec<_>>());

    // A message elsewhere, or a caller who is not a member: 404; mixed cursors: 422.
    let elsewhere = alice.create_server("Elsewhere").await?;
    let stray = alice
        .send_message(elsewhere.channels[0].id, "not here")
        .await?;
    for (client, target) in [
        (&alice, stray.id),
        (&alice, Uuid::now_v7()),
        (&outsider, ids[5]),
    ] {
        expect_error(
            client
                .get(&format!(
                    "/api/v1/channels/{channel}/messages?around={target}"
                ))
                .await?,
            StatusCode::NOT_FOUND,
        )
        .await?;
    }
    for query in [
        format!("around={}&before=czE", ids[5]),
        "around=nope".to_owned(),
    ] {
        let response = alice
            .get(&format!("/api/v1/channels/{channel}/messages?{query}"))
            .await?;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}"
        );
    }
    Ok(())
}
