//! The page's files, compiled in: one HTML shell, one script, one stylesheet, no external
//! fetches (no CDN), so the explorer works offline and cannot be changed underneath a node.

/// A file and its content type.
pub(super) struct Asset {
    pub(super) body: &'static str,
    pub(super) content_type: &'static str,
}

/// The asset at `path`, if any.
pub(super) fn get(path: &str) -> Option<Asset> {
    let (body, content_type) = match path {
        "/" | "/index.html" => {
            (include_str!("../../explorer/index.html"), "text/html; charset=utf-8")
        }
        "/app.js" => (include_str!("../../explorer/app.js"), "text/javascript; charset=utf-8"),
        "/style.css" => (include_str!("../../explorer/style.css"), "text/css; charset=utf-8"),
        _ => return None,
    };
    Some(Asset { body, content_type })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_references_only_its_own_files() {
        let html = get("/").unwrap().body;
        assert!(html.contains("/app.js") && html.contains("/style.css"));
        for a in ["/", "/app.js", "/style.css"] {
            let body = get(a).unwrap().body;
            assert!(
                !body.contains("https://") && !body.contains("http://"),
                "{a} fetches from outside"
            );
        }
        assert!(get("/../Cargo.toml").is_none());
    }
}
