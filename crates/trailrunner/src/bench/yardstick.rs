//! `--yardstick`: the reference server that issue 4's throughput goal is stated against, built in.
//!
//! Per request it does the two things a recorded call cannot skip and nothing else: it verifies the SigV4
//! signature (parse, cached signing key, HMAC, constant-time comparison) and it group-commits one row to SQLite
//! (WAL, `synchronous=FULL`, one writer thread taking every waiting row into one transaction) before it answers.
//! No routing, validation, authorization, records or store. It runs on a multi-threaded runtime with one worker
//! per core, in this process, so it shares the machine with the generator exactly as `trailrunner serve` does.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;
use trailrunner_sigv4::{Policy, RequestParts, SigningKey, UriEncoding};

use super::signer::Credentials;

pub(crate) struct Yardstick {
    addr: SocketAddr,
    dir: PathBuf,
}

impl Yardstick {
    pub(crate) fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Yardstick {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

type Row = (String, i64, oneshot::Sender<bool>);

struct State {
    secret: String,
    /// The signing key of the last scope seen (a real server caches per key, date, region and service).
    key: Mutex<Option<(String, SigningKey)>>,
    rows: Mutex<mpsc::Sender<Row>>,
}

/// Start on 127.0.0.1 with a free port and a fresh database in the temp dir; it lives until the process exits.
pub(crate) fn start(credentials: &Credentials) -> anyhow::Result<Yardstick> {
    let dir = std::env::temp_dir().join(format!("trailrunner-yardstick-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let conn = rusqlite::Connection::open(dir.join("calls.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE calls (seq INTEGER PRIMARY KEY, access_key TEXT NOT NULL, body_bytes INTEGER NOT NULL)",
    )?;
    let (tx, rx) = mpsc::channel::<Row>();
    std::thread::Builder::new()
        .name("yardstick-writer".into())
        .spawn(move || write_rows(conn, rx))?;
    let state = Arc::new(State {
        secret: credentials.secret_access_key.clone(),
        key: Mutex::new(None),
        rows: Mutex::new(tx),
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("yardstick")
        .build()?;
    std::thread::Builder::new()
        .name("yardstick-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                while let Ok((stream, _)) = listener.accept().await {
                    let _ = stream.set_nodelay(true);
                    let state = state.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req| {
                            let state = state.clone();
                            async move { Ok::<_, Infallible>(handle(req, &state).await) }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        })?;
    Ok(Yardstick { addr, dir })
}

async fn handle(req: http::Request<Incoming>, state: &State) -> http::Response<Full<Bytes>> {
    let answer = |status: u16, body: &'static [u8]| {
        let mut response = http::Response::new(Full::new(Bytes::from_static(body)));
        *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
        response
    };
    let (parts, body) = req.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return answer(400, b"{}");
    };
    let request = RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &body,
    };
    let Some(access_key) = verified(&request, state) else {
        return answer(403, b"{\"message\":\"signature does not match\"}");
    };
    let (done, durable) = oneshot::channel();
    let sent = state
        .rows
        .lock()
        .map(|rows| rows.send((access_key, body.len() as i64, done)).is_ok())
        .unwrap_or(false);
    if sent && durable.await.unwrap_or(false) {
        answer(200, b"{\"ServiceSummaryList\":[]}")
    } else {
        answer(500, b"{}")
    }
}

/// The access key id of a correctly signed request.
fn verified(request: &RequestParts<'_>, state: &State) -> Option<String> {
    let auth = trailrunner_sigv4::parse(request).ok()?;
    let scope = format!("{}/{}/{}", auth.scope_date, auth.region, auth.service);
    let key = {
        let mut cached = state.key.lock().ok()?;
        match cached.as_ref() {
            Some((s, key)) if *s == scope => key.clone(),
            _ => {
                let key =
                    SigningKey::derive(&state.secret, auth.scope_date, auth.region, auth.service);
                *cached = Some((scope, key.clone()));
                key
            }
        }
    };
    let policy = Policy {
        max_skew_secs: 900,
        expected_service: None,
        uri_encoding: UriEncoding::Double,
    };
    trailrunner_sigv4::verify(request, &auth, &key, jiff::Timestamp::now(), &policy).ok()?;
    Some(auth.access_key_id.to_string())
}

/// Group commit: every row waiting goes into one transaction; nobody hears "done" before its `COMMIT` returns.
fn write_rows(mut conn: rusqlite::Connection, rx: mpsc::Receiver<Row>) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while let Ok(row) = rx.try_recv() {
            group.push(row);
        }
        let committed = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut insert = tx
                    .prepare_cached("INSERT INTO calls (access_key, body_bytes) VALUES (?1, ?2)")?;
                for (key, bytes, _) in &group {
                    insert.execute(rusqlite::params![key, bytes])?;
                }
            }
            tx.commit()
        })()
        .is_ok();
        for (_, _, done) in group {
            let _ = done.send(committed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::signer::{signed_headers, Operation};

    fn request_signed_with(secret: &str) -> (http::HeaderMap, Bytes) {
        let op = Operation::parse("apprunner:ListServices", "{}").unwrap();
        let creds = Credentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: secret.into(),
        };
        let mut headers = http::HeaderMap::new();
        for (k, v) in signed_headers(
            &op,
            "127.0.0.1:9",
            &creds,
            "us-east-1",
            std::time::SystemTime::now(),
        )
        .unwrap()
        {
            headers.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        (headers, op.body)
    }

    #[test]
    fn only_requests_signed_with_the_secret_pass() {
        let (tx, _rx) = mpsc::channel();
        let state = State {
            secret: Credentials::placeholder().secret_access_key,
            key: Mutex::new(None),
            rows: Mutex::new(tx),
        };
        let parts = |headers: &http::HeaderMap, body: &Bytes| {
            let request = RequestParts {
                method: "POST",
                path: "/",
                query: None,
                headers,
                body,
            };
            verified(&request, &state)
        };
        let (headers, body) = request_signed_with(&Credentials::placeholder().secret_access_key);
        assert_eq!(
            parts(&headers, &body).as_deref(),
            Some("AKIAIOSFODNN7EXAMPLE")
        );
        let tampered = Bytes::from_static(b"{\"MaxResults\":1}");
        assert!(parts(&headers, &tampered).is_none(), "body not covered");
        let (headers, body) = request_signed_with("another-secret");
        assert!(parts(&headers, &body).is_none(), "wrong secret accepted");
    }
}
