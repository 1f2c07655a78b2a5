//! Which store a bucket lives in: configured names go to their external endpoint, everything else to the
//! embedded store.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

use crate::{BucketError, BucketInfo, Buckets, SharedBuckets};

/// [`Buckets`] that routes by bucket name. A name configured as external is never looked up in the embedded
/// store, even when the endpoint says it does not exist: the operator said where that bucket lives.
pub struct BucketRouter {
    external: HashMap<String, SharedBuckets>,
    embedded: SharedBuckets,
}

impl fmt::Debug for BucketRouter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.external.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("BucketRouter")
            .field("external", &names)
            .finish_non_exhaustive()
    }
}

impl BucketRouter {
    /// Everything to `embedded` until [`BucketRouter::route`] says otherwise.
    pub fn new(embedded: SharedBuckets) -> Self {
        BucketRouter {
            external: HashMap::new(),
            embedded,
        }
    }

    /// Send bucket `name` to `store` (an [`crate::ExternalBuckets`], typically shared by several names).
    pub fn route(mut self, name: &str, store: SharedBuckets) -> Self {
        self.external.insert(name.to_owned(), store);
        self
    }

    /// Whether `name` is served by an external endpoint.
    pub fn is_external(&self, name: &str) -> bool {
        self.external.contains_key(name)
    }

    fn store_for(&self, name: &str) -> &SharedBuckets {
        self.external.get(name).unwrap_or(&self.embedded)
    }

    pub fn shared(self) -> SharedBuckets {
        Arc::new(self)
    }
}

#[async_trait]
impl Buckets for BucketRouter {
    async fn bucket(&self, name: &str) -> Result<Option<BucketInfo>, BucketError> {
        self.store_for(name).bucket(name).await
    }

    async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Bytes,
        metadata: &[(String, String)],
    ) -> Result<(), BucketError> {
        self.store_for(bucket)
            .put_object(bucket, key, body, metadata)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A store that knows one bucket per instance and remembers what was written.
    struct Recording {
        name: &'static str,
        puts: Mutex<Vec<(String, String)>>,
    }

    #[async_trait]
    impl Buckets for Recording {
        async fn bucket(&self, name: &str) -> Result<Option<BucketInfo>, BucketError> {
            Ok((name == self.name).then(|| BucketInfo {
                name: name.to_owned(),
                region: "us-east-1".into(),
                owner_account: None,
                policy: None,
                policy_known: false,
            }))
        }

        async fn put_object(
            &self,
            bucket: &str,
            key: &str,
            _body: Bytes,
            _metadata: &[(String, String)],
        ) -> Result<(), BucketError> {
            self.puts
                .lock()
                .unwrap()
                .push((bucket.to_owned(), key.to_owned()));
            Ok(())
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        // The futures here never wait on I/O: polling them once with a no-op waker completes them.
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("pending"),
        }
    }

    #[test]
    fn routes_by_name() {
        let embedded = Arc::new(Recording {
            name: "local",
            puts: Mutex::new(Vec::new()),
        });
        let external = Arc::new(Recording {
            name: "remote",
            puts: Mutex::new(Vec::new()),
        });
        let router = BucketRouter::new(embedded.clone())
            .route("remote", external.clone())
            .route("gone", external.clone());
        assert!(router.is_external("remote") && !router.is_external("local"));
        assert!(block_on(router.bucket("local")).unwrap().is_some());
        assert!(block_on(router.bucket("remote")).unwrap().is_some());
        assert!(
            block_on(router.bucket("gone")).unwrap().is_none(),
            "an external name is not looked up locally"
        );
        block_on(router.put_object("remote", "k1", Bytes::new(), &[])).unwrap();
        block_on(router.put_object("local", "k2", Bytes::new(), &[])).unwrap();
        assert_eq!(
            *external.puts.lock().unwrap(),
            [("remote".to_owned(), "k1".to_owned())]
        );
        assert_eq!(
            *embedded.puts.lock().unwrap(),
            [("local".to_owned(), "k2".to_owned())]
        );
        assert!(format!("{router:?}").contains("remote"));
    }
}
