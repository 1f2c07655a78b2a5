//! What client-side commands read from a data dir: the root credentials and the endpoint of the last start.

use std::path::{Path, PathBuf};

use anyhow::Context;

pub(crate) const DEFAULT_DATA_DIR: &str = "trailrunner-data";

pub(crate) struct RootFile {
    pub(crate) access_key_id: String,
    pub(crate) secret_access_key: String,
    pub(crate) region: String,
}

pub(crate) fn read_credentials(data_dir: &Path) -> anyhow::Result<RootFile> {
    let path = data_dir.join(trailrunner_server::CREDENTIALS_FILE);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {} (has `trailrunner serve` run with this data dir?)",
            path.display()
        )
    })?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let field = |name: &str| -> anyhow::Result<String> {
        doc.get(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .with_context(|| format!("{} has no {name}", path.display()))
    };
    Ok(RootFile {
        access_key_id: field("accessKeyId")?,
        secret_access_key: field("secretAccessKey")?,
        region: field("region").unwrap_or_else(|_| "us-east-1".into()),
    })
}

/// The endpoint recorded by the last `serve` of this data dir, else the default port.
pub(crate) fn endpoint(data_dir: &Path, explicit: Option<&str>) -> String {
    if let Some(e) = explicit {
        return e.trim_end_matches('/').to_string();
    }
    std::fs::read_to_string(data_dir.join(trailrunner_server::ENDPOINT_FILE))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:4566".into())
}

pub(crate) fn default_dir() -> PathBuf {
    PathBuf::from(DEFAULT_DATA_DIR)
}
