//! `parley`: starts the server with configuration from the environment.

use parley_api::{Application, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .init();
    let config = Config::from_env()?;
    let app = Application::build(config).await?;
    tracing::info!("open http://{} in a browser", app.addr());
    app.run_until_stopped().await
}
