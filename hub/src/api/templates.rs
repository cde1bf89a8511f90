//! Route templates: the low-cardinality name of the route a request went to,
//! for the access log and the HTTP metrics.
//!
//! warp does not say which of its routes took a request, so the path is
//! matched against this table instead. A raw path is never used as a label
//! or logged: it names merchants and keys, and every distinct label value
//! is a new series in Prometheus. The isolation test
//! (`tests/api/isolation.rs`) checks this table against the routes in this
//! folder, so a new route cannot go unnamed.

/// Every route the hub serves, with `{name}` for a path parameter.
pub const ROUTES: &[&str] = &[
    "/healthz",
    "/metrics",
    "/v1/openapi.json",
    "/v1/me",
    "/v1/keys",
    "/v1/keys/{key_id}/revoke",
    "/v1/keys/{key_id}/rotate",
    "/v1/batches",
    "/v1/batches/{id}",
    "/v1/batches/{id}/issues",
    "/v1/alerts",
    "/v1/alerts/{id}",
    "/v1/alerts/{id}/{decision}",
    "/v1/search",
    "/v1/merchants/{acquirer}/{merchant_id}",
    "/v1/merchants/{acquirer}/{merchant_id}/versions",
    "/v1/people/{acquirer}/{merchant_id}",
    "/v1/terminals/locations",
    "/v1/photos/{sha256}",
    "/v1/blacklist",
    "/v1/blacklist/import",
    "/v1/blacklist/{id}",
    "/v1/blacklist/{id}/history",
    "/v1/blacklist/{id}/approve",
    "/v1/blacklist/{id}/reject",
    "/v1/blacklist/{id}/remove",
    "/v1/blacklist/{id}/update",
    "/v1/screen",
    "/v1/feed/head",
    "/v1/feed/key",
    "/v1/feed/events",
    "/v1/feed/token-key",
    "/v1/audit",
    "/v1/audit/verify",
];

/// What a path that matches no route is counted and logged as.
pub const UNMATCHED: &str = "unmatched";

/// The template of the route `path` (without its query) goes to, or
/// [`UNMATCHED`]. Where a literal and a parameter both fit
/// (`/v1/blacklist/import` and `/v1/blacklist/{id}`), the template with
/// more literal segments wins, as warp's routes are ordered.
pub fn route_template(path: &str) -> &'static str {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    ROUTES
        .iter()
        .filter_map(|template| {
            let parts: Vec<&str> = template[1..].split('/').collect();
            if parts.len() != segments.len() {
                return None;
            }
            let mut literals = 0;
            for (part, segment) in parts.iter().zip(&segments) {
                if part.starts_with('{') {
                    if segment.is_empty() {
                        return None;
                    }
                } else if part == segment {
                    literals += 1;
                } else {
                    return None;
                }
            }
            Some((literals, *template))
        })
        // `max_by_key` keeps the last of equals; no two templates tie.
        .max_by_key(|(literals, _)| *literals)
        .map_or(UNMATCHED, |(_, template)| template)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_their_templates() {
        assert_eq!(route_template("/healthz"), "/healthz");
        assert_eq!(route_template("/v1/alerts/17"), "/v1/alerts/{id}");
        assert_eq!(
            route_template("/v1/alerts/17/dismiss"),
            "/v1/alerts/{id}/{decision}"
        );
        assert_eq!(
            route_template("/v1/merchants/ACQ01/898440358120001"),
            "/v1/merchants/{acquirer}/{merchant_id}"
        );
        assert_eq!(
            route_template("/v1/blacklist/import"),
            "/v1/blacklist/import"
        );
        assert_eq!(route_template("/v1/blacklist/3"), "/v1/blacklist/{id}");
    }

    #[test]
    fn paths_of_no_route_are_unmatched_not_echoed() {
        for path in [
            "/",
            "",
            "/v1",
            "/v1/me/",
            "/v1/alerts//dismiss",
            "/v1/110105194912310021",
            "/wp-login.php",
        ] {
            assert_eq!(route_template(path), UNMATCHED, "{path:?}");
        }
    }

    #[test]
    fn no_two_templates_tie() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                let shape = |t: &str| -> Vec<String> {
                    t.split('/')
                        .map(|s| {
                            if s.starts_with('{') {
                                "{}".into()
                            } else {
                                s.into()
                            }
                        })
                        .collect()
                };
                assert_ne!(shape(a), shape(b), "{a} and {b}");
            }
        }
    }
}
