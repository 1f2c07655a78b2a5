//! `ExternalBuckets` from the command line, for the integration suite (tests/python/test_external_buckets.py):
//!
//! ```text
//! external_buckets ENDPOINT bucket NAME                       # prints the BucketInfo as JSON, or null
//! external_buckets ENDPOINT put NAME KEY FILE [META=VALUE…]    # PutObject with x-amz-meta-META: VALUE
//! ```
//! Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the region from AWS_DEFAULT_REGION (us-east-1).
//! Exit status 1 with the error on stderr when the endpoint fails.

use bytes::Bytes;
use trailrunner_buckets::{Buckets, ExternalBuckets, ExternalEndpoint};

fn env(name: &str, default: Option<&str>) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .or(default.map(str::to_owned))
        .ok_or(format!("{name} is not set"))
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let buckets = ExternalBuckets::new(ExternalEndpoint {
        url: args.first().ok_or("ENDPOINT missing")?.clone(),
        region: env("AWS_DEFAULT_REGION", Some("us-east-1"))?,
        access_key_id: env("AWS_ACCESS_KEY_ID", None)?,
        secret_access_key: env("AWS_SECRET_ACCESS_KEY", None)?,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        match args.get(1..).unwrap_or_default() {
            [cmd, name] if cmd == "bucket" => {
                let info = buckets.bucket(name).await.map_err(|e| e.to_string())?;
                let json = info.map(|i| {
                    serde_json::json!({
                        "name": i.name, "region": i.region, "owner_account": i.owner_account,
                        "policy": i.policy, "policy_known": i.policy_known,
                    })
                });
                println!("{}", json.unwrap_or(serde_json::Value::Null));
                Ok(())
            }
            [cmd, name, key, file, meta @ ..] if cmd == "put" => {
                let body = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
                let metadata = meta
                    .iter()
                    .map(|m| {
                        m.split_once('=')
                            .map(|(k, v)| (k.to_owned(), v.to_owned()))
                            .ok_or(format!("{m:?} is not META=VALUE"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                buckets
                    .put_object(name, key, Bytes::from(body), &metadata)
                    .await
                    .map_err(|e| e.to_string())
            }
            _ => Err(
                "usage: external_buckets ENDPOINT (bucket NAME | put NAME KEY FILE [META=VALUE…])"
                    .into(),
            ),
        }
    })
}
