//! Liveness and readiness, for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use parley_shared::ErrorCode;

/// The process is up and serving.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can do useful work: its database answers. With Redis, whether the link to the
/// other instances is up is reported too; its being down does not make the instance unready
/// (writes go on, and clients resync once it is back).
pub async fn readyz(State(state): State<AppState>) -> AppResult<Json<Value>> {
    let redis = match state.store.bus().redis_connected() {
        None => "not configured",
        Some(true) => "connected",
        Some(false) => "reconnecting",
    };
    match state.store.ping().await {
        Ok(()) => Ok(Json(
            json!({ "status": "ok", "database": state.store.backend(), "redis": redis }),
        )),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            Err(AppError::new(
                ErrorCode::Unavailable,
                "The database is not reachable.",
            ))
        }
    }
}
