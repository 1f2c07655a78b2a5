//! Validation throughput over a day of one busy trail: 24 hourly digests, each listing 60 log files (one a minute)
//! of 200 records, all in memory, so what is measured is the validator: gunzip + SHA-256 of every log file, and
//! the RSA verification and JSON parsing of every digest. Throughput is given per log file and per decompressed
//! byte hashed (the CLI, too, hashes the decompressed content).

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use jiff::SignedDuration;
use trailrunner_trail_digest::{
    check_log_file, gunzip_member, plan, validate, validate_parallel, ValidateOptions,
    ValidateRequest,
};

const HOURS: usize = 24;
const LOGS_PER_HOUR: usize = 60;
const RECORDS_PER_LOG: usize = 200;

fn bench(c: &mut Criterion) {
    let t0 = t("2024-03-01T00:00:31Z");
    let mut trail = Trail::standard();
    for i in 0..HOURS {
        let start = t0 + SignedDuration::from_hours(i as i64);
        trail.period(
            start,
            start + SignedDuration::from_hours(1),
            LOGS_PER_HOUR,
            RECORDS_PER_LOG,
        );
    }
    let keys = trail.public_keys();
    let digests = trail.store.digests();
    let request = ValidateRequest {
        location: &trail.location,
        source_region: None,
        start: t0,
        end: t0 + SignedDuration::from_hours(HOURS as i64),
    };
    let logs: Vec<&Object> = trail
        .log_keys
        .iter()
        .flatten()
        .map(|k| trail.store.get(BUCKET, k).unwrap())
        .collect();
    let files = logs.len() as u64;
    let gzip_bytes: u64 = logs.iter().map(|o| o.body.len() as u64).sum();
    let json_bytes: u64 = logs
        .iter()
        .map(|o| gunzip_member(&o.body).unwrap().len() as u64)
        .sum();
    eprintln!(
        "dataset: {HOURS} digests, {files} log files, {:.1} MB gzip, {:.1} MB decompressed ({:.1} KB/file)",
        gzip_bytes as f64 / 1e6,
        json_bytes as f64 / 1e6,
        json_bytes as f64 / files as f64 / 1e3
    );
    let source = trail.store.source();
    let report = validate(
        &request,
        &digests,
        &keys,
        &source,
        ValidateOptions::default(),
    )
    .unwrap();
    assert!(report.is_valid());
    assert_eq!(report.counts.valid_logs as u64, files);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);

    for (name, throughput) in [
        ("files", Throughput::Elements(files)),
        ("bytes", Throughput::Bytes(json_bytes)),
    ] {
        let mut g = c.benchmark_group(format!("validate_day/{name}"));
        g.sample_size(10);
        g.throughput(throughput);
        g.bench_function("sequential", |b| {
            b.iter(|| {
                validate(
                    &request,
                    &digests,
                    &keys,
                    &source,
                    ValidateOptions::default(),
                )
                .unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("parallel", threads), |b| {
            b.iter(|| {
                validate_parallel(
                    &request,
                    &digests,
                    &keys,
                    &source,
                    ValidateOptions::default(),
                    0,
                )
                .unwrap()
            })
        });
        g.finish();
    }

    let mut g = c.benchmark_group("validate_day/parts");
    g.sample_size(20);
    g.throughput(Throughput::Elements(HOURS as u64));
    g.bench_function("digests_only", |b| {
        b.iter(|| plan(&request, &digests, &keys, ValidateOptions::default()).unwrap())
    });
    let p = plan(&request, &digests, &keys, ValidateOptions::default()).unwrap();
    let check = &p.checks()[0];
    let body = &trail
        .store
        .get(BUCKET, check.location().unwrap().1)
        .unwrap()
        .body;
    g.throughput(Throughput::Bytes(gunzip_member(body).unwrap().len() as u64));
    g.bench_function("one_log_file", |b| {
        b.iter(|| check_log_file(check, Some(body)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
