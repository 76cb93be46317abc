//! Serves the compiled web app: static files, with `index.html` for every other path so the
//! client-side router can take over (`/servers/...`, `/settings`). The app's files are compressed
//! once, at the best brotli and gzip levels, next to the originals (the wasm shrinks from about
//! 1.4 MB to 0.4 MB); until that is done, or where the folder is read-only, they are compressed
//! on the fly. Every response carries the Content-Security-Policy built here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

pub fn router<S: Clone + Send + Sync + 'static>(web_dir: &Path) -> Router<S> {
    let index = web_dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dir = %web_dir.display(), "web app not built; serving a notice instead");
        return Router::new().fallback(not_built);
    }
    let dir = web_dir.to_owned();
    tokio::task::spawn_blocking(move || precompress(&dir));
    let files = ServeDir::new(web_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
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

/// Writes `name.br` and `name.gz` beside each file of the app that lacks them (or has older
/// ones). Compression at the best levels is slow (seconds for the wasm), so it is done once
/// per build, not per request. A read-only folder only means on-the-fly compression.
fn precompress(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "wasm" | "js" | "css" | "html" | "svg" | "json"));
        if !compressible || !path.is_file() {
            continue;
        }
        let codecs: [(&str, Compress); 2] = [("br", brotli), ("gz", gzip)];
        for (suffix, compress) in codecs {
            let target = with_suffix(&path, suffix);
            if is_fresh(&target, &path) {
                continue;
            }
            let written = std::fs::read(&path)
                .and_then(|bytes| compress(&bytes))
                .and_then(|compressed| write_atomically(&target, &compressed));
            if let Err(err) = written {
                tracing::debug!(file = %path.display(), error = %err, "not precompressed");
            }
        }
    }
}

type Compress = fn(&[u8]) -> std::io::Result<Vec<u8>>;

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn is_fresh(compressed: &Path, original: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(compressed), modified(original)), (Some(c), Some(o)) if c >= o)
}

/// Another instance starting at the same time must never serve a half-written file.
fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = with_suffix(target, &format!("{}.tmp", std::process::id()));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, target)
}

fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = ::brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    ::brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

async fn not_built() -> impl IntoResponse {
    Html(
        "<!doctype html><title>Parley</title><h1>Parley is running</h1>\
         <p>The web app has not been built. <code>cargo xtask run</code> builds it and starts the \
         server; the API is at <a href=\"/api/v1/openapi.json\">/api/v1</a>.</p>",
    )
}

/// The Content-Security-Policy: scripts only from this origin (plus the page's own inline
/// scripts, by hash: the theme switch and the loader Trunk writes), WebAssembly allowed, no
/// plugins, no framing, connections to this origin and its gateway only. Inline styles are
/// allowed: the app sets a few `style` attributes, and styles cannot run code.
#[derive(Debug, Clone)]
pub struct ContentSecurityPolicy {
    script_hashes: String,
    /// `wss://chat.example.org` when the public URL is known; otherwise taken from each
    /// request's `Host`.
    gateway: Option<String>,
    /// Where attachments are downloaded from besides this origin (the S3 bucket's), for
    /// pictures, video and audio shown in the page.
    media_origin: Option<String>,
}

impl ContentSecurityPolicy {
    pub fn new(web_dir: &Path, public_url: Option<&str>, media_origin: Option<String>) -> Self {
        let index = std::fs::read_to_string(web_dir.join("index.html")).unwrap_or_default();
        let script_hashes = inline_scripts(&index)
            .map(|script| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(script))))
            .collect();
        let gateway = public_url.map(|url| {
            url.replacen("https://", "wss://", 1)
                .replacen("http://", "ws://", 1)
        });
        Self {
            script_hashes,
            gateway,
            media_origin,
        }
    }

    fn header(&self, host: Option<&str>) -> Option<HeaderValue> {
        let gateway = match (&self.gateway, host) {
            (Some(gateway), _) => format!(" {gateway}"),
            (None, Some(host)) => format!(" ws://{host} wss://{host}"),
            (None, None) => String::new(),
        };
        let media = self
            .media_origin
            .as_deref()
            .map(|origin| format!(" {origin}"))
            .unwrap_or_default();
        let policy = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{scripts}; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{media}; \
             media-src 'self'{media}; connect-src 'self'{gateway}; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            scripts = self.script_hashes,
        );
        HeaderValue::from_str(&policy).ok()
    }
}

/// The text of each `<script>` without a `src`, exactly as the browser hashes it.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        let (script, _) = body.split_once("</script>")?;
        (!attributes.contains("src=")).then_some(script)
    })
}

/// Adds the policy to every response (API answers too: they are never meant to be framed).
pub async fn content_security_policy(
    State(policy): State<Arc<ContentSecurityPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .map(str::to_owned);
    let mut response = next.run(request).await;
    // Responses that set their own policy keep it (uploaded files are served `sandbox`).
    if response
        .headers()
        .contains_key(header::CONTENT_SECURITY_POLICY)
    {
        return response;
    }
    if let Some(value) = policy.header(host.as_deref()) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_hashed_assets_are_immutable() {
        assert!(is_hashed_asset("/parley-web-3f1c2b4a5d6e7f80_bg.wasm"));
        assert!(is_hashed_asset("/parley-web-3f1c2b4a5d6e7f80.js"));
        assert!(is_hashed_asset("/main-3f1c2b4a5d6e7f80.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/servers/1234"));
        assert!(!is_hashed_asset("/"));
    }

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html = "<head><script>a()</script><script src=\"/x.js\"></script>\
                    <script type=\"module\">\nimport x;\n</script></head>";
        let found: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(found, vec!["a()", "\nimport x;\n"]);
    }

    #[test]
    fn the_policy_names_the_gateway_and_the_inline_scripts() {
        let policy = ContentSecurityPolicy {
            script_hashes: " 'sha256-abc'".into(),
            gateway: None,
            media_origin: Some("https://files.example.org".into()),
        };
        let header = policy
            .header(Some("127.0.0.1:8080"))
            .map(|h| h.to_str().map(str::to_owned));
        let header = header.and_then(Result::ok).unwrap_or_default();
        assert!(header.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc';"));
        assert!(header.contains("connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;"));
        assert!(header.contains("frame-ancestors 'none'"));
        assert!(header.contains("object-src 'none'"));
        assert!(header.contains("img-src 'self' data: blob: https://files.example.org;"));
        assert!(header.contains("media-src 'self' https://files.example.org;"));
        let scripts = header
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or_default();
        assert!(
            !scripts.contains("unsafe-inline"),
            "no inline script without a hash"
        );
    }
}
