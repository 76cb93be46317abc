//! The server in a process of its own, configured by the environment like `parley`, for tests
//! that measure the process (its memory while it streams a large file). Prints `listening on
//! <port>` once it accepts connections, and stops when its standard input closes.

#![expect(
    clippy::print_stdout,
    reason = "tells the test which port it listens on"
)]

use std::io::Read;

use parley_api::{Application, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let application = Application::build(config).await?;
    println!("listening on {}", application.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        let _ = stop.send(());
    });
    application
        .run_until(async {
            let _ = stopped.await;
        })
        .await
}
