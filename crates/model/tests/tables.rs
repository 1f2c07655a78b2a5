//! The generated tables: lookups, readOnly, sensitive paths, errors, patterns.

use trailrunner_model::{
    apprunner, cloudtrail, iam, services, sts, PatternEngine, Protocol, ShapeKind,
};

#[test]
fn every_pattern_of_every_model_compiles() {
    let mut count = 0;
    let mut fancy = Vec::new();
    for svc in services() {
        for shape in svc.shapes {
            if let ShapeKind::String {
                pattern: Some(p), ..
            } = &shape.kind
            {
                if let Err(e) = p.compile() {
                    panic!(
                        "{}: {} pattern {:?} -> {:?}: {e}",
                        svc.id, shape.name, p.source, p.translated
                    );
                }
                if p.engine == PatternEngine::Fancy {
                    fancy.push(p.source);
                }
                count += 1;
            }
        }
    }
    assert!(count > 100, "only {count} patterns");
    fancy.sort_unstable();
    fancy.dedup();
    assert_eq!(
        fancy,
        ["^(?!aws:).+", "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"]
    );
}

#[test]
fn service_metadata() {
    let a = apprunner();
    assert_eq!(
        (a.id, a.protocol, a.target_prefix),
        ("apprunner", Protocol::Json10, Some("AppRunner"))
    );
    assert_eq!(
        (a.signing_name, a.event_source, a.api_version),
        ("apprunner", "apprunner.amazonaws.com", "2020-05-15")
    );
    let c = cloudtrail();
    assert_eq!(c.protocol, Protocol::Json11);
    assert_eq!(
        c.target_prefix,
        Some("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101")
    );
    assert_eq!(
        (c.signing_name, c.event_source),
        ("cloudtrail", "cloudtrail.amazonaws.com")
    );
    assert_eq!(
        (sts().protocol, sts().xml_namespace),
        (
            Protocol::Query,
            Some("https://sts.amazonaws.com/doc/2011-06-15/")
        )
    );
    assert_eq!(
        (iam().event_source, iam().global_endpoint),
        ("iam.amazonaws.com", Some("iam.amazonaws.com"))
    );
    assert_eq!(a.operations.len(), 37);
    assert_eq!(a.shapes.len(), 199);
    assert_eq!(c.operations.len(), 60);
}

#[test]
fn lookups() {
    for svc in services() {
        for (i, shape) in svc.shapes.iter().enumerate() {
            assert_eq!(shape.id.index(), i);
            assert_eq!(svc.shape_by_name(shape.name).map(|s| s.id), Some(shape.id));
        }
        for op in svc.operations {
            assert_eq!(svc.operation(op.name).map(|o| o.name), Some(op.name));
        }
        assert!(svc.operation("NoSuchOperation").is_none());
    }
    let a = apprunner();
    let op = a.operation("CreateService").unwrap();
    assert_eq!(a.input_of(op).unwrap().name, "CreateServiceRequest");
    assert_eq!(a.output_of(op).unwrap().name, "CreateServiceResponse");
    let member = a.input_of(op).unwrap().member("ServiceName").unwrap();
    assert!(member.required);
    assert!(matches!(
        a.shape(member.target).kind,
        ShapeKind::String {
            min: Some(4),
            max: Some(40),
            ..
        }
    ));
}

#[test]
fn read_only_flags() {
    let a = apprunner();
    let ro: Vec<_> = a
        .operations
        .iter()
        .filter(|o| o.read_only)
        .map(|o| o.name)
        .collect();
    assert_eq!(ro.len(), 15, "{ro:?}");
    assert!(a.operation("DescribeService").unwrap().read_only);
    assert!(!a.operation("CreateService").unwrap().read_only);
    assert!(cloudtrail().operation("LookupEvents").unwrap().read_only);
    assert!(sts().operation("GetCallerIdentity").unwrap().read_only);
}

#[test]
fn sensitive_paths() {
    let a = apprunner();
    let create = a.operation("CreateService").unwrap();
    let expected = [
        "SourceConfiguration.CodeRepository.CodeConfiguration.CodeConfigurationValues.BuildCommand",
        "SourceConfiguration.CodeRepository.CodeConfiguration.CodeConfigurationValues.StartCommand",
        "SourceConfiguration.CodeRepository.CodeConfiguration.CodeConfigurationValues.RuntimeEnvironmentVariables",
        "SourceConfiguration.CodeRepository.CodeConfiguration.CodeConfigurationValues.RuntimeEnvironmentSecrets",
        "SourceConfiguration.ImageRepository.ImageConfiguration.RuntimeEnvironmentVariables",
        "SourceConfiguration.ImageRepository.ImageConfiguration.StartCommand",
        "SourceConfiguration.ImageRepository.ImageConfiguration.RuntimeEnvironmentSecrets",
    ];
    assert_eq!(create.sensitive_input_paths, expected);
    let prefixed: Vec<String> = expected.iter().map(|p| format!("Service.{p}")).collect();
    for name in [
        "CreateService",
        "UpdateService",
        "DeleteService",
        "DescribeService",
        "PauseService",
        "ResumeService",
    ] {
        assert_eq!(
            a.operation(name).unwrap().sensitive_output_paths,
            prefixed,
            "{name}"
        );
    }
    let with_paths = a
        .operations
        .iter()
        .filter(|o| !o.sensitive_input_paths.is_empty())
        .count();
    assert_eq!(with_paths, 2); // CreateService, UpdateService
                               // Lists are transparent: ListServices returns summaries without secrets.
    assert!(a
        .operation("ListServices")
        .unwrap()
        .sensitive_output_paths
        .is_empty());
    assert_eq!(
        sts()
            .operation("AssumeRole")
            .unwrap()
            .sensitive_output_paths,
        // The session token is hidden by models/sensitive-overrides.json.
        ["Credentials.SecretAccessKey", "Credentials.SessionToken"]
    );
    assert_eq!(
        iam()
            .operation("CreateLoginProfile")
            .unwrap()
            .sensitive_input_paths,
        ["Password"]
    );
}

#[test]
fn error_shapes() {
    let a = apprunner();
    let op = a.operation("DescribeService").unwrap();
    let names: Vec<_> = a.errors_of(op).map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "InvalidRequestException",
            "ResourceNotFoundException",
            "InternalServiceErrorException"
        ]
    );
    let ise = a
        .error("InternalServiceErrorException")
        .unwrap()
        .error
        .as_ref()
        .unwrap();
    assert_eq!(
        (ise.code, ise.http_status, ise.fault, ise.message_member),
        ("InternalServiceErrorException", 500, true, Some("Message"))
    );
    let rnf = a
        .error("ResourceNotFoundException")
        .unwrap()
        .error
        .as_ref()
        .unwrap();
    assert_eq!(
        (rnf.http_status, rnf.fault, rnf.http_status_modeled),
        (400, false, false)
    );
    assert_eq!(a.errors.len(), 5);
    let trail = cloudtrail()
        .error("TrailNotFoundException")
        .unwrap()
        .error
        .as_ref()
        .unwrap();
    assert_eq!((trail.http_status, trail.message_member), (400, None));
    let no_such = iam().error("NoSuchEntity").unwrap();
    assert_eq!(no_such.name, "NoSuchEntityException");
    let info = no_such.error.as_ref().unwrap();
    assert_eq!(
        (info.code, info.http_status, info.fault, info.message_member),
        ("NoSuchEntity", 404, false, Some("message"))
    );
    assert!(
        iam()
            .error("ServiceFailure")
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .fault
    );
    assert!(a.error("CreateServiceRequest").is_none());
}

#[test]
fn hidden_shapes() {
    let a = apprunner();
    for name in [
        "BuildCommand",
        "StartCommand",
        "RuntimeEnvironmentVariables",
        "RuntimeEnvironmentSecrets",
    ] {
        assert!(a.shape_by_name(name).unwrap().hidden, "{name}");
    }
    for name in ["CodeConfigurationValues", "ServiceName", "TagList"] {
        assert!(!a.shape_by_name(name).unwrap().hidden, "{name}");
    }
}

/// The translated patterns mean what the Java ones mean.
#[test]
fn pattern_semantics() {
    let cases: &[(&trailrunner_model::ServiceModel, &str, &str, bool)] = &[
        (apprunner(), "ServiceName", "python-test", true),
        (apprunner(), "ServiceName", "python test", false),
        (apprunner(), "ServiceName", "xpython-test!", false), // whole value, not a substring
        (
            apprunner(),
            "AppRunnerResourceArn",
            "arn:aws:apprunner:us-east-1:123456789012:service/s/0123abc",
            true,
        ),
        (
            apprunner(),
            "AppRunnerResourceArn",
            "arn:aws:apprunner:us-east-1:12345:service/s",
            false,
        ),
        (apprunner(), "TagKey", "team", true),
        (apprunner(), "TagKey", "aws:team", false),
        (apprunner(), "Cpu", "0.25 vCPU", true),
        (apprunner(), "Cpu", "3 vCPU", false),
        (apprunner(), "BuildCommand", "make all", true),
        (apprunner(), "BuildCommand", "make\nall", false),
        (
            apprunner(),
            "ImageIdentifier",
            "public.ecr.aws/aws-containers/hello-app-runner:latest",
            true,
        ),
        (
            apprunner(),
            "ImageIdentifier",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag",
            true,
        ),
        (
            apprunner(),
            "ImageIdentifier",
            "docker.io/library/nginx",
            false,
        ),
        (apprunner(), "String", "line\rbreak", false), // Java `.` excludes \r
        (iam(), "tagKeyType", "Team Ä:1", true),       // \p{L}\p{Z}\p{N}
        (iam(), "tagKeyType", "bad*key", false),
        (iam(), "userNameType", "alice+ops@example.com", true),
        (iam(), "userNameType", "alice/bob", false),
        (iam(), "userNameType", "ålice", false), // Java \w is ASCII
        (
            iam(),
            "policyDocumentType",
            "{\"Version\": \"2012-10-17\"}\n",
            true,
        ),
        (iam(), "policyDocumentType", "\u{1}", false),
        (cloudtrail(), "PartitionKeyName", "key 😀", true), // \uD800\uDC00-\uDBFF\uDFFF
        (cloudtrail(), "PartitionKeyName", "\u{1}", false),
        (sts(), "arnType", "arn:aws:iam::123456789012:role/😀", true), // \u10000-\u10FFFF
        (sts(), "arnType", "\u{FFFF}", false),
    ];
    for &(svc, shape, value, expected) in cases {
        let s = svc
            .shape_by_name(shape)
            .unwrap_or_else(|| panic!("{shape}"));
        let ShapeKind::String {
            pattern: Some(p), ..
        } = &s.kind
        else {
            panic!("{shape} has no pattern")
        };
        assert_eq!(
            p.is_match(value),
            expected,
            "{shape} {:?} vs {value:?}",
            p.source
        );
    }
}
