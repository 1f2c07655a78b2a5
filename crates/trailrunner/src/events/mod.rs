//! `trailrunner events`: Event history from the command line, through CloudTrail's `LookupEvents`.
//!
//! `lookup` prints up to `--max-items` events (newest first) as a console-like table, CSV or JSON; `download`
//! writes every event of a time range to a file, page by page, as a CloudTrail log file (`{"Records":[…]}`) or
//! CSV. Both are plain API clients: they work against any server speaking CloudTrail, as any user whose key they
//! are given.

mod download;
mod format;
mod time;

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

use crate::client::{ApiClient, ConnectionArgs, CLOUDTRAIL};
use time::TimeSpec;

#[derive(Args)]
pub(crate) struct EventsArgs {
    #[command(subcommand)]
    command: EventsCommand,
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Print events, newest first (LookupEvents, paged until --max-items or the last page).
    #[command(after_help = time::SYNTAX)]
    Lookup(LookupArgs),
    /// Write every event of a time range to a file: a CloudTrail log file ({"Records":[...]}) or CSV.
    #[command(after_help = time::SYNTAX)]
    Download(DownloadArgs),
}

/// The filter both subcommands share.
#[derive(Args)]
struct FilterArgs {
    /// One lookup attribute as KEY=VALUE. Keys: EventId, EventName, ReadOnly, Username, ResourceType,
    /// ResourceName, EventSource, AccessKeyId.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_attribute)]
    attribute: Option<(String, String)>,
}

#[derive(Args)]
struct LookupArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// Events at or after this time (default: the oldest kept).
    #[arg(long, value_name = "TIME", value_parser = time::parse, allow_hyphen_values = true)]
    start_time: Option<TimeSpec>,
    /// Events at or before this time (default: now).
    #[arg(long, value_name = "TIME", value_parser = time::parse, allow_hyphen_values = true)]
    end_time: Option<TimeSpec>,
    /// Most events to print.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    max_items: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Args)]
struct DownloadArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// Events at or after this time.
    #[arg(long, value_name = "TIME", value_parser = time::parse, allow_hyphen_values = true)]
    start_time: TimeSpec,
    /// Events at or before this time (default: now, fixed when the download starts).
    #[arg(long, value_name = "TIME", value_parser = time::parse, allow_hyphen_values = true)]
    end_time: Option<TimeSpec>,
    /// File format.
    #[arg(long, value_enum)]
    format: FileFormat,
    /// The file to write; it appears only when complete (written as FILE.tmp, then renamed).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum Output {
    /// The events as returned by LookupEvents, a JSON array (CloudTrailEvent stays a string).
    Json,
    /// Aligned columns like the CloudTrail console.
    Table,
    /// A header and one row per event.
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FileFormat {
    /// {"Records":[...]}: the parsed CloudTrailEvent records, as in a CloudTrail log file.
    Json,
    /// A header and one row per event (the columns of `lookup --output csv`).
    Csv,
}

fn parse_attribute(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!(
            "{text:?} is not KEY=VALUE (like EventName=CreateService)"
        )),
    }
}

/// One LookupEvents query, paged.
struct Query {
    attribute: Option<(String, String)>,
    start: Option<i64>,
    end: Option<i64>,
    /// MaxResults of every page: a NextToken belongs to its query, so it stays the same throughout.
    page_size: u64,
}

impl Query {
    fn input(&self, token: Option<&str>) -> Value {
        let mut input = json!({ "MaxResults": self.page_size });
        if let Some((key, value)) = &self.attribute {
            input["LookupAttributes"] = json!([{ "AttributeKey": key, "AttributeValue": value }]);
        }
        if let Some(s) = self.start {
            input["StartTime"] = json!(s);
        }
        if let Some(e) = self.end {
            input["EndTime"] = json!(e);
        }
        if let Some(t) = token {
            input["NextToken"] = json!(t);
        }
        input
    }

    /// Hand each event to `each`, newest first, until `limit` events or the last page; returns how many.
    async fn run(
        &self,
        client: &ApiClient,
        limit: Option<u64>,
        mut each: impl FnMut(Value) -> anyhow::Result<()>,
    ) -> anyhow::Result<u64> {
        let mut seen = 0u64;
        let mut token: Option<String> = None;
        loop {
            let mut page = client
                .call_json(&CLOUDTRAIL, "LookupEvents", &self.input(token.as_deref()))
                .await?;
            let events = match page.get_mut("Events").map(Value::take) {
                Some(Value::Array(events)) => events,
                Some(Value::Null) | None => Vec::new(),
                Some(_) => bail!("the LookupEvents answer has an Events member that is not a list"),
            };
            for event in events {
                if limit.is_some_and(|l| seen >= l) {
                    return Ok(seen);
                }
                each(event)?;
                seen += 1;
            }
            let next = page
                .get("NextToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty());
            match next {
                None => return Ok(seen),
                Some(_) if limit.is_some_and(|l| seen >= l) => return Ok(seen),
                Some(t) if token.as_deref() == Some(t) => {
                    bail!("the server sent the same NextToken twice; stopping")
                }
                Some(t) => token = Some(t.to_string()),
            }
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

pub(crate) fn run(args: EventsArgs) -> anyhow::Result<()> {
    let result = match args.command {
        EventsCommand::Lookup(args) => lookup(args),
        EventsCommand::Download(args) => download::run(args),
    };
    match result {
        // A closed pipe (`| head`) is the reader saying it has enough.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            }) =>
        {
            Ok(())
        }
        other => other,
    }
}

fn lookup(args: LookupArgs) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let query = Query {
        attribute: args.filter.attribute,
        start: args.start_time.map(|t| t.resolve(now)).transpose()?,
        end: args.end_time.map(|t| t.resolve(now)).transpose()?,
        page_size: args.max_items.min(50),
    };
    let client = args.connection.client()?;
    let stdout = io::stdout().lock();
    let rt = runtime()?;
    match args.output {
        Output::Json => {
            let mut out = format::JsonArray::new(io::BufWriter::new(stdout));
            rt.block_on(query.run(&client, Some(args.max_items), |event| Ok(out.push(&event)?)))?;
            out.finish()?.flush()?;
        }
        Output::Csv => {
            let mut out = format::CsvOut::new(io::BufWriter::new(stdout))?;
            rt.block_on(query.run(&client, Some(args.max_items), |event| {
                out.row(&format::Row::from_event(&event))
            }))?;
            out.finish()?.flush()?;
        }
        Output::Table => {
            // Aligning needs every row; --max-items bounds them.
            let mut rows = Vec::new();
            rt.block_on(query.run(&client, Some(args.max_items), |event| {
                rows.push(format::Row::from_event(&event));
                Ok(())
            }))?;
            let mut out = io::BufWriter::new(stdout);
            out.write_all(format::table(&rows).as_bytes())
                .context("writing to stdout")?;
            out.flush()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes() {
        assert_eq!(
            parse_attribute("EventName=ListServices"),
            Ok(("EventName".into(), "ListServices".into()))
        );
        assert_eq!(
            parse_attribute("ResourceName=a=b"),
            Ok(("ResourceName".into(), "a=b".into()))
        );
        assert_eq!(
            parse_attribute("Username="),
            Ok(("Username".into(), String::new()))
        );
        assert!(parse_attribute("EventName").is_err());
        assert!(parse_attribute("=x").is_err());
    }

    #[test]
    fn query_input() {
        let q = Query {
            attribute: Some(("EventName".into(), "ListServices".into())),
            start: Some(10),
            end: Some(20),
            page_size: 50,
        };
        assert_eq!(
            q.input(Some("tok")),
            json!({
                "MaxResults": 50,
                "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "ListServices"}],
                "StartTime": 10,
                "EndTime": 20,
                "NextToken": "tok"
            })
        );
        let q = Query {
            attribute: None,
            start: None,
            end: None,
            page_size: 7,
        };
        assert_eq!(q.input(None), json!({"MaxResults": 7}));
    }
}
