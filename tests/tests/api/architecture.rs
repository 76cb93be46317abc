//! Invariants of the workspace's shape (see ARCHITECTURE.md).

use std::process::Command;

/// `shared` is compiled into the browser app: it must stay free of the server's runtime and
/// database crates, for the browser's target and for the machine's own. Only those two targets
/// are asked about, so the check needs nothing beyond what building the workspace fetched (with
/// `--target all`, cargo wants every platform's crates, which a fresh cache does not have).
#[test]
fn the_shared_crate_does_not_depend_on_server_crates() -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = host_target(&cargo)?;
    for target in ["wasm32-unknown-unknown", host.as_str()] {
        let output = Command::new(&cargo)
            .args([
                "tree",
                "--package",
                "parley-shared",
                "--edges",
                "normal",
                "--prefix",
                "none",
                "--format",
                "{p}",
                "--target",
                target,
            ])
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "cargo tree --target {target} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let tree = String::from_utf8(output.stdout)?;
        assert!(tree.contains("parley-shared"), "the tree was read: {tree}");
        assert!(
            tree.contains("validator"),
            "its dependencies were listed: {tree}"
        );
        for forbidden in ["tokio ", "axum ", "sea-orm ", "sqlx ", "hyper ", "mio "] {
            assert!(
                !tree.lines().any(|line| line.starts_with(forbidden)),
                "parley-shared must not depend on {forbidden} (target {target})"
            );
        }
    }
    Ok(())
}

/// The machine's own target triple, as rustc names it.
fn host_target(cargo: &str) -> anyhow::Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| {
        std::path::Path::new(cargo)
            .with_file_name("rustc")
            .to_string_lossy()
            .into_owned()
    });
    let rustc = if std::path::Path::new(&rustc).exists() {
        rustc
    } else {
        "rustc".into()
    };
    let output = Command::new(rustc).arg("-vV").output()?;
    let info = String::from_utf8(output.stdout)?;
    info.lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("rustc -vV named no host: {info}"))
}
