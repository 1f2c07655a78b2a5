//! Custom domains (spec §3.10): `AssociateCustomDomain`, `DescribeCustomDomains`, `DisassociateCustomDomain`.
//!
//! Rows, in the service's account and region: `custom-domain`, keyed `<service ARN>|<domain name in lowercase>`
//! (DNS names are case-insensitive: `Example.com` and `example.com` are one domain), parent = the service ARN, so a
//! service's domains are one indexed list away, in association order (the order `DescribeCustomDomains` pages
//! through). The document is the `CustomDomain` in wire member names (the `DomainName` as the caller spelled it)
//! plus `ServiceArn` and the `AssociationId` that ties the row to its lifecycle jobs (a domain disassociated and
//! associated again is a new association: the old jobs must leave it alone).
//!
//! Service ARNs: a malformed one is an `InvalidRequestException`; an unknown service, or one of another account or
//! region, a `ResourceNotFoundException` (for Associate too, although its model lists none: botocore maps the code
//! all the same); so is a deleted one, except for Describe (see the end).
//!
//! Association: the service must exist and be `RUNNING` (`InvalidStateException` otherwise); a domain already
//! associated with it is an `InvalidRequestException`, one still being disassociated (`DELETING`) an
//! `InvalidStateException`. Besides the model's pattern, the name must be a host name: labels of 1–63 letters,
//! digits and hyphens (not at either end), at least two labels, `*` only as a whole first label. One certificate
//! validation record is issued per name: the domain and, with `EnableWWWSubdomain` (default true), `www.<domain>`;
//! a wildcard domain gets a single record, named for its base domain as ACM names them (the wildcard already
//! covers `www.`). Records are `_<32 hex>.<name>.` → `_<32 hex>.<10 lowercase letters and digits>.acm-validations.aws.`.
//!
//! The lifecycle worker ([`crate::lifecycle`], family `CustomDomain`) then moves the domain, one lifecycle delay per
//! step: `CREATING` → `PENDING_CERTIFICATE_DNS_VALIDATION` → (records `SUCCESS`) `BINDING_CERTIFICATE` → `ACTIVE`.
//! trailrunner cannot look at DNS (and tests must not touch the network), so the validation records are taken as
//! published: certificate validation always succeeds and `CREATE_FAILED` never occurs.
//!
//! Disassociation: an unknown domain is a `ResourceNotFoundException`; a domain already `DELETING`, or a service
//! with an operation in progress, an `InvalidStateException` (any other service state is fine: a domain can be
//! removed from a paused or failed service). The domain is answered `DELETING` and its row removed one lifecycle
//! delay later.
//!
//! A deleted service's domains go with it: the deletion's completion removes their rows, and
//! `DescribeCustomDomains` on a deleted service (it can still be described) answers no domains. Every response's `VpcDNSTargets` lists the service's VPC ingress connections that are not deleted.

use serde_json::{json, Value};
use trailrunner_api::{ApiError, CallContext, Entropy, Outcome};
use trailrunner_store::{ChangeSet, Expect, ResourceKey};

use crate::errors::{invalid_request, invalid_state, resource_not_found};
use crate::handler::AppRunnerHandler;
use crate::lifecycle::{self, delay_ms, Family, Job, Step};
use crate::paging::PageRequest;
use crate::service_rows::{self, load_live, status, RESOURCE_TYPE};
use crate::store_rows::{
    document, filtered_page, key, members_of, read, required_str, resource_ref,
};
use crate::vpc_ingress_rows::{dns_targets, random_label};

pub(crate) const DOMAIN_KIND: &str = "custom-domain";

/// The members of a `CustomDomain`, in the model's order.
const MEMBERS: [&str; 4] = [
    "DomainName",
    "EnableWWWSubdomain",
    "CertificateValidationRecords",
    "Status",
];

/// Lifecycle job targets: `<action>|<association id>|<row id>`.
const ASSOCIATE: &str = "associate";
const DISASSOCIATE: &str = "disassociate";

/// AssociateCustomDomain: the domain `CREATING`, with its certificate validation records.
pub(crate) async fn associate(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let service_arn = required_str(input, "ServiceArn")?;
    let domain = required_str(input, "DomainName")?;
    let www = match input.get("EnableWWWSubdomain") {
        None | Some(Value::Null) => true,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| invalid_request("EnableWWWSubdomain must be a boolean."))?,
    };
    check_domain(domain)?;
    let (_, service) = load_live(h, ctx, service_arn).await?;
    let was = status(&service);
    if was != "RUNNING" {
        return Err(invalid_state(format!(
            "Service {service_arn} is {was}; custom domains can only be associated with a RUNNING service."
        )));
    }
    let row_id = row_id(service_arn, domain);
    if let Some(row) = read(h, &key(ctx, DOMAIN_KIND, &row_id)).await? {
        let existing = document(&row)?;
        return Err(if status(&existing) == "DELETING" {
            invalid_state(format!(
                "Domain {domain} is being disassociated from service {service_arn}. Wait until it is gone \
                 before associating it again."
            ))
        } else {
            invalid_request(format!(
                "Domain {domain} is already associated with service {service_arn}."
            ))
        });
    }

    let association = h.entropy.uuid();
    let doc = json!({
        "ServiceArn": service_arn,
        "DomainName": domain,
        "EnableWWWSubdomain": www,
        "CertificateValidationRecords": validation_records(h.entropy.as_ref(), domain, www),
        "Status": "CREATING",
        "AssociationId": association,
    });
    let mut changes = ChangeSet::new();
    changes.put(
        key(ctx, DOMAIN_KIND, &row_id),
        Some(service_arn.to_owned()),
        doc.to_string(),
        Expect::Absent,
    );
    schedule(h, ctx, &mut changes, ASSOCIATE, &association, &row_id);
    Ok(Outcome {
        output: response(h, ctx, &service, public(&doc)).await?,
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, service_arn)],
    })
}

/// DescribeCustomDomains: the service's domains in association order, `MaxResults` 1–5 (checked by the model);
/// without it, all of them.
pub(crate) async fn describe(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let service_arn = required_str(input, "ServiceArn")?;
    let (_, service) = service_rows::load(h, ctx, service_arn).await?;
    let scope = format!(
        "DescribeCustomDomains|{}|{}|{service_arn}",
        ctx.caller.account_id, ctx.region
    );
    let page = PageRequest::from_input(&h.tokens, input, scope)?;
    let deleted = status(&service) == "DELETED";
    let mut rows = if deleted {
        Vec::new()
    } else {
        filtered_page(h, ctx, DOMAIN_KIND, Some(service_arn), &page, |_| Ok(true)).await?
    };
    let next = page.finish(&h.tokens, &mut rows);
    let mut domains = Vec::with_capacity(rows.len());
    for row in &rows {
        domains.push(public(&document(row)?));
    }
    let targets = if deleted {
        Vec::new()
    } else {
        dns_targets(h, ctx, service_arn).await?
    };
    let mut out = json!({
        "DNSTarget": dns_target(&service),
        "ServiceArn": service_arn,
        "CustomDomains": domains,
        "VpcDNSTargets": targets,
    });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(Outcome {
        output: out,
        changes: ChangeSet::new(),
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, service_arn)],
    })
}

/// DisassociateCustomDomain: the domain `DELETING`; the worker removes it one lifecycle delay later.
pub(crate) async fn disassociate(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let service_arn = required_str(input, "ServiceArn")?;
    let domain = required_str(input, "DomainName")?;
    let (_, service) = load_live(h, ctx, service_arn).await?;
    let row_id = row_id(service_arn, domain);
    let Some(row) = read(h, &key(ctx, DOMAIN_KIND, &row_id)).await? else {
        return Err(resource_not_found(format!(
            "Domain {domain} is not associated with service {service_arn}."
        )));
    };
    let mut doc = document(&row)?;
    if status(&doc) == "DELETING" {
        return Err(invalid_state(format!(
            "Domain {domain} is already being disassociated from service {service_arn}."
        )));
    }
    if status(&service) == "OPERATION_IN_PROGRESS" {
        return Err(invalid_state(format!(
            "Service {service_arn} has an operation in progress. Wait for it to finish before disassociating \
             a custom domain."
        )));
    }
    doc["Status"] = json!("DELETING");
    let association = doc
        .get("AssociationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut changes = ChangeSet::new();
    changes.put(
        row.key.clone(),
        row.parent.clone(),
        doc.to_string(),
        Expect::Version(row.version),
    );
    schedule(h, ctx, &mut changes, DISASSOCIATE, &association, &row_id);
    Ok(Outcome {
        output: response(h, ctx, &service, public(&doc)).await?,
        changes,
        resources: vec![resource_ref(ctx, RESOURCE_TYPE, service_arn)],
    })
}

/// The lifecycle step `job.step` of an association or disassociation. A job whose association is gone (the
/// domain was disassociated, or disassociated and associated again) or no longer in the state the step expects
/// ends without changes.
pub(crate) async fn advance(
    h: &AppRunnerHandler,
    job: &Job,
    now_ms: i64,
) -> Result<Step, ApiError> {
    let nothing = || Step::Done {
        changes: ChangeSet::new(),
    };
    let Some((action, association, row_id)) = split_target(&job.target) else {
        tracing::error!(target = %job.target, "unreadable custom domain job; dropping it");
        return Ok(nothing());
    };
    let row_key = ResourceKey::new(
        job.account.as_str(),
        job.region.as_str(),
        DOMAIN_KIND,
        row_id,
    );
    let Some(row) = read(h, &row_key).await? else {
        return Ok(nothing());
    };
    let mut doc = lifecycle::parse(&row)?;
    if doc.get("AssociationId").and_then(Value::as_str) != Some(association) {
        return Ok(nothing());
    }
    let mut changes = ChangeSet::new();
    let next = now_ms.saturating_add(delay_ms(h));
    let finished = match (action, job.step, status(&doc)) {
        (ASSOCIATE, 0, "CREATING") => {
            doc["Status"] = json!("PENDING_CERTIFICATE_DNS_VALIDATION");
            false
        }
        (ASSOCIATE, 1, "PENDING_CERTIFICATE_DNS_VALIDATION") => {
            if let Some(records) = doc
                .get_mut("CertificateValidationRecords")
                .and_then(Value::as_array_mut)
            {
                for record in records {
                    record["Status"] = json!("SUCCESS");
                }
            }
            doc["Status"] = json!("BINDING_CERTIFICATE");
            false
        }
        (ASSOCIATE, 2, "BINDING_CERTIFICATE") => {
            doc["Status"] = json!("ACTIVE");
            true
        }
        (DISASSOCIATE, _, "DELETING") => {
            changes.delete(row.key.clone(), Expect::Version(row.version));
            return Ok(Step::Done { changes });
        }
        _ => return Ok(nothing()),
    };
    changes.put(
        row.key.clone(),
        row.parent.clone(),
        doc.to_string(),
        Expect::Version(row.version),
    );
    Ok(if finished {
        Step::Done { changes }
    } else {
        Step::Next {
            changes,
            due_ms: next,
        }
    })
}

fn schedule(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    changes: &mut ChangeSet,
    action: &str,
    association: &str,
    row_id: &str,
) {
    let job = Job {
        account: ctx.caller.account_id.clone(),
        region: ctx.region.clone(),
        family: Family::CustomDomain,
        target: format!("{action}|{association}|{row_id}"),
        step: 0,
        due_ms: ctx.now.as_millisecond().saturating_add(delay_ms(h)),
    };
    lifecycle::schedule(changes, &h.entropy.uuid(), &job);
}

/// `(action, association id, row id)` of a job target.
fn split_target(target: &str) -> Option<(&str, &str, &str)> {
    let mut parts = target.splitn(3, '|');
    let action = parts
        .next()
        .filter(|a| [ASSOCIATE, DISASSOCIATE].contains(a))?;
    Some((action, parts.next()?, parts.next()?))
}

fn row_id(service_arn: &str, domain: &str) -> String {
    format!("{service_arn}|{}", domain.to_ascii_lowercase())
}

/// The output shared by the three operations (`NextToken` aside).
async fn response(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    service: &Value,
    domain: Value,
) -> Result<Value, ApiError> {
    let service_arn = service
        .get("ServiceArn")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(json!({
        "DNSTarget": dns_target(service),
        "ServiceArn": service_arn,
        "CustomDomain": domain,
        "VpcDNSTargets": dns_targets(h, ctx, service_arn).await?,
    }))
}

/// `DNSTarget`: the service's URL host (spec §3.2).
fn dns_target(service: &Value) -> Value {
    service.get("ServiceUrl").cloned().unwrap_or(json!(""))
}

fn public(doc: &Value) -> Value {
    members_of(doc, &MEMBERS)
}

/// A host name as a custom domain (beyond the model's `[A-Za-z0-9*.-]{1,255}`): at least two labels of 1–63
/// letters, digits and hyphens, no hyphen at either end of a label; `*` only as the whole first label.
fn check_domain(domain: &str) -> Result<(), ApiError> {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |(i, label): (usize, &&str)| {
        (i == 0 && *label == "*")
            || ((1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let host = labels.len() >= 2
        && domain.len() <= 255
        && labels.iter().enumerate().all(label_ok)
        && !(labels.len() == 2 && labels[0] == "*");
    if host {
        Ok(())
    } else {
        Err(invalid_request(format!(
            "{domain} is not a valid domain name: expected a host name such as example.com, www.example.com \
             or *.example.com."
        )))
    }
}

/// The CNAME records that validate the domain's certificate: one per name it covers.
fn validation_records(entropy: &dyn Entropy, domain: &str, www: bool) -> Vec<Value> {
    let domain = domain.to_ascii_lowercase();
    let names = match domain.strip_prefix("*.") {
        Some(base) => vec![base.to_owned()],
        None if www => vec![domain.clone(), format!("www.{domain}")],
        None => vec![domain.clone()],
    };
    names
        .iter()
        .map(|name| {
            json!({
                "Name": format!("_{}.{name}.", random_hex(entropy)),
                "Type": "CNAME",
                "Value": format!(
                    "_{}.{}.acm-validations.aws.",
                    random_hex(entropy),
                    random_label(entropy, 10)
                ),
                "Status": "PENDING_VALIDATION",
            })
        })
        .collect()
}

/// 32 random lowercase hexadecimal digits.
fn random_hex(entropy: &dyn Entropy) -> String {
    let mut random = [0u8; 16];
    entropy.fill(&mut random);
    random.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU8, Ordering};

    use super::*;

    /// Deterministic "randomness": 0, 1, 2, … per byte.
    struct Counting(AtomicU8);

    impl trailrunner_api::Entropy for Counting {
        fn fill(&self, buf: &mut [u8]) {
            for b in buf {
                *b = self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn hex32(text: &str) -> bool {
        text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }

    fn check_record(record: &Value, name: &str) {
        let record_name = record["Name"].as_str().unwrap();
        let (hex, rest) = record_name[1..].split_once('.').unwrap();
        assert!(record_name.starts_with('_') && hex32(hex), "{record_name}");
        assert_eq!(rest, format!("{name}."));
        assert_eq!(record["Type"], "CNAME");
        let value = record["Value"].as_str().unwrap();
        let parts: Vec<&str> = value.split('.').collect();
        assert_eq!(parts.len(), 5, "{value}");
        assert!(
            parts[0].starts_with('_') && hex32(&parts[0][1..]),
            "{value}"
        );
        assert_eq!(parts[1].len(), 10);
        assert!(parts[1]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_eq!(&parts[2..], ["acm-validations", "aws", ""]);
        assert_eq!(record["Status"], "PENDING_VALIDATION");
    }

    #[test]
    fn one_validation_record_per_name() {
        let h = Counting(AtomicU8::new(0));
        let records = validation_records(&h, "Example.com", true);
        assert_eq!(records.len(), 2);
        check_record(&records[0], "example.com");
        check_record(&records[1], "www.example.com");
        assert_ne!(records[0]["Name"], records[1]["Name"]);
        let records = validation_records(&h, "api.example.com", false);
        assert_eq!(records.len(), 1);
        check_record(&records[0], "api.example.com");
        let records = validation_records(&h, "*.example.com", true);
        assert_eq!(records.len(), 1, "a wildcard covers www already");
        check_record(&records[0], "example.com");
    }

    #[test]
    fn domains_must_be_host_names() {
        for good in [
            "example.com",
            "www.Example.COM",
            "a-b.example.co.uk",
            "*.example.com",
            "xn--bcher-kva.example",
            &format!("{}.com", "a".repeat(63)),
        ] {
            assert_eq!(check_domain(good), Ok(()), "{good}");
        }
        for bad in [
            "localhost",
            "example.com.",
            ".example.com",
            "example..com",
            "-a.example.com",
            "a-.example.com",
            "www.*.example.com",
            "**.example.com",
            "*.com",
            "*",
            &format!("{}.com", "a".repeat(64)),
        ] {
            let err = check_domain(bad).expect_err(bad);
            assert_eq!(err.code, "InvalidRequestException", "{bad}");
        }
    }

    #[test]
    fn job_targets_round_trip() {
        let row = row_id(
            "arn:aws:apprunner:us-east-1:123456789012:service/abcd/0123456789abcdef0123456789abcdef",
            "WWW.Example.com",
        );
        assert!(row.ends_with("|www.example.com"), "{row}");
        let target = format!("{ASSOCIATE}|some-id|{row}");
        assert_eq!(
            split_target(&target),
            Some((ASSOCIATE, "some-id", row.as_str()))
        );
        assert_eq!(split_target("bogus|x|y"), None);
        assert_eq!(split_target("disassociate|x"), None);
    }
}
