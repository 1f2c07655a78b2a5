//! Services: `ListServices` (the rest of the family arrives with the control-plane work).

use serde_json::{json, Map, Value};
use trailrunner_api::{ApiError, CallContext, Outcome};
use trailrunner_store::ListQuery;

use crate::handler::AppRunnerHandler;
use crate::paging::PageRequest;

pub(crate) const SERVICE_KIND: &str = "service";

/// The members of a stored `Service` document that make up its `ServiceSummary`.
const SUMMARY_MEMBERS: [&str; 7] = [
    "ServiceName",
    "ServiceId",
    "ServiceArn",
    "ServiceUrl",
    "CreatedAt",
    "UpdatedAt",
    "Status",
];

/// ListServices: `MaxResults` 1–20 (checked by the model's constraints before this runs); without it, every
/// service in one response, as App Runner documents.
pub(crate) async fn list_services(
    h: &AppRunnerHandler,
    ctx: &CallContext,
    input: &Value,
) -> Result<Outcome, ApiError> {
    let scope = format!("ListServices|{}|{}", ctx.caller.account_id, ctx.region);
    let page = PageRequest::from_input(&h.tokens, input, scope)?;
    let query = ListQuery {
        account: ctx.caller.account_id.clone(),
        region: ctx.region.clone(),
        kind: SERVICE_KIND.into(),
        parent: None,
        after_seq: page.after,
        limit: page.fetch(),
    };
    let mut rows = h
        .store
        .list(&query)
        .await
        .map_err(|e| ApiError::internal_from("listing services", &e))?;
    let next = page.finish(&h.tokens, &mut rows);
    let mut summaries = Vec::with_capacity(rows.len());
    for row in rows {
        let doc: Value = serde_json::from_str(&row.doc)
            .map_err(|e| ApiError::internal_from("reading a stored service", &e))?;
        let mut summary = Map::new();
        for member in SUMMARY_MEMBERS {
            if let Some(v) = doc.get(member) {
                summary.insert(member.into(), v.clone());
            }
        }
        summaries.push(Value::Object(summary));
    }
    let mut out = json!({ "ServiceSummaryList": summaries });
    if let Some(token) = next {
        out["NextToken"] = Value::String(token);
    }
    Ok(Outcome::read(out))
}
