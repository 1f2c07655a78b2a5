//! App Runner's asynchronous work: the durable job queue and the worker that runs it.
//!
//! A mutating call that starts something App Runner finishes later (a service operation, a custom domain
//! association, a VPC ingress connection) puts a job row in the same change set as its own changes, so the job
//! exists exactly when the call's effects do, and survives restarts. The worker polls the queue, runs each job's
//! due step through its family, and commits the step's changes together with the job's next state (a later step,
//! or its removal) under `Expect::Version` of the job row: a step runs once, and a step that raced with a caller's
//! change of the same resource is simply retried on the next poll against the new state.
//!
//! Job rows live outside any account and region (kind [`JOB_KIND`], account and region empty), so one list
//! finds every pending job. Steps are not API calls, so they leave no CloudTrail record of their own, as in App
//! Runner; what App Runner does in them on the customer's behalf through another service (assuming the service's
//! access and instance roles with STS, [`crate::service_roles`]) is recorded, in the step's change set.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinSet;
use trailrunner_api::{ApiError, Clock};
use trailrunner_store::{ChangeSet, CommitError, Expect, ListQuery, Resource, ResourceKey};

use crate::handler::AppRunnerHandler;

pub(crate) const JOB_KIND: &str = "apprunner-lifecycle-job";
/// Jobs read per store query while the worker walks the queue.
const SCAN_BATCH: usize = 256;

/// Which family runs a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Family {
    /// A service operation (create, update, deployment, pause, resume, delete).
    ServiceOperation,
    /// A custom domain's association or disassociation ([`crate::custom_domains`]).
    CustomDomain,
    /// A VPC ingress connection's creation, update or deletion ([`crate::vpc_ingress_connections`]).
    VpcIngressConnection,
}

/// One piece of pending work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Job {
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) family: Family,
    /// What the job works on, in its family's terms (a service operation: the operation id).
    pub(crate) target: String,
    /// The step to run next, from 0.
    pub(crate) step: u32,
    /// When that step is due, in Unix milliseconds.
    pub(crate) due_ms: i64,
}

/// What running one step produced.
pub(crate) enum Step {
    /// Commit `changes`; run step `job.step + 1` at `due_ms`.
    Next { changes: ChangeSet, due_ms: i64 },
    /// Commit `changes`; the job is finished.
    Done { changes: ChangeSet },
}

fn job_key(id: &str) -> ResourceKey {
    ResourceKey::new("", "", JOB_KIND, id)
}

/// Add a new job to a call's change set.
pub(crate) fn schedule(changes: &mut ChangeSet, id: &str, job: &Job) {
    changes.put(job_key(id), None, encode(job), Expect::Absent);
}

fn encode(job: &Job) -> String {
    serde_json::to_string(job).unwrap_or_default()
}

/// The lifecycle delay in milliseconds.
pub(crate) fn delay_ms(h: &AppRunnerHandler) -> i64 {
    i64::try_from(h.config.lifecycle_delay.as_millis()).unwrap_or(i64::MAX)
}

/// Run the worker until `stop` turns true.
pub async fn run(
    handler: Arc<AppRunnerHandler>,
    clock: Arc<dyn Clock>,
    mut stop: watch::Receiver<bool>,
) {
    let every = handler.config.poll_interval();
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(e) = run_due(&handler, clock.as_ref()).await {
            tracing::warn!(error = %e, "App Runner lifecycle worker: a poll failed; will retry");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
    }
}

/// One poll: run every due step. The steps' changes are committed as one change set (one savepoint and one
/// write for the whole poll, instead of one per step); if that loses a race, each step is committed on its own,
/// all in flight together, so only the steps that raced wait for the next poll. Returns how many committed.
pub(crate) async fn run_due(
    h: &Arc<AppRunnerHandler>,
    clock: &dyn Clock,
) -> Result<usize, ApiError> {
    let now = clock.now().as_millisecond();
    let mut steps: Vec<ChangeSet> = Vec::new();
    let mut after = None;
    loop {
        let rows = h
            .store
            .list(&ListQuery {
                account: String::new(),
                region: String::new(),
                kind: JOB_KIND.into(),
                parent: None,
                after_seq: after,
                limit: SCAN_BATCH,
                newest_first: false,
            })
            .await
            .map_err(|e| ApiError::internal_from("listing lifecycle jobs", &e))?;
        let exhausted = rows.len() < SCAN_BATCH;
        for row in rows {
            after = Some(row.seq);
            let job: Job = match serde_json::from_str(&row.doc) {
                Ok(job) => job,
                Err(e) => {
                    tracing::error!(id = %row.key.id, error = %e, "unreadable lifecycle job; dropping it");
                    let mut drop = ChangeSet::new();
                    drop.delete(row.key.clone(), Expect::Version(row.version));
                    steps.push(drop);
                    continue;
                }
            };
            if job.due_ms > now {
                continue;
            }
            match advance(h, &job, now).await {
                Ok(step) => steps.push(finish(step, &row, job)),
                Err(e) => {
                    tracing::warn!(id = %row.key.id, error = %e.message, "lifecycle step failed; will retry");
                }
            }
        }
        if exhausted {
            break;
        }
    }
    match steps.len() {
        0 => return Ok(0),
        1 => {}
        n => {
            let mut all = ChangeSet::new();
            for step in &steps {
                all.changes.extend(step.changes.iter().cloned());
                all.events.extend(step.events.iter().cloned());
            }
            match h.store.commit(all).await {
                Ok(_) => return Ok(n),
                Err(CommitError::Conflict { .. }) => {}
                Err(CommitError::Store(e)) => {
                    return Err(ApiError::internal_from("committing lifecycle steps", &e))
                }
            }
        }
    }
    let mut commits = JoinSet::new();
    for step in steps {
        let store = h.store.clone();
        commits.spawn(async move { store.commit(step).await.map(|_| ()) });
    }
    let mut done = 0;
    while let Some(joined) = commits.join_next().await {
        match joined {
            Ok(Ok(())) => done += 1,
            // Someone changed the resource (or the job) since the step read it: the next poll re-runs the
            // step against the new state.
            Ok(Err(CommitError::Conflict { .. })) => {}
            Ok(Err(CommitError::Store(e))) => {
                tracing::warn!(error = %e, "committing a lifecycle step failed; will retry");
            }
            // The runtime is shutting down; the job is still queued and runs after the restart.
            Err(e) if e.is_cancelled() => {}
            Err(e) => tracing::error!(error = %e, "a lifecycle commit task failed"),
        }
    }
    Ok(done)
}

/// The step's changes plus the job row's next state.
fn finish(step: Step, row: &Resource, mut job: Job) -> ChangeSet {
    match step {
        Step::Next {
            mut changes,
            due_ms,
        } => {
            job.step += 1;
            job.due_ms = due_ms;
            changes.put(
                row.key.clone(),
                None,
                encode(&job),
                Expect::Version(row.version),
            );
            changes
        }
        Step::Done { mut changes } => {
            changes.delete(row.key.clone(), Expect::Version(row.version));
            changes
        }
    }
}

async fn advance(h: &AppRunnerHandler, job: &Job, now_ms: i64) -> Result<Step, ApiError> {
    match job.family {
        Family::ServiceOperation => crate::deployments::advance(h, job, now_ms).await,
        Family::CustomDomain => crate::custom_domains::advance(h, job, now_ms).await,
        Family::VpcIngressConnection => crate::vpc_ingress_rows::advance(h, job, now_ms).await,
    }
}

/// The document of a row a step works on.
pub(crate) fn parse(row: &Resource) -> Result<Value, ApiError> {
    serde_json::from_str(&row.doc)
        .map_err(|e| ApiError::internal_from("reading a row for a lifecycle step", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_in_pascal_case() {
        for (family, name) in [
            (Family::ServiceOperation, "ServiceOperation"),
            (Family::CustomDomain, "CustomDomain"),
            (Family::VpcIngressConnection, "VpcIngressConnection"),
        ] {
            let job = Job {
                account: "123456789012".into(),
                region: "us-east-1".into(),
                family,
                target: "op".into(),
                step: 1,
                due_ms: 42,
            };
            let text = encode(&job);
            assert!(text.contains("\"DueMs\":42"), "{text}");
            assert!(text.contains(&format!("\"Family\":\"{name}\"")), "{text}");
            assert_eq!(serde_json::from_str::<Job>(&text).unwrap(), job);
        }
    }
}
