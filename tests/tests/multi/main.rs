//! Several instances of the server on one PostgreSQL database, joined by Redis, as behind a load
//! balancer without sticky sessions: what happens through one instance reaches the clients of
//! the other, and a Redis outage loses and doubles nothing.
//!
//! Needs `PARLEY_TEST_POSTGRES_URL` and `PARLEY_TEST_REDIS_URL` (`cargo xtask test` sets both
//! where PostgreSQL and Redis are available; CI has them), and Debian's `redis-server` for the
//! outage test, which runs a Redis of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use parley_shared::events::ServerEvent;
use parley_shared::messages::{Message, Page};
use parley_tests::client::expect_json;
use parley_tests::gateway::Gateway;
use parley_tests::redis_server::RedisServer;
use parley_tests::{REDIS_ENV, TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(5);

fn redis_url() -> anyhow::Result<String> {
    std::env::var(REDIS_ENV)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| anyhow::anyhow!("set {REDIS_ENV} (e.g. redis://127.0.0.1:6379)"))
}

#[tokio::test]
async fn messages_edits_and_deletes_cross_instances() -> anyhow::Result<()> {
    let (one, two) = TestApp::spawn_pair(&redis_url()?).await?;
    let (alice, _) = a_user(&one).await?;
    let (bob, _) = a_user(&one).await?;
    let server = alice.create_server("Spread").await?;
    bob.join_via(&alice, server.server.id).await?;
    let channel = server.channels[0].id;
    // Bob's socket is on the second instance; Alice writes through the first.
    let mut bobs = Gateway::connect(&bob.at(&two)).await?;

    let sent = alice.send_message(channel, "across").await?;
    let event = bobs
        .wait_for(WAIT, |e| matches!(e, ServerEvent::MessageCreate { .. }))
        .await?;
    assert!(matches!(event, ServerEvent::MessageCreate { message, .. } if message.id == sent.id));

    let path = format!("/api/v1/channels/{channel}/messages/{}", sent.id);
    let edited = alice
        .patch(&path, &json!({"content": "across, edited"}))
        .await?;
    assert_eq!(edited.status(), StatusCode::OK);
    let event = bobs
        .wait_for(WAIT, |e| matches!(e, ServerEvent::MessageUpdate { .. }))
        .await?;
    assert!(
        matches!(event, ServerEvent::MessageUpdate { message, .. } if message.content == "across, edited")
    );

    let deleted = alice.delete(&path).await?;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    bobs.wait_for(WAIT, |e| matches!(e, ServerEvent::MessageDelete { .. }))
        .await?;

    // And the other way round: Bob writes through the second, Alice listens on the first.
    let mut alices = Gateway::connect(&alice).await?;
    bob.at(&two).send_message(channel, "back").await?;
    alices
        .wait_for(WAIT, |e| matches!(e, ServerEvent::MessageCreate { message, .. } if message.content == "back"))
        .await?;
    Ok(())
}

#[tokio::test]
async fn kicks_and_server_changes_reach_sockets_on_every_instance() -> anyhow::Result<()> {
    let (one, two) = TestApp::spawn_pair(&redis_url()?).await?;
    let (alice, _) = a_user(&one).await?;
    let (bob, bob_user) = a_user(&one).await?;
    let server = alice.create_server("Club").await?;
    let id = server.server.id;
    bob.join_via(&alice, id).await?;
    let channel = server.channels[0].id;
    let mut bobs = Gateway::connect(&bob.at(&two)).await?;

    let renamed = alice
        .patch(
            &format!("/api/v1/servers/{id}"),
            &json!({"name": "Club Two"}),
        )
        .await?;
    assert_eq!(renamed.status(), StatusCode::OK);
    bobs.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::ServerUpdate { server } if server.name == "Club Two"),
    )
    .await?;

    let kicked = alice
        .delete(&format!("/api/v1/servers/{id}/members/{}", bob_user.id))
        .await?;
    assert_eq!(kicked.status(), StatusCode::NO_CONTENT);
    bobs.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::MemberRemove { user_id, .. } if *user_id == bob_user.id),
    )
    .await?;
    // Kicked on the other instance too: nothing more from that server.
    alice.send_message(channel, "after the kick").await?;
    bobs.expect_none(Duration::from_millis(500), |e| {
        matches!(e, ServerEvent::MessageCreate { .. })
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_revoked_token_closes_its_sockets_on_every_instance() -> anyhow::Result<()> {
    let (one, two) = TestApp::spawn_pair(&redis_url()?).await?;
    let (alice, _) = a_user(&one).await?;
    let token = alice.create_token("bot").await?;
    let bot = alice.with_bearer(&token.token);
    let mut socket = Gateway::connect(&bot.at(&two)).await?;
    let revoked = alice
        .delete(&format!("/api/v1/users/@me/tokens/{}", token.id))
        .await?;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let closed = socket.next(WAIT).await;
    let reason = format!("{closed:?}");
    assert!(reason.contains("4004"), "closed with 4004: {reason}");
    Ok(())
}

#[tokio::test]
async fn readiness_reports_the_link_to_redis() -> anyhow::Result<()> {
    let mut redis = RedisServer::start().await?;
    let (one, _two) = TestApp::spawn_pair(&redis.url()).await?;
    let client = reqwest::Client::new();
    let ready: serde_json::Value = client.get(one.url("/readyz")).send().await?.json().await?;
    assert_eq!(ready["redis"], "connected");
    redis.kill();
    // Redis down does not make the instance unready: writes go on.
    let mut seen = String::new();
    for _ in 0..100 {
        let response = client.get(one.url("/readyz")).send().await?;
        assert_eq!(response.status(), StatusCode::OK);
        let ready: serde_json::Value = response.json().await?;
        seen = ready["redis"].to_string();
        if ready["redis"] == "reconnecting" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, "\"reconnecting\"");
    redis.resume().await?;
    one.wait_for_redis().await?;
    Ok(())
}

/// Every message of a channel, oldest first, through the API (`after=0` pages from the start).
async fn all_messages(
    client: &parley_tests::Client,
    channel: Uuid,
) -> anyhow::Result<Vec<Message>> {
    let mut all = Vec::new();
    let mut path = format!("/api/v1/channels/{channel}/messages?after=0&limit=100");
    loop {
        let page: Page<Message> = expect_json(client.get(&path).await?, StatusCode::OK).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(cursor) => {
                path = format!("/api/v1/channels/{channel}/messages?after={cursor}&limit=100");
            }
            None => return Ok(all),
        }
    }
}

#[tokio::test]
async fn a_redis_restart_in_the_middle_of_sends_loses_and_doubles_nothing() -> anyhow::Result<()> {
    let mut redis = RedisServer::start().await?;
    let (one, two) = TestApp::spawn_pair_with(&redis.url(), |c| {
        c.send_rate = 100_000;
        c.send_burst = 100_000;
    })
    .await?;
    let (alice, _) = a_user(&one).await?;
    let (bob, _) = a_user(&one).await?;
    let server = alice.create_server("Outage").await?;
    bob.join_via(&alice, server.server.id).await?;
    let channel = server.channels[0].id;
    let bob_there = bob.at(&two);
    let mut bobs = Gateway::connect(&bob_there).await?;

    // Alice sends 300 messages through the first instance, retrying each (same nonce) until it
    // is acknowledged; Redis dies after the 100th and comes back after the 200th.
    let mut acknowledged = BTreeMap::new();
    for n in 0..300 {
        if n == 100 {
            redis.kill();
        }
        if n == 200 {
            redis.resume().await?;
        }
        let nonce = format!("outage-{n}");
        let body = json!({"content": format!("message {n}"), "nonce": nonce});
        let message = loop {
            match alice
                .post(&format!("/api/v1/channels/{channel}/messages"), &body)
                .await
            {
                Ok(response) if response.status().is_success() => {
                    break response.json::<Message>().await?;
                }
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        acknowledged.insert(n, message.id);
    }
    one.wait_for_redis().await?;
    two.wait_for_redis().await?;

    // Stored: each acknowledged message exactly once, seqs without gaps.
    let stored = all_messages(&bob_there, channel).await?;
    let ids: BTreeSet<Uuid> = stored.iter().map(|m| m.id).collect();
    assert_eq!(stored.len(), 300, "no message doubled or lost");
    assert_eq!(ids.len(), 300);
    assert!(acknowledged.values().all(|id| ids.contains(id)));
    let seqs: Vec<i64> = stored.iter().map(|m| m.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "seqs in order, no gaps"
    );

    // Bob's socket on the other instance was told to start over (or heard everything); either
    // way, catching up from the last seq it saw gives him every message once.
    let mut last_seq = 0;
    let mut heard = BTreeSet::new();
    loop {
        match bobs.next(Duration::from_millis(500)).await {
            Ok(ServerEvent::MessageCreate { message, seq, .. }) => {
                heard.insert(message.id);
                last_seq = last_seq.max(seq);
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let missed: Page<ServerEvent> = expect_json(
        bob_there
            .get(&format!(
                "/api/v1/channels/{channel}/events?after_seq={last_seq}&limit=100"
            ))
            .await?,
        StatusCode::OK,
    )
    .await?;
    let mut caught_up = heard.clone();
    let mut fetched = missed.items;
    let mut after = last_seq;
    loop {
        for event in &fetched {
            if let ServerEvent::MessageCreate { message, seq, .. } = event {
                caught_up.insert(message.id);
                after = after.max(*seq);
            }
        }
        if fetched.is_empty() {
            break;
        }
        let next: Page<ServerEvent> = expect_json(
            bob_there
                .get(&format!(
                    "/api/v1/channels/{channel}/events?after_seq={after}&limit=100"
                ))
                .await?,
            StatusCode::OK,
        )
        .await?;
        fetched = next.items;
    }
    assert_eq!(caught_up, ids, "the client ends with every message");
    // And the link works again: a message after the outage crosses at once.
    let mut fresh = Gateway::connect(&bob_there).await?;
    alice.send_message(channel, "after the outage").await?;
    fresh
        .wait_for(WAIT, |e| matches!(e, ServerEvent::MessageCreate { message, .. } if message.content == "after the outage"))
        .await?;
    Ok(())
}

#[tokio::test]
async fn send_limits_and_login_throttles_are_counted_across_instances() -> anyhow::Result<()> {
    let (one, two) = TestApp::spawn_pair_with(&redis_url()?, |c| {
        c.send_rate = 1;
        c.send_burst = 3;
        c.login_throttle.per_account = 3;
    })
    .await?;
    let (alice, user) = a_user(&one).await?;
    let server = alice.create_server("Limits").await?;
    let channel = server.channels[0].id;
    // The burst of three is spent on the first instance...
    for n in 0..3 {
        alice.send_message(channel, &format!("burst {n}")).await?;
    }
    // ...so the second refuses the fourth.
    let fourth = alice
        .at(&two)
        .post(
            &format!("/api/v1/channels/{channel}/messages"),
            &json!({"content": "one too many", "nonce": "fourth"}),
        )
        .await?;
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(fourth.headers().contains_key("retry-after"));

    // Wrong passwords from a stranger's address, spread over both instances, share one count.
    let stranger = |app: &TestApp| app.client_from(9);
    for app in [&one, &two, &one] {
        let response = stranger(app)
            .login(&user.username, "not the password")
            .await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = stranger(&two)
        .login(&user.username, "not the password")
        .await?;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    Ok(())
}

#[tokio::test]
async fn with_redis_down_limits_still_hold_in_each_instance() -> anyhow::Result<()> {
    let mut redis = RedisServer::start().await?;
    let (one, _two) = TestApp::spawn_pair_with(&redis.url(), |c| {
        c.send_rate = 1;
        c.send_burst = 2;
    })
    .await?;
    let (alice, _) = a_user(&one).await?;
    let server = alice.create_server("Fallback").await?;
    let channel = server.channels[0].id;
    redis.kill();
    alice.send_message(channel, "one").await?;
    alice.send_message(channel, "two").await?;
    let third = alice
        .post(
            &format!("/api/v1/channels/{channel}/messages"),
            &json!({"content": "three", "nonce": "third"}),
        )
        .await?;
    assert_eq!(
        third.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "counted here while Redis is down"
    );
    Ok(())
}
