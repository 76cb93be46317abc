//! Refuses cookie-authenticated writes that a page of another origin made the browser send
//! (cross-site request forgery). Requests with a bearer token carry no ambient authority, so they
//! are exempt; so are requests with no `Origin` (not sent by a browser page).

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parley_shared::ErrorCode;

use crate::error::AppError;
use crate::state::AppState;

pub async fn reject_foreign_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe
        || request.headers().contains_key(AUTHORIZATION)
        || is_own_origin(request.headers(), state.config.public_url.as_deref())
    {
        return next.run(request).await;
    }
    AppError::new(
        ErrorCode::ForeignOrigin,
        "Requests from other sites are not accepted.",
    )
    .into_response()
}

/// True when there is no `Origin`, or it is ours: the public URL when configured, otherwise the
/// host the request was sent to.
pub fn is_own_origin(headers: &HeaderMap, public_url: Option<&str>) -> bool {
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    match public_url {
        Some(public) => origin.eq_ignore_ascii_case(public),
        None => {
            let host = headers.get(HOST).and_then(|h| h.to_str().ok());
            let origin_host = origin.split_once("://").map(|(_, h)| h);
            matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(origin: Option<&'static str>, host: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static(host));
        if let Some(o) = origin {
            h.insert(ORIGIN, HeaderValue::from_static(o));
        }
        h
    }

    #[test]
    fn origin_must_match_the_host_or_the_public_url() {
        assert!(is_own_origin(&headers(None, "127.0.0.1:8080"), None));
        assert!(is_own_origin(
            &headers(Some("http://127.0.0.1:8080"), "127.0.0.1:8080"),
            None
        ));
        assert!(!is_own_origin(
            &headers(Some("http://evil.example"), "127.0.0.1:8080"),
            None
        ));
        assert!(!is_own_origin(
            &headers(Some("null"), "127.0.0.1:8080"),
            None
        ));
        let public = Some("https://chat.example.org");
        assert!(is_own_origin(
            &headers(Some("https://chat.example.org"), "10.0.0.5"),
            public
        ));
        assert!(!is_own_origin(
            &headers(Some("http://chat.example.org"), "10.0.0.5"),
            public
        ));
    }
}
