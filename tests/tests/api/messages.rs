use std::collections::HashSet;

use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{DELETED_CONTENT, Message, MessageEdit, Page};
use parley_tests::client::{expect_error, expect_json};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn pages_cover_thousands_of_messages_in_both_directions_without_gaps() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.send_rate = 100_000;
        c.send_burst = 100_000;
    })
    .await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Busy").await?;
    let channel = server.channels[0].id;
    const TOTAL: usize = 2_000;
    for n in 0..TOTAL {
        alice.send_message(channel, &format!("message {n}")).await?;
    }

    // Backwards from the newest, 97 at a time (an odd size, so the last page is partial).
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/channels/{channel}/messages?limit=97&before={c}"),
            None => format!("/api/v1/channels/{channel}/messages?limit=97"),
        };
        let page: Page<Message> = expect_json(alice.get(&path).await?, StatusCode::OK).await?;
        seen.extend(page.items.iter().map(|m| m.seq));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<i64> = (1..=TOTAL as i64).rev().collect();
    assert_eq!(seen, expected, "newest first, every message once");

    // Forwards from the oldest page's cursor.
    let first: Page<Message> = expect_json(
        alice
            .get(&format!(
                "/api/v1/channels/{channel}/messages?limit=1&after={}",
                encode(0)
            ))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(first.items[0].seq, 1);
    let mut forward = vec![1];
    let mut cursor = first.next_cursor;
    while let Some(c) = cursor {
        let page: Page<Message> = expect_json(
            alice
                .get(&format!(
                    "/api/v1/channels/{channel}/messages?limit=100&after={c}"
                ))
                .await?,
            StatusCode::OK,
        )
        .await?;
        forward.extend(page.items.iter().map(|m| m.seq));
        cursor = page.next_cursor;
    }
    assert_eq!(
        forward,
        (1..=TOTAL as i64).collect::<Vec<_>>(),
        "oldest first, every message once"
    );
    Ok(())
}

/// The cursor for "after seq n", as the server spells cursors (tests may know the format).
fn encode(seq: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("s{seq}"))
}

#[tokio::test]
async fn a_repeated_nonce_returns_the_same_message_even_under_concurrent_retries()
-> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.send_burst = 1000).await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Retries").await?;
    let channel = server.channels[0].id;
    let body = json!({"content": "exactly once", "nonce": "nonce-1"});
    let path = format!("/api/v1/channels/{channel}/messages");
    let attempts = (0..12).map(|_| alice.post(&path, &body));
    let responses = futures_util::future::join_all(attempts).await;
    let mut statuses = Vec::new();
    let mut ids = HashSet::new();
    for response in responses {
        let response = response?;
        statuses.push(response.status());
        let message: Message = response.json().await?;
        ids.insert(message.id);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        11
    );
    assert_eq!(ids.len(), 1);
    let page: Page<Message> = expect_json(alice.get(&path).await?, StatusCode::OK).await?;
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].seq, 1, "no seq was spent on the retries");
    Ok(())
}

#[tokio::test]
async fn messages_are_validated() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Strict").await?;
    let path = format!("/api/v1/channels/{}/messages", server.channels[0].id);
    for (body, field) in [
        (json!({"content": "   ", "nonce": "a"}), "content"),
        (
            json!({"content": "x".repeat(4001), "nonce": "b"}),
            "content",
        ),
        (json!({"content": "hi", "nonce": ""}), "nonce"),
        (json!({"content": "hi"}), "nonce"),
    ] {
        let error = expect_error(
            alice.post(&path, &body).await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
        assert!(error.fields.contains_key(field), "{body}: {error:?}");
    }
    let ok = alice
        .post(
            &path,
            &json!({"content": format!("  {}  ", "é".repeat(4000)), "nonce": "c"}),
        )
        .await?;
    assert_eq!(
        ok.status(),
        StatusCode::CREATED,
        "4,000 characters, counted as characters"
    );
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "before=bogus",
        "before=czE&after=czE",
    ] {
        let response = alice.get(&format!("{path}?{query}")).await?;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}"
        );
    }
    let page: Page<Message> = expect_json(alice.get(&path).await?, StatusCode::OK).await?;
    assert_eq!(page.items.len(), 1, "refused messages stored nothing");
    Ok(())
}

#[tokio::test]
async fn edits_and_deletes_follow_roles_and_keep_history_for_moderators() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (admin, _) = a_user(&app).await?;
    let (moderator, moderator_user) = a_user(&app).await?;
    let (author, _) = a_user(&app).await?;
    let (other, _) = a_user(&app).await?;
    let (outsider, _) = a_user(&app).await?;
    let server = admin.create_server("Club").await?;
    let id = server.server.id;
    for who in [&moderator, &author, &other] {
        who.join_via(&admin, id).await?;
    }
    admin.set_role(id, moderator_user.id, "moderator").await?;
    let channel = server.channels[0].id;
    let message = author.send_message(channel, "first draft").await?;
    let path = format!("/api/v1/channels/{channel}/messages/{}", message.id);

    // Only the author edits.
    for who in [&admin, &moderator, &other] {
        expect_error(
            who.patch(&path, &json!({"content": "hijacked"})).await?,
            StatusCode::FORBIDDEN,
        )
        .await?;
    }
    expect_error(
        outsider.patch(&path, &json!({"content": "x"})).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    let edited: Message = expect_json(
        author
            .patch(&path, &json!({"content": "second draft"}))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(edited.content, "second draft");
    assert!(edited.edited_at.is_some());
    assert_eq!(edited.seq, message.seq, "an edit keeps the message's place");

    // Guests delete only their own; outsiders see nothing.
    expect_error(other.delete(&path).await?, StatusCode::FORBIDDEN).await?;
    expect_error(outsider.delete(&path).await?, StatusCode::NOT_FOUND).await?;
    expect_error(
        outsider
            .get(&format!("/api/v1/channels/{channel}/messages"))
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    expect_error(
        outsider
            .post(
                &format!("/api/v1/channels/{channel}/messages"),
                &json!({"content": "hi", "nonce": "n"}),
            )
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;

    // History is for moderators and admins.
    expect_error(
        author.get(&format!("{path}/edits")).await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    let history: Vec<MessageEdit> = expect_json(
        moderator.get(&format!("{path}/edits")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(
        history
            .iter()
            .map(|e| e.content.as_str())
            .collect::<Vec<_>>(),
        ["first draft"]
    );

    // A moderator deletes someone else's message: it stays, marked deleted.
    assert_eq!(
        moderator.delete(&path).await?.status(),
        StatusCode::NO_CONTENT
    );
    let page: Page<Message> = expect_json(
        other
            .get(&format!("/api/v1/channels/{channel}/messages"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(page.items.len(), 1);
    assert!(page.items[0].deleted);
    assert_eq!(page.items[0].content, DELETED_CONTENT);
    let history: Vec<MessageEdit> =
        expect_json(admin.get(&format!("{path}/edits")).await?, StatusCode::OK).await?;
    assert_eq!(
        history
            .iter()
            .map(|e| e.content.as_str())
            .collect::<Vec<_>>(),
        ["first draft", "second draft"]
    );
    expect_error(
        author.patch(&path, &json!({"content": "revived"})).await?,
        StatusCode::FORBIDDEN,
    )
    .await?;

    // Moderators remove any message, an admin's too (role order limits kicks and role changes,
    // not removing a message); the history says who removed it. Reading a superior's edit
    // history stays theirs.
    let admins = admin.send_message(channel, "from the top").await?;
    let admins_path = format!("/api/v1/channels/{channel}/messages/{}", admins.id);
    expect_error(
        moderator.get(&format!("{admins_path}/edits")).await?,
        StatusCode::FORBIDDEN,
    )
    .await?;
    assert_eq!(
        moderator.delete(&admins_path).await?.status(),
        StatusCode::NO_CONTENT
    );
    let history: Vec<MessageEdit> = expect_json(
        admin.get(&format!("{admins_path}/edits")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].content, "from the top");
    assert_eq!(history[0].replaced_by, moderator_user.id);

    // Authors delete their own; admins delete anyone's.
    let own = author.send_message(channel, "mine").await?;
    assert_eq!(
        author
            .delete(&format!("/api/v1/channels/{channel}/messages/{}", own.id))
            .await?
            .status(),
        StatusCode::NO_CONTENT
    );
    let theirs = other.send_message(channel, "theirs").await?;
    assert_eq!(
        admin
            .delete(&format!(
                "/api/v1/channels/{channel}/messages/{}",
                theirs.id
            ))
            .await?
            .status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        admin
            .delete(&format!(
                "/api/v1/channels/{channel}/messages/{}",
                Uuid::now_v7()
            ))
            .await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn the_event_log_replays_changes_in_seq_order() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Log").await?;
    let channel = server.channels[0].id;
    let a = alice.send_message(channel, "a").await?;
    let b = alice.send_message(channel, "b").await?;
    let edited = alice
        .patch(
            &format!("/api/v1/channels/{channel}/messages/{}", a.id),
            &json!({"content": "a2"}),
        )
        .await?;
    expect_json::<Message>(edited, StatusCode::OK).await?;
    let deleted = alice
        .delete(&format!("/api/v1/channels/{channel}/messages/{}", b.id))
        .await?;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let page: Page<ServerEvent> = expect_json(
        alice
            .get(&format!("/api/v1/channels/{channel}/events?after_seq=1"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    let kinds: Vec<_> = page
        .items
        .iter()
        .map(|e| match e {
            ServerEvent::MessageCreate { seq, .. } => ("create", *seq),
            ServerEvent::MessageUpdate { seq, .. } => ("update", *seq),
            ServerEvent::MessageDelete { seq, .. } => ("delete", *seq),
            _ => ("other", 0),
        })
        .collect();
    assert_eq!(kinds, [("create", 2), ("update", 3), ("delete", 4)]);
    let none: Page<ServerEvent> = expect_json(
        alice
            .get(&format!("/api/v1/channels/{channel}/events?after_seq=4"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert!(none.items.is_empty());

    // Events past retention are gone: asking for them says to reload instead.
    use sea_orm::ConnectionTrait;
    let db = app.database().await?;
    db.execute_unprepared("DELETE FROM channel_events WHERE seq < 3")
        .await?;
    let response = alice
        .get(&format!("/api/v1/channels/{channel}/events?after_seq=0"))
        .await?;
    assert_eq!(
        expect_error(response, StatusCode::GONE).await?.error,
        ErrorCode::ResyncRequired
    );
    let recent: Page<ServerEvent> = expect_json(
        alice
            .get(&format!("/api/v1/channels/{channel}/events?after_seq=2"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(recent.items.len(), 2);
    Ok(())
}

#[tokio::test]
async fn sending_too_fast_is_rate_limited_with_retry_after() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.send_rate = 1;
        c.send_burst = 3;
    })
    .await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Slow").await?;
    let channel = server.channels[0].id;
    for n in 0..3 {
        alice.send_message(channel, &format!("{n}")).await?;
    }
    let response = alice
        .post(
            &format!("/api/v1/channels/{channel}/messages"),
            &json!({"content": "one too many", "nonce": "x"}),
        )
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
async fn messages_can_only_be_sent_to_text_channels() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Voice").await?;
    let voice: parley_shared::servers::Channel = expect_json(
        alice
            .post(
                &format!("/api/v1/servers/{}/channels", server.server.id),
                &json!({"name": "Lounge", "kind": "audio"}),
            )
            .await?,
        StatusCode::CREATED,
    )
    .await?;
    let response = alice
        .post(
            &format!("/api/v1/channels/{}/messages", voice.id),
            &json!({"content": "hi", "nonce": "n"}),
        )
        .await?;
    expect_error(response, StatusCode::FORBIDDEN).await?;
    Ok(())
}

#[tokio::test]
async fn editing_too_fast_is_rate_limited_with_retry_after() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.edit_rate = 1;
        c.edit_burst = 3;
    })
    .await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Edits").await?;
    let channel = server.channels[0].id;
    let message = alice.send_message(channel, "v0").await?;
    let path = format!("/api/v1/channels/{channel}/messages/{}", message.id);
    for n in 1..=3 {
        let response = alice
            .patch(&path, &json!({"content": format!("v{n}")}))
            .await?;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = alice.patch(&path, &json!({"content": "v4"})).await?;
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        expect_error(response, StatusCode::TOO_MANY_REQUESTS)
            .await?
            .error,
        ErrorCode::RateLimited
    );
    Ok(())
}
