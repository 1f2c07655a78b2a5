//! Protocol detection: the first decision about a request, made from its headers alone.

use http::{HeaderMap, Method};

/// What a request speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    /// awsJson: `X-Amz-Target: <prefix>.<Operation>`.
    Json {
        target_prefix: &'a str,
        operation: &'a str,
    },
    /// awsQuery: a form-encoded POST, or a GET carrying `Action=`; the service is the credential scope's.
    Query,
    /// Anything else: REST (S3 path-style).
    Rest,
}

pub fn classify<'a>(method: &Method, headers: &'a HeaderMap, query: Option<&str>) -> Route<'a> {
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        // The prefix itself may contain dots (CloudTrail's `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`).
        return match target.rsplit_once('.') {
            Some((prefix, op)) => Route::Json {
                target_prefix: prefix,
                operation: op,
            },
            None => Route::Json {
                target_prefix: "",
                operation: target,
            },
        };
    }
    let form = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
        .unwrap_or(false);
    if *method == Method::POST && form {
        return Route::Query;
    }
    if *method == Method::GET && query.is_some_and(has_action_param) {
        return Route::Query;
    }
    Route::Rest
}

fn has_action_param(query: &str) -> bool {
    query.split('&').any(|pair| pair.starts_with("Action="))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn json_targets_split_at_the_last_dot() {
        let h = headers(&[(
            "x-amz-target",
            "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
        )]);
        assert_eq!(
            classify(&Method::POST, &h, None),
            Route::Json {
                target_prefix: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101",
                operation: "LookupEvents"
            }
        );
        let h = headers(&[("x-amz-target", "AppRunner.ListServices")]);
        assert_eq!(
            classify(&Method::POST, &h, None),
            Route::Json {
                target_prefix: "AppRunner",
                operation: "ListServices"
            }
        );
        let h = headers(&[("x-amz-target", "nodot")]);
        assert_eq!(
            classify(&Method::POST, &h, None),
            Route::Json {
                target_prefix: "",
                operation: "nodot"
            }
        );
    }

    #[test]
    fn forms_and_action_queries_are_aws_query() {
        let h = headers(&[(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )]);
        assert_eq!(classify(&Method::POST, &h, None), Route::Query);
        assert_eq!(
            classify(
                &Method::GET,
                &HeaderMap::new(),
                Some("Action=GetCallerIdentity")
            ),
            Route::Query
        );
        assert_eq!(
            classify(&Method::GET, &HeaderMap::new(), Some("list-type=2")),
            Route::Rest
        );
        assert_eq!(classify(&Method::PUT, &HeaderMap::new(), None), Route::Rest);
    }
}
