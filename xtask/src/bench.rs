//! `cargo xtask bench [peer|targets|all]`: Parley and a Socket.IO server (alone, and with its
//! Redis adapter) under the same load from the same generator (`tests/src/bin/loadgen.rs`), and
//! the figures side by side with their ratios.
//!
//! - `peer` (the default): the comparison rows of the performance issue: one room of 100 with 4
//!   senders, 100 rooms of 10 with 100 senders (both closed loops), and memory per idle
//!   connection with 5,000 open.
//! - `targets`: Parley's own targets: acknowledgements with 64 senders (SQLite, and PostgreSQL
//!   when available), 10,000 connections in 100 rooms of 100, a room of 10,000, memory at
//!   10,000 connections, and the cost of crossing instances over Redis.
//!
//! Each server runs on core 0 and the generator on core 1 (`taskset`), so "per server
//! CPU-second" compares like with like. Servers start fresh for every row.

use std::env;
use std::fs;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::{Out, Result, cargo, exec, free_port, npm_ci};

const SOCKETIO_DIR: &str = "tests/bench/socketio";
const REDIS_URL: &str = "redis://127.0.0.1:6379";
const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    ParleySqlite,
    ParleyPostgres,
    /// Two Parley instances on one PostgreSQL database and one Redis.
    ParleyTwoInstances,
    SocketIo,
    SocketIoRedis,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::ParleySqlite => "Parley (SQLite)",
            Target::ParleyPostgres => "Parley (PostgreSQL)",
            Target::ParleyTwoInstances => "Parley x2 (PostgreSQL + Redis)",
            Target::SocketIo => "Socket.IO",
            Target::SocketIoRedis => "Socket.IO + Redis adapter",
        }
    }

    fn is_parley(self) -> bool {
        matches!(
            self,
            Target::ParleySqlite | Target::ParleyPostgres | Target::ParleyTwoInstances
        )
    }
}

#[derive(Debug, Clone)]
struct Scenario {
    name: &'static str,
    rooms: usize,
    room_size: usize,
    senders: usize,
    /// Messages per second in all; 0 for a closed loop.
    rate: f64,
    seconds: f64,
    idle_only: bool,
    targets: Vec<Target>,
    /// The figures shown for this row.
    figures: &'static [(&'static str, &'static str)],
}

const LOAD_FIGURES: &[(&str, &str)] = &[
    (
        "deliveries per server CPU-second",
        "deliveries_per_server_cpu_second",
    ),
    ("messages acknowledged/s", "acked_per_second"),
    ("deliveries/s", "deliveries_per_second"),
    ("latency p50 (ms)", "latency_ms_p50"),
    ("latency p99 (ms)", "latency_ms_p99"),
];
const IDLE_FIGURES: &[(&str, &str)] = &[
    ("KiB per idle connection", "server_kib_per_idle_connection"),
    ("server RSS (KiB)", "server_rss_kib_idle"),
];

fn peer_scenarios() -> Vec<Scenario> {
    let peers = vec![
        Target::ParleySqlite,
        Target::SocketIo,
        Target::SocketIoRedis,
    ];
    vec![
        Scenario {
            name: "1 room x 100 clients, 4 senders (closed loop)",
            rooms: 1,
            room_size: 100,
            senders: 4,
            rate: 0.0,
            seconds: 10.0,
            idle_only: false,
            targets: peers.clone(),
            figures: LOAD_FIGURES,
        },
        Scenario {
            name: "100 rooms x 10 clients, 100 senders (closed loop)",
            rooms: 100,
            room_size: 10,
            senders: 100,
            rate: 0.0,
            seconds: 10.0,
            idle_only: false,
            targets: peers.clone(),
            figures: LOAD_FIGURES,
        },
        Scenario {
            name: "5,000 idle connections",
            rooms: 50,
            room_size: 100,
            senders: 0,
            rate: 0.0,
            seconds: 0.0,
            idle_only: true,
            targets: peers,
            figures: IDLE_FIGURES,
        },
    ]
}

fn target_scenarios(postgres: bool) -> Vec<Scenario> {
    let mut databases = vec![Target::ParleySqlite];
    if postgres {
        databases.push(Target::ParleyPostgres);
    }
    let mut rows = vec![
        Scenario {
            name: "64 senders, closed loop (acknowledged after commit)",
            rooms: 64,
            room_size: 2,
            senders: 64,
            rate: 0.0,
            seconds: 10.0,
            idle_only: false,
            targets: databases,
            figures: LOAD_FIGURES,
        },
        Scenario {
            name: "10,000 connections in 100 rooms of 100, 1,000 msg/s",
            rooms: 100,
            room_size: 100,
            senders: 100,
            rate: 1000.0,
            seconds: 10.0,
            idle_only: false,
            targets: vec![Target::ParleySqlite, Target::SocketIo],
            figures: LOAD_FIGURES,
        },
        Scenario {
            name: "one room of 10,000, 20 msg/s",
            rooms: 1,
            room_size: 10_000,
            senders: 1,
            rate: 20.0,
            seconds: 10.0,
            idle_only: false,
            targets: vec![Target::ParleySqlite, Target::SocketIo],
            figures: LOAD_FIGURES,
        },
        Scenario {
            name: "10,000 idle connections",
            rooms: 100,
            room_size: 100,
            senders: 0,
            rate: 0.0,
            seconds: 0.0,
            idle_only: true,
            targets: vec![Target::ParleySqlite, Target::SocketIo],
            figures: IDLE_FIGURES,
        },
    ];
    if postgres {
        rows.push(Scenario {
            name: "cross-instance: 10 rooms x 10, 200 msg/s",
            rooms: 10,
            room_size: 10,
            senders: 10,
            rate: 200.0,
            seconds: 10.0,
            idle_only: false,
            targets: vec![Target::ParleyPostgres, Target::ParleyTwoInstances],
            figures: LOAD_FIGURES,
        });
    }
    rows
}

pub fn run(args: &[String]) -> Result {
    let which = args.first().map_or("peer", String::as_str);
    let postgres = postgres_available();
    let scenarios = match which {
        "peer" => peer_scenarios(),
        "targets" => target_scenarios(postgres),
        "all" => {
            let mut all = peer_scenarios();
            all.extend(target_scenarios(postgres));
            all
        }
        other => return Err(format!("unknown benchmark {other}: peer, targets or all")),
    };
    // `cargo xtask bench targets senders`: only the rows whose name contains the word.
    let scenarios: Vec<Scenario> = match args.get(1) {
        Some(word) => scenarios
            .into_iter()
            .filter(|s| s.name.contains(word.as_str()))
            .collect(),
        None => scenarios,
    };
    println!("building the release server and the load generator");
    cargo(
        &Out::Inherit,
        &["build", "--release", "--bin", "parley", "--bin", "loadgen"],
        &[],
    )?;
    npm_ci(&Out::Inherit, Path::new(SOCKETIO_DIR))?;
    let mut report = Vec::new();
    for scenario in &scenarios {
        println!("\n== {}", scenario.name);
        let mut results = Vec::new();
        for target in &scenario.targets {
            let figures = measure(scenario, *target).unwrap_or_else(|err| {
                println!("   {}: failed: {err}", target.name());
                String::new()
            });
            for (label, key) in scenario.figures {
                if let Some(value) = json_number(&figures, key) {
                    println!("   {:<30} {label}: {value:.2}", target.name());
                }
            }
            results.push((*target, figures));
        }
        report.push((scenario.clone(), results));
    }
    print_report(&report);
    Ok(())
}

fn print_report(report: &[(Scenario, Vec<(Target, String)>)]) {
    println!("\n==== summary (server on core 0, load generator on core 1)");
    for (scenario, results) in report {
        println!("\n{}", scenario.name);
        for (label, key) in scenario.figures {
            let values: Vec<(Target, Option<f64>)> = results
                .iter()
                .map(|(target, figures)| (*target, json_number(figures, key)))
                .collect();
            let cells: Vec<String> = values
                .iter()
                .map(|(target, value)| {
                    format!(
                        "{}: {}",
                        target.name(),
                        value.map_or("n/a".into(), |v| format!("{v:.1}"))
                    )
                })
                .collect();
            println!("  {label:<34} {}", cells.join(" | "));
            // Parley against each peer: how many times better (higher is better for rates,
            // lower for latency and memory).
            let parley = values
                .iter()
                .find(|(t, _)| *t == Target::ParleySqlite)
                .and_then(|(_, v)| *v);
            let lower_is_better = key.starts_with("latency") || key.contains("kib");
            for (target, value) in &values {
                if let (Some(p), Some(v), false) = (parley, value, target.is_parley())
                    && p > 0.0
                    && *v > 0.0
                {
                    let ratio = if lower_is_better { v / p } else { p / v };
                    println!("  {:<34}   Parley is {ratio:.2}x vs {}", "", target.name());
                }
            }
        }
    }
}

/// A running target: its processes (and what to clean up), the URLs of its instances.
struct Running {
    children: Vec<Child>,
    urls: Vec<String>,
    scratch: Vec<PathBuf>,
    database: Option<String>,
}

impl Running {
    fn pids(&self) -> String {
        self.children
            .iter()
            .map(|c| c.id().to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    fn stop(mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        for dir in &self.scratch {
            let _ = fs::remove_dir_all(dir);
        }
        if let Some(name) = &self.database {
            let _ = psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

fn measure(scenario: &Scenario, target: Target) -> Result<String> {
    let running = start(target)?;
    let outcome = drive(scenario, target, &running);
    running.stop();
    outcome
}

fn drive(scenario: &Scenario, target: Target, running: &Running) -> Result<String> {
    let mut command = pinned(1, Path::new("target/release/loadgen"));
    command
        .args([
            "--target",
            if target.is_parley() {
                "parley"
            } else {
                "socketio"
            },
        ])
        .args(["--url", &running.urls.join(",")])
        .args(["--server-pid", &running.pids()])
        .args(["--rooms", &scenario.rooms.to_string()])
        .args(["--room-size", &scenario.room_size.to_string()])
        .args(["--senders", &scenario.senders.to_string()])
        .args(["--rate", &scenario.rate.to_string()])
        .args(["--seconds", &scenario.seconds.to_string()])
        // One account per room: creating accounts costs password hashes, not what is measured.
        .args(["--sockets-per-user", &scenario.room_size.to_string()])
        .arg("--json")
        .stderr(Stdio::inherit());
    if scenario.idle_only {
        command.arg("--idle-only");
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run the load generator: {e}"))?;
    if !output.status.success() {
        return Err(format!("the load generator exited with {}", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `taskset -c <core> <program>` where taskset exists, else the program alone.
fn pinned(core: usize, program: &Path) -> Command {
    if super::capture("taskset", &["--version"]).is_some() {
        let mut command = Command::new("taskset");
        command.args(["-c", &core.to_string()]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn start(target: Target) -> Result<Running> {
    let mut running = Running {
        children: Vec::new(),
        urls: Vec::new(),
        scratch: Vec::new(),
        database: None,
    };
    let started = match target {
        Target::SocketIo | Target::SocketIoRedis => {
            let port = free_port()?;
            let mut command = pinned(0, Path::new("node"));
            command
                .arg("server.js")
                .current_dir(SOCKETIO_DIR)
                .env("PORT", port.to_string())
                .stdout(Stdio::null());
            if target == Target::SocketIoRedis {
                command.env("REDIS_URL", REDIS_URL);
            }
            spawn(&mut running, command, port)
        }
        Target::ParleySqlite => start_parley(&mut running, None, None, 1),
        Target::ParleyPostgres => start_parley(&mut running, Some(create_database()?), None, 1),
        Target::ParleyTwoInstances => {
            start_parley(&mut running, Some(create_database()?), Some(REDIS_URL), 2)
        }
    };
    match started {
        Ok(()) => Ok(running),
        Err(err) => {
            running.stop();
            Err(err)
        }
    }
}

fn start_parley(
    running: &mut Running,
    database: Option<String>,
    redis: Option<&str>,
    instances: usize,
) -> Result {
    let scratch = env::temp_dir().join(format!("parley-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    running.scratch.push(scratch.clone());
    running.database.clone_from(&database);
    for instance in 0..instances {
        let port = free_port()?;
        let mut command = pinned(0, Path::new("target/release/parley"));
        command
            .env("PARLEY_ADDR", format!("127.0.0.1:{port}"))
            .env(
                "PARLEY_DATA_DIR",
                scratch.join(format!("instance-{instance}")),
            )
            .env("RUST_LOG", "warn")
            // The load is the point: no limit may stand in its way.
            .env("PARLEY_REGISTRATIONS_PER_IP", "1000000")
            .env("PARLEY_SEND_RATE", "1000000")
            .env("PARLEY_SEND_BURST", "1000000")
            .env("PARLEY_MAX_SOCKETS_PER_USER", "20000")
            .env("PARLEY_MAX_CONNECTIONS", "19000")
            .env("PARLEY_HASH_QUEUE_MS", "60000")
            .stdout(Stdio::null());
        if let Some(name) = &database {
            command.env("DATABASE_URL", with_database(POSTGRES_URL, name));
        }
        if let Some(url) = redis {
            command.env("REDIS_URL", url);
        }
        spawn(running, command, port)?;
    }
    Ok(())
}

fn spawn(running: &mut Running, mut command: Command, port: u16) -> Result {
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    running.children.push(child);
    running.urls.push(format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(60) {
            return Err(format!("nothing listens on port {port} after a minute"));
        }
        thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn postgres_available() -> bool {
    psql("SELECT 1").is_ok()
}

fn create_database() -> Result<String> {
    let name = format!("parley_bench_{}", std::process::id());
    psql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))?;
    psql(&format!("CREATE DATABASE \"{name}\""))?;
    Ok(name)
}

fn psql(sql: &str) -> Result {
    exec(
        &Out::Log(env::temp_dir().join("parley-bench-psql.log")),
        Command::new("psql").args([POSTGRES_URL, "-q", "-c", sql]),
    )
}

fn with_database(url: &str, name: &str) -> String {
    match url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => url.to_owned(),
    }
}

/// A number field of the load generator's one-line JSON.
fn json_number(json: &str, key: &str) -> Option<f64> {
    let start = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}
