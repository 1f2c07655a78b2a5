//! `trailrunner validate-logs --local-dir`: the binary against a signed trail in a folder, valid and then
//! tampered with (a log file altered, one deleted, a digest altered), with no server anywhere.

#[path = "common/trail_fixture.rs"]
mod trail_fixture;

use std::path::Path;
use std::process::{Command, Output};

use trail_fixture::{public_keys_json, write_trail, FixtureSpec, Written};
use trailrunner_trail_digest::{format_time, gunzip_member, gzip, KeyPair};

struct Fixture {
    _dir: tempfile::TempDir,
    spec: FixtureSpec,
    written: Written,
    bucket_dir: std::path::PathBuf,
    keys_file: std::path::PathBuf,
    empty_data_dir: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let spec = FixtureSpec::small("2024-03-01T10:00:31Z".parse().unwrap());
    let key = KeyPair::generate().unwrap();
    let bucket_dir = dir.path().join("bucket");
    let written = write_trail(&spec, &key, &bucket_dir).unwrap();
    let keys_file = dir.path().join("public-keys.json");
    std::fs::write(&keys_file, public_keys_json(&key, spec.start)).unwrap();
    let empty_data_dir = dir.path().join("no-server");
    std::fs::create_dir(&empty_data_dir).unwrap();
    Fixture {
        _dir: dir,
        spec,
        written,
        bucket_dir,
        keys_file,
        empty_data_dir,
    }
}

fn validate(f: &Fixture, extra: &[&str]) -> Output {
    let (start, end) = (format_time(f.spec.start), format_time(f.spec.end()));
    validate_with(f, &f.spec.trail_arn(), &start, &end, extra)
}

fn validate_with(f: &Fixture, arn: &str, start: &str, end: &str, extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailrunner"));
    cmd.arg("validate-logs")
        .args(["--trail-arn", arn])
        .args(["--start-time", start])
        .args(["--end-time", end])
        .args(["--s3-bucket", &f.spec.bucket])
        .arg("--local-dir")
        .arg(&f.bucket_dir)
        .arg("--public-keys")
        .arg(&f.keys_file)
        .args(extra)
        // Nothing to reach: no endpoint, no credentials.
        .env("TRAILRUNNER_DATA_DIR", &f.empty_data_dir)
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("TRAILRUNNER_ENDPOINT")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn s3(f: &Fixture, key: &str) -> String {
    format!("s3://{}/{key}", f.spec.bucket)
}

#[test]
fn a_valid_trail_validates() {
    let f = fixture();
    let out = validate(&f, &["--verbose"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(stderr, "");
    assert!(stdout.starts_with(&format!(
        "Validating log files for trail {} between 2024-03-01T10:00:31Z and 2024-03-01T13:00:31Z\n\n",
        f.spec.trail_arn()
    )));
    for key in &f.written.digest_keys {
        assert!(stdout.contains(&format!("Digest file\t{}\tvalid\n", s3(&f, key))));
    }
    for key in &f.written.log_keys {
        assert!(stdout.contains(&format!("Log file\t{}\tvalid\n", s3(&f, key))));
    }
    assert!(stdout.ends_with(
        "Results requested for 2024-03-01T10:00:31Z to 2024-03-01T13:00:31Z\n\
         Results found for 2024-03-01T10:00:31Z to 2024-03-01T13:00:31Z:\n\
         \n3/3 digest files valid\n6/6 log files valid\n"
    ));
    let quiet = validate(&f, &["--chain-check", "aws-cli", "--concurrency", "1"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(!text(&quiet.stdout).contains("Log file\t"));
}

#[test]
fn tampering_is_reported_and_exits_1() {
    let f = fixture();
    let bucket = &f.bucket_dir;
    // The newest hour's first log file altered (one record less), the middle hour's second log file deleted,
    // the oldest digest altered (its JSON re-written, signature metadata kept).
    let altered_log = &f.written.log_keys[4];
    let deleted_log = &f.written.log_keys[3];
    let altered_digest = &f.written.digest_keys[0];
    rewrite(&bucket.join(altered_log), |json| {
        let cut = json.iter().rposition(|&b| b == b'{').unwrap();
        json.truncate(cut - 1);
        json.extend_from_slice(b"]}");
    });
    std::fs::remove_file(bucket.join(deleted_log)).unwrap();
    rewrite(&bucket.join(altered_digest), |json| {
        let text = String::from_utf8(json.clone()).unwrap();
        *json = text
            .replacen("\"logFiles\":[", "\"logFiles\":[ ", 1)
            .into_bytes();
    });

    let out = validate(&f, &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(
        stderr,
        format!(
            "Log file\t{}\tINVALID: hash value doesn't match\n\n\
             Log file\t{}\tINVALID: not found\n\n\
             Digest file\t{}\tINVALID: signature verification failed\n\n",
            s3(&f, altered_log),
            s3(&f, deleted_log),
            s3(&f, altered_digest)
        )
    );
    assert!(stdout.contains(
        "\n2/3 digest files valid, 1/3 digest files INVALID\n2/4 log files valid, 2/4 log files INVALID\n"
    ));

    // A deleted digest: the chain's middle link is missing.
    std::fs::remove_file(bucket.join(&f.written.digest_keys[1])).unwrap();
    let out = validate(&f, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(&format!(
        "Digest file\t{}\tINVALID: not found\n",
        s3(&f, &f.written.digest_keys[1])
    )));
}

#[test]
fn errors_exit_255() {
    let f = fixture();
    let (start, end) = (format_time(f.spec.start), format_time(f.spec.end()));
    let out = validate_with(
        &f,
        "arn:aws:cloudtrail:us-east-1:1234:trail/t",
        &start,
        &end,
        &[],
    );
    assert_eq!(out.status.code(), Some(255));
    assert!(text(&out.stderr).contains("Invalid trail ARN provided"));
    std::fs::write(&f.keys_file, br#"{"PublicKeyList": []}"#).unwrap();
    let out = validate(&f, &[]);
    assert_eq!(out.status.code(), Some(255));
    assert!(text(&out.stderr).contains("No public keys found between"));
    let out = validate_with(
        &f,
        &f.spec.trail_arn(),
        "2024-03-02T00:00:00Z",
        "2024-03-01",
        &[],
    );
    assert_eq!(out.status.code(), Some(255));
}

fn rewrite(file: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mut json = gunzip_member(&std::fs::read(file).unwrap()).unwrap();
    edit(&mut json);
    std::fs::write(file, gzip(&json)).unwrap();
}
