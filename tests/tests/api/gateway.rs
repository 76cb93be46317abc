use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use parley_shared::ErrorCode;
use parley_shared::events::{ClientEvent, ServerEvent};
use parley_shared::messages::{Message, Page};
use parley_tests::client::expect_json;
use parley_tests::gateway::{Encoding, Gateway, handshake_status};
use parley_tests::{TestApp, a_user};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

const SECOND: Duration = Duration::from_secs(1);
const WAIT: Duration = Duration::from_secs(5);

fn is_message_create(event: &ServerEvent) -> bool {
    matches!(event, ServerEvent::MessageCreate { .. })
}

#[tokio::test]
async fn hello_and_ready_describe_the_user_and_their_servers() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, user) = a_user(&app).await?;
    let server = alice.create_server("Ready").await?;
    alice.send_message(server.channels[0].id, "hi").await?;
    let gateway = Gateway::connect(&alice).await?;
    let ServerEvent::Ready {
        user: me, servers, ..
    } = gateway.ready
    else {
        anyhow::bail!("not ready")
    };
    assert_eq!(me.id, user.id);
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].channels[0].last_seq, 1);
    Ok(())
}

#[tokio::test]
async fn a_message_sent_by_one_client_reaches_another_within_a_second() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let server = alice.create_server("Live").await?;
    bob.join_via(&alice, server.server.id).await?;
    let channel = server.channels[0].id;
    for encoding in [Encoding::Json, Encoding::MessagePack] {
        let mut bobs = Gateway::connect_with(&bob, encoding).await?;
        let started = Instant::now();
        let sent = alice
            .send_message(channel, &format!("hello over {encoding:?}"))
            .await?;
        let event = bobs.wait_for(SECOND, is_message_create).await?;
        assert!(started.elapsed() < SECOND);
        let ServerEvent::MessageCreate { message, seq, .. } = event else {
            unreachable!()
        };
        assert_eq!((message.id, seq), (sent.id, sent.seq));
        assert_eq!(message.content, sent.content);
    }
    Ok(())
}

#[tokio::test]
async fn messages_sent_over_the_socket_are_acknowledged_after_they_are_stored() -> anyhow::Result<()>
{
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let server = alice.create_server("Acks").await?;
    bob.join_via(&alice, server.server.id).await?;
    let channel_id = server.channels[0].id;
    let mut alices = Gateway::connect_with(&alice, Encoding::MessagePack).await?;
    let mut bobs = Gateway::connect(&bob).await?;
    let send = ClientEvent::SendMessage {
        attachment_ids: Vec::new(),
        channel_id,
        content: "via socket".into(),
        nonce: "sock-1".into(),
        reply_to: None,
    };
    alices.send(&send).await?;
    let ack = alices
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Ack { .. }))
        .await?;
    let ServerEvent::Ack { nonce, message } = ack else {
        unreachable!()
    };
    assert_eq!(nonce, "sock-1");
    // Acknowledged means stored: it is in the history.
    let page: Page<Message> = expect_json(
        bob.get(&format!("/api/v1/channels/{channel_id}/messages"))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(page.items[0].id, message.id);
    bobs.wait_for(WAIT, is_message_create).await?;

    // The same nonce again is acknowledged with the same message, not a second one.
    alices.send(&send).await?;
    let again = alices
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Ack { .. }))
        .await?;
    assert!(matches!(again, ServerEvent::Ack { message: m, .. } if m.id == message.id));

    // Bad sends get an error naming the nonce.
    alices
        .send(&ClientEvent::SendMessage {
            attachment_ids: Vec::new(),
            channel_id,
            content: " ".into(),
            nonce: "sock-2".into(),
            reply_to: None,
        })
        .await?;
    let error = alices
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Error { .. }))
        .await?;
    assert!(
        matches!(error, ServerEvent::Error { nonce: Some(n), error: ErrorCode::ValidationFailed, .. } if n == "sock-2")
    );
    alices
        .send(&ClientEvent::SendMessage {
            attachment_ids: Vec::new(),
            channel_id: Uuid::now_v7(),
            content: "x".into(),
            nonce: "sock-3".into(),
            reply_to: None,
        })
        .await?;
    let error = alices
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Error { .. }))
        .await?;
    assert!(matches!(
        error,
        ServerEvent::Error {
            error: ErrorCode::NotFound,
            ..
        }
    ));
    Ok(())
}

#[tokio::test]
async fn socket_sends_are_rate_limited_with_an_error_frame() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| {
        c.send_rate = 1;
        c.send_burst = 2;
    })
    .await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Fast").await?;
    let channel_id = server.channels[0].id;
    let mut socket = Gateway::connect(&alice).await?;
    for n in 0..3 {
        socket
            .send(&ClientEvent::SendMessage {
                attachment_ids: Vec::new(),
                channel_id,
                content: "x".into(),
                nonce: format!("n{n}"),
                reply_to: None,
            })
            .await?;
    }
    let error = socket
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Error { .. }))
        .await?;
    assert!(
        matches!(
            error,
            ServerEvent::Error {
                error: ErrorCode::RateLimited,
                retry_after: Some(_),
                ..
            }
        ),
        "{error:?}"
    );
    Ok(())
}

#[tokio::test]
async fn only_members_receive_a_servers_events_and_a_kicked_member_stops_at_once()
-> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, bob_user) = a_user(&app).await?;
    let (eve, _) = a_user(&app).await?;
    let server = alice.create_server("Members").await?;
    let id = server.server.id;
    let channel = server.channels[0].id;
    let mut alices = Gateway::connect(&alice).await?;
    let mut bobs = Gateway::connect(&bob).await?;
    let mut eves = Gateway::connect(&eve).await?;

    // Joining: the joiner's open socket learns the server, the others see the new member.
    bob.join_via(&alice, id).await?;
    bobs.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::ServerCreate { server } if server.server.id == id),
    )
    .await?;
    alices
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::MemberAdd { member } if member.user.id == bob_user.id),
        )
        .await?;

    alice.send_message(channel, "members only").await?;
    bobs.wait_for(WAIT, is_message_create).await?;
    eves.expect_none(Duration::from_millis(300), is_message_create)
        .await?;

    // Channel and role changes arrive live.
    alice
        .post(
            &format!("/api/v1/servers/{id}/channels"),
            &json!({"name": "news", "kind": "text"}),
        )
        .await?;
    bobs.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::ChannelCreate { channel } if channel.name == "news"),
    )
    .await?;
    alice.set_role(id, bob_user.id, "moderator").await?;
    bobs.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::MemberUpdate { member } if member.user.id == bob_user.id),
    )
    .await?;
    alice.set_role(id, bob_user.id, "guest").await?;

    // Kicked: told so, then nothing more.
    alice
        .delete(&format!("/api/v1/servers/{id}/members/{}", bob_user.id))
        .await?;
    bobs.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::MemberRemove { user_id, .. } if *user_id == bob_user.id),
    )
    .await?;
    alice.send_message(channel, "after the kick").await?;
    alices.wait_for(WAIT, |e| matches!(e, ServerEvent::MessageCreate { message, .. } if message.content == "after the kick")).await?;
    bobs.expect_none(Duration::from_millis(500), is_message_create)
        .await?;

    // Deleting the server tells the remaining members.
    alice.delete(&format!("/api/v1/servers/{id}")).await?;
    alices
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::ServerDelete { server_id } if *server_id == id),
        )
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_foreign_origin_cannot_open_a_cookie_socket() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    assert_eq!(
        handshake_status(&alice, Some("https://evil.example")).await?,
        403
    );
    assert_eq!(handshake_status(&alice, None).await?, 101);
    assert_eq!(
        handshake_status(&app.client(), None).await?,
        401,
        "signed out"
    );
    // Bots with a token may connect from anywhere.
    let token = alice.create_token("bot").await?;
    let bot = app.client().with_bearer(&token.token);
    assert_eq!(
        handshake_status(&bot, Some("https://elsewhere.example")).await?,
        101
    );
    Ok(())
}

#[tokio::test]
async fn oversized_frames_close_the_socket() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Big").await?;
    let mut socket = Gateway::connect(&alice).await?;
    let huge = ClientEvent::SendMessage {
        attachment_ids: Vec::new(),
        channel_id: server.channels[0].id,
        content: "x".repeat(100_000),
        nonce: "big".into(),
        reply_to: None,
    };
    socket.send(&huge).await?;
    let code = socket.closed_with(WAIT).await?;
    assert!(matches!(code, Some(1009) | None), "closed: {code:?}");
    let page: Page<Message> = expect_json(
        alice
            .get(&format!(
                "/api/v1/channels/{}/messages",
                server.channels[0].id
            ))
            .await?,
        StatusCode::OK,
    )
    .await?;
    assert!(page.items.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_socket_that_misses_heartbeats_is_closed() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.heartbeat_interval = Duration::from_millis(400)).await?;
    let (alice, _) = a_user(&app).await?;
    let mut socket = Gateway::connect(&alice).await?;
    socket.send(&ClientEvent::Heartbeat).await?;
    socket
        .wait_for(WAIT, |e| matches!(e, ServerEvent::HeartbeatAck))
        .await?;
    assert_eq!(socket.closed_with(WAIT).await?, Some(4000));
    Ok(())
}

#[tokio::test]
async fn unreadable_frames_get_an_error_and_the_socket_stays_open() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let mut socket = Gateway::connect(&alice).await?;
    use futures_util::SinkExt;
    socket
        .socket
        .send(tokio_tungstenite::tungstenite::Message::Text(
            "{not json".into(),
        ))
        .await?;
    let error = socket
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Error { .. }))
        .await?;
    assert!(matches!(
        error,
        ServerEvent::Error {
            error: ErrorCode::MalformedRequest,
            ..
        }
    ));
    socket.send(&ClientEvent::Heartbeat).await?;
    socket
        .wait_for(WAIT, |e| matches!(e, ServerEvent::HeartbeatAck))
        .await?;
    Ok(())
}

/// A client's view of a channel, built only from what it received.
#[derive(Default)]
struct Replica {
    messages: BTreeMap<Uuid, Message>,
    last_seq: i64,
}

impl Replica {
    fn apply(&mut self, event: &ServerEvent) {
        if let Some((_, seq)) = event.channel_seq() {
            if seq <= self.last_seq {
                return; // already seen: exactly once
            }
            assert_eq!(
                seq,
                self.last_seq + 1,
                "events arrive in seq order without gaps"
            );
            self.last_seq = seq;
        }
        match event {
            ServerEvent::MessageCreate { message, .. }
            | ServerEvent::MessageUpdate { message, .. }
            | ServerEvent::MessageDelete { message, .. } => {
                self.messages.insert(message.id, message.clone());
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_client_that_reconnects_after_a_restart_catches_up_exactly() -> anyhow::Result<()> {
    let mut app = TestApp::spawn_with(|c| {
        c.send_rate = 10_000;
        c.send_burst = 10_000;
        c.edit_rate = 10_000;
        c.edit_burst = 10_000;
    })
    .await?;
    let (alice, _) = a_user(&app).await?;
    let (bob, _) = a_user(&app).await?;
    let server = alice.create_server("Resume").await?;
    bob.join_via(&alice, server.server.id).await?;
    let channel = server.channels[0].id;

    // Bob is live for a while...
    let mut replica = Replica::default();
    let mut bobs = Gateway::connect(&bob).await?;
    for n in 0..20 {
        alice.send_message(channel, &format!("live {n}")).await?;
    }
    while replica.last_seq < 20 {
        let event = bobs.next(WAIT).await?;
        replica.apply(&event);
    }
    drop(bobs);

    // ...then gone while 200 changes happen, with a server restart in the middle.
    let mut sent = Vec::new();
    for n in 0..150 {
        sent.push(alice.send_message(channel, &format!("missed {n}")).await?);
        if n == 75 {
            app.restart().await?;
        }
    }
    for message in sent.iter().take(30) {
        alice
            .patch(
                &format!("/api/v1/channels/{channel}/messages/{}", message.id),
                &json!({"content": "edited"}),
            )
            .await?;
    }
    for message in sent.iter().skip(30).take(20) {
        alice
            .delete(&format!(
                "/api/v1/channels/{channel}/messages/{}",
                message.id
            ))
            .await?;
    }

    // Back: Ready says how far the channel has gone; the event log fills the gap.
    let bobs = Gateway::connect(&bob).await?;
    let ServerEvent::Ready { servers, .. } = &bobs.ready else {
        anyhow::bail!("no ready")
    };
    let last_seq = servers[0].channels[0].last_seq;
    assert_eq!(last_seq, 220);
    while replica.last_seq < last_seq {
        let page: Page<ServerEvent> = expect_json(
            bob.get(&format!(
                "/api/v1/channels/{channel}/events?after_seq={}&limit=100",
                replica.last_seq
            ))
            .await?,
            StatusCode::OK,
        )
        .await?;
        anyhow::ensure!(!page.items.is_empty(), "the log ended early");
        for event in &page.items {
            replica.apply(event);
        }
    }

    // The replica is exactly the server's state.
    let mut truth = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/channels/{channel}/messages?limit=100&before={c}"),
            None => format!("/api/v1/channels/{channel}/messages?limit=100"),
        };
        let page: Page<Message> = expect_json(bob.get(&path).await?, StatusCode::OK).await?;
        for message in page.items {
            truth.insert(message.id, message);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(replica.messages.len(), 170);
    assert_eq!(replica.messages, truth);
    assert_eq!(truth.values().filter(|m| m.deleted).count(), 20);
    assert_eq!(
        truth
            .values()
            .filter(|m| m.edited_at.is_some() && !m.deleted)
            .count(),
        30
    );
    Ok(())
}

#[tokio::test]
async fn a_socket_that_stops_reading_is_dropped_once_a_write_cannot_complete() -> anyhow::Result<()>
{
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    let app = TestApp::spawn_with(|c| {
        c.gateway_write_timeout = Duration::from_secs(1);
        // Only the write deadline may end this socket, not a missed heartbeat.
        c.heartbeat_interval = Duration::from_secs(3600);
        c.send_rate = 100_000;
        c.send_burst = 100_000;
    })
    .await?;
    let (alice, _) = a_user(&app).await?;
    let (reader, _) = a_user(&app).await?;
    let server = alice.create_server("Flood").await?;
    reader.join_via(&alice, server.server.id).await?;
    let channel = server.channels[0].id;
    let mut stuck = parley_tests::gateway::connect_unread(&reader, 4096).await?;
    // Enough to fill every buffer between the server and the reader many times over.
    let big = "\u{1F600}".repeat(4000);
    for _ in 0..400 {
        alice.send_message(channel, &big).await?;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    // The server has let go of the socket: what the reader writes now meets a closed
    // connection. (Were the server still stuck in its write, these would all be accepted.)
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the server still holds a socket that stopped reading"
        );
        let heartbeat = serde_json::to_string(&ClientEvent::Heartbeat)?;
        if stuck.send(WsMessage::Text(heartbeat.into())).await.is_err() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_user_may_hold_only_so_many_sockets() -> anyhow::Result<()> {
    let app = TestApp::spawn_with(|c| c.max_sockets_per_user = 2).await?;
    let (alice, _) = a_user(&app).await?;
    let _first = Gateway::connect(&alice).await?;
    let second = Gateway::connect(&alice).await?;
    assert_eq!(handshake_status(&alice, None).await?, 429);
    let (bob, _) = a_user(&app).await?;
    assert_eq!(handshake_status(&bob, None).await?, 101, "per user");
    drop(second);
    let deadline = Instant::now() + WAIT;
    while handshake_status(&alice, None).await? != 101 {
        anyhow::ensure!(Instant::now() < deadline, "a closed socket frees its place");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

#[tokio::test]
async fn the_gateway_without_an_upgrade_answers_in_the_error_shape() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let response = alice.get("/api/v1/gateway").await?;
    assert_eq!(response.status().as_u16(), 426);
    assert_eq!(response.headers()["content-type"], "application/json");
    let error: parley_shared::ErrorBody = response.json().await?;
    assert_eq!(error.error, ErrorCode::UpgradeRequired);
    Ok(())
}

#[tokio::test]
async fn error_frames_name_the_invalid_fields() -> anyhow::Result<()> {
    let app = TestApp::spawn().await?;
    let (alice, _) = a_user(&app).await?;
    let server = alice.create_server("Fields").await?;
    let mut socket = Gateway::connect(&alice).await?;
    socket
        .send(&ClientEvent::SendMessage {
            attachment_ids: Vec::new(),
            channel_id: server.channels[0].id,
            content: "bell\u{7}".into(),
            nonce: "f1".into(),
            reply_to: None,
        })
        .await?;
    let error = socket
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Error { .. }))
        .await?;
    let ServerEvent::Error { fields, error, .. } = error else {
        unreachable!()
    };
    assert_eq!(error, ErrorCode::ValidationFailed);
    assert!(fields.contains_key("content"), "{fields:?}");
    Ok(())
}
