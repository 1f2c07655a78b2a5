//! The wire, proven with a second client family: the official AWS SDK for Rust (`aws-sdk-apprunner`) drives one
//! App Runner service through its whole lifecycle against the real `trailrunner` binary, started by the test on
//! 127.0.0.1 with a port picked at run time.
//!
//! The SDK does everything a real caller's SDK does (serialization, SigV4 signing, endpoint resolution, response
//! and error deserialization); only the transport is the test's own: a plain-HTTP hyper client, so the SDK's TLS
//! stack need not be built.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use aws_sdk_apprunner::config::{BehaviorVersion, Credentials, Region, SharedHttpClient};
use aws_sdk_apprunner::error::SdkError;
use aws_sdk_apprunner::operation::describe_service::DescribeServiceError;
use aws_sdk_apprunner::operation::resume_service::ResumeServiceError;
use aws_sdk_apprunner::types::{
    HealthCheckProtocol, ImageRepository, ImageRepositoryType, InstanceConfiguration,
    OperationStatus, OperationType, Service, ServiceStatus, SourceConfiguration, Tag,
};
use aws_sdk_apprunner::Client;
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnector, HttpConnectorFuture, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::http::StatusCode;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector as HyperConnector;
use hyper_util::rt::TokioExecutor;

const REGION: &str = "us-east-1";
const IMAGE: &str = "public.ecr.aws/aws-containers/hello-app-runner:latest";
const DEFAULT_ASC_ID: &str = "00000000000000000000000000000001";
/// How long any one status transition may take (the server is started with `--lifecycle-delay 50ms`).
const SETTLE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

// ------------------------------------------------------------------------------------------------- the server

/// A running `trailrunner serve`; stopped with SIGTERM by [`Server::stop`], killed if the test fails first.
struct Server {
    child: Child,
    endpoint: String,
    account_id: String,
    access_key_id: String,
    secret_access_key: String,
    stderr: Arc<Mutex<String>>,
    drains: Vec<JoinHandle<()>>,
    _data: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let data = tempfile::tempdir().expect("temporary directory");
        let data_dir = data.path().join("data");
        let mut command = Command::new(env!("CARGO_BIN_EXE_trailrunner"));
        // Only the flags below configure the server, whatever the caller's shell exports.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TRAILRUNNER_") {
                command.env_remove(key);
            }
        }
        let mut child = command
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--lifecycle-delay",
                "50ms",
                "--data-dir",
            ])
            .arg(&data_dir)
            .env("TRAILRUNNER_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start trailrunner");
        // Both pipes are drained for the server's whole life, so it never blocks writing to them.
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut drains = Vec::new();
        let mut err_pipe = child.stderr.take().expect("stderr piped");
        let sink = Arc::clone(&stderr);
        drains.push(std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = err_pipe.read(&mut buf) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }));
        let mut out = BufReader::new(child.stdout.take().expect("stdout piped"));
        let mut first = String::new();
        out.read_line(&mut first)
            .expect("read the first stdout line");
        drains.push(std::thread::spawn(move || {
            let mut rest = Vec::new();
            let _ = out.read_to_end(&mut rest);
        }));
        let endpoint = match first.trim_end().strip_prefix("trailrunner listening on ") {
            Some(url) if url.starts_with("http://127.0.0.1:") => url.to_owned(),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "server did not start: {first:?}; stderr: {}",
                    stderr.lock().unwrap()
                );
            }
        };
        let creds = read_credentials(&data_dir.join("root-credentials.json"));
        Server {
            child,
            endpoint,
            account_id: creds["accountId"].as_str().expect("accountId").to_owned(),
            access_key_id: creds["accessKeyId"]
                .as_str()
                .expect("accessKeyId")
                .to_owned(),
            secret_access_key: creds["secretAccessKey"]
                .as_str()
                .expect("secretAccessKey")
                .to_owned(),
            stderr,
            drains,
            _data: data,
        }
    }

    /// SIGTERM, then wait (at most 30 s) for the exit.
    fn stop(mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed: {status}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let exit = loop {
            if let Some(exit) = self.child.try_wait().expect("wait for the server") {
                break exit;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        for drain in self.drains.drain(..) {
            let _ = drain.join();
        }
        exit
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only when the test failed before `stop`: never leave a server behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn read_credentials(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("root-credentials.json is JSON")
}

// ----------------------------------------------------------------------------------------- the SDK's transport

/// Plain HTTP/1.1 over hyper (what the SDK's default client does too, minus TLS), with a whole-request deadline.
#[derive(Debug, Clone)]
struct PlainHttp {
    client: hyper_util::client::legacy::Client<HyperConnector, Full<Bytes>>,
}

impl HttpConnector for PlainHttp {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.client.clone();
        HttpConnectorFuture::new(async move {
            let mut builder = http::Request::builder()
                .method(request.method())
                .uri(request.uri());
            for (name, value) in request.headers() {
                builder = builder.header(name, value);
            }
            let body = request
                .body()
                .bytes()
                .expect("App Runner requests have in-memory bodies");
            let outgoing = builder
                .body(Full::new(Bytes::copy_from_slice(body)))
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            let exchange = async {
                let response = client.request(outgoing).await?;
                let (parts, body) = response.into_parts();
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>((
                    parts,
                    body.collect().await?.to_bytes(),
                ))
            };
            let (parts, body) = tokio::time::timeout(Duration::from_secs(10), exchange)
                .await
                .map_err(|e| ConnectorError::timeout(e.into()))?
                .map_err(ConnectorError::io)?;
            let status = StatusCode::try_from(parts.status.as_u16())
                .map_err(|e| ConnectorError::other(e.into(), None))?;
            let mut response = HttpResponse::new(status, body.into());
            for (name, value) in &parts.headers {
                let value = value
                    .to_str()
                    .map_err(|e| ConnectorError::other(e.into(), None))?;
                response
                    .headers_mut()
                    .append(name.as_str().to_owned(), value.to_owned());
            }
            Ok(response)
        })
    }
}

fn plain_http_client() -> SharedHttpClient {
    let connector = SharedHttpConnector::new(PlainHttp {
        client: hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http(),
    });
    http_client_fn(move |_settings, _components| connector.clone())
}

fn sdk_client(server: &Server) -> Client {
    let config = aws_sdk_apprunner::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(&server.endpoint)
        .credentials_provider(Credentials::new(
            &server.access_key_id,
            &server.secret_access_key,
            None,
            None,
            "trailrunner-root",
        ))
        .http_client(plain_http_client())
        // One attempt per call: a retried failure would hide a server bug.
        .retry_config(aws_sdk_apprunner::config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

// ---------------------------------------------------------------------------------------------------- helpers

/// Polls DescribeService until the status is `wanted`; on the way only OPERATION_IN_PROGRESS may show.
async fn wait_status(client: &Client, arn: &str, wanted: ServiceStatus) -> Service {
    let deadline = Instant::now() + SETTLE;
    let mut seen: Vec<ServiceStatus> = Vec::new();
    loop {
        let service = client
            .describe_service()
            .service_arn(arn)
            .send()
            .await
            .expect("DescribeService")
            .service
            .expect("DescribeService returns the service");
        if seen.last() != Some(service.status()) {
            seen.push(service.status().clone());
        }
        if *service.status() == wanted {
            return service;
        }
        assert_eq!(
            *service.status(),
            ServiceStatus::OperationInProgress,
            "unexpected status on the way to {wanted}: {seen:?}"
        );
        assert!(
            Instant::now() < deadline,
            "{arn} did not reach {wanted} in {SETTLE:?}: {seen:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn instance(cpu: &str, memory: &str) -> InstanceConfiguration {
    InstanceConfiguration::builder()
        .cpu(cpu)
        .memory(memory)
        .build()
}

async fn listed_arns(client: &Client) -> Vec<String> {
    let pages: Vec<_> = client
        .list_services()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .expect("ListServices");
    pages
        .iter()
        .flat_map(|page| page.service_summary_list())
        .map(|s| s.service_arn().expect("summary ARN").to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------------- the test

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_drives_a_service_through_its_lifecycle() {
    let server = Server::start();
    let result = tokio::spawn(lifecycle(sdk_client(&server), server.account_id.clone())).await;
    if let Err(failure) = result {
        let stderr = server.stderr();
        drop(server);
        eprintln!("server stderr:\n{stderr}");
        std::panic::resume_unwind(failure.into_panic());
    }
    let stderr = server.stderr();
    let exit = server.stop();
    assert!(
        exit.success(),
        "the server exits 0 on SIGTERM, got {exit}; stderr:\n{stderr}"
    );
}

async fn lifecycle(ar: Client, account: String) {
    let name = "sdk-lifecycle";

    // CreateService: the answer comes back at once, with the operation still running.
    let source = SourceConfiguration::builder()
        .image_repository(
            ImageRepository::builder()
                .image_identifier(IMAGE)
                .image_repository_type(ImageRepositoryType::EcrPublic)
                .build()
                .expect("image repository"),
        )
        .build();
    let created = ar
        .create_service()
        .service_name(name)
        .source_configuration(source)
        .instance_configuration(instance("1 vCPU", "2 GB"))
        .tags(Tag::builder().key("team").value("web").build())
        .send()
        .await
        .expect("CreateService");
    let mut operation_ids = vec![created.operation_id().to_owned()];
    let svc = created
        .service()
        .expect("CreateService returns the service");
    assert_eq!(*svc.status(), ServiceStatus::OperationInProgress);
    assert_eq!(svc.service_name(), name);
    let id = svc.service_id();
    assert!(is_lower_hex(id, 32), "service id: {id:?}");
    let arn = svc.service_arn().to_owned();
    assert_eq!(
        arn,
        format!("arn:aws:apprunner:{REGION}:{account}:service/{name}/{id}")
    );
    let url = svc.service_url().expect("ServiceUrl");
    let host = url
        .strip_suffix(&format!(".{REGION}.awsapprunner.com"))
        .unwrap_or_else(|| panic!("service url: {url:?}"));
    assert!(
        host.len() == 10
            && host
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "service url: {url:?}"
    );
    assert_eq!(svc.created_at(), svc.updated_at());
    assert!(svc.deleted_at().is_none());

    let source = svc.source_configuration().expect("SourceConfiguration");
    let repo = source.image_repository().expect("ImageRepository");
    assert_eq!(repo.image_identifier(), IMAGE);
    assert_eq!(
        *repo.image_repository_type(),
        ImageRepositoryType::EcrPublic
    );
    let image = repo.image_configuration().expect("ImageConfiguration");
    assert_eq!(image.port(), Some("8080"), "the port defaults to 8080");
    assert_eq!(source.auto_deployments_enabled(), Some(false));
    assert_eq!(
        svc.instance_configuration(),
        Some(&instance("1 vCPU", "2 GB"))
    );

    let health = svc
        .health_check_configuration()
        .expect("HealthCheckConfiguration");
    assert_eq!(health.protocol(), Some(&HealthCheckProtocol::Tcp));
    assert_eq!(health.path(), Some("/"));
    assert_eq!(
        (
            health.interval(),
            health.timeout(),
            health.healthy_threshold(),
            health.unhealthy_threshold()
        ),
        (Some(5), Some(2), Some(1), Some(5))
    );
    let asc = svc
        .auto_scaling_configuration_summary()
        .expect("AutoScalingConfigurationSummary");
    assert_eq!(
        asc.auto_scaling_configuration_arn(),
        Some(
            format!(
                "arn:aws:apprunner:{REGION}:{account}:autoscalingconfiguration/DefaultConfiguration/1/{DEFAULT_ASC_ID}"
            )
            .as_str()
        )
    );
    assert_eq!(
        asc.auto_scaling_configuration_name(),
        Some("DefaultConfiguration")
    );
    assert_eq!(asc.auto_scaling_configuration_revision(), 1);
    let observability = svc
        .observability_configuration()
        .expect("ObservabilityConfiguration");
    assert!(!observability.observability_enabled());
    let network = svc.network_configuration().expect("NetworkConfiguration");
    assert_eq!(
        network
            .ingress_configuration()
            .map(|i| i.is_publicly_accessible()),
        Some(true)
    );

    // The create finishes in the background.
    let running = wait_status(&ar, &arn, ServiceStatus::Running).await;
    assert!(
        running.updated_at() > svc.updated_at(),
        "UpdatedAt moves with the transition"
    );
    assert_eq!(running.created_at(), svc.created_at());
    assert!(
        listed_arns(&ar).await.contains(&arn),
        "ListServices lists the new service"
    );
    let summaries = ar.list_services().send().await.expect("ListServices");
    let summary = summaries
        .service_summary_list()
        .iter()
        .find(|s| s.service_arn() == Some(&arn))
        .expect("listed");
    assert_eq!(summary.service_name(), Some(name));
    assert_eq!(summary.service_id(), Some(id));
    assert_eq!(summary.service_url(), Some(url));
    assert_eq!(summary.status(), Some(&ServiceStatus::Running));

    // Pause and resume.
    let paused = ar
        .pause_service()
        .service_arn(&arn)
        .send()
        .await
        .expect("PauseService");
    operation_ids.push(
        paused
            .operation_id()
            .expect("PauseService OperationId")
            .to_owned(),
    );
    assert_eq!(
        paused.service().map(|s| s.status()),
        Some(&ServiceStatus::OperationInProgress)
    );
    wait_status(&ar, &arn, ServiceStatus::Paused).await;
    let resumed = ar
        .resume_service()
        .service_arn(&arn)
        .send()
        .await
        .expect("ResumeService");
    operation_ids.push(
        resumed
            .operation_id()
            .expect("ResumeService OperationId")
            .to_owned(),
    );
    assert_eq!(
        resumed.service().map(|s| s.status()),
        Some(&ServiceStatus::OperationInProgress)
    );
    wait_status(&ar, &arn, ServiceStatus::Running).await;

    // A typed error: resuming a RUNNING service.
    let err = ar
        .resume_service()
        .service_arn(&arn)
        .send()
        .await
        .expect_err("resuming a running service fails");
    match err {
        SdkError::ServiceError(ref e) => {
            assert!(
                matches!(e.err(), ResumeServiceError::InvalidStateException(_)),
                "expected InvalidStateException, got {err:?}"
            );
            assert_eq!(e.raw().status().as_u16(), 400);
            assert!(
                e.err().meta().message().is_some_and(|m| !m.is_empty()),
                "{err:?}"
            );
        }
        other => panic!("expected a modeled service error, got {other:?}"),
    }

    // UpdateService: more memory.
    let updated = ar
        .update_service()
        .service_arn(&arn)
        .instance_configuration(instance("1 vCPU", "4 GB"))
        .send()
        .await
        .expect("UpdateService");
    operation_ids.push(updated.operation_id().to_owned());
    assert_eq!(
        updated.service().map(|s| s.status()),
        Some(&ServiceStatus::OperationInProgress)
    );
    let running = wait_status(&ar, &arn, ServiceStatus::Running).await;
    assert_eq!(
        running.instance_configuration(),
        Some(&instance("1 vCPU", "4 GB"))
    );

    // StartDeployment.
    let deployment = ar
        .start_deployment()
        .service_arn(&arn)
        .send()
        .await
        .expect("StartDeployment");
    operation_ids.push(deployment.operation_id().to_owned());
    wait_status(&ar, &arn, ServiceStatus::Running).await;

    // ListOperations: newest first, each id as its call returned it, all finished.
    let operations = ar
        .list_operations()
        .service_arn(&arn)
        .send()
        .await
        .expect("ListOperations");
    assert!(operations.next_token().is_none());
    let listed = operations.operation_summary_list();
    let ids: Vec<&str> = listed
        .iter()
        .map(|o| o.id().expect("operation Id"))
        .collect();
    let newest_first: Vec<&str> = operation_ids.iter().rev().map(String::as_str).collect();
    assert_eq!(
        ids, newest_first,
        "newest first, each id as the mutating call returned it"
    );
    let types: Vec<&OperationType> = listed
        .iter()
        .map(|o| o.r#type().expect("operation Type"))
        .collect();
    assert_eq!(
        types,
        [
            &OperationType::StartDeployment,
            &OperationType::UpdateService,
            &OperationType::ResumeService,
            &OperationType::PauseService,
            &OperationType::CreateService,
        ]
    );
    for op in listed {
        assert_eq!(op.status(), Some(&OperationStatus::Succeeded), "{op:?}");
        assert_eq!(op.target_arn(), Some(arn.as_str()), "{op:?}");
        let (started, ended) = (
            op.started_at().expect("StartedAt"),
            op.ended_at().expect("EndedAt"),
        );
        assert!(started <= ended, "{op:?}");
    }
    let starts: Vec<_> = listed.iter().map(|o| o.started_at().copied()).collect();
    let mut sorted = starts.clone();
    sorted.sort_by(|a, b| b.partial_cmp(a).expect("comparable"));
    assert_eq!(starts, sorted, "newest first by StartedAt");

    // The tag given at creation.
    let tags = ar
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("ListTagsForResource");
    assert_eq!(
        tags.tags(),
        [Tag::builder().key("team").value("web").build()]
    );

    // A typed error: an unknown, well-formed service ARN.
    let unknown = format!(
        "arn:aws:apprunner:{REGION}:{account}:service/never-made/{}",
        "0".repeat(32)
    );
    let err = ar
        .describe_service()
        .service_arn(&unknown)
        .send()
        .await
        .expect_err("describing an unknown service fails");
    match err {
        SdkError::ServiceError(ref e) => {
            assert!(
                matches!(e.err(), DescribeServiceError::ResourceNotFoundException(_)),
                "expected ResourceNotFoundException, got {err:?}"
            );
            assert_eq!(e.raw().status().as_u16(), 400);
        }
        other => panic!("expected a modeled service error, got {other:?}"),
    }

    // DeleteService: DELETED, still described, no longer listed.
    let deleted = ar
        .delete_service()
        .service_arn(&arn)
        .send()
        .await
        .expect("DeleteService");
    assert!(
        !deleted.operation_id().is_empty(),
        "DeleteService returns an OperationId"
    );
    assert_eq!(
        deleted.service().map(|s| s.status()),
        Some(&ServiceStatus::OperationInProgress)
    );
    let gone = wait_status(&ar, &arn, ServiceStatus::Deleted).await;
    assert!(
        gone.deleted_at().is_some(),
        "a deleted service has DeletedAt"
    );
    assert_eq!(gone.service_arn(), arn);
    assert!(
        !listed_arns(&ar).await.contains(&arn),
        "ListServices leaves out a deleted service"
    );
}
