//! Table-driven tests of evaluation through the public API: one case per line, so rustfmt leaves
//! this file alone (see `lib.rs`). Matchers, typed values and operator names have their own tests
//! beside their code.

use crate::*;

pub(crate) const USER: &str = "arn:aws:iam::111122223333:user/alice";
const SVC: &str = "arn:aws:apprunner:us-east-1:111122223333:service/web/0123abcd";
const OTHER_SVC: &str = "arn:aws:apprunner:eu-west-1:444455556666:service/api/9999";

pub(crate) fn policy(doc: &str) -> Policy {
    Policy::parse(doc).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

/// A 2012-10-17 document holding the given statements (a JSON array's contents).
fn statements(body: &str) -> Policy {
    policy(&format!(r#"{{"Version": "2012-10-17", "Statement": [{body}]}}"#))
}

fn ctx(action: &'static str, resource: &'static str) -> RequestContext<'static> {
    RequestContext::new(USER, action, resource)
}

#[test]
fn statements_decide_in_iam_order() {
    use Decision::*;
    // (statements, action, resource, decision, index of the deciding statement)
    let cases: &[(&str, &str, &str, Decision, Option<usize>)] = &[
        (r#"{"Effect":"Allow","Action":"apprunner:CreateService","Resource":"*"}"#, "apprunner:CreateService", SVC, Allow, Some(0)),
        (r#"{"Effect":"Allow","Action":"apprunner:CreateService","Resource":"*"}"#, "apprunner:DeleteService", SVC, ImplicitDeny, None),
        // Explicit deny wins, whichever comes first.
        (r#"{"Effect":"Allow","Action":"apprunner:*","Resource":"*"},
            {"Effect":"Deny","Action":"apprunner:DeleteService","Resource":"*"}"#, "apprunner:DeleteService", SVC, ExplicitDeny, Some(1)),
        (r#"{"Effect":"Deny","Action":"apprunner:DeleteService","Resource":"*"},
            {"Effect":"Allow","Action":"*","Resource":"*"}"#, "apprunner:DeleteService", SVC, ExplicitDeny, Some(0)),
        (r#"{"Effect":"Deny","Action":"apprunner:DeleteService","Resource":"*"},
            {"Effect":"Allow","Action":"*","Resource":"*"}"#, "apprunner:ListServices", "*", Allow, Some(1)),
        // A deny alone grants nothing.
        (r#"{"Effect":"Deny","Action":"iam:*","Resource":"*"}"#, "apprunner:ListServices", "*", ImplicitDeny, None),
        // The first allow that applies is reported.
        (r#"{"Effect":"Allow","Action":"apprunner:List*","Resource":"*"},
            {"Effect":"Allow","Action":"apprunner:ListServices","Resource":"*"}"#, "apprunner:ListServices", "*", Allow, Some(0)),
        // NotAction: every action but the listed ones.
        (r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#, "apprunner:CreateService", SVC, Allow, Some(0)),
        (r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#, "iam:CreateUser", "*", ImplicitDeny, None),
        (r#"{"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","NotAction":["apprunner:List*","apprunner:Describe*"],"Resource":"*"}"#, "apprunner:CreateService", SVC, ExplicitDeny, Some(1)),
        (r#"{"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","NotAction":["apprunner:List*","apprunner:Describe*"],"Resource":"*"}"#, "apprunner:DescribeService", SVC, Allow, Some(0)),
        // NotResource: every resource but the listed ones.
        (r#"{"Effect":"Allow","Action":"apprunner:*","NotResource":"arn:aws:apprunner:*:*:service/web/*"}"#, "apprunner:DeleteService", SVC, ImplicitDeny, None),
        (r#"{"Effect":"Allow","Action":"apprunner:*","NotResource":"arn:aws:apprunner:*:*:service/web/*"}"#, "apprunner:DeleteService", OTHER_SVC, Allow, Some(0)),
        (r#"{"Effect":"Allow","Action":"apprunner:*","Resource":"*"},
            {"Effect":"Deny","Action":"apprunner:*","NotResource":"arn:aws:apprunner:us-east-1:*"}"#, "apprunner:DeleteService", OTHER_SVC, ExplicitDeny, Some(1)),
        // Wildcards in actions.
        (r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#, "cloudtrail:LookupEvents", "*", Allow, Some(0)),
        (r#"{"Effect":"Allow","Action":"apprunner:*","Resource":"*"}"#, "cloudtrail:LookupEvents", "*", ImplicitDeny, None),
        (r#"{"Effect":"Allow","Action":"apprunner:?escribe*","Resource":"*"}"#, "apprunner:DescribeService", SVC, Allow, Some(0)),
        (r#"{"Effect":"Allow","Action":"apprunner:*Service","Resource":"*"}"#, "apprunner:ListServices", "*", ImplicitDeny, None),
        // Actions ignore case, on either side.
        (r#"{"Effect":"Allow","Action":"APPRUNNER:listservices","Resource":"*"}"#, "apprunner:ListServices", "*", Allow, Some(0)),
        (r#"{"Effect":"Allow","Action":"AppRunner:List*","Resource":"*"}"#, "APPRUNNER:LISTSERVICES", "*", Allow, Some(0)),
        // Resources do not.
        (r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:apprunner:us-east-1:111122223333:service/WEB/*"}"#, "apprunner:DeleteService", SVC, ImplicitDeny, None),
        // Wildcards in resources.
        (r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:apprunner:*:111122223333:service/*"}"#, "apprunner:DeleteService", SVC, Allow, Some(0)),
        (r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:apprunner:*:111122223333:service/*"}"#, "apprunner:DeleteService", OTHER_SVC, ImplicitDeny, None),
        (r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:apprunner:us-????-1:*:service/web/*"}"#, "apprunner:DeleteService", SVC, Allow, Some(0)),
        (r#"{"Effect":"Allow","Action":"*","Resource":["arn:aws:s3:::x","arn:aws:apprunner:*"]}"#, "apprunner:DeleteService", SVC, Allow, Some(0)),
        // An action without resource-level permissions is asked about `*`, which an ARN pattern
        // does not cover.
        (r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:apprunner:*"}"#, "apprunner:ListServices", "*", ImplicitDeny, None),
    ];
    for (i, &(body, action, resource, decision, statement)) in cases.iter().enumerate() {
        let p = statements(body);
        let got = p.evaluate(&ctx(action, resource));
        assert_eq!(got.decision, decision, "case {i}: {body} / {action} on {resource}");
        assert_eq!(got.statement.map(|s| s.statement), statement, "case {i}");
        assert_eq!(got.policy_type, PolicyType::Identity, "case {i}");
    }
}

#[test]
fn several_policies_are_one_set() {
    let allow = statements(r#"{"Sid":"All","Effect":"Allow","Action":"apprunner:*","Resource":"*"}"#);
    let deny = statements(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"},
                             {"Sid":"NoDelete","Effect":"Deny","Action":"apprunner:Delete*","Resource":"*"}"#);
    let got = evaluate([&allow, &deny], &ctx("apprunner:DeleteService", SVC));
    assert_eq!(got.decision, Decision::ExplicitDeny);
    assert_eq!(got.statement, Some(MatchedStatement { policy: 1, statement: 1, sid: Some("NoDelete") }));
    let got = evaluate(vec![&allow, &deny], &ctx("apprunner:CreateService", SVC));
    assert_eq!(got.statement, Some(MatchedStatement { policy: 0, statement: 0, sid: Some("All") }));
    // No policy at all: nothing is allowed.
    let none: [&Policy; 0] = [];
    assert_eq!(evaluate(none, &ctx("apprunner:CreateService", SVC)).decision, Decision::ImplicitDeny);
}

type Setup = fn(&mut RequestContext<'static>);

fn at(s: &str) -> Option<jiff::Timestamp> {
    Some(s.parse().unwrap())
}

/// Whether `{"Effect":"Allow","Action":"*","Resource":"*","Condition":<condition>}` allows.
#[test]
fn condition_operators() {
    let none: Setup = |_| {};
    let region: Setup = |c| c.requested_region = Some("us-east-1");
    let ip4: Setup = |c| c.source_ip = Some("203.0.113.7".parse().unwrap());
    let ip6: Setup = |c| c.source_ip = Some("2001:db8:1234:5678::9".parse().unwrap());
    let now: Setup = |c| c.current_time = at("2024-05-01T12:00:00Z");
    let mfa: Setup = |c| c.multi_factor_auth_present = Some(true);
    let no_mfa: Setup = |c| c.multi_factor_auth_present = Some(false);
    let alice: Setup = |c| {
        c.username = Some("alice");
        c.userid = Some("AIDAEXAMPLE");
        c.principal_arn = Some(USER);
    };
    let keys5: Setup = |c| c.extra = &[ContextEntry { key: "s3:max-keys", values: &["5"] }];
    let keys_bad: Setup = |c| c.extra = &[ContextEntry { key: "s3:max-keys", values: &["ten"] }];
    let tags_a: Setup = |c| c.extra = &[ContextEntry { key: "aws:TagKeys", values: &["a"] }];
    let tags_ab: Setup = |c| c.extra = &[ContextEntry { key: "aws:TagKeys", values: &["a", "b"] }];
    let tags_ac: Setup = |c| c.extra = &[ContextEntry { key: "aws:TagKeys", values: &["a", "c"] }];
    let tags_key1: Setup = |c| c.extra = &[ContextEntry { key: "aws:TagKeys", values: &["key1:hr", "key1:x"] }];
    let tags_key2: Setup = |c| c.extra = &[ContextEntry { key: "aws:TagKeys", values: &["key2:audit", "key1:x"] }];
    let binary: Setup = |c| c.extra = &[ContextEntry { key: "x:Blob", values: &["QmluYXJ5"] }];

    let cases: &[(&str, Setup, bool)] = &[
        // String operators; case rules; several values OR, negated NOR; missing keys.
        (r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}"#, region, true),
        (r#"{"StringEquals":{"aws:RequestedRegion":"US-EAST-1"}}"#, region, false),
        (r#"{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}"#, region, true),
        (r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}"#, none, false),
        (r#"{"StringEquals":{"AWS:REQUESTEDREGION":"us-east-1"}}"#, region, true),
        (r#"{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}"#, region, true),
        (r#"{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}"#, region, false),
        (r#"{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}"#, region, false),
        (r#"{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}"#, none, true),
        (r#"{"StringEqualsIgnoreCase":{"aws:RequestedRegion":"US-EAST-1"}}"#, region, true),
        (r#"{"StringEqualsIgnoreCase":{"aws:RequestedRegion":"US-EAST-1"}}"#, none, false),
        (r#"{"StringNotEqualsIgnoreCase":{"aws:RequestedRegion":"US-EAST-1"}}"#, region, false),
        (r#"{"StringNotEqualsIgnoreCase":{"aws:RequestedRegion":"US-EAST-1"}}"#, none, true),
        (r#"{"StringLike":{"aws:RequestedRegion":"us-*"}}"#, region, true),
        (r#"{"StringLike":{"aws:RequestedRegion":"us-east-?"}}"#, region, true),
        (r#"{"StringLike":{"aws:RequestedRegion":"US-*"}}"#, region, false),
        (r#"{"StringLike":{"aws:RequestedRegion":["eu-*","ap-*"]}}"#, region, false),
        (r#"{"StringLike":{"aws:RequestedRegion":"*"}}"#, none, false),
        (r#"{"StringNotLike":{"aws:RequestedRegion":"us-*"}}"#, region, false),
        (r#"{"StringNotLike":{"aws:RequestedRegion":"eu-*"}}"#, region, true),
        (r#"{"StringNotLike":{"aws:RequestedRegion":"us-*"}}"#, none, true),
        (r#"{"StringEqualsIfExists":{"aws:RequestedRegion":"eu-west-1"}}"#, none, true),
        (r#"{"StringEqualsIfExists":{"aws:RequestedRegion":"eu-west-1"}}"#, region, false),
        (r#"{"StringNotEqualsIfExists":{"aws:RequestedRegion":"us-east-1"}}"#, none, true),
        (r#"{"StringLikeIfExists":{"aws:RequestedRegion":"us-*"}}"#, region, true),
        (r#"{"StringEquals":{"aws:username":"alice","aws:userid":"AIDAEXAMPLE"}}"#, alice, true),
        (r#"{"StringEquals":{"aws:username":"alice","aws:userid":"AIDAOTHER"}}"#, alice, false),
        (r#"{"StringEquals":{"aws:username":"alice"}}"#, none, false),
        // Typed keys under string operators are compared as text.
        (r#"{"StringEquals":{"aws:SourceIp":"203.0.113.7"}}"#, ip4, true),
        (r#"{"StringLike":{"aws:CurrentTime":"2024-05-01T*"}}"#, now, true),
        (r#"{"StringEquals":{"aws:MultiFactorAuthPresent":"true"}}"#, mfa, true),
        // IP addresses.
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, ip4, true),
        (r#"{"IpAddress":{"aws:SourceIp":"198.51.100.0/24"}}"#, ip4, false),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}"#, ip4, true),
        (r#"{"IpAddress":{"aws:SourceIp":["198.51.100.0/24","2001:DB8:1234:5678::/64"]}}"#, ip6, true),
        (r#"{"IpAddress":{"aws:SourceIp":["198.51.100.0/24","2001:DB8:1234:5678::/64"]}}"#, ip4, false),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, none, false),
        (r#"{"IpAddress":{"aws:SourceIp":"not-an-ip"}}"#, ip4, false),
        (r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, ip4, false),
        (r#"{"NotIpAddress":{"aws:SourceIp":"198.51.100.0/24"}}"#, ip4, true),
        (r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, none, true),
        (r#"{"NotIpAddress":{"aws:SourceIp":"not-an-ip"}}"#, ip4, true),
        (r#"{"IpAddressIfExists":{"aws:SourceIp":"198.51.100.0/24"}}"#, none, true),
        // Dates: ISO 8601 and epoch seconds.
        (r#"{"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}"#, now, true),
        (r#"{"DateLessThan":{"aws:CurrentTime":"2024-01-01"}}"#, now, false),
        (r#"{"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}"#, none, false),
        (r#"{"DateGreaterThan":{"aws:CurrentTime":"1700000000"}}"#, now, true),
        (r#"{"DateGreaterThan":{"aws:CurrentTime":"1800000000"}}"#, now, false),
        (r#"{"DateEquals":{"aws:CurrentTime":"2024-05-01T14:00:00+02:00"}}"#, now, true),
        (r#"{"DateNotEquals":{"aws:CurrentTime":"2024-05-01T12:00:00Z"}}"#, now, false),
        (r#"{"DateNotEquals":{"aws:CurrentTime":"2024-05-01T12:00:00Z"}}"#, none, true),
        (r#"{"DateLessThanEquals":{"aws:CurrentTime":"2024-05-01T12:00:00Z"}}"#, now, true),
        (r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2024-05-01T12:00:00Z"}}"#, now, true),
        (r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-05-01T12:00:00Z"}}"#, now, false),
        (r#"{"DateGreaterThanIfExists":{"aws:CurrentTime":"2030-01-01"}}"#, none, true),
        (r#"{"DateGreaterThan":{"aws:EpochTime":"2024-01-01T00:00:00Z"}}"#, now, true),
        (r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#, now, false),
        // Numbers (a service key, given as text), JSON numbers in the policy.
        (r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, keys5, true),
        (r#"{"NumericLessThan":{"s3:max-keys":5}}"#, keys5, false),
        (r#"{"NumericEquals":{"s3:max-keys":5}}"#, keys5, true),
        (r#"{"NumericEquals":{"s3:max-keys":"5.0"}}"#, keys5, true),
        (r#"{"NumericGreaterThan":{"s3:max-keys":"4.5"}}"#, keys5, true),
        (r#"{"NumericGreaterThanEquals":{"s3:max-keys":"6"}}"#, keys5, false),
        (r#"{"NumericNotEquals":{"s3:max-keys":"5"}}"#, keys5, false),
        (r#"{"NumericNotEquals":{"s3:max-keys":"5"}}"#, none, true),
        (r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, none, false),
        (r#"{"NumericEquals":{"s3:max-keys":"5"}}"#, keys_bad, false),
        (r#"{"NumericNotEquals":{"s3:max-keys":"5"}}"#, keys_bad, true),
        (r#"{"NumericGreaterThan":{"aws:EpochTime":"1700000000"}}"#, now, true),
        // Booleans: text or JSON, any case.
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#, mfa, true),
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":true}}"#, mfa, true),
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":"TRUE"}}"#, mfa, true),
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#, no_mfa, false),
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#, none, false),
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":"false"}}"#, no_mfa, true),
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":"false"}}"#, none, false),
        (r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#, none, true),
        (r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#, mfa, false),
        // Null: presence.
        (r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, none, true),
        (r#"{"Null":{"aws:MultiFactorAuthPresent":"true"}}"#, mfa, false),
        (r#"{"Null":{"aws:MultiFactorAuthPresent":"false"}}"#, mfa, true),
        (r#"{"Null":{"aws:MultiFactorAuthPresent":false}}"#, none, false),
        (r#"{"NullIfExists":{"aws:MultiFactorAuthPresent":"true"}}"#, mfa, false),
        // ARNs.
        (r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}"#, alice, true),
        (r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}"#, alice, true),
        (r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}"#, alice, false),
        (r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}"#, alice, false),
        (r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}"#, none, true),
        (r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}"#, none, false),
        // Binary: the base64 text.
        (r#"{"BinaryEquals":{"x:Blob":"QmluYXJ5"}}"#, binary, true),
        (r#"{"BinaryEquals":{"x:Blob":"QmluYXJ6"}}"#, binary, false),
        // Set operators over a multivalued key.
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#, tags_a, true),
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#, tags_ab, true),
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#, tags_ac, false),
        (r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#, none, true),
        (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"b"}}"#, tags_ab, true),
        (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"b"}}"#, tags_ac, false),
        (r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"b"}}"#, none, false),
        (r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"b"}}"#, none, true),
        // The IAM guide's ForAllValues:StringNotLike table ("match" there is true here).
        (r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#, tags_key1, false),
        (r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#, tags_key2, false),
        (r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#, tags_ab, true),
        (r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#, none, true),
        (r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#, tags_ab, true),
        (r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#, tags_a, false),
        (r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#, none, false),
        // Without a qualifier a multivalued key matches when any value does (negated: none does).
        (r#"{"StringEquals":{"aws:TagKeys":"b"}}"#, tags_ab, true),
        (r#"{"StringNotEquals":{"aws:TagKeys":"b"}}"#, tags_ab, false),
        // Several operators and several keys: AND.
        (r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#, region, false),
        (r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"Null":{"aws:MultiFactorAuthPresent":"true"}}"#, region, true),
        (r#"{"StringEquals":{"aws:RequestedRegion":"us-east-1","aws:username":"alice"}}"#, region, false),
        // An operator IAM does not know, with nothing under it, is ignored; an empty value list
        // matches nothing.
        (r#"{"Frobnicate":{}}"#, none, true),
        (r#"{"StringEquals":{"aws:RequestedRegion":[]}}"#, region, false),
        (r#"{"StringNotEquals":{"aws:RequestedRegion":[]}}"#, region, true),
        // A key the request does not carry is absent.
        (r#"{"StringEquals":{"apprunner:Whatever":"x"}}"#, region, false),
    ];
    for (i, &(condition, setup, want)) in cases.iter().enumerate() {
        let p = statements(&format!(r#"{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{condition}}}"#));
        let mut c = ctx("apprunner:ListServices", "*");
        setup(&mut c);
        assert_eq!(p.evaluate(&c).decision == Decision::Allow, want, "case {i}: {condition}");
    }
}

#[test]
fn conditions_on_deny_statements() {
    // Deny destructive calls unless MFA was used: with IfExists, a request without the key (a
    // long-term access key) is denied as well.
    let p = statements(r#"{"Effect":"Allow","Action":"*","Resource":"*"},
                          {"Effect":"Deny","Action":"apprunner:Delete*","Resource":"*",
                           "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}"#);
    let mut c = ctx("apprunner:DeleteService", SVC);
    assert_eq!(p.evaluate(&c).decision, Decision::ExplicitDeny, "absent: IfExists holds");
    c.multi_factor_auth_present = Some(false);
    assert_eq!(p.evaluate(&c).decision, Decision::ExplicitDeny);
    c.multi_factor_auth_present = Some(true);
    assert_eq!(p.evaluate(&c).decision, Decision::Allow);
    // Deny outside the office's ranges.
    let p = statements(r#"{"Effect":"Allow","Action":"*","Resource":"*"},
                          {"Effect":"Deny","Action":"*","Resource":"*",
                           "Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}"#);
    let mut c = ctx("apprunner:ListServices", "*");
    c.source_ip = Some("203.0.113.200".parse().unwrap());
    assert_eq!(p.evaluate(&c).decision, Decision::Allow);
    c.source_ip = Some("198.51.100.1".parse().unwrap());
    assert_eq!(p.evaluate(&c).decision, Decision::ExplicitDeny);
    c.source_ip = None;
    assert_eq!(p.evaluate(&c).decision, Decision::ExplicitDeny, "absent key: a negated operator holds");
}

/// (identity policies, session policies, action, decision, the set that decided)
type SessionCase<'p> = (&'p [&'p Policy], &'p [&'p Policy], &'static str, Decision, PolicyType);

#[test]
fn session_policies_intersect() {
    use Decision::*;
    use PolicyType::*;
    let identity = statements(r#"{"Effect":"Allow","Action":"apprunner:*","Resource":"*"}"#);
    let identity_deny = statements(r#"{"Effect":"Deny","Action":"apprunner:Delete*","Resource":"*"}"#);
    let session_list = statements(r#"{"Effect":"Allow","Action":"apprunner:List*","Resource":"*"}"#);
    let session_deny = statements(r#"{"Effect":"Allow","Action":"*","Resource":"*"},
                                     {"Effect":"Deny","Action":"apprunner:Delete*","Resource":"*"}"#);
    let all = statements(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#);
    let cases: &[SessionCase] = &[
        (&[&identity], &[&session_list], "apprunner:ListServices", Allow, Identity),
        (&[&identity], &[&session_list], "apprunner:CreateService", ImplicitDeny, Session),
        (&[&identity], &[&all], "cloudtrail:LookupEvents", ImplicitDeny, Identity),
        (&[&identity], &[&session_deny], "apprunner:DeleteService", ExplicitDeny, Session),
        (&[&identity, &identity_deny], &[&session_deny], "apprunner:DeleteService", ExplicitDeny, Identity),
        (&[&identity_deny], &[&all], "apprunner:DeleteService", ExplicitDeny, Identity),
        (&[], &[&session_deny], "apprunner:DeleteService", ExplicitDeny, Session),
        (&[&identity], &[], "apprunner:ListServices", ImplicitDeny, Session),
    ];
    for (i, &(id, session, action, decision, kind)) in cases.iter().enumerate() {
        let got = evaluate_with_session(id.iter().copied(), session.iter().copied(), &ctx(action, SVC));
        assert_eq!((got.decision, got.policy_type), (decision, kind), "case {i}: {action}");
    }
}

#[test]
fn denial_messages_are_aws_shaped() {
    let p = statements(r#"{"Effect":"Allow","Action":"apprunner:List*","Resource":"*"},
                          {"Effect":"Deny","Action":"apprunner:DeleteService","Resource":"*"}"#);
    let head = |action: &str, resource: &str| {
        format!("User: {USER} is not authorized to perform: {action} on resource: {resource}")
    };
    let c = ctx("apprunner:CreateService", SVC);
    assert_eq!(
        p.evaluate(&c).denial_message(&c).unwrap(),
        format!("{} because no identity-based policy allows the apprunner:CreateService action", head(c.action, SVC))
    );
    let c = ctx("apprunner:DeleteService", SVC);
    assert_eq!(
        p.evaluate(&c).denial_message(&c).unwrap(),
        format!("{} with an explicit deny in an identity-based policy", head(c.action, SVC))
    );
    let c = ctx("apprunner:ListServices", "*");
    assert_eq!(p.evaluate(&c).denial_message(&c), None);
    let session = statements(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#);
    assert_eq!(
        evaluate_with_session([&p], [&session], &c).denial_message(&c).unwrap(),
        format!("{} with an explicit deny in a session policy", head(c.action, "*"))
    );
    assert_eq!(
        evaluate_with_session([&p], [], &c).denial_message(&c).unwrap(),
        format!("{} because no session policy allows the apprunner:ListServices action", head(c.action, "*"))
    );
}

#[test]
fn policy_variables() {
    use Decision::*;
    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
    const BOB: &str = "arn:aws:iam::111122223333:user/bob";
    let alice: Setup = |c| c.username = Some("alice");
    let star: Setup = |c| c.username = Some("a*");
    let none: Setup = |_| {};
    let prefix_alice: Setup = |c| {
        c.username = Some("alice");
        c.extra = &[ContextEntry { key: "s3:prefix", values: &["alice/photos"] }];
    };
    let prefix_bob: Setup = |c| {
        c.username = Some("alice");
        c.extra = &[ContextEntry { key: "s3:prefix", values: &["bob/photos"] }];
    };
    let owner_bob: Setup = |c| c.extra = &[ContextEntry { key: "x:owner", values: &["bob"] }];
    let allow_all = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;
    let self_keys = r#"{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::111122223333:user/${aws:username}"}"#;
    let cases: &[(&str, &str, Setup, &str, Decision)] = &[
        // (version, statements, setup, resource, decision); the action is iam:CreateAccessKey.
        ("2012-10-17", self_keys, alice, ALICE, Allow),
        ("2012-10-17", self_keys, alice, BOB, ImplicitDeny),
        ("2012-10-17", self_keys, none, ALICE, ImplicitDeny),
        // A substituted value is literal, not a wildcard.
        ("2012-10-17", self_keys, star, "arn:aws:iam::111122223333:user/abc", ImplicitDeny),
        ("2012-10-17", self_keys, star, "arn:aws:iam::111122223333:user/a*", Allow),
        // Before 2012-10-17, `${…}` is text.
        ("2008-10-17", self_keys, alice, ALICE, ImplicitDeny),
        ("2008-10-17", self_keys, alice, "arn:aws:iam::111122223333:user/${aws:username}", Allow),
        // An unresolvable variable voids its statement, a deny included.
        ("2012-10-17", &format!(r#"{allow_all},{{"Effect":"Deny","Action":"*","NotResource":"arn:aws:iam::*:user/${{aws:username}}"}}"#), none, ALICE, Allow),
        ("2012-10-17", &format!(r#"{allow_all},{{"Effect":"Deny","Action":"*","NotResource":"arn:aws:iam::*:user/${{aws:username}}"}}"#), alice, BOB, ExplicitDeny),
        ("2012-10-17", &format!(r#"{allow_all},{{"Effect":"Deny","Action":"*","NotResource":"arn:aws:iam::*:user/${{aws:username}}"}}"#), alice, ALICE, Allow),
        ("2012-10-17", &format!(r#"{allow_all},{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"StringNotEquals":{{"x:owner":"${{aws:username}}"}}}}}}"#), owner_bob, ALICE, Allow),
        ("2012-10-17", &format!(r#"{allow_all},{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"StringNotEquals":{{"x:owner":"${{aws:username}}"}}}}}}"#), star, ALICE, ExplicitDeny),
        // In conditions: string and ARN operators.
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}"#, prefix_alice, ALICE, Allow),
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}"#, prefix_bob, ALICE, ImplicitDeny),
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"s3:prefix":["x","${aws:username}/photos"]}}}"#, prefix_alice, ALICE, Allow),
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"s3:prefix":"${aws:username}/PHOTOS"}}}"#, prefix_alice, ALICE, Allow),
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnEquals":{"x:arn":"arn:aws:iam::111122223333:user/${aws:username}"}}}"#, |c| {
            c.username = Some("alice");
            c.extra = &[ContextEntry { key: "x:arn", values: &[ALICE] }];
        }, ALICE, Allow),
        // Not with other operators: the text is read as a number, which it is not.
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericNotEquals":{"s3:prefix":"${aws:username}"}}}"#, none, ALICE, Allow),
        // Defaults and the special characters.
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*"}"#, none, "arn:aws:s3:::b/shared/x", Allow),
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${*}"}"#, none, "arn:aws:s3:::b/*", Allow),
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${*}"}"#, none, "arn:aws:s3:::b/x", ImplicitDeny),
        ("2012-10-17", r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${?}*"}"#, none, "arn:aws:s3:::b/?x", Allow),
    ];
    for (i, &(version, body, setup, resource, decision)) in cases.iter().enumerate() {
        let p = policy(&format!(r#"{{"Version":"{version}","Statement":[{body}]}}"#));
        let mut c = RequestContext::new(USER, "iam:CreateAccessKey", resource);
        setup(&mut c);
        assert_eq!(p.evaluate(&c).decision, decision, "case {i}: {body} on {resource}");
    }
}
