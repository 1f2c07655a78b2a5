//! Benchmark fixture: fill a data dir with N realistic CloudTrail records, so `LookupEvents` can be measured
//! against a large Event history (`trailrunner serve --data-dir DIR` afterwards, then `trailrunner bench`).
//!
//! ```text
//! cargo run --release -p trailrunner-server --example fill_events -- DIR 10000000
//! ```
//!
//! Records are built by the real recorder (`trailrunner_audit::record::build`) from varied calls: every App Runner
//! operation, 21 callers (root and 20 IAM users), 1000 services, spread evenly over the last 89 days.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use serde_json::json;
use trailrunner_api::{ApiError, CallContext, Caller, CallerKind, Entropy, SystemEntropy};
use trailrunner_audit::record::{build, CallFacts};
use trailrunner_store::sqlite::Durability;
use trailrunner_store::{ChangeSet, SqliteStore, Store};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const BATCH: usize = 5000;

fn caller(i: usize) -> Caller {
    if i == 0 {
        return Caller {
            kind: CallerKind::Root,
            account_id: ACCOUNT.into(),
            principal_id: ACCOUNT.into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:root"),
            access_key_id: "AKIAFILLROOT00000000".into(),
            user_name: None,
            session: None,
        };
    }
    Caller {
        kind: CallerKind::IamUser,
        account_id: ACCOUNT.into(),
        principal_id: format!("AIDAFILLUSER{i:08}"),
        arn: format!("arn:aws:iam::{ACCOUNT}:user/user{i}"),
        access_key_id: format!("AKIAFILLUSER{i:08}"),
        user_name: Some(format!("user{i}")),
        session: None,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: fill_events DIR N"))?,
    );
    let total: usize = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: fill_events DIR N"))?
        .parse()?;
    std::fs::create_dir_all(&dir)?;
    let store = Arc::new(SqliteStore::open(
        &dir.join("trailrunner.db"),
        Durability::Normal,
    )?);
    let model = trailrunner_model::apprunner();
    let entropy = SystemEntropy;
    let now = jiff::Timestamp::now().as_millisecond();
    let span_ms = 89 * 24 * 3600 * 1000i64;
    let started = std::time::Instant::now();
    let mut cs = ChangeSet::new();
    for i in 0..total {
        let op = &model.operations[i % model.operations.len()];
        let who = caller(i % 21);
        let time_ms = now - span_ms + (span_ms / total.max(1) as i64) * i as i64;
        let service = i % 1000;
        let arn =
            format!("arn:aws:apprunner:{REGION}:{ACCOUNT}:service/svc-{service}/{service:032x}");
        let input = if model
            .shape(op.input.unwrap_or(trailrunner_model::ShapeId(0)))
            .member("ServiceArn")
            .is_some()
        {
            json!({ "ServiceArn": arn })
        } else {
            json!({})
        };
        let ctx = CallContext {
            request_id: entropy.uuid(),
            caller: who.clone(),
            region: REGION.into(),
            source_ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, (i % 250) as u8 + 1)),
            user_agent: "aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux lang/python#3.11.7"
                .into(),
            now: jiff::Timestamp::from_millisecond(time_ms)?,
        };
        let output = json!({});
        let err = ApiError::client("ResourceNotFoundException", "Service not found");
        let result = if i % 10 == 0 { Err(&err) } else { Ok(&output) };
        let facts = CallFacts {
            model,
            operation: op.name,
            op: Some(op),
            ctx: &ctx,
            input: Some(&input),
            result,
            reported: &[],
            completed_at: ctx.now,
            event_id: entropy.uuid_v7(time_ms),
        };
        let mut record = build(&facts);
        let username = trailrunner_audit::identity::username(&who);
        cs.append_event(trailrunner_audit::event::to_new_event(
            &mut record,
            ACCOUNT,
            REGION,
            time_ms,
            &username,
        ));
        if cs.events.len() == BATCH || i + 1 == total {
            store.commit(std::mem::take(&mut cs)).await?;
            if (i + 1) % 500_000 < BATCH {
                eprintln!(
                    "{} records, {:.0}/s",
                    i + 1,
                    (i + 1) as f64 / started.elapsed().as_secs_f64()
                );
            }
        }
    }
    eprintln!(
        "filled {total} records in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
