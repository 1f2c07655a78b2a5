//! Start-up, the accept loop with its connection limit, and graceful shutdown.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch, Semaphore};
use tokio::task::JoinHandle;
use trailrunner_api::{Clock, Entropy, PageTokens};
use trailrunner_buckets::{LocalBuckets, SharedBuckets};
use trailrunner_cloudtrail::public_keys::PublicKeySource;
use trailrunner_delivery::{Delivery, DigestKeys};
use trailrunner_iam::{KeyRing, RootCredentials};
use trailrunner_store::{SharedStore, SqliteStore};

use crate::registry::Registry;
use crate::state::AppState;
use crate::{edge, ServerConfig};

/// Where in the data dir things live.
pub const DATABASE_FILE: &str = "trailrunner.db";
pub const CREDENTIALS_FILE: &str = "root-credentials.json";
pub const ENDPOINT_FILE: &str = "endpoint";
/// The embedded bucket store's folder inside the data dir.
pub const BUCKETS_DIR: &str = "buckets";

/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// A client must send its request headers within this time (slow-loris bound).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot prepare the data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the store: {0}")]
    Store(#[from] trailrunner_store::StoreError),
    #[error("cannot open the bucket store: {0}")]
    Buckets(#[from] trailrunner_buckets::local::LocalError),
    #[error(transparent)]
    DigestKeys(#[from] trailrunner_delivery::KeyStoreError),
    #[error(transparent)]
    Account(#[from] trailrunner_iam::BootstrapError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A started server.
pub struct Running {
    pub local_addr: SocketAddr,
    pub root: RootCredentials,
    pub credentials_file: PathBuf,
    buckets: LocalBuckets,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Running {
    /// Stop accepting, let requests in flight finish (up to a bound), and return.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }

    /// The embedded bucket store the S3 API serves (the same instance, shared): for the CloudTrail handler and
    /// the delivery worker, as `SharedBuckets` (`Arc::new(running.buckets())`).
    pub fn buckets(&self) -> LocalBuckets {
        self.buckets.clone()
    }

    /// The endpoint URL clients use.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.local_addr)
    }
}

/// Prepare the data dir, open the store, bootstrap the account, mount the services and start listening.
pub async fn start(
    config: ServerConfig,
    clock: Arc<dyn Clock>,
    entropy: Arc<dyn Entropy>,
) -> Result<Running, StartError> {
    prepare_data_dir(&config.data_dir)?;
    let store: SharedStore = Arc::new(SqliteStore::open(
        &config.data_dir.join(DATABASE_FILE),
        config.durability,
    )?);
    let buckets = LocalBuckets::open(&config.data_dir.join(BUCKETS_DIR), clock.clone())?;
    // Trails deliver to the embedded store, except to buckets configured on an external endpoint.
    let trail_buckets: SharedBuckets = config.external_buckets.router(Arc::new(buckets.clone()));
    let digest_keys = Arc::new(DigestKeys::open(
        &config.data_dir,
        clock.now().as_millisecond(),
    )?);
    let root = trailrunner_iam::bootstrap(
        store.as_ref(),
        config.account_id.as_deref(),
        clock.as_ref(),
        entropy.as_ref(),
    )
    .await?;
    let credentials_file = config.data_dir.join(CREDENTIALS_FILE);
    write_private(
        &config.data_dir,
        &credentials_file,
        &credentials_json(&root, &config.default_region),
    )?;

    let tokens = Arc::new(PageTokens::new(entropy.as_ref()));
    let mut registry = Registry::default();
    let apprunner = Arc::new(trailrunner_apprunner::AppRunnerHandler::new(
        store.clone(),
        tokens.clone(),
        entropy.clone(),
        config.apprunner.clone(),
    ));
    registry.mount(trailrunner_model::apprunner(), apprunner.clone());
    registry.mount(
        trailrunner_model::trailrunner(),
        Arc::new(trailrunner_apprunner::ConsoleHandler::new(
            apprunner.clone(),
        )),
    );
    registry.mount(
        trailrunner_model::cloudtrail(),
        Arc::new(trailrunner_cloudtrail::CloudTrailHandler::new(
            store.clone(),
            tokens.clone(),
            entropy.clone(),
            trail_buckets.clone(),
            digest_keys.clone() as Arc<dyn PublicKeySource>,
        )),
    );
    registry.mount(
        trailrunner_model::sts(),
        Arc::new(trailrunner_iam::StsHandler::new(
            store.clone(),
            entropy.clone(),
        )),
    );
    registry.mount(
        trailrunner_model::iam(),
        Arc::new(trailrunner_iam::IamHandler::new(
            store.clone(),
            tokens.clone(),
            entropy.clone(),
        )),
    );

    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.bind,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.bind,
        source,
    })?;
    write_private(
        &config.data_dir,
        &config.data_dir.join(ENDPOINT_FILE),
        &format!("http://{local_addr}\n"),
    )?;

    let (stop_sweeps, sweeps_stopped) = watch::channel(false);
    tokio::spawn(crate::retention::sweep_loop(
        store.clone(),
        clock.clone(),
        config.event_retention,
        config.retention_sweep_interval,
        sweeps_stopped.clone(),
    ));
    tokio::spawn(trailrunner_delivery::run(
        Arc::new(Delivery {
            store: store.clone(),
            buckets: trail_buckets,
            keys: digest_keys,
            clock: clock.clone(),
            entropy: entropy.clone(),
            config: config.delivery.clone(),
        }),
        sweeps_stopped.clone(),
    ));
    tokio::spawn(trailrunner_apprunner::lifecycle::run(
        apprunner,
        clock.clone(),
        sweeps_stopped,
    ));
    let state = Arc::new(AppState {
        keys: KeyRing::new(store.clone()),
        authz: trailrunner_iam::Authorizer::new(store.clone()),
        trusted_proxies: config.trusted_proxies.clone(),
        store,
        registry,
        clock,
        entropy,
        max_body_bytes: config.max_body_bytes,
        buckets: buckets.clone(),
        max_object_bytes: config.max_object_bytes,
        object_memory: Arc::new(Semaphore::new(crate::edge::object_memory_permits(
            config.max_object_bytes,
        ))),
        max_skew_secs: config.max_skew_secs,
    });
    let (stop, stopped) = oneshot::channel();
    let max_connections = config.max_connections;
    let task = tokio::spawn(async move {
        accept_loop(listener, state, stopped, max_connections).await;
        let _ = stop_sweeps.send(true);
    });
    tracing::info!(%local_addr, "listening");
    Ok(Running {
        local_addr,
        root,
        credentials_file,
        buckets,
        stop,
        task,
    })
}

async fn accept_loop(
    listener: TcpListener,
    state: Arc<AppState>,
    mut stop: oneshot::Receiver<()>,
    max_connections: usize,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(max_connections.max(1)));
    loop {
        // Wait for a free connection slot first: past the limit, clients queue in the kernel's backlog.
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Typically EMFILE: back off briefly instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let service = hyper::service::service_fn(move |req| {
            let state = state.clone();
            async move { Ok::<_, Infallible>(edge::handle(&state, peer, req).await) }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections closed"),
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => tracing::warn!("shutdown: connections still open after the drain timeout"),
    }
}

fn prepare_data_dir(dir: &Path) -> Result<(), StartError> {
    let err = |source| StartError::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

fn credentials_json(root: &RootCredentials, region: &str) -> String {
    let doc = serde_json::json!({
        "accountId": root.account_id,
        "accessKeyId": root.access_key_id,
        "secretAccessKey": root.secret_access_key,
        "region": region,
    });
    format!("{doc:#}\n")
}

/// Write a file only its owner can read (created with mode 0600, replaced atomically).
fn write_private(dir: &Path, path: &Path, contents: &str) -> Result<(), StartError> {
    use std::io::Write;
    let err = |source| StartError::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(err)?;
    file.write_all(contents.as_bytes()).map_err(err)?;
    file.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)?;
    Ok(())
}
