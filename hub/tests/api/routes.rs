//! The routes the hub serves, read from its source: shared by the tests
//! that must cover every route (the isolation table, the OpenAPI document).

use std::collections::BTreeSet;

/// Every `(method, route)` the hub serves, read from `src/api`: each
/// `warp::path!(…)` followed by its method filter. Path parameters are `{}`.
pub fn routes_in_source() -> BTreeSet<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("warp::path!(") {
            rest = &rest[start + "warp::path!(".len()..];
            let end = rest.find(')').unwrap();
            let segments: Vec<String> = rest[..end]
                .split('/')
                .map(|segment| {
                    let segment = segment.trim();
                    match segment.strip_prefix('"') {
                        Some(literal) => literal.trim_end_matches('"').to_owned(),
                        None => "{}".to_owned(),
                    }
                })
                .collect();
            let method = ["get", "post", "put", "delete", "patch"]
                .into_iter()
                .filter_map(|m| rest.find(&format!("warp::{m}()")).map(|at| (at, m)))
                .min()
                .map(|(_, m)| m.to_uppercase())
                .unwrap();
            let path = segments.join("/");
            // Outside /v1: the probes an orchestrator and a scraper call.
            let prefix = if path == "healthz" || path == "metrics" {
                "/"
            } else {
                "/v1/"
            };
            routes.insert((method, format!("{prefix}{path}")));
        }
    }
    routes
}
