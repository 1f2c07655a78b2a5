//! Deciding a request against an identity's policies.
//!
//! IAM's evaluation logic for identity-based policies ("Policy evaluation logic"): every request
//! starts denied; a statement that applies with `Deny` denies it whatever else says (explicit deny);
//! otherwise a statement that applies with `Allow` allows it; otherwise it stays denied (implicit
//! deny). A statement applies when the action is in `Action` (or not in `NotAction`), the resource
//! in `Resource` (or not in `NotResource`), and every condition holds.
//!
//! Session policies (a federation token's, an `AssumeRole` call's) do not grant anything on their
//! own: "the resulting session's permissions are the intersection of the identity-based policies
//! and the session policies", and an explicit deny in either wins — see
//! [`evaluate_with_session`].

use crate::context::RequestContext;
use crate::glob::ResourcePattern;
use crate::parse::{Effect, Policy, Statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Allow,
    /// A `Deny` statement applied.
    ExplicitDeny,
    /// No `Allow` statement applied (the default).
    ImplicitDeny,
}

/// Which set of policies decided, for the denial message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    /// The identity's own policies (inline or attached).
    Identity,
    /// The session policy passed with temporary credentials.
    Session,
}

impl PolicyType {
    /// The words AWS's access-denied messages use for the type.
    pub fn phrase(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity-based",
            PolicyType::Session => "session",
        }
    }
}

/// The statement that decided: the deny that applied, or the first allow that did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchedStatement<'p> {
    /// Position of the policy in the sequence given to [`evaluate`].
    pub policy: usize,
    /// Position of the statement in that policy's document.
    pub statement: usize,
    pub sid: Option<&'p str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evaluation<'p> {
    pub decision: Decision,
    /// The set that decided (for an `Allow` under a session policy: the identity's).
    pub policy_type: PolicyType,
    /// `None` for an implicit deny.
    pub statement: Option<MatchedStatement<'p>>,
}

impl Evaluation<'_> {
    pub fn is_allowed(&self) -> bool {
        self.decision == Decision::Allow
    }

    /// AWS's `AccessDenied` message for a refusal, `None` when allowed:
    /// `User: {principal} is not authorized to perform: {action} on resource: {resource} because
    /// no identity-based policy allows the {action} action`, or `… with an explicit deny in an
    /// identity-based policy` (`session policy` for the session set).
    pub fn denial_message(&self, ctx: &RequestContext<'_>) -> Option<String> {
        let head = format!(
            "User: {} is not authorized to perform: {} on resource: {}",
            ctx.principal, ctx.action, ctx.resource
        );
        let kind = self.policy_type.phrase();
        match self.decision {
            Decision::Allow => None,
            Decision::ImplicitDeny => Some(format!(
                "{head} because no {kind} policy allows the {} action",
                ctx.action
            )),
            Decision::ExplicitDeny => {
                let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                Some(format!(
                    "{head} with an explicit deny in {article} {kind} policy"
                ))
            }
        }
    }
}

impl Statement {
    fn applies(&self, ctx: &RequestContext<'_>) -> bool {
        let action = self.actions.iter().any(|p| p.matches_folded(ctx.action));
        if action == self.not_action {
            return false;
        }
        let mut resource = self.resources.iter().any(|r| r.matches(ctx.resource));
        // Every variable must resolve, or the statement is invalid and does not apply.
        for t in self.resource_templates.iter() {
            let Some(pattern) = t.resolve(ctx, true) else {
                return false;
            };
            resource = resource || ResourcePattern::new_escaped(&pattern).matches(ctx.resource);
        }
        if resource == self.not_resource {
            return false;
        }
        self.conditions.iter().all(|c| c.holds(ctx))
    }
}

fn decide<'p, I>(policies: I, ctx: &RequestContext<'_>) -> (Decision, Option<MatchedStatement<'p>>)
where
    I: IntoIterator<Item = &'p Policy>,
{
    let mut allow = None;
    for (pi, policy) in policies.into_iter().enumerate() {
        for (si, s) in policy.statements.iter().enumerate() {
            // Once allowed, only a deny can change the outcome.
            if s.effect == Effect::Allow && allow.is_some() {
                continue;
            }
            if s.applies(ctx) {
                let hit = MatchedStatement {
                    policy: pi,
                    statement: si,
                    sid: s.sid.as_deref(),
                };
                match s.effect {
                    Effect::Deny => return (Decision::ExplicitDeny, Some(hit)),
                    Effect::Allow => allow = Some(hit),
                }
            }
        }
    }
    match allow {
        Some(hit) => (Decision::Allow, Some(hit)),
        None => (Decision::ImplicitDeny, None),
    }
}

/// Evaluates a request against all identity-based policies of the caller (inline and attached, in
/// any order). Root is the caller's business: root is not subject to identity policies.
pub fn evaluate<'p, I>(policies: I, ctx: &RequestContext<'_>) -> Evaluation<'p>
where
    I: IntoIterator<Item = &'p Policy>,
{
    let (decision, statement) = decide(policies, ctx);
    Evaluation {
        decision,
        policy_type: PolicyType::Identity,
        statement,
    }
}

/// Evaluates a request made with temporary credentials that carry a session policy (a federation
/// token's, or one passed to `AssumeRole`): allowed only when both the identity's policies and
/// the session policies allow it, denied when either denies it explicitly. The first explicit
/// deny found (identity first) decides the message, then the first set that does not allow.
pub fn evaluate_with_session<'p, I, S>(
    identity: I,
    session: S,
    ctx: &RequestContext<'_>,
) -> Evaluation<'p>
where
    I: IntoIterator<Item = &'p Policy>,
    S: IntoIterator<Item = &'p Policy>,
{
    let (id_decision, id_statement) = decide(identity, ctx);
    let identity = Evaluation {
        decision: id_decision,
        policy_type: PolicyType::Identity,
        statement: id_statement,
    };
    if id_decision == Decision::ExplicitDeny {
        return identity;
    }
    let (s_decision, s_statement) = decide(session, ctx);
    let session = Evaluation {
        decision: s_decision,
        policy_type: PolicyType::Session,
        statement: s_statement,
    };
    match (id_decision, s_decision) {
        (_, Decision::ExplicitDeny) => session,
        (Decision::ImplicitDeny, _) => identity,
        (_, Decision::ImplicitDeny) => session,
        _ => identity,
    }
}

impl Policy {
    /// Evaluates a request against this one policy.
    pub fn evaluate(&self, ctx: &RequestContext<'_>) -> Evaluation<'_> {
        evaluate(std::iter::once(self), ctx)
    }
}
