use std::time::Duration;

use parley_shared::ErrorCode;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{Message, Page};
use parley_shared::reactions::Reaction;
use parley_shared::users::User;
use parley_tests::client::{Client, expect_error, expect_json};
use parley_tests::gateway::Gateway;
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use uuid::Uuid;

/// Percent-encodes every byte but ASCII letters and digits, as a path segment allows.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The path of your reaction, the emoji percent-encoded as a client would.
fn mine(channel: Uuid, message: Uuid, emoji: &str) -> String {
    format!(
        "/api/v1/channels/{channel}/messages/{message}/reactions/{}/@me",
        encode(emoji)
    )
}

async fn react(
    client: &Client,
    channel: Uuid,
    message: Uuid,
    emoji: &str,
) -> anyhow::Result<StatusCode> {
    Ok(client
        .put(&mine(channel, message, emoji), &serde_json::json!({}))
        .await?
        .status())
}

async fn unreact(
    client: &Client,
    channel: Uuid,
    message: Uuid,
    emoji: &str,
) -> anyhow::Result<StatusCode> {
    Ok(client
        .delete(&mine(channel, message, emoji))
        .await?
        .status())
}

async fn reactions_seen_by(
    client: &Client,
    channel: Uuid,
    message: Uuid,
) -> anyhow::Result<Vec<Reaction>> {
    let page: Page<Message> = expect_json(
        client
            .get(&format!("/api/v1/channels/{channel}/messages"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    Ok(page
        .items
        .into_iter()
        .find(|m| m.id == message)
        .map(|m| m.reactions)
        .unwrap_or_default())
}

fn reaction(emoji: &str, count: u32, me: bool) -> Reaction {
    Reaction {
        emoji: emoji.into(),
        count,
        me,
    }
}

#[tokio::test]
async fn reactions_are_idempotent_aggregated_per_viewer_live_and_replayable() -> anyhow::Result<()>
{
    let app = TestApp::spawn().await?;
    let (alice, alice_user) = a_user(&app).await?;
    let (bob, bob_user) = a_user(&app).await?;
    let server = alice.create_server("Fans").await?;
    bob.join_via(&alice, server.server.id).await?;
    let channel = server.channels[0].id;
    let message = alice.send_message(channel, "react to me").await?;
    let mut alices_socket = Gateway::connect(&alice).await?;

    assert_eq!(
        react(&bob, channel, message.id, "👍").await?,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        react(&bob, channel, message.id, "👍").await?,
        StatusCode::NO_CONTENT
    );
    let live = alices_socket
        .wait_for(Duration::from_secs(5), |e| {
            matches!(e, ServerEvent::ReactionAdd { .. })
        })
        .await?;
    assert!(
        matches!(&live, ServerEvent::ReactionAdd { message_id, user_id, emoji, .. } if *message_id == message.id && *user_id == bob_user.id && emoji == "👍"),
        "{live:?}"
    );
    assert_eq!(
        react(&alice, channel, message.id, "👍").await?,
        StatusCode::NO_CONTENT
    );
    // Without its variation selector, the heart is the same reaction as with it.
    assert_eq!(
        react(&alice, channel, message.id, "❤").await?,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        react(&bob, channel, message.id, "❤️").await?,
        StatusCode::NO_CONTENT
    );

    assert_eq!(
        reactions_seen_by(&bob, channel, message.id).await?,
        vec![reaction("👍", 2, true), reaction("❤️", 2, true)]
    );
    assert_eq!(
        unreact(&bob, channel, message.id, "👍").await?,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        unreact(&bob, channel, message.id, "👍").await?,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        reactions_seen_by(&bob, channel, message.id).await?,
        vec![reaction("👍", 1, false), reaction("❤️", 2, true)]
    );
    assert_eq!(
        reactions_seen_by(&alice, channel, message.id).await?,
        vec![reaction("👍", 1, true), reaction("❤️", 2, true)]
    );

    // Who reacted is its own list.
    let who: Page<User> = expect_json(
        bob.get(&format!(
            "/api/v1/channels/{channel}/messages/{}/reactions/{}",
            message.id,
            encode("❤️")
        ))
        .await?,
        StatusCode::OK,
    )
    .await?;
    let mut ids: Vec<Uuid> = who.items.iter().map(|u| u.id).collect();
    ids.sort();
    let mut expected = vec![alice_user.id, bob_user.id];
    expected.sort();
    assert_eq!(ids, expected);

    // The log holds exactly the changes, each with its own seq: repeats left no trace.
    let events: Page<ServerEvent> = expect_json(
        bob.get(&format!(
            "/api/v1/channels/{channel}/events?after_seq={}",
            message.seq
        ))
        .await?,
        StatusCode::OK,
    )
    .await?;
    let changes: Vec<(String, Uuid, String, i64)> = events
        .items
        .iter()
        .map(|e| match e {
            ServerEvent::ReactionAdd {
                user_id,
                emoji,
                seq,
                ..
            } => ("add".into(), *user_id, emoji.clone(), *seq),
            ServerEvent::ReactionRemove {
                user_id,
                emoji,
                seq,
                ..
            } => ("remove".into(), *user_id, emoji.clone(), *seq),
            other => ("other".into(), Uuid::nil(), format!("{other:?}"), 0),
        })
        .collect();
    let s = message.seq;
    assert_eq!(
        changes,
        vec![
            ("add".into(), bob_user.id, "👍".into(), s + 1),
            ("add".into(), alice_user.id, "👍".into(), s + 2),
            ("add".into(), alice_user.id, "❤️".into(), s + 3),
            ("add".into(), bob_user.id, "❤️".into(), s + 4),
            ("remove".into(), bob_user.id, "👍".into(), s + 5),
        ]
    );
    Ok(())
}

#[tokio::test]
async fn reactions_refuse_text_outsiders_and_deleted_messages() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (outsider, _) = a_user(&app).await?;
    let server = alice.create_server("Picky").await?;
    let channel = server.channels[0].id;
    let message = alice.send_message(channel, "hello").await?;
    for text in ["a", "ok", "👍👍", ":smile:", "👍x", "1", "<script>"] {
        let error = expect_error(
            alice
                .put(&mine(channel, message.id, text), &serde_json::json!({}))
                .await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
        assert!(error.fields.contains_key("emoji"), "{text}: {error:?}");
    }
    for status in [
        react(&outsider, channel, message.id, "👍").await?,
        unreact(&outsider, channel, message.id, "👍").await?,
        react(&alice, channel, Uuid::now_v7(), "👍").await?,
        outsider
            .get(&format!(
                "/api/v1/channels/{channel}/messages/{}/reactions/{}",
                message.id,
                encode("👍")
            ))
            .await?
            .status(),
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let response = alice
        .delete(&format!(
            "/api/v1/channels/{channel}/messages/{}",
            message.id
        ))
        .await?;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        react(&alice, channel, message.id, "👍").await?,
        StatusCode::FORBIDDEN
    );
    Ok(())
}

#[tokio::test]
async fn twenty_people_reacting_at_once_are_all_counted_and_twenty_emoji_is_the_limit()
-> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.edit_burst = 100).await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Crowd").await?;
    let channel = server.channels[0].id;
    let message = alice.send_message(channel, "vote").await?;
    let mut crowd = Vec::new();
    for _ in 0..20 {
        let (who, _) = a_user(&app).await?;
        who.join_via(&alice, server.server.id).await?;
        crowd.push(who);
    }
    let adds = crowd
        .iter()
        .map(|who| react(who, channel, message.id, "🎉"));
    for status in futures_util::future::join_all(adds).await {
        assert_eq!(status?, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        reactions_seen_by(&alice, channel, message.id).await?,
        vec![reaction("🎉", 20, false)]
    );
    // Every seq taken once, in order, with nothing lost between.
    let events: Page<ServerEvent> = expect_json(
        alice
            .get(&format!(
                "/api/v1/channels/{channel}/events?after_seq={}",
                message.seq
            ))
            .await?,
        StatusCode::OK,
    )
    .await?;
    let seqs: Vec<i64> = events
        .items
        .iter()
        .filter_map(|e| e.channel_seq())
        .map(|(_, s)| s)
        .collect();
    assert_eq!(
        seqs,
        ((message.seq + 1)..=(message.seq + 20)).collect::<Vec<_>>()
    );

    // Half take theirs back while the other half press again (a no-op): 10 remain.
    let toggles = crowd.iter().enumerate().map(|(i, who)| async move {
        if i % 2 == 0 {
            unreact(who, channel, message.id, "🎉").await
        } else {
            react(who, channel, message.id, "🎉").await
        }
    });
    for status in futures_util::future::join_all(toggles).await {
        assert_eq!(status?, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        reactions_seen_by(&alice, channel, message.id).await?,
        vec![reaction("🎉", 10, false)]
    );

    // Twenty different emoji, then no more; an emoji already there still takes more people.
    let emoji = [
        "😀", "😂", "😍", "😎", "🤔", "😢", "😡", "👍", "👎", "👏", "🙏", "🔥", "💯", "✅", "❌",
        "🚀", "🍕", "☕",
    ];
    let adds = emoji.iter().map(|e| react(&alice, channel, message.id, e));
    for status in futures_util::future::join_all(adds).await {
        assert_eq!(status?, StatusCode::NO_CONTENT);
    }
    assert_eq!(
        react(&alice, channel, message.id, "🌈").await?,
        StatusCode::NO_CONTENT
    );
    let error = expect_error(
        crowd[0]
            .put(&mine(channel, message.id, "🐢"), &serde_json::json!({}))
            .await?,
        StatusCode::CONFLICT,
    )
    .await?;
    assert_eq!(error.error, ErrorCode::LimitReached);
    assert_eq!(
        react(&crowd[0], channel, message.id, "🍕").await?,
        StatusCode::NO_CONTENT
    );
    let shown = reactions_seen_by(&crowd[0], channel, message.id).await?;
    assert_eq!(shown.len(), 20);
    assert!(shown.contains(&reaction("🍕", 2, true)));

    // Who reacted with 🎉, seven at a time, each once.
    let mut people = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = format!(
            "/api/v1/channels/{channel}/messages/{}/reactions/{}?limit=7{}",
            message.id,
            encode("🎉"),
            after
                .as_ref()
                .map(|a| format!("&after={a}"))
                .unwrap_or_default()
        );
        let page: Page<User> = expect_json(alice.get(&path).await?, StatusCode::OK).await?;
        people.extend(page.items.into_iter().map(|u| u.id));
        match page.next_cursor {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(people.len(), 10);
    let mut unique = people.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique, people, "ordered by id, none twice");
    Ok(())
}

#[tokio::test]
async fn shortcodes_become_emoji_when_sent_and_pickers_get_the_whole_list() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Codes").await?;
    let channel = server.channels[0].id;
    let sent = alice
        .send_message(channel, "ship it :tada: but not `:tada:` or :unknown:")
        .await?;
    assert_eq!(sent.content, "ship it 🎉 but not `:tada:` or :unknown:");

    let catalogue: parley_shared::reactions::EmojiCatalogue =
        expect_json(alice.get("/api/v1/emoji").await?, StatusCode::OK).await?;
    assert_eq!(catalogue.groups.len(), 9);
    let all: Vec<_> = catalogue
        .groups
        .iter()
        .flat_map(|g| g.emoji.iter())
        .collect();
    assert!(all.len() > 1_500, "{} emoji", all.len());
    let party = all.iter().find(|e| e.emoji == "🎉").expect("listed");
    assert_eq!(party.name, "party popper");
    assert!(party.shortcodes.iter().any(|s| s == "tada"));
    let anonymous = app.client().get("/api/v1/emoji").await?;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}
