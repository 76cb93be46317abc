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

/// The process can do useful work: its database answers.
pub async fn readyz(State(state): State<AppState>) -> AppResult<Json<Value>> {
    match state.store.ping().await {
        Ok(()) => Ok(Json(
            json!({ "status": "ok", "database": state.store.backend() }),
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
