//! Reading a policy document: validation in IAM's order, then compilation.
//!
//! IAM checks a document in passes and answers the first failure (the order below is the one
//! moto's `policy_validation.py` reproduces from IAM's answers): syntax (JSON, known elements,
//! value types, `Effect`, at most one of `Action`/`NotAction` and of `Resource`/`NotResource`,
//! known condition operators) → `Version` → "legacy parsing" (`Effect` case, date values) → `Sid`
//! uniqueness → actions present → resources present → resource ARN format → action prefixes.
//! `Principal` in an identity-based policy is refused first, with its own message.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::condition::{takes_variables, Condition, Family, Operator, Test};
use crate::context::Key;
use crate::error::{self, PolicyError};
use crate::glob::{Pattern, ResourcePattern};
use crate::template::Template;

/// Bounds on what [`Policy::parse_with`] accepts. IAM's own quotas (2,048 characters for a
/// user's inline policies, 10,240 for a role's, 6,144 for a managed policy) are the caller's to
/// apply; these only keep absurd documents from costing memory and time.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Largest document, in bytes. Default 131,072: the longest `PolicyDocument` IAM's API takes.
    pub max_document_bytes: usize,
    /// Most statements in one document. Default 1,000.
    pub max_statements: usize,
    /// Most values in one `Action`, `Resource` (or their `Not` forms) or condition key, and most
    /// condition keys in one statement. Default 1,000.
    pub max_values: usize,
    /// Refuse documents whose `Version` is not 2012-10-17 (missing included), as IAM does for
    /// managed policies. Default false: inline policies may say 2008-10-17 or nothing.
    pub require_version_2012_10_17: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            max_document_bytes: 131_072,
            max_statements: 1_000,
            max_values: 1_000,
            require_version_2012_10_17: false,
        }
    }
}

/// The policy language version. A document without `Version` is 2008-10-17 ("If you do not
/// include a Version element, the value defaults to 2008-10-17").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V2008_10_17,
    V2012_10_17,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

/// A compiled statement.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub sid: Option<Box<str>>,
    pub effect: Effect,
    /// `NotAction` when true.
    pub not_action: bool,
    /// Lowercased, matched ignoring ASCII case.
    pub actions: Box<[Pattern]>,
    /// `NotResource` when true.
    pub not_resource: bool,
    pub resources: Box<[ResourcePattern]>,
    /// `Resource`/`NotResource` entries with policy variables.
    pub resource_templates: Box<[Template]>,
    pub conditions: Box<[Condition]>,
}

/// A parsed, validated and compiled identity-based policy. Parse once, evaluate many times;
/// `Send + Sync`, so one compiled set can be shared by every request of an identity.
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) version: Option<Version>,
    pub(crate) id: Option<Box<str>>,
    pub(crate) statements: Box<[Statement]>,
}

impl Policy {
    /// Parses with [`ParseOptions::default`].
    pub fn parse(document: &str) -> Result<Self, PolicyError> {
        Self::parse_with(document, &ParseOptions::default())
    }

    pub fn parse_with(document: &str, opts: &ParseOptions) -> Result<Self, PolicyError> {
        if document.len() > opts.max_document_bytes {
            return Err(PolicyError::limit(format!(
                "Cannot exceed quota for PolicySize: {}",
                opts.max_document_bytes
            )));
        }
        let json: Value = serde_json::from_str(document).map_err(|_| PolicyError::syntax())?;
        let raw = RawPolicy::read(&json, opts)?;
        raw.check(opts)?;
        raw.compile()
    }

    /// The effective version: 2008-10-17 when the document names none.
    pub fn version(&self) -> Version {
        self.version.unwrap_or(Version::V2008_10_17)
    }

    /// Whether the document had a `Version` element.
    pub fn has_version(&self) -> bool {
        self.version.is_some()
    }

    /// The optional `Id` element.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Number of statements (never zero).
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Always false: IAM refuses a document without statements.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// `Sid` and `Effect` of each statement, in document order.
    pub fn statements(&self) -> impl Iterator<Item = (Option<&str>, Effect)> + '_ {
        self.statements.iter().map(|s| (s.sid.as_deref(), s.effect))
    }
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: the list and whether it is the `Not` form.
type Element<'v> = Option<(bool, Vec<&'v str>)>;

struct RawCondition<'v> {
    op: Operator,
    key: &'v str,
    values: Vec<Cow<'v, str>>,
}

struct RawStatement<'v> {
    sid: Option<&'v str>,
    effect: &'v str,
    action: Element<'v>,
    resource: Element<'v>,
    conditions: Vec<RawCondition<'v>>,
}

struct RawPolicy<'v> {
    version: Option<Version>,
    id: Option<&'v str>,
    statements: Vec<RawStatement<'v>>,
}

fn too_many(what: &str, max: usize) -> PolicyError {
    PolicyError::limit(format!(
        "The policy's {what} element holds more than {max} values."
    ))
}

/// A string, or an array of strings.
fn string_list<'v>(v: &'v Value, name: &str, max: usize) -> Result<Vec<&'v str>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => {
            if items.len() > max {
                return Err(too_many(name, max));
            }
            items
                .iter()
                .map(|i| i.as_str().ok_or_else(PolicyError::syntax))
                .collect()
        }
        _ => Err(PolicyError::syntax()),
    }
}

/// Condition values: a string, a boolean or a number (IAM stores `true` and `10` as text), or an
/// array of those.
fn condition_values(v: &Value, max: usize) -> Result<Vec<Cow<'_, str>>, PolicyError> {
    fn scalar(v: &Value) -> Result<Cow<'_, str>, PolicyError> {
        match v {
            Value::String(s) => Ok(Cow::Borrowed(s)),
            Value::Bool(b) => Ok(Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Number(n) => Ok(Cow::Owned(n.to_string())),
            _ => Err(PolicyError::syntax()),
        }
    }
    match v {
        Value::Array(items) => {
            if items.len() > max {
                return Err(too_many("Condition", max));
            }
            items.iter().map(scalar).collect()
        }
        other => Ok(vec![scalar(other)?]),
    }
}

impl<'v> RawPolicy<'v> {
    /// The syntax pass.
    fn read(json: &'v Value, opts: &ParseOptions) -> Result<Self, PolicyError> {
        let top = json.as_object().ok_or_else(PolicyError::syntax)?;
        let mut version = None;
        let mut id = None;
        let mut statement = None;
        for (name, value) in top {
            match name.as_str() {
                "Version" => {
                    version = Some(match value.as_str() {
                        Some("2012-10-17") => Version::V2012_10_17,
                        Some("2008-10-17") => Version::V2008_10_17,
                        _ => return Err(PolicyError::syntax()),
                    })
                }
                "Id" => id = Some(value.as_str().ok_or_else(PolicyError::syntax)?),
                "Statement" => statement = Some(value),
                _ => return Err(PolicyError::syntax()),
            }
        }
        let statements: Vec<&Map<String, Value>> = match statement {
            Some(Value::Object(one)) => vec![one],
            Some(Value::Array(many)) if !many.is_empty() => {
                if many.len() > opts.max_statements {
                    return Err(PolicyError::limit(format!(
                        "The policy holds more than {} statements.",
                        opts.max_statements
                    )));
                }
                many.iter()
                    .map(|s| s.as_object().ok_or_else(PolicyError::syntax))
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(PolicyError::syntax()),
        };
        let statements = statements
            .into_iter()
            .map(|s| RawStatement::read(s, opts))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            version,
            id,
            statements,
        })
    }

    /// Every pass after syntax, in IAM's order.
    fn check(&self, opts: &ParseOptions) -> Result<(), PolicyError> {
        if opts.require_version_2012_10_17 && self.version != Some(Version::V2012_10_17) {
            return Err(PolicyError::malformed(error::VERSION));
        }
        for s in &self.statements {
            let dates_ok = s
                .conditions
                .iter()
                .filter(|c| matches!(c.op.family, Family::Date(_)))
                .all(|c| {
                    c.values
                        .iter()
                        .all(|v| crate::typed::parse_date(v).is_some())
                });
            if !matches!(s.effect, "Allow" | "Deny") || !dates_ok {
                return Err(PolicyError::malformed(error::LEGACY));
            }
        }
        let mut sids: Vec<&str> = self
            .statements
            .iter()
            .filter_map(|s| s.sid)
            .filter(|s| !s.is_empty())
            .collect();
        sids.sort_unstable();
        if sids.windows(2).any(|w| w[0] == w[1]) {
            return Err(PolicyError::malformed(error::SID_UNIQUE));
        }
        if sids
            .iter()
            .any(|s| !s.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(PolicyError::malformed(error::SID_ALNUM));
        }
        if self
            .statements
            .iter()
            .any(|s| s.action.as_ref().is_none_or(|(_, l)| l.is_empty()))
        {
            return Err(PolicyError::malformed(error::ACTIONS));
        }
        if self
            .statements
            .iter()
            .any(|s| s.resource.as_ref().is_none_or(|(_, l)| l.is_empty()))
        {
            return Err(PolicyError::malformed(error::RESOURCES));
        }
        for s in &self.statements {
            for r in s.resource.iter().flat_map(|(_, l)| l) {
                check_resource(r)?;
            }
        }
        for s in &self.statements {
            for a in s.action.iter().flat_map(|(_, l)| l) {
                check_action(a)?;
            }
            if s.conditions.iter().any(|c| !c.key.contains(':')) {
                return Err(PolicyError::malformed(error::VENDOR_PREFIX));
            }
        }
        Ok(())
    }

    fn compile(self) -> Result<Policy, PolicyError> {
        let statements = self
            .statements
            .into_iter()
            .map(|s| s.compile(self.version == Some(Version::V2012_10_17)))
            .collect::<Result<_, _>>()?;
        Ok(Policy {
            version: self.version,
            id: self.id.map(Into::into),
            statements,
        })
    }
}

impl<'v> RawStatement<'v> {
    fn read(obj: &'v Map<String, Value>, opts: &ParseOptions) -> Result<Self, PolicyError> {
        if obj.contains_key("Principal") || obj.contains_key("NotPrincipal") {
            return Err(PolicyError::malformed(error::PRINCIPAL));
        }
        let mut sid = None;
        let mut effect = None;
        let mut action: Element<'v> = None;
        let mut resource: Element<'v> = None;
        let mut conditions = Vec::new();
        for (name, value) in obj {
            let name = name.as_str();
            match name {
                "Sid" => sid = Some(value.as_str().ok_or_else(PolicyError::syntax)?),
                "Effect" => effect = Some(value.as_str().ok_or_else(PolicyError::syntax)?),
                "Action" | "NotAction" | "Resource" | "NotResource" => {
                    let slot = if name.ends_with("Action") {
                        &mut action
                    } else {
                        &mut resource
                    };
                    if slot.is_some() {
                        // Both `Action` and `NotAction` (or both resource forms).
                        return Err(PolicyError::syntax());
                    }
                    *slot = Some((
                        name.starts_with("Not"),
                        string_list(value, name, opts.max_values)?,
                    ));
                }
                "Condition" => conditions = read_conditions(value, opts)?,
                _ => return Err(PolicyError::syntax()),
            }
        }
        let effect = effect
            .filter(|e| e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny"))
            .ok_or_else(PolicyError::syntax)?;
        Ok(Self {
            sid,
            effect,
            action,
            resource,
            conditions,
        })
    }

    /// `variables`: whether `${…}` is a policy variable (2012-10-17) or literal text.
    fn compile(self, variables: bool) -> Result<Statement, PolicyError> {
        let template = |s: &str| if variables { Template::parse(s) } else { None };
        let (not_action, actions) = self.action.unwrap_or_default();
        let (not_resource, resources) = self.resource.unwrap_or_default();
        let mut actions: Vec<Pattern> = actions.into_iter().map(Pattern::new_folded).collect();
        if actions.contains(&Pattern::Any) {
            actions = vec![Pattern::Any];
        }
        let mut resource_templates = Vec::new();
        let mut resources: Vec<ResourcePattern> = resources
            .into_iter()
            .filter(|r| match template(r) {
                Some(t) => {
                    resource_templates.push(t);
                    false
                }
                None => true,
            })
            .map(ResourcePattern::new)
            .collect();
        if resources.contains(&ResourcePattern::Any) {
            resources = vec![ResourcePattern::Any];
        }
        let conditions = self
            .conditions
            .into_iter()
            .map(|c| {
                let mut templates = Vec::new();
                let values: Vec<&str> = c
                    .values
                    .iter()
                    .map(|v| &**v)
                    .filter(
                        |v| match template(v).filter(|_| takes_variables(c.op.family)) {
                            Some(t) => {
                                templates.push(t);
                                false
                            }
                            None => true,
                        },
                    )
                    .collect();
                Ok(Condition {
                    key: Key::new(c.key),
                    templates: templates.into(),
                    // Dates were checked by the legacy pass already.
                    test: Test::compile(c.op.family, &values)
                        .ok_or_else(|| PolicyError::malformed(error::LEGACY))?,
                    negated: c.op.negated,
                    if_exists: c.op.if_exists,
                    set: c.op.set,
                })
            })
            .collect::<Result<_, PolicyError>>()?;
        Ok(Statement {
            sid: self.sid.map(Into::into),
            effect: if self.effect == "Deny" {
                Effect::Deny
            } else {
                Effect::Allow
            },
            not_action,
            actions: actions.into(),
            not_resource,
            resources: resources.into(),
            resource_templates: resource_templates.into(),
            conditions,
        })
    }
}

fn read_conditions<'v>(
    v: &'v Value,
    opts: &ParseOptions,
) -> Result<Vec<RawCondition<'v>>, PolicyError> {
    let operators = v.as_object().ok_or_else(PolicyError::syntax)?;
    let mut out = Vec::new();
    for (name, keys) in operators {
        let keys = keys.as_object().ok_or_else(PolicyError::syntax)?;
        let Some(op) = Operator::parse(name) else {
            // IAM lets an unknown operator with nothing under it pass.
            if keys.is_empty() {
                continue;
            }
            return Err(PolicyError::syntax());
        };
        for (key, values) in keys {
            if out.len() == opts.max_values {
                return Err(too_many("Condition", opts.max_values));
            }
            out.push(RawCondition {
                op,
                key,
                values: condition_values(values, opts.max_values)?,
            });
        }
    }
    Ok(out)
}

/// The partitions AWS has ("IAM ARNs": aws, aws-cn, aws-us-gov, and the isolated ones).
const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

fn check_resource(r: &str) -> Result<(), PolicyError> {
    if r == "*" {
        return Ok(());
    }
    let mut parts = r.splitn(3, ':');
    let _arn = parts.next();
    let Some(partition) = parts.next() else {
        return Err(PolicyError::malformed(format!(
            "Resource {r} must be in ARN format or \"*\"."
        )));
    };
    let rest = parts.next();
    if !PARTITIONS.contains(&partition) {
        // IAM echoes the ARN with its missing components shown as `*`.
        let tail: Vec<&str> = rest.map(|t| t.split(':').collect()).unwrap_or_default();
        let part = |i: usize| {
            tail.get(i)
                .copied()
                .filter(|p| !p.is_empty() || tail.len() > 1)
                .unwrap_or("*")
        };
        let last = if tail.len() > 3 {
            tail[3..].join(":")
        } else {
            "*".to_owned()
        };
        return Err(PolicyError::malformed(format!(
            "Partition \"{partition}\" is not valid for resource \"arn:{partition}:{}:{}:{}:{last}\".",
            part(0),
            part(1),
            part(2),
        )));
    }
    // "You can't use a wildcard in the service segment that identifies the AWS product."
    let service = rest.and_then(|t| t.split(':').next()).unwrap_or("");
    if service.is_empty() || service.contains(['*', '?']) {
        return Err(PolicyError::malformed(error::RESOURCE_VENDOR));
    }
    Ok(())
}

fn check_action(a: &str) -> Result<(), PolicyError> {
    if a == "*" {
        return Ok(());
    }
    let mut parts = a.split(':');
    let vendor = parts.next().unwrap_or("");
    match (parts.next(), parts.next()) {
        (None, _) => Err(PolicyError::malformed(error::VENDOR_PREFIX)),
        (Some(_), Some(_)) => Err(PolicyError::malformed(error::ONE_COLON)),
        (Some(_), None) => {
            if vendor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            {
                Ok(())
            } else {
                Err(PolicyError::malformed(format!(
                    "Vendor {vendor} is not valid"
                )))
            }
        }
    }
}
