//! `--scenario create-delete`: App Runner `CreateService`/`DeleteService` pairs, every call recorded.
//!
//! Each connection creates services (image source, unique names) and deletes each one once its create
//! operation has finished: a service cannot be deleted while `OPERATION_IN_PROGRESS`, so a delete waits at
//! least `grace` after its create, and one answered `InvalidStateException` is tried again later. Every request
//! is signed anew (bodies differ), which the generator pays for. A pair counts when its delete is accepted;
//! the server must run with a short `--lifecycle-delay` and a `--quota services=…` above the services in flight.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use bytes::Bytes;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::client::{read_response, Outcome, Target};
use super::signer::Operation;

/// What the pairs run measured: calls (both kinds) in `calls`, completed pairs separately.
pub(crate) struct PairsOutcome {
    pub(crate) calls: Outcome,
    pub(crate) pairs: u64,
}

pub(crate) async fn run(
    target: Target,
    concurrency: usize,
    warmup: Duration,
    duration: Duration,
    grace: Duration,
) -> anyhow::Result<PairsOutcome> {
    let target = Arc::new(target);
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for n in 0..concurrency {
        tasks.push(tokio::spawn(connection(
            target.clone(),
            n,
            measure_from,
            end,
            grace,
        )));
    }
    let mut total = PairsOutcome {
        calls: Outcome::empty(duration)?,
        pairs: 0,
    };
    for task in tasks {
        let part = task.await??;
        total.calls.latencies_us.add(&part.calls.latencies_us)?;
        total.calls.ok += part.calls.ok;
        total.calls.errors += part.calls.errors;
        total.pairs += part.pairs;
        if total.calls.first_error.is_none() {
            total.calls.first_error = part.calls.first_error;
        }
    }
    Ok(total)
}

fn apprunner(operation: &str, body: &Value) -> Operation {
    Operation {
        signing_name: "apprunner",
        headers: vec![
            ("content-type", "application/x-amz-json-1.0".to_owned()),
            ("x-amz-target", format!("AppRunner.{operation}")),
        ],
        body: Bytes::from(body.to_string()),
    }
}

async fn connection(
    target: Arc<Target>,
    n: usize,
    measure_from: Instant,
    end: Instant,
    grace: Duration,
) -> anyhow::Result<PairsOutcome> {
    let mut stream = TcpStream::connect(&target.authority)
        .await
        .with_context(|| format!("connecting to {}", target.authority))?;
    stream.set_nodelay(true)?;
    let mut out = PairsOutcome {
        calls: Outcome::empty(Duration::ZERO)?,
        pairs: 0,
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut created: VecDeque<(Instant, String)> = VecDeque::new();
    // Unique across runs against the same server: names of deleted services are free again only once their
    // deletion completes.
    let run_tag = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() % 1_000_000)
        .unwrap_or(0);
    let mut seq = 0u64;
    while Instant::now() < end {
        seq += 1;
        let create = apprunner(
            "CreateService",
            &json!({
                "ServiceName": format!("bench-{run_tag}-{n}-{seq}"),
                "SourceConfiguration": {"ImageRepository": {
                    "ImageIdentifier": "public.ecr.aws/aws-containers/hello-app-runner:latest",
                    "ImageRepositoryType": "ECR_PUBLIC",
                }},
            }),
        );
        let (status, body, _) = call(
            &target,
            &mut stream,
            &mut buf,
            &create,
            measure_from,
            &mut out.calls,
        )
        .await?;
        if (200..300).contains(&status) {
            let answer: Value = serde_json::from_slice(&body).context("CreateService answer")?;
            if let Some(arn) = answer
                .pointer("/Service/ServiceArn")
                .and_then(Value::as_str)
            {
                created.push_back((Instant::now(), arn.to_owned()));
            }
        }
        let due = created.front().is_some_and(|(at, _)| at.elapsed() >= grace);
        if due {
            let (at, arn) = created.pop_front().unwrap_or_else(|| unreachable!());
            let delete = apprunner("DeleteService", &json!({ "ServiceArn": arn }));
            let (status, body, measured) = call(
                &target,
                &mut stream,
                &mut buf,
                &delete,
                measure_from,
                &mut out.calls,
            )
            .await?;
            if (200..300).contains(&status) {
                if measured {
                    out.pairs += 1;
                }
            } else if String::from_utf8_lossy(&body).contains("InvalidStateException") {
                // Its create has not finished yet: try again later.
                created.push_front((at, arn));
            }
        }
    }
    Ok(out)
}

/// Send one request; record its latency and outcome if it started in the measured window.
async fn call(
    target: &Target,
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    op: &Operation,
    measure_from: Instant,
    out: &mut Outcome,
) -> anyhow::Result<(u16, Vec<u8>, bool)> {
    let request = target.request_bytes_for(op, SystemTime::now())?;
    let started = Instant::now();
    stream.write_all(&request).await?;
    let (status, body) = read_response(stream, buf, true).await?;
    let measured = started >= measure_from;
    if measured {
        out.latencies_us
            .saturating_record(started.elapsed().as_micros().max(1) as u64);
        if (200..300).contains(&status) {
            out.ok += 1;
        } else {
            out.errors += 1;
            if out.first_error.is_none() {
                out.first_error =
                    Some(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
            }
        }
    }
    Ok((status, body, measured))
}
