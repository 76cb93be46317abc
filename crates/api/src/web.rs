//! Serves the compiled web app: static files, with `index.html` for every other path so the
//! client-side router can take over (`/servers/...`, `/settings`).

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

pub fn router<S: Clone + Send + Sync + 'static>(web_dir: &Path) -> Router<S> {
    let index = web_dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dir = %web_dir.display(), "web app not built; serving a notice instead");
        return Router::new().fallback(not_built);
    }
    let files = ServeDir::new(web_dir).fallback(ServeFile::new(index));
    // The app's WebAssembly is a few megabytes; compressed it is a fraction of that.
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_policy))
        .layer(CompressionLayer::new())
}

/// Trunk puts a content hash in every asset's name, so those can be cached for good; the page
/// that names them must be revalidated so a new build is picked up at once.
async fn cache_policy(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let policy = if hashed {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// `parley-web-0123456789abcdef_bg.wasm` and the like.
fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches("_bg");
    stem.rsplit('-')
        .next()
        .is_some_and(|hash| hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

async fn not_built() -> impl IntoResponse {
    Html(
        "<!doctype html><title>Parley</title><h1>Parley is running</h1>\
         <p>The web app has not been built. <code>cargo xtask run</code> builds it and starts the \
         server; the API is at <a href=\"/api/v1/openapi.json\">/api/v1</a>.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_content_hashed_assets_are_immutable() {
        assert!(is_hashed_asset("/parley-web-3f1c2b4a5d6e7f80_bg.wasm"));
        assert!(is_hashed_asset("/parley-web-3f1c2b4a5d6e7f80.js"));
        assert!(is_hashed_asset("/main-3f1c2b4a5d6e7f80.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/servers/1234"));
        assert!(!is_hashed_asset("/"));
    }
}
