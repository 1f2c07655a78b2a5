//! Buckets on an external S3-compatible endpoint (AWS S3, MinIO, Garage, Ceph, moto…), through `object_store`.
//!
//! One [`ExternalBuckets`] talks to one endpoint with one set of credentials, path-style (`<endpoint>/<bucket>/<key>`),
//! plain `http://` allowed. The bucket's own access control governs there, so [`BucketInfo::policy_known`] is
//! false: trailrunner cannot read, let alone enforce, what the endpoint's owner allows.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{Attribute, Attributes, ClientOptions, ObjectStore, PutOptions, PutPayload};

use crate::{BucketError, BucketInfo, Buckets};

/// Where an external S3-compatible endpoint is and how to sign for it. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ExternalEndpoint {
    /// `http://host:port` or `https://host`.
    pub url: String,
    /// The region requests are signed for (and reported as every bucket's region).
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for ExternalEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalEndpoint")
            .field("url", &self.url)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .finish()
    }
}

impl ExternalEndpoint {
    /// An `object_store` client for one bucket of this endpoint.
    pub fn store(&self, bucket: &str) -> Result<AmazonS3, BucketError> {
        // A plain-HTTP endpoint needs no TLS roots; loading the system's (rustls-platform-verifier's default) costs
        // several milliseconds per client, most of a short command's start.
        let plain_http = self.url.starts_with("http://");
        AmazonS3Builder::new()
            .with_client_options(ClientOptions::new().with_no_system_certificates(plain_http))
            .with_endpoint(self.url.trim_end_matches('/'))
            .with_region(&self.region)
            .with_access_key_id(&self.access_key_id)
            .with_secret_access_key(&self.secret_access_key)
            .with_bucket_name(bucket)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .build()
            .map_err(|e| BucketError::Remote(format!("configuring {}: {e}", self.url)))
    }
}

/// The buckets of one external endpoint.
pub struct ExternalBuckets {
    endpoint: ExternalEndpoint,
    /// One client per bucket (`object_store` binds a client to its bucket); they share nothing but are cheap.
    stores: Mutex<HashMap<String, Arc<AmazonS3>>>,
}

impl fmt::Debug for ExternalBuckets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalBuckets")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ExternalBuckets {
    pub fn new(endpoint: ExternalEndpoint) -> Self {
        ExternalBuckets {
            endpoint,
            stores: Mutex::new(HashMap::new()),
        }
    }

    pub fn endpoint(&self) -> &ExternalEndpoint {
        &self.endpoint
    }

    fn store(&self, bucket: &str) -> Result<Arc<AmazonS3>, BucketError> {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(store) = stores.get(bucket) {
            return Ok(store.clone());
        }
        let store = Arc::new(self.endpoint.store(bucket)?);
        stores.insert(bucket.to_owned(), store.clone());
        Ok(store)
    }
}

/// Whether an `object_store` error says the bucket itself does not exist. S3 answers a request to a missing bucket
/// with 404 and the code `NoSuchBucket`; `object_store` maps some 404s to `NotFound` and keeps the response body in
/// the message of the others, which is the only place the code survives.
fn is_no_such_bucket(e: &object_store::Error) -> bool {
    if matches!(e, object_store::Error::NotFound { .. }) {
        return true;
    }
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if s.to_string().contains("NoSuchBucket") {
            return true;
        }
        source = s.source();
    }
    false
}

/// An error without the request's URL query (which never holds credentials with header signing, but stays short).
fn remote(what: &str, bucket: &str, e: &object_store::Error) -> BucketError {
    BucketError::Remote(format!("{what} s3://{bucket}: {e}"))
}

#[async_trait]
impl Buckets for ExternalBuckets {
    /// Lists at most one key: a bucket exists when listing it succeeds (`ListObjectsV2`), and does not when the
    /// endpoint answers `NoSuchBucket`. Anything else (access denied, unreachable) is an error, not a "no".
    async fn bucket(&self, name: &str) -> Result<Option<BucketInfo>, BucketError> {
        let store = self.store(name)?;
        let mut listing = store.list(None);
        match listing.next().await {
            None | Some(Ok(_)) => Ok(Some(BucketInfo {
                name: name.to_owned(),
                region: self.endpoint.region.clone(),
                owner_account: None,
                policy: None,
                policy_known: false,
            })),
            Some(Err(e)) if is_no_such_bucket(&e) => Ok(None),
            Some(Err(e)) => Err(remote("listing", name, &e)),
        }
    }

    /// One `PutObject` with the metadata as `x-amz-meta-<name>` headers; `object_store` retries transient failures
    /// with backoff, and S3 acknowledges a PUT only once the object is stored.
    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Bytes,
        metadata: &[(String, String)],
    ) -> Result<(), BucketError> {
        let store = self.store(bucket)?;
        let path = Path::parse(key)
            .map_err(|e| BucketError::Remote(format!("object key {key:?} not usable: {e}")))?;
        let mut attributes = Attributes::new();
        for (name, value) in metadata {
            attributes.insert(
                Attribute::Metadata(name.to_ascii_lowercase().into()),
                value.clone().into(),
            );
        }
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        match store
            .put_opts(&path, PutPayload::from_bytes(body), options)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_no_such_bucket(&e) => Err(BucketError::NoSuchBucket(bucket.to_owned())),
            Err(e) => Err(remote("writing to", bucket, &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let endpoint = ExternalEndpoint {
            url: "http://127.0.0.1:9000".into(),
            region: "eu-west-1".into(),
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI".into(),
        };
        let buckets = ExternalBuckets::new(endpoint.clone());
        for text in [format!("{endpoint:?}"), format!("{buckets:?}")] {
            assert!(text.contains("AKIAEXAMPLE") && text.contains("127.0.0.1:9000"));
            assert!(!text.contains("wJalrXUtnFEMI"), "{text}");
        }
    }

    #[test]
    fn clients_are_built_per_bucket_and_kept() {
        let buckets = ExternalBuckets::new(ExternalEndpoint {
            url: "http://127.0.0.1:9/".into(),
            region: "us-east-1".into(),
            access_key_id: "a".into(),
            secret_access_key: "b".into(),
        });
        let a = buckets.store("one").unwrap();
        let b = buckets.store("one").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &buckets.store("two").unwrap()));
    }
}
