//! A load generator (not a test): many gateway connections in rooms of a chosen size, some of
//! them sending at a chosen rate, against a running server, in a process of its own. It speaks
//! Parley's gateway, or Socket.IO (the peer Parley is compared with: see `tests/bench/socketio`),
//! so both are measured by the same client doing the same work.
//!
//! It reports messages acknowledged per second, deliveries per second, delivery latency (send
//! to receipt, p50/p99/max), the server's CPU seconds per 1,000 deliveries and deliveries per
//! server CPU-second (read from `/proc/<pid>`), and the server's memory per idle connection.
//!
//! ```text
//! loadgen --target parley --url http://127.0.0.1:8080 --server-pid 1234 \
//!         --rooms 100 --room-size 100 --senders 100 --rate 2000 --seconds 10
//! ```
//! `--url` may list several instances (comma-separated): connections are spread over them, so
//! a message sent on one is delivered through the others (cross-instance delivery).
//! `--rate 0` is a closed loop: each sender sends its next message when the last is acknowledged.
//! `--json` prints the figures as one JSON object, for `cargo xtask bench`.

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark tool reports on stdout"
)]

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Every timestamp is microseconds since this instant, so senders and receivers (all in this
/// process) share one clock.
static START: OnceLock<Instant> = OnceLock::new();

fn now_micros() -> u64 {
    START.get_or_init(Instant::now).elapsed().as_micros() as u64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Parley,
    SocketIo,
}

#[derive(Debug, Clone)]
struct Options {
    target: Target,
    urls: Vec<String>,
    server_pids: Vec<u32>,
    rooms: usize,
    room_size: usize,
    senders: usize,
    /// Messages per second in all; 0 for a closed loop.
    rate: f64,
    seconds: f64,
    warmup: f64,
    /// Gateway sockets per Parley account (accounts cost a password hash each to create).
    sockets_per_user: usize,
    idle_only: bool,
    json: bool,
    /// Connections opened at once while connecting.
    connect_parallelism: usize,
}

fn parse_options() -> anyhow::Result<Options> {
    let mut options = Options {
        target: Target::Parley,
        urls: vec!["http://127.0.0.1:8080".into()],
        server_pids: Vec::new(),
        rooms: 1,
        room_size: 100,
        senders: 4,
        rate: 0.0,
        seconds: 10.0,
        warmup: 2.0,
        sockets_per_user: 10,
        idle_only: false,
        json: false,
        connect_parallelism: 256,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--target" => {
                options.target = match value()?.as_str() {
                    "parley" => Target::Parley,
                    "socketio" => Target::SocketIo,
                    other => bail!("unknown target {other}: parley or socketio"),
                }
            }
            "--url" => options.urls = value()?.split(',').map(str::to_owned).collect(),
            "--server-pid" => {
                options.server_pids = value()?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--rooms" => options.rooms = value()?.parse()?,
            "--room-size" => options.room_size = value()?.parse()?,
            "--senders" => options.senders = value()?.parse()?,
            "--rate" => options.rate = value()?.parse()?,
            "--seconds" => options.seconds = value()?.parse()?,
            "--warmup" => options.warmup = value()?.parse()?,
            "--sockets-per-user" => options.sockets_per_user = value()?.parse::<usize>()?.max(1),
            "--connect-parallelism" => options.connect_parallelism = value()?.parse()?,
            "--idle-only" => options.idle_only = true,
            "--json" => options.json = true,
            other => bail!("unknown option {other}"),
        }
    }
    if options.senders > options.rooms * options.room_size {
        bail!("more senders than connections");
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    START.get_or_init(Instant::now);
    let options = parse_options()?;
    let connections = options.rooms * options.room_size;
    eprintln!(
        "loadgen: {:?}, {} room(s) of {}, {} connection(s) over {} instance(s), {} sender(s), {}",
        options.target,
        options.rooms,
        options.room_size,
        connections,
        options.urls.len(),
        options.senders,
        if options.rate > 0.0 {
            format!("{} msg/s", options.rate)
        } else {
            "closed loop".into()
        }
    );
    let rss_before = rss_kib(&options.server_pids);
    let started = Instant::now();
    let sockets = match options.target {
        Target::Parley => parley::connect_all(&options).await?,
        Target::SocketIo => socketio::connect_all(&options).await?,
    };
    let connect_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "loadgen: {} connected in {connect_seconds:.1} s",
        sockets.len()
    );
    // Let the server settle before reading its memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = rss_kib(&options.server_pids);
    let per_connection_kib = match (rss_before, rss_after) {
        (Some(before), Some(after)) if connections > 0 => {
            Some(after.saturating_sub(before) as f64 / connections as f64)
        }
        _ => None,
    };
    let mut figures = json!({
        "target": format!("{:?}", options.target),
        "instances": options.urls.len(),
        "rooms": options.rooms,
        "room_size": options.room_size,
        "connections": sockets.len(),
        "connect_seconds": connect_seconds,
        "server_rss_kib_idle": rss_after,
        "server_kib_per_idle_connection": per_connection_kib,
    });
    if !options.idle_only {
        let run = drive(&options, sockets).await?;
        if let Value::Object(map) = &mut figures
            && let Value::Object(run) = run
        {
            map.extend(run);
        }
    }
    if options.json {
        println!("{figures}");
    } else {
        print_figures(&figures);
    }
    Ok(())
}

/// A connected client, ready for load: its room, and channels to send with and to stop it.
struct Connected {
    room: usize,
    /// Frames to send (a message, acknowledged later through `acks`).
    outgoing: mpsc::UnboundedSender<Outgoing>,
}

struct Outgoing {
    /// When it was sent, for the acknowledgement's latency; echoed in the content.
    sent_at: u64,
    ack: tokio::sync::oneshot::Sender<()>,
}

/// What every connection's reader adds to.
#[derive(Default)]
struct Counters {
    /// Deliveries counted once the warm-up is over.
    deliveries: AtomicU64,
    measuring: AtomicBool,
    latencies: Mutex<Vec<u32>>,
}

impl Counters {
    fn delivered(&self, sent_at: u64) {
        if !self.measuring.load(Ordering::Relaxed) {
            return;
        }
        self.deliveries.fetch_add(1, Ordering::Relaxed);
        let latency = now_micros().saturating_sub(sent_at);
        if let Ok(mut all) = self.latencies.lock() {
            all.push(u32::try_from(latency).unwrap_or(u32::MAX));
        }
    }
}

fn counters() -> &'static Counters {
    static COUNTERS: OnceLock<Counters> = OnceLock::new();
    COUNTERS.get_or_init(Counters::default)
}

/// Runs the senders for the warm-up and the measured seconds, and sums up.
async fn drive(options: &Options, sockets: Vec<Connected>) -> anyhow::Result<Value> {
    // Senders spread over the rooms: sender i is the first connections of room i % rooms.
    let mut by_room: HashMap<usize, Vec<&Connected>> = HashMap::new();
    for socket in &sockets {
        by_room.entry(socket.room).or_default().push(socket);
    }
    let mut senders = Vec::new();
    for i in 0..options.senders {
        let room = i % options.rooms;
        let index = i / options.rooms;
        if let Some(socket) = by_room.get(&room).and_then(|r| r.get(index)) {
            senders.push(socket.outgoing.clone());
        }
    }
    let acked = Arc::new(AtomicU64::new(0));
    let running = Arc::new(AtomicBool::new(true));
    let per_sender_interval =
        (options.rate > 0.0).then(|| Duration::from_secs_f64(senders.len() as f64 / options.rate));
    let mut tasks = Vec::new();
    for (i, outgoing) in senders.into_iter().enumerate() {
        let acked = Arc::clone(&acked);
        let running = Arc::clone(&running);
        tasks.push(tokio::spawn(async move {
            // Spread the open-loop senders over their interval.
            if let Some(interval) = per_sender_interval {
                let offset = interval.mul_f64((i % 100) as f64 / 100.0);
                tokio::time::sleep(offset).await;
            }
            let mut next = tokio::time::Instant::now();
            while running.load(Ordering::Relaxed) {
                let (ack, acked_rx) = tokio::sync::oneshot::channel();
                if outgoing
                    .send(Outgoing {
                        sent_at: now_micros(),
                        ack,
                    })
                    .is_err()
                {
                    break;
                }
                match per_sender_interval {
                    // Closed loop: the next message when this one is acknowledged.
                    None => {
                        if acked_rx.await.is_ok() && counters().measuring.load(Ordering::Relaxed) {
                            acked.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Some(interval) => {
                        let acked = Arc::clone(&acked);
                        tokio::spawn(async move {
                            if acked_rx.await.is_ok()
                                && counters().measuring.load(Ordering::Relaxed)
                            {
                                acked.fetch_add(1, Ordering::Relaxed);
                            }
                        });
                        next += interval;
                        tokio::time::sleep_until(next).await;
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs_f64(options.warmup)).await;
    let cpu_before = cpu_seconds(&options.server_pids);
    counters().measuring.store(true, Ordering::Relaxed);
    let measured_from = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(options.seconds)).await;
    counters().measuring.store(false, Ordering::Relaxed);
    let elapsed = measured_from.elapsed().as_secs_f64();
    let cpu_after = cpu_seconds(&options.server_pids);
    running.store(false, Ordering::Relaxed);
    for task in tasks {
        task.abort();
    }
    let deliveries = counters().deliveries.load(Ordering::Relaxed);
    let acked = acked.load(Ordering::Relaxed);
    let mut latencies = counters()
        .latencies
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map(|micros| f64::from(*micros) / 1000.0)
    };
    let cpu = match (cpu_before, cpu_after) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };
    Ok(json!({
        "seconds": elapsed,
        "acked_per_second": acked as f64 / elapsed,
        "deliveries_per_second": deliveries as f64 / elapsed,
        "latency_ms_p50": at(0.50),
        "latency_ms_p99": at(0.99),
        "latency_ms_max": latencies.last().map(|m| f64::from(*m) / 1000.0),
        "server_cpu_seconds": cpu,
        "deliveries_per_server_cpu_second": cpu.filter(|c| *c > 0.0).map(|c| deliveries as f64 / c),
        "server_cpu_ms_per_1000_deliveries": cpu.filter(|_| deliveries > 0).map(|c| c * 1000.0 * 1000.0 / deliveries as f64),
    }))
}

fn print_figures(figures: &Value) {
    let Value::Object(map) = figures else { return };
    for (key, value) in map {
        let shown = match value {
            Value::Number(n) => n
                .as_f64()
                .map_or_else(|| n.to_string(), |f| format!("{f:.2}")),
            Value::Null => "n/a".into(),
            other => other.to_string(),
        };
        println!("{key:>36}: {shown}");
    }
}

/// The server processes' resident memory, summed, in KiB.
fn rss_kib(pids: &[u32]) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter()
        .map(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .sum()
}

/// The server processes' CPU time (user and system), summed, in seconds.
fn cpu_seconds(pids: &[u32]) -> Option<f64> {
    if pids.is_empty() {
        return None;
    }
    // Clock ticks per second: 100 on Linux for every architecture this runs on.
    const TICKS: f64 = 100.0;
    pids.iter()
        .map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after the command (which may contain spaces), counted from its ")".
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / TICKS)
        })
        .sum()
}

/// Opens `count` connections with at most `parallelism` handshakes at once.
async fn open_many<F, Fut>(
    count: usize,
    parallelism: usize,
    open: F,
) -> anyhow::Result<Vec<Connected>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<Connected>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut handles = Vec::with_capacity(count);
    for i in 0..count {
        let permit = Arc::clone(&permits).acquire_owned().await?;
        let opening = open(i);
        handles.push(tokio::spawn(async move {
            let connected = opening.await;
            drop(permit);
            connected
        }));
    }
    let mut connected = Vec::with_capacity(count);
    for handle in handles {
        connected.push(handle.await??);
    }
    Ok(connected)
}

async fn websocket(url: &str, bearer: Option<&str>) -> anyhow::Result<Socket> {
    let mut request = url.into_client_request()?;
    if let Some(token) = bearer {
        request.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}"))?,
        );
    }
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

/// The content of a delivered message, which is the send time.
fn sent_at_in(text: &str, key: &str) -> Option<u64> {
    let start = text.find(key)? + key.len();
    let digits: &str = &text[start..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

mod parley {
    //! Parley: accounts and servers over REST (one server per room), then one gateway socket
    //! per connection with a bearer token.

    use super::*;

    const PASSWORD: &str = "loadgen password 123";

    struct Account {
        token: String,
    }

    async fn post(
        http: &reqwest::Client,
        url: &str,
        bearer: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<Value> {
        let mut request = http.post(url).json(body);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("POST {url} answered {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn account(base: &str, name: &str) -> anyhow::Result<Account> {
        let http = reqwest::Client::builder().cookie_store(true).build()?;
        post(
            &http,
            &format!("{base}/api/v1/auth/register"),
            None,
            &json!({"username": name, "display_name": name, "password": PASSWORD}),
        )
        .await?;
        let token = post(
            &http,
            &format!("{base}/api/v1/users/@me/tokens"),
            None,
            &json!({"name": "loadgen", "current_password": PASSWORD}),
        )
        .await?;
        let token = token["token"]
            .as_str()
            .context("no token in the answer")?
            .to_owned();
        Ok(Account { token })
    }

    pub async fn connect_all(options: &Options) -> anyhow::Result<Vec<Connected>> {
        let base = options.urls[0].trim_end_matches('/').to_owned();
        let run = format!("lg{}", now_unique());
        let http = reqwest::Client::new();
        // Each room is a server with its own accounts, so every socket hears its room only.
        let per_room_users = options.room_size.div_ceil(options.sockets_per_user);
        let mut plan = Vec::new();
        for room in 0..options.rooms {
            let owner = account(&base, &format!("{run}o{room}")).await?;
            let server = post(
                &http,
                &format!("{base}/api/v1/servers"),
                Some(&owner.token),
                &json!({"name": format!("Room {room}")}),
            )
            .await?;
            let server_id = server["id"].as_str().context("no server id")?.to_owned();
            let channel_id = server["channels"][0]["id"]
                .as_str()
                .context("no channel")?
                .to_owned();
            let invite = http
                .get(format!("{base}/api/v1/servers/{server_id}/invite"))
                .bearer_auth(&owner.token)
                .send()
                .await?
                .json::<Value>()
                .await?;
            let code = invite["code"]
                .as_str()
                .context("no invite code")?
                .to_owned();
            let mut tokens = vec![owner.token.clone()];
            let mut joining = Vec::new();
            for u in 1..per_room_users {
                let base = base.clone();
                let name = format!("{run}r{room}u{u}");
                let code = code.clone();
                joining.push(tokio::spawn(async move {
                    let member = account(&base, &name).await?;
                    post(
                        &reqwest::Client::new(),
                        &format!("{base}/api/v1/invites/{code}"),
                        Some(&member.token),
                        &json!({}),
                    )
                    .await?;
                    anyhow::Ok(member.token)
                }));
            }
            for joined in joining {
                tokens.push(joined.await??);
            }
            for slot in 0..options.room_size {
                plan.push((
                    room,
                    channel_id.clone(),
                    tokens[slot / options.sockets_per_user].clone(),
                ));
            }
            if room % 10 == 9 {
                eprintln!("loadgen: {} rooms set up", room + 1);
            }
        }
        let plan = Arc::new(plan);
        let urls = Arc::new(options.urls.clone());
        open_many(plan.len(), options.connect_parallelism, move |i| {
            let plan = Arc::clone(&plan);
            let urls = Arc::clone(&urls);
            async move {
                let (room, channel, token) = plan[i].clone();
                let base = urls[i % urls.len()]
                    .trim_end_matches('/')
                    .replacen("http", "ws", 1);
                let socket = websocket(&format!("{base}/api/v1/gateway"), Some(&token)).await?;
                start(socket, room, channel).await
            }
        })
        .await
    }

    /// Reads Hello and Ready, then runs the socket: heartbeats, sends, acks and deliveries.
    async fn start(mut socket: Socket, room: usize, channel: String) -> anyhow::Result<Connected> {
        let mut heartbeat_ms = 30_000u64;
        let mut ready = false;
        while !ready {
            let frame = tokio::time::timeout(Duration::from_secs(60), socket.next())
                .await
                .context("no hello/ready")?
                .context("closed before ready")??;
            if let Message::Text(text) = frame {
                let text = text.as_str();
                if text.contains(r#""type":"hello""#) {
                    heartbeat_ms =
                        sent_at_in(text, r#""heartbeat_interval_ms":"#).unwrap_or(30_000);
                }
                ready = text.contains(r#""type":"ready""#);
            }
        }
        let (outgoing, mut queue) = mpsc::unbounded_channel::<Outgoing>();
        tokio::spawn(async move {
            let (mut write, mut read) = socket.split();
            let mut waiting: HashMap<u64, tokio::sync::oneshot::Sender<()>> = HashMap::new();
            let mut beat = tokio::time::interval(Duration::from_millis(heartbeat_ms / 2));
            loop {
                tokio::select! {
                    frame = read.next() => {
                        let Some(Ok(frame)) = frame else { break };
                        let Message::Text(text) = frame else { continue };
                        let text = text.as_str();
                        if text.starts_with(r#"{"type":"message_create""#) {
                            if let Some(sent_at) = sent_at_in(text, r#""content":""#) {
                                counters().delivered(sent_at);
                            }
                        } else if text.starts_with(r#"{"type":"ack""#)
                            && let Some(nonce) = sent_at_in(text, r#""nonce":""#)
                            && let Some(ack) = waiting.remove(&nonce)
                        {
                            let _ = ack.send(());
                        }
                    }
                    next = queue.recv() => {
                        let Some(next) = next else { break };
                        // The nonce starts with the send time, to match the ack; the rest makes it
                        // unique among the sockets of one account.
                        let frame = json!({
                            "type": "send_message",
                            "channel_id": channel,
                            "content": next.sent_at.to_string(),
                            "nonce": format!("{}-{}", next.sent_at, uuid::Uuid::new_v4().simple()),
                        });
                        waiting.insert(next.sent_at, next.ack);
                        if write.send(Message::Text(frame.to_string().into())).await.is_err() {
                            break;
                        }
                    }
                    _ = beat.tick() => {
                        if write.send(Message::Text(r#"{"type":"heartbeat"}"#.into())).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Ok(Connected { room, outgoing })
    }
}

mod socketio {
    //! Socket.IO (Engine.IO 4 over a WebSocket): `tests/bench/socketio/server.js` puts each
    //! socket in the room it asks for, and relays `send` to the room as `message`,
    //! acknowledging the sender.

    use super::*;

    pub async fn connect_all(options: &Options) -> anyhow::Result<Vec<Connected>> {
        let urls = Arc::new(options.urls.clone());
        let room_size = options.room_size;
        open_many(
            options.rooms * options.room_size,
            options.connect_parallelism,
            move |i| {
                let urls = Arc::clone(&urls);
                async move {
                    let base = urls[i % urls.len()]
                        .trim_end_matches('/')
                        .replacen("http", "ws", 1);
                    let url = format!("{base}/socket.io/?EIO=4&transport=websocket");
                    let socket = websocket(&url, None).await?;
                    start(socket, i / room_size).await
                }
            },
        )
        .await
    }

    async fn next_text(socket: &mut Socket) -> anyhow::Result<String> {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(60), socket.next())
                .await
                .context("socket.io handshake timed out")?
                .context("closed during the handshake")??;
            if let Message::Text(text) = frame {
                return Ok(text.as_str().to_owned());
            }
        }
    }

    async fn start(mut socket: Socket, room: usize) -> anyhow::Result<Connected> {
        // Engine.IO open ("0{...}"), then connect to the default namespace ("40").
        let open = next_text(&mut socket).await?;
        if !open.starts_with('0') {
            bail!("not an engine.io open packet: {open}");
        }
        socket.send(Message::Text("40".into())).await?;
        while !next_text(&mut socket).await?.starts_with("40") {}
        // Join the room and wait for the acknowledgement ("43<id>[...]").
        socket
            .send(Message::Text(
                format!(r#"420["join","room-{room}"]"#).into(),
            ))
            .await?;
        while !next_text(&mut socket).await?.starts_with("430") {}
        let (outgoing, mut queue) = mpsc::unbounded_channel::<Outgoing>();
        tokio::spawn(async move {
            let (mut write, mut read) = socket.split();
            let mut waiting: HashMap<u64, tokio::sync::oneshot::Sender<()>> = HashMap::new();
            loop {
                tokio::select! {
                    frame = read.next() => {
                        let Some(Ok(frame)) = frame else { break };
                        let Message::Text(text) = frame else { continue };
                        let text = text.as_str();
                        if text == "2" {
                            // Engine.IO ping: pong.
                            if write.send(Message::Text("3".into())).await.is_err() {
                                break;
                            }
                        } else if text.starts_with(r#"42["message""#) {
                            if let Some(sent_at) = sent_at_in(text, r#""content":""#) {
                                counters().delivered(sent_at);
                            }
                        } else if let Some(ack) = text.strip_prefix("43") {
                            let id = ack.split('[').next().and_then(|id| id.parse::<u64>().ok());
                            if let Some(sender) = id.and_then(|id| waiting.remove(&id)) {
                                let _ = sender.send(());
                            }
                        }
                    }
                    next = queue.recv() => {
                        let Some(next) = next else { break };
                        // The ack id is the send time: unique per socket.
                        let frame = format!(
                            r#"42{}["send",{{"room":"room-{room}","content":"{}"}}]"#,
                            next.sent_at, next.sent_at
                        );
                        waiting.insert(next.sent_at, next.ack);
                        if write.send(Message::Text(frame.into())).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Ok(Connected { room, outgoing })
    }
}

/// A short string unique to this run, for account names.
fn now_unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}", nanos % 0xffff_ffff_ffff)
}
