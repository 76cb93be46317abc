//! Invariants of the workspace's shape (see ARCHITECTURE.md).

use std::process::Command;

/// `shared` is compiled into the browser app: it must stay free of the server's runtime and
/// database crates.
#[test]
fn the_shared_crate_does_not_depend_on_server_crates() -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--package",
            "parley-shared",
            "--edges",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["--target", "all", "--offline", "--format", "{p}"])
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout)?;
    assert!(tree.contains("parley-shared"), "the tree was read: {tree}");
    for forbidden in ["tokio ", "axum ", "sea-orm ", "sqlx ", "hyper ", "mio "] {
        assert!(
            !tree.lines().any(|line| line.starts_with(forbidden)),
            "parley-shared must not depend on {forbidden}"
        );
    }
    Ok(())
}
