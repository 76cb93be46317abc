//! Sends under load survive a crash: the server process is killed with `SIGKILL` while 64
//! senders are sending (so batches of sends are in flight), started again, and every sender
//! retries what was not acknowledged with the same nonce.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::ensure;
use parley_shared::events::ServerEvent;
use parley_shared::messages::{Message, Page};
use parley_tests::Client;
use parley_tests::client::{PASSWORD, expect_json};
use parley_tests::process::ServerProcess;
use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::Mutex;
use uuid::Uuid;

const SENDERS: usize = 64;
const MESSAGES_PER_SENDER: usize = 25;
const USERS: usize = 4;

/// Sends until acknowledged, through connection errors and the restart: the same nonce every
/// time, as a client must.
async fn send_until_acknowledged(
    client: &Client,
    channel: Uuid,
    content: &str,
) -> anyhow::Result<Message> {
    let path = format!("/api/v1/channels/{channel}/messages");
    let body = json!({ "content": content, "nonce": content });
    for _ in 0..600 {
        match client.post(&path, &body).await {
            Ok(response) if response.status().is_success() => return Ok(response.json().await?),
            Ok(response) if response.status().is_server_error() => {}
            Ok(response) => {
                let status = response.status();
                anyhow::bail!("{content}: {status} {}", response.text().await?);
            }
            // Refused or reset: the server is down or going down.
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("{content}: never acknowledged")
}

async fn all_messages(client: &Client, channel: Uuid) -> anyhow::Result<Vec<Message>> {
    let mut messages = Vec::new();
    let mut after = "0".to_owned();
    loop {
        let page: Page<Message> = expect_json(
            client
                .get(&format!(
                    "/api/v1/channels/{channel}/messages?after={after}&limit=100"
                ))
                .await?,
            StatusCode::OK,
        )
        .await?;
        messages.extend(page.items);
        match page.next_cursor {
            Some(cursor) => after = cursor,
            None => return Ok(messages),
        }
    }
}

async fn all_events(client: &Client, channel: Uuid) -> anyhow::Result<Vec<ServerEvent>> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page: Page<ServerEvent> = expect_json(
            client
                .get(&format!(
                    "/api/v1/channels/{channel}/events?after_seq={after}&limit=100"
                ))
                .await?,
            StatusCode::OK,
        )
        .await?;
        let more = page.next_cursor.is_some();
        events.extend(page.items);
        match events.last() {
            Some(ServerEvent::MessageCreate { seq, .. }) if more => after = *seq,
            _ => return Ok(events),
        }
    }
}

#[tokio::test]
async fn a_killed_server_loses_and_doubles_no_acknowledged_message_of_64_senders()
-> anyhow::Result<()> {
    let mut server = ServerProcess::start(&[
        ("PARLEY_SEND_RATE", "1000000"),
        ("PARLEY_SEND_BURST", "1000000"),
    ])
    .await?;
    let mut users = Vec::new();
    for n in 0..USERS {
        let client = server.client();
        let name = format!("sender{n}_{}", &Uuid::new_v4().simple().to_string()[..6]);
        ensure!(client.register(&name, PASSWORD).await?.status() == StatusCode::CREATED);
        users.push(client);
    }
    // Two channels, each in a server of its own, all four users in both.
    let mut channels = Vec::new();
    for name in ["Crash A", "Crash B"] {
        let created = users[0].create_server(name).await?;
        for user in &users[1..] {
            user.join_via(&users[0], created.server.id).await?;
        }
        channels.push(created.channels[0].id);
    }

    let acknowledged = Arc::new(AtomicUsize::new(0));
    let sent: Arc<Mutex<HashMap<String, Message>>> = Arc::default();
    let mut senders = Vec::new();
    for s in 0..SENDERS {
        let client = users[s % USERS].clone();
        let channel = channels[s % channels.len()];
        let acknowledged = acknowledged.clone();
        let sent = sent.clone();
        senders.push(tokio::spawn(async move {
            for m in 0..MESSAGES_PER_SENDER {
                let content = format!("s{s}-m{m}");
                let message = send_until_acknowledged(&client, channel, &content).await?;
                ensure!(message.content == content && message.channel_id == channel);
                sent.lock().await.insert(content, message);
                acknowledged.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        }));
    }
    let total = SENDERS * MESSAGES_PER_SENDER;
    // The crash comes a fifth of the way in, with every sender mid-send.
    while acknowledged.load(Ordering::Relaxed) < total / 5 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill()?;
    let at_kill = acknowledged.load(Ordering::Relaxed);
    ensure!(at_kill < total, "every send finished before the kill");
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.start_again().await?;
    for sender in senders {
        sender.await??;
    }
    let sent = sent.lock().await;
    ensure!(sent.len() == total);

    let reader = &users[0];
    let mut stored_nonces = HashSet::new();
    for &channel in &channels {
        let messages = all_messages(reader, channel).await?;
        ensure!(
            messages.len() == total / channels.len(),
            "{} messages stored in a channel, {} sent to it",
            messages.len(),
            total / channels.len()
        );
        // Gap-free seqs, one per message.
        let seqs: Vec<i64> = messages.iter().map(|m| m.seq).collect();
        let expected: Vec<i64> = (1..=messages.len() as i64).collect();
        ensure!(seqs == expected, "seqs are not 1..=n: {seqs:?}");
        for message in &messages {
            // Each stored message is the very one its sender was acknowledged with.
            let acked = sent
                .get(&message.content)
                .ok_or_else(|| anyhow::anyhow!("{} was never sent", message.content))?;
            ensure!(
                acked == message,
                "{}: acknowledged as {acked:?}, stored as {message:?}",
                message.content
            );
            ensure!(stored_nonces.insert(message.content.clone()), "doubled");
        }
        // Commit order: a sender sends its next message only after the last was acknowledged,
        // so its messages' seqs rise.
        for s in (0..SENDERS).filter(|s| channels[s % channels.len()] == channel) {
            let own: Vec<i64> = (0..MESSAGES_PER_SENDER)
                .map(|m| sent[&format!("s{s}-m{m}")].seq)
                .collect();
            ensure!(own.is_sorted(), "sender {s}: seqs {own:?}");
        }
        // The event log holds exactly one creation per message, at the message's seq.
        let events = all_events(reader, channel).await?;
        let logged: Vec<(i64, Uuid)> = events
            .iter()
            .filter_map(|event| match event {
                ServerEvent::MessageCreate { seq, message, .. } => Some((*seq, message.id)),
                _ => None,
            })
            .collect();
        let stored: Vec<(i64, Uuid)> = messages.iter().map(|m| (m.seq, m.id)).collect();
        ensure!(logged == stored, "the event log differs from the messages");
    }
    ensure!(stored_nonces.len() == total);
    Ok(())
}
