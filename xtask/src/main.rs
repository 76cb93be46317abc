//! Project automation, so that a fresh machine needs two commands:
//!
//! - `cargo xtask run`: installs what is missing, builds the web app and starts Parley.
//! - `cargo xtask test`: installs what is missing and runs every check and test.
//!
//! Plain `std` only, so it compiles in seconds before anything else.

#![expect(
    clippy::print_stdout,
    reason = "a command-line tool reports its progress on stdout"
)]

use std::env;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The PostgreSQL server CI tests against when nothing else is configured.
const CI_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

type Result<T = ()> = std::result::Result<T, String>;
/// A named step of `cargo xtask test`.
type Check = (&'static str, Box<dyn Fn() -> Result>);

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
        Some("tools") => ensure_build_tools(),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  run    build the web app and start Parley on http://127.0.0.1:8080\n  \
                 test   formatting, lints, Rust tests (SQLite, and PostgreSQL in CI), wasm build, browser tests\n  \
                 tools  only install the build tools (wasm32 target, trunk, wasm-bindgen)"
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

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

fn run() -> Result {
    step("install build tools", ensure_build_tools)?;
    step("build the web app", build_web)?;
    step("build the server", || {
        cargo(&[
            "build",
            "--release",
            "--package",
            "parley-api",
            "--bin",
            "parley",
        ])
    })?;
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
    let started = Instant::now();
    let mut passed = 0;
    let mut checks: Vec<Check> = vec![
        ("install build tools", Box::new(ensure_build_tools)),
        (
            "formatting",
            Box::new(|| cargo(&["fmt", "--all", "--", "--check"])),
        ),
        (
            "clippy (native)",
            Box::new(|| {
                cargo(&[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ])
            }),
        ),
        (
            "clippy and build check (wasm32: shared, web)",
            Box::new(|| {
                cargo(&[
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
                ])
            }),
        ),
        (
            "Rust tests (SQLite)",
            Box::new(|| cargo_with_env(&["test", "--workspace"], &[])),
        ),
    ];
    if let Some(url) = postgres_url() {
        checks.push((
            "Rust tests (PostgreSQL)",
            Box::new(move || {
                cargo_with_env(
                    &["test", "--package", "parley-tests", "--test", "api"],
                    &[("PARLEY_TEST_POSTGRES_URL", url.as_str())],
                )
            }),
        ));
    } else {
        println!(
            "note: PostgreSQL tests skipped; set PARLEY_TEST_POSTGRES_URL (e.g. {CI_POSTGRES_URL}) to run them"
        );
    }
    checks.push(("build the web app", Box::new(build_web)));
    checks.push(("browser tests", Box::new(browser_tests)));

    let total = checks.len();
    for (name, check) in &checks {
        if let Err(err) = step(name, check) {
            println!(
                "\nxtask: {passed} passed, 1 failed ({:.0?})",
                started.elapsed()
            );
            return Err(format!("{name} failed: {err}"));
        }
        passed += 1;
    }
    println!(
        "\nxtask: {passed} passed, {} failed ({:.0?})",
        total - passed,
        started.elapsed()
    );
    Ok(())
}

/// `PARLEY_TEST_POSTGRES_URL` if set; in CI the local server otherwise.
fn postgres_url() -> Option<String> {
    match env::var("PARLEY_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if env::var("CI").is_ok_and(|v| v == "true" || v == "1") => Some(CI_POSTGRES_URL.into()),
        _ => None,
    }
}

fn step(name: &str, f: impl Fn() -> Result) -> Result {
    println!("\n==> {name}");
    let started = Instant::now();
    let outcome = f();
    let mark = if outcome.is_ok() { "ok" } else { "FAILED" };
    println!("==> {name}: {mark} in {:.1?}", started.elapsed());
    outcome
}

// ---- tools -------------------------------------------------------------------------------------

fn ensure_build_tools() -> Result {
    let installed = capture("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        println!("installing the {WASM_TARGET} target");
        exec(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }

    let trunk = capture("trunk", &["--version"]).unwrap_or_default();
    if !trunk.contains(&format!("trunk {TRUNK_VERSION}")) {
        println!("installing trunk {TRUNK_VERSION} (a few minutes, once)");
        cargo(&["install", "trunk", "--version", TRUNK_VERSION, "--locked"])?;
    }

    let wanted = locked_version("wasm-bindgen")?;
    let bindgen = capture("wasm-bindgen", &["--version"]).unwrap_or_default();
    if !bindgen.contains(&format!("wasm-bindgen {wanted}")) {
        println!("installing wasm-bindgen-cli {wanted}, matching Cargo.lock (a few minutes, once)");
        // Not --locked: its lock file names a crate version the registry no longer serves.
        cargo(&["install", "wasm-bindgen-cli", "--version", &wanted])?;
    }
    Ok(())
}

/// The version of `name` that Cargo.lock pins.
fn locked_version(name: &str) -> Result<String> {
    let lock = std::fs::read_to_string("Cargo.lock").map_err(|e| format!("Cargo.lock: {e}"))?;
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
    exec(Command::new("apt-get").arg("update").stdout(Stdio::null()))?;
    exec(Command::new("apt-get").args(["install", "-y", "--no-install-recommends", "chromium"]))?;
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

// ---- building and browser tests ----------------------------------------------------------------

/// Trunk's output goes to `dist/`, which the server serves. `--offline` makes it use the tools
/// installed above instead of downloading its own.
fn build_web() -> Result {
    exec(Command::new("trunk").args(["build", "--release", "--offline"]))
}

fn browser_tests() -> Result {
    let chromium = ensure_chromium()?;
    if capture("npm", &["--version"]).is_none() {
        return Err(
            "Node.js and npm are needed for the browser tests (Debian: apt-get install nodejs npm)"
                .into(),
        );
    }
    cargo(&["build", "--package", "parley-api", "--bin", "parley"])?;
    let e2e = Path::new("tests").join("e2e");
    exec(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e),
    )?;
    let port = free_port()?;
    let server = env::current_dir()
        .map_err(|e| e.to_string())?
        .join("target")
        .join("debug")
        .join("parley");
    exec(
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

fn cargo(args: &[&str]) -> Result {
    cargo_with_env(args, &[])
}

fn cargo_with_env(args: &[&str], vars: &[(&str, &str)]) -> Result {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(args);
    for (key, value) in vars {
        command.env(key, value);
    }
    exec(&mut command)
}

fn exec(command: &mut Command) -> Result {
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
