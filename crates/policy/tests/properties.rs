//! Properties of evaluation over generated policy sets and requests, checked through both
//! `evaluate` and `evaluate_with_session`:
//! - a set without any `Allow` statement never allows anything (default deny);
//! - adding an explicit `Deny` that matches the request always denies it (deny wins).

use proptest::prelude::*;
use serde_json::{json, Value};
use trailrunner_policy::{
    evaluate, evaluate_with_session, ContextEntry, Decision, Policy, RequestContext,
};

const SERVICES: &[&str] = &["apprunner", "iam", "sts", "cloudtrail", "s3"];
const OPERATIONS: &[&str] = &[
    "CreateService",
    "DeleteService",
    "ListServices",
    "DescribeService",
    "GetUser",
    "LookupEvents",
];

/// A piece of a name, sometimes wildcarded.
fn wild(word: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(word.to_owned()),
        1 => Just("*".to_owned()),
        1 => (0..word.len()).prop_map(move |n| format!("{}*", &word[..n])),
        1 => (0..word.len()).prop_map(move |n| {
            let mut w = word.to_owned();
            w.replace_range(n..n + 1, "?");
            w
        }),
        1 => any::<bool>().prop_map(move |upper| if upper { word.to_uppercase() } else { word.to_lowercase() }),
    ]
}

fn action_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_owned()),
        8 => (prop::sample::select(SERVICES), prop::sample::select(OPERATIONS))
            .prop_flat_map(|(s, o)| (Just(s), wild(o)))
            .prop_map(|(s, o)| format!("{s}:{o}")),
    ]
}

const REGIONS: &[&str] = &["us-east-1", "eu-west-1"];
const ACCOUNTS: &[&str] = &["111122223333", "444455556666"];
const NAMES: &[&str] = &[
    "service/web/0123",
    "service/api/9999",
    "connection/gh/77",
    "user/alice",
];

fn resource_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_owned()),
        6 => (
            prop::sample::select(SERVICES),
            prop::sample::select(REGIONS).prop_flat_map(wild),
            prop::sample::select(ACCOUNTS).prop_flat_map(wild),
            prop::sample::select(NAMES).prop_flat_map(wild),
        )
            .prop_map(|(s, r, a, n)| format!("arn:aws:{s}:{r}:{a}:{n}")),
        1 => prop::sample::select(SERVICES).prop_map(|s| format!("arn:aws:{s}:*")),
    ]
}

/// One condition operator with one key and its values; every generated value is one IAM accepts.
fn condition() -> impl Strategy<Value = (String, String, Value)> {
    let qualifier = prop::sample::select(vec!["", "", "", "ForAllValues:", "ForAnyValue:"]);
    let suffix = prop::sample::select(vec!["", "", "IfExists"]);
    let keys = prop::sample::select(vec![
        "aws:SourceIp",
        "aws:RequestedRegion",
        "aws:CurrentTime",
        "aws:MultiFactorAuthPresent",
        "aws:username",
        "aws:PrincipalArn",
        "aws:TagKeys",
        "x:Other",
    ]);
    let family = prop_oneof![
        (
            prop::sample::select(vec![
                "StringEquals",
                "StringNotEquals",
                "StringEqualsIgnoreCase",
                "StringNotEqualsIgnoreCase",
                "StringLike",
                "StringNotLike",
            ]),
            prop::collection::vec(
                prop::sample::select(vec!["us-east-1", "US-*", "alice", "a", "*", "team?"]),
                0..3
            )
            .prop_map(|v| json!(v))
        ),
        (
            prop::sample::select(vec!["IpAddress", "NotIpAddress"]),
            prop::sample::select(vec![
                "203.0.113.0/24",
                "10.0.0.1",
                "2001:db8::/32",
                "nonsense"
            ])
            .prop_map(|v| json!(v))
        ),
        (
            prop::sample::select(vec![
                "DateLessThan",
                "DateGreaterThan",
                "DateEquals",
                "DateNotEquals",
                "DateLessThanEquals",
                "DateGreaterThanEquals",
            ]),
            prop::sample::select(vec!["2024-05-01T12:00:00Z", "2030-01-01", "1700000000"])
                .prop_map(|v| json!(v))
        ),
        (
            prop::sample::select(vec!["Bool", "Null"]),
            prop::sample::select(vec![json!("true"), json!("false"), json!(true)])
        ),
        (
            prop::sample::select(vec!["NumericLessThan", "NumericNotEquals"]),
            prop::sample::select(vec![json!(10), json!("2.5")])
        ),
        (
            prop::sample::select(vec!["ArnLike", "ArnNotLike"]),
            prop::sample::select(vec![
                "arn:aws:iam::*:user/*",
                "arn:aws:iam::111122223333:role/?"
            ])
            .prop_map(|v| json!(v))
        ),
    ];
    (qualifier, family, suffix, keys)
        .prop_map(|(q, (op, values), s, key)| (format!("{q}{op}{s}"), key.to_owned(), values))
}

fn statement(effects: &'static [&'static str]) -> impl Strategy<Value = Value> {
    (
        prop::sample::select(effects),
        any::<bool>(),
        prop::collection::vec(action_pattern(), 1..4),
        any::<bool>(),
        prop::collection::vec(resource_pattern(), 1..4),
        prop::collection::vec(condition(), 0..3),
    )
        .prop_map(
            |(effect, not_action, actions, not_resource, resources, conditions)| {
                let mut s = json!({ "Effect": effect });
                s[if not_action { "NotAction" } else { "Action" }] = json!(actions);
                s[if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }] = json!(resources);
                if !conditions.is_empty() {
                    let mut block = serde_json::Map::new();
                    for (op, key, values) in conditions {
                        let keys = block.entry(op).or_insert_with(|| json!({}));
                        keys[key] = values;
                    }
                    s["Condition"] = Value::Object(block);
                }
                s
            },
        )
}

fn policy(effects: &'static [&'static str]) -> impl Strategy<Value = Policy> {
    prop::collection::vec(statement(effects), 1..6).prop_map(|statements| {
        let doc = json!({ "Version": "2012-10-17", "Statement": statements }).to_string();
        Policy::parse(&doc).unwrap_or_else(|e| panic!("generated document refused ({e}): {doc}"))
    })
}

fn policies(effects: &'static [&'static str]) -> impl Strategy<Value = Vec<Policy>> {
    prop::collection::vec(policy(effects), 0..4)
}

/// Everything a request varies in, owned so that a `RequestContext` can borrow it.
#[derive(Debug, Clone)]
struct Request {
    action: String,
    resource: String,
    source_ip: Option<std::net::IpAddr>,
    region: Option<&'static str>,
    time: Option<jiff::Timestamp>,
    mfa: Option<bool>,
    username: Option<&'static str>,
    principal_arn: Option<&'static str>,
    tag_keys: Vec<&'static str>,
}

impl Request {
    fn context(&self) -> (RequestContext<'_>, [ContextEntry<'_>; 1]) {
        let mut ctx = RequestContext::new(
            "arn:aws:iam::111122223333:user/alice",
            &self.action,
            &self.resource,
        );
        ctx.source_ip = self.source_ip;
        ctx.requested_region = self.region;
        ctx.current_time = self.time;
        ctx.multi_factor_auth_present = self.mfa;
        ctx.username = self.username;
        ctx.principal_arn = self.principal_arn;
        (
            ctx,
            [ContextEntry {
                key: "aws:TagKeys",
                values: &self.tag_keys,
            }],
        )
    }
}

fn request() -> impl Strategy<Value = Request> {
    (
        (
            prop::sample::select(SERVICES),
            prop::sample::select(OPERATIONS),
        )
            .prop_map(|(s, o)| format!("{s}:{o}")),
        prop_oneof![
            Just("*".to_owned()),
            (
                prop::sample::select(SERVICES),
                prop::sample::select(REGIONS),
                prop::sample::select(ACCOUNTS),
                prop::sample::select(NAMES)
            )
                .prop_map(|(s, r, a, n)| format!("arn:aws:{s}:{r}:{a}:{n}")),
        ],
        prop::option::of(
            prop::sample::select(vec![
                "203.0.113.9",
                "10.0.0.1",
                "2001:db8::5",
                "198.51.100.1",
            ])
            .prop_map(|s| s.parse().unwrap()),
        ),
        prop::option::of(prop::sample::select(REGIONS)),
        prop::option::of(
            prop::sample::select(vec!["2024-05-01T12:00:00Z", "2031-01-01T00:00:00Z"])
                .prop_map(|s| s.parse().unwrap()),
        ),
        prop::option::of(any::<bool>()),
        prop::option::of(Just("alice")),
        prop::option::of(prop::sample::select(vec![
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:iam::111122223333:role/x",
        ])),
        prop::collection::vec(prop::sample::select(vec!["a", "team1", "US-1"]), 0..3),
    )
        .prop_map(
            |(
                action,
                resource,
                source_ip,
                region,
                time,
                mfa,
                username,
                principal_arn,
                tag_keys,
            )| Request {
                action,
                resource,
                source_ip,
                region,
                time,
                mfa,
                username,
                principal_arn,
                tag_keys,
            },
        )
}

/// A statement that matches `action` on any resource, unconditionally, in one of the forms that
/// must match it: the action itself in another case, its service's `*`, or `*`.
fn matching_deny(action: &str, form: u8) -> Value {
    let (service, _) = action.split_once(':').unwrap();
    let pattern = match form % 4 {
        0 => action.to_owned(),
        1 => action.to_uppercase(),
        2 => format!("{service}:*"),
        _ => "*".to_owned(),
    };
    json!({ "Effect": "Deny", "Action": pattern, "Resource": "*" })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn nothing_without_an_allow_is_allowed(set in policies(&["Deny"]), other in policies(&["Allow", "Deny"]), req in request()) {
        let (mut ctx, extra) = req.context();
        ctx.extra = &extra;
        prop_assert_ne!(evaluate(&set, &ctx).decision, Decision::Allow);
        // A session policy cannot grant what the identity's policies do not, nor the reverse.
        prop_assert_ne!(evaluate_with_session(&set, &other, &ctx).decision, Decision::Allow);
        prop_assert_ne!(evaluate_with_session(&other, &set, &ctx).decision, Decision::Allow);
    }

    #[test]
    fn a_matching_explicit_deny_always_denies(
        set in policies(&["Allow", "Deny"]),
        req in request(),
        form in any::<u8>(),
        at in any::<prop::sample::Index>(),
        own_policy in any::<bool>(),
    ) {
        let (mut ctx, extra) = req.context();
        ctx.extra = &extra;
        let deny = matching_deny(&req.action, form);
        let mut set = set;
        if own_policy || set.is_empty() {
            let doc = json!({ "Version": "2012-10-17", "Statement": [deny] }).to_string();
            set.insert(at.index(set.len() + 1), Policy::parse(&doc).unwrap());
        } else {
            // The deny among the statements of an existing policy, re-parsed from a document
            // that has it at some position.
            let i = at.index(set.len());
            let mut doc = json!({ "Version": "2012-10-17", "Statement": [deny.clone()] });
            let extra_allow = json!({ "Effect": "Allow", "Action": "*", "Resource": "*" });
            doc["Statement"].as_array_mut().unwrap().insert(at.index(2), extra_allow);
            set[i] = Policy::parse(&doc.to_string()).unwrap();
        }
        prop_assert_eq!(evaluate(&set, &ctx).decision, Decision::ExplicitDeny);
        let allow_all = Policy::parse(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#).unwrap();
        prop_assert_eq!(evaluate_with_session(&set, [&allow_all], &ctx).decision, Decision::ExplicitDeny);
        prop_assert_eq!(evaluate_with_session([&allow_all], &set, &ctx).decision, Decision::ExplicitDeny);
    }
}
