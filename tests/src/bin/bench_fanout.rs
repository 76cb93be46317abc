//! A fan-out benchmark (not a test): N gateway clients in one channel, messages sent over REST,
//! and the figures that matter: messages per second sent and delivered, and delivery latency
//! (send to receipt) at p50 and p99.
//!
//! `cargo run --release -p parley-tests --bin bench-fanout -- [clients] [messages] [senders]`
//! Defaults: 100 clients, 1000 messages, 4 concurrent senders. Runs against SQLite in a temporary
//! folder, or PostgreSQL when `PARLEY_TEST_POSTGRES_URL` is set.

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use parley_shared::events::ServerEvent;
use parley_tests::gateway::Gateway;
use parley_tests::{TestApp, a_user};
use tokio::sync::Mutex;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let clients = args.first().copied().unwrap_or(100);
    let messages = args.get(1).copied().unwrap_or(1000);
    let senders = args.get(2).copied().unwrap_or(4).max(1);

    // `PARLEY_SQLITE_SYNCHRONOUS=normal|full` compares SQLite's durability settings.
    let synchronous = std::env::var("PARLEY_SQLITE_SYNCHRONOUS")
        .ok()
        .and_then(|v| parley_api::config::SqliteSynchronous::parse(&v));
    let app = TestApp::spawn_with(|c| {
        c.send_rate = 1_000_000;
        c.send_burst = 1_000_000;
        if let Some(synchronous) = synchronous {
            c.sqlite_synchronous = synchronous;
        }
    })
    .await?;
    println!(
        "parley fan-out: {clients} clients, {messages} messages, {senders} senders, {}{}",
        app.backend(),
        synchronous.map_or(String::new(), |s| format!(" (synchronous={s:?})"))
    );

    let (owner, _) = a_user(&app).await?;
    let server = owner.create_server("Bench").await?;
    let channel = server.channels[0].id;
    let mut sockets = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (client, _) = a_user(&app).await?;
        client.join_via(&owner, server.server.id).await?;
        sockets.push(Gateway::connect(&client).await?);
    }

    // Each receiver notes when every message reached it; the content carries the send time.
    let start = Instant::now();
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(clients * messages)));
    let mut receivers = Vec::new();
    for gateway in sockets {
        let latencies = Arc::clone(&latencies);
        receivers.push(tokio::spawn(async move {
            let mut socket = gateway.socket;
            let mut mine = Vec::with_capacity(messages);
            while mine.len() < messages {
                let Ok(Some(Ok(frame))) =
                    tokio::time::timeout(Duration::from_secs(30), socket.next()).await
                else {
                    break;
                };
                let Ok(text) = frame.to_text() else { continue };
                if let Ok(ServerEvent::MessageCreate { message, .. }) =
                    serde_json::from_str::<ServerEvent>(text)
                    && let Ok(sent_at) = message.content.parse::<u64>()
                {
                    let now = start.elapsed().as_micros() as u64;
                    mine.push(now.saturating_sub(sent_at));
                }
            }
            let received = mine.len();
            latencies.lock().await.extend(mine);
            received
        }));
    }

    let sending = Instant::now();
    let mut tasks = Vec::new();
    for sender in 0..senders {
        let owner = owner.clone();
        let share = messages / senders + usize::from(sender < messages % senders);
        tasks.push(tokio::spawn(async move {
            for _ in 0..share {
                let stamp = start.elapsed().as_micros().to_string();
                owner.send_message(channel, &stamp).await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let send_time = sending.elapsed();
    let mut delivered = 0;
    for receiver in receivers {
        delivered += receiver.await?;
    }
    let total_time = sending.elapsed();

    let mut latencies = Arc::try_unwrap(latencies)
        .map(Mutex::into_inner)
        .unwrap_or_default();
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0)
    };
    println!(
        "sent:       {messages} messages in {:.2?} = {:.0} msg/s (acknowledged after commit)",
        send_time,
        messages as f64 / send_time.as_secs_f64()
    );
    println!(
        "delivered:  {delivered} of {} deliveries in {:.2?} = {:.0} deliveries/s",
        clients * messages,
        total_time,
        delivered as f64 / total_time.as_secs_f64()
    );
    println!(
        "latency:    p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pick(0.5) as f64 / 1000.0,
        pick(0.99) as f64 / 1000.0,
        pick(1.0) as f64 / 1000.0
    );
    Ok(())
}
