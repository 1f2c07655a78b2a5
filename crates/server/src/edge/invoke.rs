//! Running an operation and recording it: the model's constraints, the service, and one commit holding both the
//! service's changes and the call's CloudTrail record.
//!
//! Invariants: nothing is answered before its record is durable; a state change never commits without its record
//! (they share a change set); a call whose record cannot be written fails with an internal error (fail closed).

use serde_json::Value;
use trailrunner_api::{ApiError, CallContext, InvalidInput, ResourceRef};
use trailrunner_audit::record::{self, CallFacts};
use trailrunner_model::Operation;
use trailrunner_store::{ChangeSet, CommitError};

use crate::registry::Mounted;
use crate::state::AppState;

/// How often a call is re-run when its change set lost a race (a precondition failed because another call
/// committed first). Each run re-reads the state, so the retry sees the winner's changes.
const MAX_ATTEMPTS: u32 = 5;

/// One authenticated call to a mounted service.
#[cfg_attr(feature = "noop-recorder", allow(dead_code))]
pub(crate) struct Call<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) mounted: &'a Mounted,
    /// The operation as requested (also when the model does not know it).
    pub(crate) operation: &'a str,
    pub(crate) op: Option<&'static Operation>,
    pub(crate) ctx: &'a CallContext,
}

impl Call<'_> {
    /// Check `input` against the operation's input shape (structure, types, then constraints).
    pub(crate) fn check_input(&self, op: &Operation, input: &Value) -> Result<(), ApiError> {
        use trailrunner_model::{format_violations, validate_input, InputError};
        match validate_input(self.mounted.model, op, input) {
            Ok(()) => Ok(()),
            Err(InputError::Serialization(message)) => {
                Err(ApiError::client("SerializationException", message))
            }
            Err(InputError::Constraints(violations)) => {
                let invalid = InvalidInput {
                    message: format_violations(&violations),
                    paths: violations.iter().map(|v| v.path.clone()).collect(),
                };
                Err(self.mounted.handler.validation_error(op.name, invalid))
            }
        }
    }

    /// Run the service and commit its changes together with the record of the call.
    pub(crate) async fn run(
        &self,
        op: &'static Operation,
        input: &Value,
    ) -> Result<Value, ApiError> {
        let mut attempt = 1;
        loop {
            let outcome = match self.mounted.handler.call(self.ctx, op.name, input).await {
                Ok(outcome) => outcome,
                Err(err) => return self.fail(Some(input), err).await,
            };
            let mut changes = outcome.changes;
            self.record(
                &mut changes,
                Some(input),
                Ok(&outcome.output),
                &outcome.resources,
            );
            // Access keys this call changed (deactivated, deleted) stop working as soon as it is answered; so do
            // the policies of users and roles it changed.
            let touched_keys = trailrunner_iam::KeyRing::touched(&changes);
            let touched_entities = trailrunner_iam::Authorizer::touched(&changes);
            match self.state.store.commit(changes).await {
                Ok(_) => {
                    for id in &touched_keys {
                        self.state.keys.invalidate(id);
                    }
                    for (account, kind, id) in &touched_entities {
                        self.state.authz.invalidate(account, kind, id);
                    }
                    return Ok(outcome.output);
                }
                Err(CommitError::Conflict { kind, id }) if attempt < MAX_ATTEMPTS => {
                    tracing::debug!(
                        kind,
                        id,
                        attempt,
                        "change set lost a race; re-running the call"
                    );
                    attempt += 1;
                }
                Err(CommitError::Conflict { kind, id }) => {
                    let err = ApiError::client(
                        "ConflictException",
                        format!("The {kind} {id} is being changed by another request; try again."),
                    )
                    .with_status(409);
                    return self.fail(Some(input), err).await;
                }
                Err(CommitError::Store(e)) => {
                    return Err(ApiError::internal_from("committing a call", &e))
                }
            }
        }
    }

    /// Whether the caller's identity-based policies allow the call (after authentication and input validation,
    /// before the service). A refusal is recorded like any failed call, with CloudTrail's `errorCode`
    /// `AccessDenied`, and answered in the protocol's own code (`trailrunner_wire::auth::access_denied`).
    pub(crate) async fn authorize(&self, op: &Operation, input: &Value) -> Result<(), ApiError> {
        let request = trailrunner_iam::authorize::Request {
            service: self.mounted.model.signing_name,
            operation: op.name,
            input,
            region: &self.ctx.region,
            source_ip: self.ctx.source_ip,
            now: self.ctx.now,
        };
        let denied = self
            .state
            .authz
            .check(&self.ctx.caller, &request)
            .await
            .map_err(|e| ApiError::internal_from("reading the caller's policies", &e))?;
        let Some(denied) = denied else {
            return Ok(());
        };
        let answer = trailrunner_wire::auth::access_denied(
            self.mounted.protocol.family(),
            denied.message.clone(),
        );
        let recorded = ApiError {
            code: trailrunner_wire::auth::ACCESS_DENIED_RECORDED.into(),
            ..answer.clone()
        };
        let mut changes = ChangeSet::new();
        self.record(&mut changes, Some(input), Err(&recorded), &[]);
        if changes.is_empty() {
            return Err(answer);
        }
        match self.state.store.commit(changes).await {
            Ok(_) => Err(answer),
            Err(e) => Err(ApiError::internal_from("recording a refused call", &e)),
        }
    }

    /// Record a failed call durably, then hand back its error.
    pub(crate) async fn fail(
        &self,
        input: Option<&Value>,
        err: ApiError,
    ) -> Result<Value, ApiError> {
        let mut changes = ChangeSet::new();
        self.record(&mut changes, input, Err(&err), &[]);
        if changes.is_empty() {
            return Err(err);
        }
        match self.state.store.commit(changes).await {
            Ok(_) => Err(err),
            Err(e) => Err(ApiError::internal_from("recording a failed call", &e)),
        }
    }

    #[cfg(not(feature = "noop-recorder"))]
    fn record(
        &self,
        changes: &mut ChangeSet,
        input: Option<&Value>,
        result: Result<&Value, &ApiError>,
        reported: &[ResourceRef],
    ) {
        let completed_at = self.state.clock.now();
        let facts = CallFacts {
            model: self.mounted.model,
            operation: self.operation,
            op: self.op,
            ctx: self.ctx,
            input,
            result,
            reported,
            completed_at,
            event_id: self.state.entropy.uuid_v7(completed_at.as_millisecond()),
        };
        let mut built = record::build(&facts);
        let username = trailrunner_audit::identity::username(&self.ctx.caller);
        changes.append_event(trailrunner_audit::event::to_new_event(
            &mut built,
            &self.ctx.caller.account_id,
            &self.ctx.region,
            completed_at.as_millisecond(),
            &username,
        ));
    }

    /// Benchmark builds only: no record at all, to measure the recorder's cost.
    #[cfg(feature = "noop-recorder")]
    fn record(
        &self,
        _: &mut ChangeSet,
        _: Option<&Value>,
        _: Result<&Value, &ApiError>,
        _: &[ResourceRef],
    ) {
        let _ = (
            record::MAX_RECORD_BYTES,
            std::marker::PhantomData::<CallFacts<'static>>,
        );
    }
}
