//! Table-driven tests of what documents are accepted and how the others are refused: one case per
//! line, so rustfmt leaves this file alone (see `lib.rs`).

use crate::error;
use crate::evaluate_tests::policy;
use crate::*;

#[test]
fn accepted_documents() {
    // Statement as an object, single strings, no Version.
    let p = policy(r#"{"Statement":{"Effect":"Allow","Action":"apprunner:ListServices","Resource":"*"}}"#);
    assert_eq!((p.version(), p.has_version(), p.len(), p.is_empty()), (Version::V2008_10_17, false, 1, false));
    // 2008-10-17, Id, an empty Sid, lists, JSON scalars as condition values.
    let p = policy(
        r#"{"Version":"2008-10-17","Id":"doc1","Statement":[
            {"Sid":"","Effect":"Deny","Action":["iam:*"],"Resource":["*"]},
            {"Sid":"A1","Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:iam::*:user/x",
             "Condition":{"NumericLessThan":{"s3:max-keys":[10, 2.5]},"Bool":{"aws:SecureTransport":true}}}]}"#,
    );
    assert_eq!((p.version(), p.has_version(), p.id()), (Version::V2008_10_17, true, Some("doc1")));
    assert_eq!(p.statements().collect::<Vec<_>>(), vec![(Some(""), Effect::Deny), (Some("A1"), Effect::Allow)]);
    // Other partitions; an unknown operator with nothing under it.
    let p = policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws-cn:s3:::b","Condition":{"Frobnicate":{}}}]}"#);
    assert_eq!(p.version(), Version::V2012_10_17);
    // Managed-policy rule: 2012-10-17 accepted when required.
    let strict = ParseOptions { require_version_2012_10_17: true, ..ParseOptions::default() };
    assert!(Policy::parse_with(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#, &strict).is_ok());
}

#[test]
fn malformed_documents() {
    let ok = r#""Effect":"Allow","Action":"apprunner:ListServices","Resource":"*""#;
    let doc = |statement: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{{{statement}}}]}}"#);
    let not_arn = "Resource bucket must be in ARN format or \"*\".".to_owned();
    let cases: Vec<(String, String)> = vec![
        // Syntax: JSON, shape, elements, types.
        ("not json".into(), error::SYNTAX.into()),
        ("[]".into(), error::SYNTAX.into()),
        ("".into(), error::SYNTAX.into()),
        (r#"{"Version":"2012-10-17"}"#.into(), error::SYNTAX.into()),
        (r#"{"Version":"2012-10-17","Statement":[]}"#.into(), error::SYNTAX.into()),
        (r#"{"Version":"2012-10-17","Statement":"x"}"#.into(), error::SYNTAX.into()),
        (r#"{"Version":"2012-10-17","Statement":["x"]}"#.into(), error::SYNTAX.into()),
        (format!(r#"{{"Version":"2012-10-17","Foo":1,"Statement":{{{ok}}}}}"#), error::SYNTAX.into()),
        (format!(r#"{{"Version":"2010-01-01","Statement":{{{ok}}}}}"#), error::SYNTAX.into()),
        (format!(r#"{{"Version":20121017,"Statement":{{{ok}}}}}"#), error::SYNTAX.into()),
        (format!(r#"{{"Id":7,"Statement":{{{ok}}}}}"#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Actions":"x:y","Resource":"*""#), error::SYNTAX.into()),
        (doc(r#""Action":"x:y","Resource":"*""#), error::SYNTAX.into()),
        (doc(r#""Effect":"Permit","Action":"x:y","Resource":"*""#), error::SYNTAX.into()),
        (doc(r#""Effect":true,"Action":"x:y","Resource":"*""#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","NotAction":"x:z","Resource":"*""#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","NotResource":"*""#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":7,"Resource":"*""#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":["x:y",7],"Resource":"*""#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":{"a":"b"}"#), error::SYNTAX.into()),
        (doc(r#""Sid":1,"Effect":"Allow","Action":"x:y","Resource":"*""#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":"x""#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"StringEquals":"x"}"#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"Frobnicate":{"a:b":"c"}}"#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"stringequals":{"a:b":"c"}}"#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"StringEquals":{"a:b":{"c":"d"}}}"#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"StringEquals":{"a:b":null}}"#), error::SYNTAX.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"StringEquals":{"a:b":[["c"]]}}"#), error::SYNTAX.into()),
        // Deep nesting is refused, not a stack overflow.
        (format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)), error::SYNTAX.into()),
        // A syntax error is reported before a missing element.
        (doc(r#""Effect":"Allow","Resource":"*","Bogus":1"#), error::SYNTAX.into()),
        // Principal, in an identity-based policy.
        (doc(r#""Effect":"Allow","Principal":"*","Action":"x:y","Resource":"*""#), error::PRINCIPAL.into()),
        (doc(r#""Effect":"Allow","NotPrincipal":{"AWS":"*"},"Action":"x:y","Resource":"*""#), error::PRINCIPAL.into()),
        // Legacy parsing: Effect case, dates.
        (doc(r#""Effect":"allow","Action":"x:y","Resource":"*""#), error::LEGACY.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}"#), error::LEGACY.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"ForAnyValue:DateEqualsIfExists":{"aws:CurrentTime":["2024-01-01","x"]}}"#), error::LEGACY.into()),
        // Sids.
        (format!(r#"{{"Statement":[{{"Sid":"A",{ok}}},{{"Sid":"A",{ok}}}]}}"#), error::SID_UNIQUE.into()),
        (doc(r#""Sid":"my-sid","Effect":"Allow","Action":"x:y","Resource":"*""#), error::SID_ALNUM.into()),
        // Missing or empty Action / Resource.
        (doc(r#""Effect":"Allow","Resource":"*""#), error::ACTIONS.into()),
        (doc(r#""Effect":"Allow","Action":[],"Resource":"*""#), error::ACTIONS.into()),
        (doc(r#""Effect":"Allow","NotAction":[],"Resource":"*""#), error::ACTIONS.into()),
        (doc(r#""Effect":"Allow","Action":"x:y""#), error::RESOURCES.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":[]"#), error::RESOURCES.into()),
        // Resource ARNs.
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"bucket""#), not_arn.clone()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"arn:aws-foo:s3:::b""#), "Partition \"aws-foo\" is not valid for resource \"arn:aws-foo:s3:::b\".".into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"arn:x""#), "Partition \"x\" is not valid for resource \"arn:x:*:*:*:*\".".into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"arn:aws""#), error::RESOURCE_VENDOR.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"arn:aws::us-east-1:1:x""#), error::RESOURCE_VENDOR.into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"arn:aws:app*:us-east-1:1:x""#), error::RESOURCE_VENDOR.into()),
        // Actions and condition keys.
        (doc(r#""Effect":"Allow","Action":"CreateService","Resource":"*""#), error::VENDOR_PREFIX.into()),
        (doc(r#""Effect":"Allow","Action":"apprunner:a:b","Resource":"*""#), error::ONE_COLON.into()),
        (doc(r#""Effect":"Allow","Action":"app runner:X","Resource":"*""#), "Vendor app runner is not valid".into()),
        (doc(r#""Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"IpAddress":{"SourceIp":"1.2.3.4"}}"#), error::VENDOR_PREFIX.into()),
        // Resources are checked before actions.
        (doc(r#""Effect":"Allow","Action":"CreateService","Resource":"bucket""#), not_arn),
    ];
    for (i, (doc, message)) in cases.iter().enumerate() {
        let err = Policy::parse(doc).expect_err(&format!("case {i} parsed: {doc:.200}"));
        assert_eq!(err.message(), message, "case {i}: {doc:.200}");
        assert_eq!((err.kind(), err.code()), (PolicyErrorKind::Malformed, "MalformedPolicyDocument"), "case {i}");
        assert_eq!(err.to_string(), *message, "case {i}");
    }
    let strict = ParseOptions { require_version_2012_10_17: true, ..ParseOptions::default() };
    for doc in [format!(r#"{{"Statement":{{{ok}}}}}"#), format!(r#"{{"Version":"2008-10-17","Statement":{{{ok}}}}}"#)] {
        assert_eq!(Policy::parse_with(&doc, &strict).unwrap_err().message(), error::VERSION, "{doc}");
    }
}

#[test]
fn limits_refuse_absurd_documents() {
    let small = ParseOptions { max_document_bytes: 200, max_statements: 2, max_values: 3, ..ParseOptions::default() };
    let s = r#"{"Effect":"Allow","Action":"x:y","Resource":"*"}"#;
    let cases = [
        (format!(r#"{{"Statement":{{"Effect":"Allow","Action":"x:y","Resource":"{}"}}}}"#, "a".repeat(300)), "Cannot exceed quota for PolicySize: 200"),
        (format!(r#"{{"Statement":[{s},{s},{s}]}}"#), "The policy holds more than 2 statements."),
        (r#"{"Statement":{"Effect":"Allow","Action":["x:a","x:b","x:c","x:d"],"Resource":"*"}}"#.to_owned(), "The policy's Action element holds more than 3 values."),
        (r#"{"Statement":{"Effect":"Allow","Action":"x:y","NotResource":["*","*","*","*"]}}"#.to_owned(), "The policy's NotResource element holds more than 3 values."),
        (r#"{"Statement":{"Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"StringEquals":{"a:b":["1","2","3","4"]}}}}"#.to_owned(), "The policy's Condition element holds more than 3 values."),
        (r#"{"Statement":{"Effect":"Allow","Action":"x:y","Resource":"*","Condition":{"Null":{"a:a":"true","a:b":"true"},"Bool":{"a:c":"true","a:d":"true"}}}}"#.to_owned(), "The policy's Condition element holds more than 3 values."),
    ];
    for (doc, message) in cases {
        let err = Policy::parse_with(&doc, &small).unwrap_err();
        assert_eq!((err.kind(), err.code(), err.message()), (PolicyErrorKind::LimitExceeded, "LimitExceeded", message), "{doc}");
    }
}
