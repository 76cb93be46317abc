//! Project automation, so that a fresh machine needs two commands:
//!
//! - `cargo xtask run`: installs what is missing, builds the web app and starts Parley.
//! - `cargo xtask test`: installs what is missing and runs every check and test.
//!
//! Plain `std` only, so it compiles in seconds before anything else. Independent steps run side by
//! side (the wasm build beside the Rust tests, the two databases' suites beside each other), each
//! writing to a log under `target/xtask/` that is printed when the step ends, so outputs never
//! interleave.

#![expect(
    clippy::print_stdout,
    reason = "a command-line tool reports its progress on stdout"
)]

use std::env;
use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The PostgreSQL server CI tests against when nothing else is configured.
const CI_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// The Redis CI's multi-instance tests use when nothing else is configured.
const CI_REDIS_URL: &str = "redis://127.0.0.1:6379";
/// Builds the multi-instance test binary too (it needs PostgreSQL and Redis to run).
const TEST_FEATURES: &str = "parley-tests/multi-instance";
/// An npm package holding the web build's own tools (binaryen's wasm-opt).
const WEB_BUILD_TOOLS: &str = "crates/web/build-tools";
/// The wasm build has a target folder of its own, so it can run while native builds hold
/// `target/`.
const WEB_TARGET_DIR: &str = "target/web";
/// Where the logs of steps that run side by side go.
const LOG_DIR: &str = "target/xtask";

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let root = workspace_root();
    if let Err(err) = env::set_current_dir(&root) {
        eprintln!("xtask: cannot enter {}: {err}", root.display());
        return ExitCode::FAILURE;
    }
    let outcome = match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test(),
        Some("tools") => ensure_build_tools(&Out::Inherit),
        Some("bench") => bench::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  run    build the web app and start Parley on http://127.0.0.1:8080\n  \
                 test   formatting, lints, Rust tests (SQLite, and PostgreSQL in CI), wasm build, browser tests\n  \
                 tools  only install the build tools (wasm32 target, trunk, wasm-bindgen, wasm-opt)\n  \
                 bench  the benchmark: Parley and a Socket.IO server under the same load (see README)"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("\nxtask: {err}");
            ExitCode::FAILURE
        }
    }
}

mod bench;

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

fn run() -> Result {
    if !tools_ready() {
        println!(
            "First run on this machine: installing the build tools (trunk and wasm-bindgen are \
             compiled from source, about 7 minutes on 2 cores), then building the web app and the \
             server (about 6 more). Later runs start in seconds."
        );
    }
    let mut report = Report::new();
    report.step("install build tools", || ensure_build_tools(&Out::Inherit))?;
    report.parallel(vec![
        Task::new("build the web app", build_web),
        Task::new("build the server", |out| {
            cargo(
                out,
                &[
                    "build",
                    "--release",
                    "--package",
                    "parley-api",
                    "--bin",
                    "parley",
                ],
                &[],
            )
        }),
    ])?;
    report.summary();
    let addr = env::var("PARLEY_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    println!("\nStarting Parley on http://{addr} (Ctrl-C stops it; data in ./data)\n");
    let status = Command::new(Path::new("target").join("release").join("parley"))
        .status()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the server exited with {status}"))
    }
}

fn test() -> Result {
    let mut report = Report::new();
    let outcome = test_steps(&mut report);
    report.summary();
    outcome
}

fn test_steps(report: &mut Report) -> Result {
    let postgres = postgres_url();
    if postgres.is_none() {
        println!(
            "note: PostgreSQL tests skipped; set PARLEY_TEST_POSTGRES_URL (e.g. {CI_POSTGRES_URL}) to run them"
        );
    }
    report.step("install build tools", || ensure_build_tools(&Out::Inherit))?;
    report.step("formatting", || {
        cargo(&Out::Inherit, &["fmt", "--all", "--", "--check"], &[])
    })?;
    // Native crates only (the workspace's default members); the web app is linted for wasm32,
    // the one target it is built for.
    report.step("clippy (native)", || {
        cargo(
            &Out::Inherit,
            &["clippy", "--all-targets", "--", "-D", "warnings"],
            &[],
        )
    })?;
    report.step("clippy and build check (wasm32: shared, web)", || {
        cargo(
            &Out::Inherit,
            &[
                "clippy",
                "--package",
                "parley-shared",
                "--package",
                "parley-web",
                "--target",
                WASM_TARGET,
                "--",
                "-D",
                "warnings",
            ],
            &[],
        )
    })?;
    // The wasm build is mostly one long single-threaded link; the Rust tests mostly wait on
    // sockets and databases. Side by side they share the two cores well.
    report.parallel(vec![
        Task::new("build the web app", build_web),
        Task::new("install moto (the S3 server for the tests)", install_moto),
        Task::new("build the Rust tests and the server", |out| {
            let quiet = [("CARGO_TERM_COLOR", "never")];
            cargo(
                out,
                &["test", "--no-run", "--features", TEST_FEATURES],
                &quiet,
            )?;
            // Same package selection as the tests, so the same features: nothing is compiled
            // twice, only the binary is linked.
            cargo(out, &["build", "--bin", "parley"], &quiet)
        }),
    ])?;
    let binaries = test_binaries()?;
    let (multi, binaries): (Vec<TestBinary>, Vec<TestBinary>) =
        binaries.into_iter().partition(|b| b.name == "multi");
    // Attachment tests run on the data folder and, against this server, on S3.
    let moto = MotoServer::start()?;
    let s3 = moto.endpoint();
    let mut suites = vec![Task::new("Rust tests (SQLite)", {
        let binaries = binaries.clone();
        let s3 = s3.clone();
        // Empty: this run is the SQLite one even where the environment names a PostgreSQL.
        move |out| {
            run_test_binaries(
                out,
                &binaries,
                &[
                    ("PARLEY_TEST_POSTGRES_URL", ""),
                    ("PARLEY_TEST_S3_ENDPOINT", s3.as_str()),
                ],
            )
        }
    })];
    if let Some(url) = postgres {
        let mut api: Vec<TestBinary> = binaries.into_iter().filter(|b| b.name == "api").collect();
        let redis = redis_url();
        match &redis {
            Some(_) => api.extend(multi),
            None => println!(
                "note: multi-instance tests skipped; set PARLEY_TEST_REDIS_URL (e.g. {CI_REDIS_URL}) to run them"
            ),
        }
        suites.push(Task::new(
            "Rust tests (PostgreSQL, and several instances on Redis)",
            move |out| {
                let mut vars = vec![
                    ("PARLEY_TEST_POSTGRES_URL", url.as_str()),
                    ("PARLEY_TEST_S3_ENDPOINT", s3.as_str()),
                ];
                if let Some(redis) = &redis {
                    vars.push(("PARLEY_TEST_REDIS_URL", redis.as_str()));
                }
                run_test_binaries(out, &api, &vars)
            },
        ));
    }
    suites.push(Task::new("API fuzzing (schemathesis)", api_fuzz));
    let outcome = report.parallel(suites);
    drop(moto);
    outcome?;
    report.step("browser tests", browser_tests)
}

/// `PARLEY_TEST_REDIS_URL` if set; in CI the local server otherwise.
fn redis_url() -> Option<String> {
    match env::var("PARLEY_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if env::var("CI").is_ok_and(|v| v == "true" || v == "1") => Some(CI_REDIS_URL.into()),
        _ => None,
    }
}

/// `PARLEY_TEST_POSTGRES_URL` if set; in CI the local server otherwise.
fn postgres_url() -> Option<String> {
    match env::var("PARLEY_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if env::var("CI").is_ok_and(|v| v == "true" || v == "1") => Some(CI_POSTGRES_URL.into()),
        _ => None,
    }
}

// ---- steps and their report --------------------------------------------------------------------

/// Where a step's commands write: the terminal, or the step's log file.
enum Out {
    Inherit,
    Log(PathBuf),
}

impl Out {
    fn attach(&self, command: &mut Command) -> Result {
        if let Out::Log(path) = self {
            let file = File::options()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            let copy = file
                .try_clone()
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            command.stdout(file).stderr(copy);
        }
        Ok(())
    }
}

type Work = Box<dyn FnOnce(&Out) -> Result + Send>;

/// A step that runs beside others, with its output in a log.
struct Task {
    name: &'static str,
    work: Work,
}

impl Task {
    fn new(name: &'static str, work: impl FnOnce(&Out) -> Result + Send + 'static) -> Self {
        Self {
            name,
            work: Box::new(work),
        }
    }
}

/// A task under way: its name, its log, when it started.
type Running = (&'static str, PathBuf, Instant);

/// Every step's name, time and outcome, printed as a table at the end.
struct Report {
    started: Instant,
    steps: Vec<(String, Duration, bool)>,
}

impl Report {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            steps: Vec::new(),
        }
    }

    fn step(&mut self, name: &str, work: impl FnOnce() -> Result) -> Result {
        println!("\n==> {name}");
        let started = Instant::now();
        let outcome = work();
        let took = started.elapsed();
        let mark = if outcome.is_ok() { "ok" } else { "FAILED" };
        println!("==> {name}: {mark} in {took:.1?}");
        self.steps.push((name.to_owned(), took, outcome.is_ok()));
        outcome.map_err(|err| format!("{name} failed: {err}"))
    }

    /// Runs the tasks at the same time. Each one's log is printed when it ends; while they run,
    /// a line every half minute says what is still going.
    fn parallel(&mut self, tasks: Vec<Task>) -> Result {
        let names: Vec<&str> = tasks.iter().map(|t| t.name).collect();
        println!("\n==> {} (side by side)", names.join(" + "));
        fs::create_dir_all(LOG_DIR).map_err(|e| format!("cannot create {LOG_DIR}: {e}"))?;
        let running: Arc<Mutex<Vec<Running>>> = Arc::default();
        let done = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = tasks
            .into_iter()
            .map(|task| {
                let log = Path::new(LOG_DIR).join(format!("{}.log", slug(task.name)));
                let _ = fs::remove_file(&log);
                let running = Arc::clone(&running);
                thread::spawn(move || {
                    let started = Instant::now();
                    lock(&running).push((task.name, log.clone(), started));
                    let outcome = (task.work)(&Out::Log(log.clone()));
                    let took = started.elapsed();
                    lock(&running).retain(|(name, _, _)| *name != task.name);
                    let mark = if outcome.is_ok() { "ok" } else { "FAILED" };
                    // One task's log at a time, whole.
                    let shown = lock(&running);
                    println!("\n---- {} (log: {})", task.name, log.display());
                    print!("{}", fs::read_to_string(&log).unwrap_or_default());
                    println!("==> {}: {mark} in {took:.1?}", task.name);
                    drop(shown);
                    (task.name, took, outcome)
                })
            })
            .collect();
        let ticker = {
            let running = Arc::clone(&running);
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let mut since = Instant::now();
                while !done.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(200));
                    if since.elapsed() < Duration::from_secs(30) {
                        continue;
                    }
                    since = Instant::now();
                    for (name, log, started) in lock(&running).iter() {
                        let last = last_line(log).unwrap_or_default();
                        println!("    … {name}: {:.0?} so far; {last}", started.elapsed());
                    }
                }
            })
        };
        let mut failure = None;
        for handle in handles {
            match handle.join() {
                Ok((name, took, outcome)) => {
                    self.steps.push((name.to_owned(), took, outcome.is_ok()));
                    if let Err(err) = outcome {
                        failure.get_or_insert(format!("{name} failed: {err}"));
                    }
                }
                Err(_) => {
                    failure.get_or_insert("a step panicked".to_owned());
                }
            }
        }
        done.store(true, Ordering::Relaxed);
        let _ = ticker.join();
        failure.map_or(Ok(()), Err)
    }

    fn summary(&self) {
        println!("\nxtask: step times");
        for (name, took, ok) in &self.steps {
            let mark = if *ok { "ok" } else { "FAILED" };
            println!("  {:<48} {:>9.1?}  {mark}", name, took);
        }
        let failed = self.steps.iter().filter(|(_, _, ok)| !ok).count();
        println!(
            "xtask: {} passed, {failed} failed ({:.0?} in all)",
            self.steps.len() - failed,
            self.started.elapsed()
        );
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The last line of a log that says something, for progress reports.
fn last_line(log: &Path) -> Option<String> {
    let file = File::open(log).ok()?;
    BufReader::new(file)
        .lines()
        .map_while(std::result::Result::ok)
        .filter(|l| !l.trim().is_empty())
        .last()
        .map(|l| l.trim().chars().take(100).collect())
}

// ---- tools -------------------------------------------------------------------------------------

/// Whether everything `ensure_build_tools` would install is there.
fn tools_ready() -> bool {
    installed_target()
        && has_version("trunk", &format!("trunk {TRUNK_VERSION}"))
        && locked_version("wasm-bindgen")
            .is_ok_and(|v| has_version("wasm-bindgen", &format!("wasm-bindgen {v}")))
        && wasm_opt().exists()
}

fn installed_target() -> bool {
    capture("rustup", &["target", "list", "--installed"])
        .is_some_and(|list| list.lines().any(|l| l.trim() == WASM_TARGET))
}

fn has_version(program: &str, wanted: &str) -> bool {
    capture(program, &["--version"]).is_some_and(|v| v.contains(wanted))
}

fn wasm_opt() -> PathBuf {
    Path::new(WEB_BUILD_TOOLS)
        .join("node_modules")
        .join(".bin")
        .join("wasm-opt")
}

/// The wasm32 target (rustup), trunk and wasm-bindgen-cli (compiled from crates.io, side by side,
/// with a quick release profile: they are build tools, not the product), and wasm-opt (npm).
fn ensure_build_tools(out: &Out) -> Result {
    if !installed_target() {
        println!("installing the {WASM_TARGET} target");
        exec(
            out,
            Command::new("rustup").args(["target", "add", WASM_TARGET]),
        )?;
    }
    let bindgen = locked_version("wasm-bindgen")?;
    let mut installs: Vec<Task> = Vec::new();
    if !has_version("trunk", &format!("trunk {TRUNK_VERSION}")) {
        installs.push(Task::new("install trunk", |out| {
            quick_install(out, &["trunk", "--version", TRUNK_VERSION, "--locked"])
        }));
    }
    if !has_version("wasm-bindgen", &format!("wasm-bindgen {bindgen}")) {
        installs.push(Task::new("install wasm-bindgen-cli", move |out| {
            // Not --locked: its lock file names a crate version the registry no longer serves.
            quick_install(out, &["wasm-bindgen-cli", "--version", &bindgen])
        }));
    }
    if !wasm_opt().exists() {
        installs.push(Task::new("install wasm-opt (npm)", |out| {
            npm_ci(out, Path::new(WEB_BUILD_TOOLS))
        }));
    }
    if installs.is_empty() {
        return Ok(());
    }
    println!(
        "installing {} (trunk takes about 6 minutes, wasm-bindgen about 3; progress below every \
         half minute, full logs in {LOG_DIR}/)",
        installs
            .iter()
            .map(|t| t.name.trim_start_matches("install "))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut report = Report::new();
    let outcome = report.parallel(installs);
    if outcome.is_ok() && !tools_ready() {
        return Err(
            "the build tools were installed but are not found on PATH (~/.cargo/bin)".into(),
        );
    }
    outcome
}

/// `cargo install` with a release profile that compiles in about half the time: no LTO, many
/// codegen units, less optimisation. Fine for tools that run for seconds.
fn quick_install(out: &Out, args: &[&str]) -> Result {
    let mut full = vec!["install"];
    full.extend_from_slice(args);
    cargo(
        out,
        &full,
        &[
            ("CARGO_PROFILE_RELEASE_LTO", "off"),
            ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
            ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "2"),
            ("CARGO_PROFILE_RELEASE_DEBUG", "0"),
            ("CARGO_TERM_COLOR", "never"),
        ],
    )
}

fn npm_ci(out: &Out, dir: &Path) -> Result {
    if capture("npm", &["--version"]).is_none() {
        return Err(
            "Node.js and npm are needed (the web build's wasm-opt and the browser tests come \
             from npm; Debian: apt-get install nodejs npm)"
                .into(),
        );
    }
    exec(
        out,
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir),
    )
}

/// The version of `name` that Cargo.lock pins.
fn locked_version(name: &str) -> Result<String> {
    let lock = fs::read_to_string("Cargo.lock").map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        let version = lines
            .clone()
            .next()
            .and_then(|l| l.trim().strip_prefix("version = "));
        if line.trim() == format!("name = \"{name}\"")
            && let Some(version) = version
        {
            return Ok(version.trim_matches('"').to_owned());
        }
    }
    Err(format!("{name} is not in Cargo.lock"))
}

fn ensure_chromium() -> Result<String> {
    if let Some(path) = chromium_path() {
        return Ok(path);
    }
    let root = capture("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    if !root {
        return Err(
            "Chromium is needed for the browser tests: install Debian's package with \
                    `sudo apt-get install chromium` (or set CHROMIUM_PATH) and run again"
                .into(),
        );
    }
    println!("installing Debian's chromium for the browser tests");
    exec(
        &Out::Inherit,
        Command::new("apt-get").arg("update").stdout(Stdio::null()),
    )?;
    exec(
        &Out::Inherit,
        Command::new("apt-get").args(["install", "-y", "--no-install-recommends", "chromium"]),
    )?;
    chromium_path().ok_or_else(|| "chromium was installed but cannot be found".into())
}

fn chromium_path() -> Option<String> {
    if let Ok(path) = env::var("CHROMIUM_PATH") {
        return Some(path);
    }
    ["chromium", "chromium-browser"]
        .iter()
        .find_map(|name| capture("which", &[name]))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
}

// ---- building and testing ----------------------------------------------------------------------

/// Trunk's output goes to `dist/`, which the server serves. `--offline` makes it use the tools
/// installed above instead of downloading its own; wasm-opt comes from the build tools' npm
/// package, put first on its PATH.
fn build_web(out: &Out) -> Result {
    let tools = env::current_dir()
        .map_err(|e| e.to_string())?
        .join(WEB_BUILD_TOOLS)
        .join("node_modules")
        .join(".bin");
    let path = env::var_os("PATH").unwrap_or_default();
    let path = env::join_paths(std::iter::once(tools).chain(env::split_paths(&path)))
        .map_err(|e| e.to_string())?;
    exec(
        out,
        Command::new("trunk")
            .args(["build", "--release", "--offline"])
            .env("PATH", path)
            .env("CARGO_TARGET_DIR", WEB_TARGET_DIR)
            .env("NO_COLOR", "true"),
    )
}

#[derive(Debug, Clone)]
struct TestBinary {
    /// The test target's name (`api` for the black-box suite).
    name: String,
    executable: PathBuf,
    /// Tests run from their package's folder, as `cargo test` does.
    package_dir: PathBuf,
}

/// The test executables `cargo test --no-run` built (the native crates', which are the
/// workspace's default members), read from cargo's JSON output.
fn test_binaries() -> Result<Vec<TestBinary>> {
    let cargo_bin = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo_bin)
        .args(["test", "--no-run", "--features", TEST_FEATURES])
        .args(["--message-format", "json"])
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let binaries: Vec<TestBinary> = text
        .lines()
        .filter(|line| line.contains("\"reason\":\"compiler-artifact\""))
        // Test harnesses only: `--no-run` also builds the packages' binaries themselves, whose
        // target says `"test":true` too; only a harness is built with the test profile.
        .filter(|line| {
            line.split_once("\"profile\":{")
                .and_then(|(_, rest)| rest.split_once('}'))
                .is_some_and(|(profile, _)| profile.contains("\"test\":true"))
        })
        .filter_map(|line| {
            let executable = json_string(line, "executable")?;
            let manifest = json_string(line, "manifest_path")?;
            let name = json_string(line, "name")?;
            Some(TestBinary {
                name,
                executable: executable.into(),
                package_dir: Path::new(&manifest).parent()?.to_owned(),
            })
        })
        .collect();
    if binaries.is_empty() {
        return Err("cargo built no test executables".into());
    }
    Ok(binaries)
}

/// The string value of `"key":"..."` in one line of cargo's JSON (paths and names, which never
/// contain quotes or escapes worth decoding here).
fn json_string(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let rest = &line[start..];
    Some(rest[..rest.find('"')?].to_owned())
}

fn run_test_binaries(out: &Out, binaries: &[TestBinary], vars: &[(&str, &str)]) -> Result {
    let cargo_bin = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut failed = Vec::new();
    for binary in binaries {
        let mut command = Command::new(&binary.executable);
        command
            .current_dir(&binary.package_dir)
            .env("CARGO", &cargo_bin)
            .env("RUST_BACKTRACE", "1");
        for (key, value) in vars {
            command.env(key, value);
        }
        if exec(out, &mut command).is_err() {
            failed.push(binary.name.clone());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("tests failed in: {}", failed.join(", ")))
    }
}

fn browser_tests() -> Result {
    let chromium = ensure_chromium()?;
    cargo(&Out::Inherit, &["build", "--bin", "parley"], &[])?;
    let e2e = Path::new("tests").join("e2e");
    npm_ci(&Out::Inherit, &e2e)?;
    let port = free_port()?;
    let server = env::current_dir()
        .map_err(|e| e.to_string())?
        .join("target")
        .join("debug")
        .join("parley");
    exec(
        &Out::Inherit,
        Command::new("npx")
            .args(["playwright", "test"])
            .current_dir(&e2e)
            .env("CHROMIUM_PATH", chromium)
            .env("PARLEY_E2E_PORT", port.to_string())
            .env("PARLEY_BIN", server),
    )
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

// ---- processes ---------------------------------------------------------------------------------

fn cargo(out: &Out, args: &[&str], vars: &[(&str, &str)]) -> Result {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(args);
    for (key, value) in vars {
        command.env(key, value);
    }
    exec(out, &mut command)
}

fn exec(out: &Out, command: &mut Command) -> Result {
    out.attach(command)?;
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} exited with {status}"))
    }
}

/// Standard output of a command that succeeded; `None` if it is missing or failed.
fn capture(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

// ---- the S3 server for the tests ---------------------------------------------------------------
//
// moto (PyPI) answers the S3 API in memory, so the S3 back end is tested against a real server
// speaking S3, without credentials or a network. It lives in a virtual environment under target/,
// installed on first use, and runs for the length of the Rust tests.

const MOTO_VERSION: &str = "5.2.5";

fn moto_venv() -> PathBuf {
    Path::new("target").join("moto-venv")
}

fn install_moto(out: &Out) -> Result {
    let venv = moto_venv();
    let pip = venv.join("bin").join("pip");
    let installed = capture(&pip.to_string_lossy(), &["show", "moto"]).unwrap_or_default();
    let wanted = format!("Version: {MOTO_VERSION}");
    if installed.lines().any(|l| l.trim() == wanted)
        && venv.join("bin").join("moto_server").exists()
    {
        return Ok(());
    }
    println!("installing moto {MOTO_VERSION} into {}", venv.display());
    exec(out, Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    exec(
        out,
        Command::new(&pip)
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("moto[server]=={MOTO_VERSION}")),
    )
}

/// A moto server on a free port, stopped when dropped.
struct MotoServer {
    child: std::process::Child,
    port: u16,
}

impl MotoServer {
    fn start() -> Result<Self> {
        let port = free_port()?;
        fs::create_dir_all(LOG_DIR).map_err(|e| format!("cannot create {LOG_DIR}: {e}"))?;
        let log = Path::new(LOG_DIR).join("moto-server.log");
        let log = File::create(&log).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
        let child = Command::new(moto_venv().join("bin").join("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start moto_server: {e}"))?;
        let server = Self { child, port };
        let started = Instant::now();
        while http(port, "GET", "/", &[], "").is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                return Err("moto_server did not answer within 30 s".into());
            }
            thread::sleep(Duration::from_millis(200));
        }
        Ok(server)
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- API fuzzing -------------------------------------------------------------------------------
//
// Schemathesis (PyPI) reads the OpenAPI document of a live server and sends it generated
// requests, checking every answer against the document (`--checks all`). It lives in a virtual
// environment under target/, installed on first use.

const SCHEMATHESIS_VERSION: &str = "4.32.5";

fn api_fuzz(out: &Out) -> Result {
    let venv = Path::new("target").join("schemathesis-venv");
    let schemathesis = venv.join("bin").join("schemathesis");
    let installed = capture(&schemathesis.to_string_lossy(), &["--version"]).unwrap_or_default();
    if !installed.contains(SCHEMATHESIS_VERSION) {
        println!(
            "installing schemathesis {SCHEMATHESIS_VERSION} into {}",
            venv.display()
        );
        exec(out, Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        exec(
            out,
            Command::new(venv.join("bin").join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")),
        )?;
    }
    cargo(out, &["build", "--bin", "parley"], &[])?;
    let port = free_port()?;
    let data = env::current_dir()
        .map_err(|e| e.to_string())?
        .join("target")
        .join(format!("api-fuzz-data-{}", std::process::id()));
    let _ = fs::remove_dir_all(&data);
    let mut command = Command::new(Path::new("target").join("debug").join("parley"));
    out.attach(&mut command)?;
    let mut server = command
        .env("PARLEY_ADDR", format!("127.0.0.1:{port}"))
        .env("PARLEY_DATA_DIR", &data)
        .env("RUST_LOG", "warn")
        // Schemathesis sends thousands of requests from one address in a few minutes.
        .env("PARLEY_REGISTRATIONS_PER_IP", "100000")
        .env("PARLEY_SEND_RATE", "100000")
        .env("PARLEY_SEND_BURST", "100000")
        .env("PARLEY_EDIT_RATE", "100000")
        .env("PARLEY_EDIT_BURST", "100000")
        .env("PARLEY_GROUPS_PER_HOUR", "100000")
        .env("PARLEY_ICON_UPLOADS_PER_HOUR", "100000")
        .env("PARLEY_UPLOADS_PER_HOUR", "100000")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let outcome = fuzz_running_server(out, port, &schemathesis);
    let _ = server.kill();
    let _ = server.wait();
    let _ = fs::remove_dir_all(&data);
    outcome
}

fn fuzz_running_server(out: &Out, port: u16, schemathesis: &Path) -> Result {
    let started = Instant::now();
    while http(port, "GET", "/readyz", &[], "").is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the server did not become ready".into());
        }
        thread::sleep(Duration::from_millis(200));
    }
    // A user for the authenticated operations, and a token for schemathesis to send.
    let password = "schemathesis password";
    let register =
        format!(r#"{{"username":"fuzzer","display_name":"Fuzzer","password":"{password}"}}"#);
    let registered = http(port, "POST", "/api/v1/auth/register", &[], &register)?;
    let cookie = registered
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie").then(|| {
                value
                    .trim()
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
        })
        .ok_or("registering the fuzzing user set no cookie")?;
    let body = format!(r#"{{"name":"schemathesis","current_password":"{password}"}}"#);
    let created = http(
        port,
        "POST",
        "/api/v1/users/@me/tokens",
        &[("Cookie", &cookie)],
        &body,
    )?;
    let token = created
        .split(r#""token":""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("creating the fuzzing token failed")?
        .to_owned();
    exec(
        out,
        Command::new(schemathesis)
            .args([
                "--config-file",
                "tests/schemathesis/schemathesis.toml",
                "run",
            ])
            .arg(format!("http://127.0.0.1:{port}/api/v1/openapi.json"))
            .args(["--checks", "all", "--max-examples", "30", "--seed", "1"])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .env("NO_COLOR", "1"),
    )
}

/// One HTTP/1.1 exchange over a plain socket (xtask uses only `std`): the whole answer, head and
/// body, or an error for no answer or a status of 400 or more.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<String> {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .map_err(|e| e.to_string())?;
    let status: u16 = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if (200..400).contains(&status) {
        Ok(answer)
    } else {
        Err(format!("{method} {path} answered {status}: {answer}"))
    }
}
