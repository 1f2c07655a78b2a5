use serde_json::json;

use super::*;
use crate::trail_rows::EventFacts;
use crate::trails::tests_support::row;

fn event(read_only: bool, source: &str) -> EventFacts<'_> {
    EventFacts {
        read_only,
        event_source: source,
        event_category: "Management",
    }
}

#[test]
fn basic_selectors_get_their_defaults_and_round_trip_into_matching() {
    let stored = check_basic(&[json!({"ReadWriteType": "WriteOnly"})]).unwrap();
    assert_eq!(
        stored,
        json!([{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": true, "DataResources": [],
                "ExcludeManagementEventSources": []}])
    );
    let mut trail = row();
    assert_eq!(
        answer(&trail.trail_arn, &None, &None)["EventSelectors"],
        default_selectors()
    );
    trail.event_selectors = Some(stored.clone());
    assert!(trail.selects(&event(false, "apprunner.amazonaws.com")));
    assert!(!trail.selects(&event(true, "apprunner.amazonaws.com")));
    let answered = answer(&trail.trail_arn, &trail.event_selectors, &None);
    assert_eq!(answered["EventSelectors"], stored);
    assert!(answered.get("AdvancedEventSelectors").is_none());
}

#[test]
fn basic_selectors_we_cannot_honour_are_refused() {
    let six: Vec<_> = (0..6).map(|_| json!({})).collect();
    let cases = [
        six,
        vec![],
        vec![
            json!({"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::b/"]}]}),
        ],
        vec![json!({"ExcludeManagementEventSources": ["apprunner.amazonaws.com"]})],
    ];
    for case in cases {
        let err = check_basic(&case).unwrap_err();
        assert_eq!(err.code, "InvalidEventSelectorsException", "{case:?}");
    }
    assert!(
        check_basic(&[json!({"ExcludeManagementEventSources": ["kms.amazonaws.com"]})]).is_ok()
    );
}

#[test]
fn advanced_management_selectors_round_trip_into_matching() {
    let given = json!([
        {"Name": "writes", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]},
            {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]}]}
    ]);
    let stored = check_advanced(given.as_array().unwrap()).unwrap();
    assert_eq!(stored, given);
    let mut trail = row();
    trail.advanced_event_selectors = Some(stored.clone());
    assert!(trail.selects(&event(false, "apprunner.amazonaws.com")));
    assert!(!trail.selects(&event(true, "apprunner.amazonaws.com")));
    assert!(!trail.selects(&event(false, "kms.amazonaws.com")));
    let answered = answer(&trail.trail_arn, &None, &trail.advanced_event_selectors);
    assert_eq!(answered["AdvancedEventSelectors"], stored);
    assert!(answered.get("EventSelectors").is_none());
}

#[test]
fn advanced_selectors_outside_management_events_are_refused() {
    let cat = json!({"Field": "eventCategory", "Equals": ["Management"]});
    let cases = [
        json!([{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                   {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]),
        json!([{"FieldSelectors": [{"Field": "readOnly", "Equals": ["true"]}]}]),
        json!([{"FieldSelectors": [{"Field": "eventCategory", "NotEquals": ["Management"]}]}]),
        json!([{"FieldSelectors": [cat, {"Field": "readOnly", "StartsWith": ["t"]}]}]),
        json!([{"FieldSelectors": [cat, {"Field": "readOnly", "Equals": ["true", "false"]}]}]),
        json!([{"FieldSelectors": [cat, {"Field": "eventSource", "Equals": ["apprunner.amazonaws.com"]}]}]),
        json!([{"FieldSelectors": [cat, {"Field": "eventSource", "NotEquals": ["apprunner.amazonaws.com"]}]}]),
        json!([{"FieldSelectors": [cat, {"Field": "eventName", "Equals": ["CreateService"]}]}]),
        json!([{"FieldSelectors": [cat, cat]}]),
        json!([]),
    ];
    for case in cases {
        let err = check_advanced(case.as_array().unwrap()).unwrap_err();
        assert_eq!(err.code, "InvalidEventSelectorsException", "{case}");
    }
}
