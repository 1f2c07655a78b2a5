//! Rendering events: the console-like table, CSV (guarded against formula injection), streamed JSON.

use std::borrow::Cow;
use std::io::{self, Write};

use serde_json::Value;

use super::time;

/// The columns of one event, as the CloudTrail console shows them.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) event_time: String,
    pub(crate) event_name: String,
    pub(crate) username: String,
    pub(crate) event_source: String,
    pub(crate) resource_type: String,
    pub(crate) resource_name: String,
    pub(crate) event_id: String,
    pub(crate) read_only: String,
    pub(crate) access_key_id: String,
}

const TABLE_HEADER: [&str; 6] = [
    "Event time",
    "Event name",
    "User name",
    "Event source",
    "Resource type",
    "Resource name",
];

const CSV_HEADER: [&str; 9] = [
    "Event time",
    "Event name",
    "User name",
    "Event source",
    "Resource type",
    "Resource name",
    "Event ID",
    "Read only",
    "AWS access key",
];

impl Row {
    /// One `LookupEvents` event. Several resources are listed in one cell each for types and names, `, `-separated
    /// in the same order.
    pub(crate) fn from_event(event: &Value) -> Row {
        let text = |k: &str| {
            event
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let event_time = match event.get("EventTime") {
            Some(Value::Number(n)) => n.as_f64().and_then(time::iso).unwrap_or_default(),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        let resources = event
            .get("Resources")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let list = |k: &str| {
            resources
                .iter()
                .filter_map(|r| r.get(k).and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Row {
            event_time,
            event_name: text("EventName"),
            username: text("Username"),
            event_source: text("EventSource"),
            resource_type: list("ResourceType"),
            resource_name: list("ResourceName"),
            event_id: text("EventId"),
            read_only: text("ReadOnly"),
            access_key_id: text("AccessKeyId"),
        }
    }

    fn table_cells(&self) -> [&str; 6] {
        [
            &self.event_time,
            &self.event_name,
            &self.username,
            &self.event_source,
            &self.resource_type,
            &self.resource_name,
        ]
    }

    fn csv_cells(&self) -> [&str; 9] {
        [
            &self.event_time,
            &self.event_name,
            &self.username,
            &self.event_source,
            &self.resource_type,
            &self.resource_name,
            &self.event_id,
            &self.read_only,
            &self.access_key_id,
        ]
    }
}

/// A cell made safe for a terminal: control characters (newlines, escape sequences) are shown escaped, an empty
/// cell is `-` as in the console.
fn table_cell(s: &str) -> Cow<'_, str> {
    if s.is_empty() {
        return Cow::Borrowed("-");
    }
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Aligned columns separated by two spaces, a header first, no trailing blanks.
pub(crate) fn table(rows: &[Row]) -> String {
    let cells: Vec<[Cow<'_, str>; 6]> = rows
        .iter()
        .map(|r| r.table_cells().map(table_cell))
        .collect();
    let mut widths = TABLE_HEADER.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 6]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            if i + 1 < cells.len() {
                text.extend(std::iter::repeat_n(' ', width - cell.chars().count()));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(TABLE_HEADER);
    for row in &cells {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]].map(|c| c.as_ref()));
    }
    out
}

/// Guard a cell against CSV (formula) injection, as the CloudTrail console's download warns: a cell a spreadsheet
/// would read as a formula (`=`, `+`, `-`, `@`, or a leading tab or carriage return) gets a `'` in front.
pub(crate) fn csv_safe(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// CSV rows with a header, each cell guarded by [`csv_safe`].
pub(crate) struct CsvOut<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> CsvOut<W> {
    pub(crate) fn new(out: W) -> anyhow::Result<CsvOut<W>> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        writer.write_record(CSV_HEADER)?;
        Ok(CsvOut { writer })
    }

    pub(crate) fn row(&mut self, row: &Row) -> anyhow::Result<()> {
        self.writer
            .write_record(row.csv_cells().iter().map(|c| csv_safe(c).into_owned()))?;
        Ok(())
    }

    pub(crate) fn finish(self) -> anyhow::Result<W> {
        self.writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing CSV: {}", e.error()))
    }
}

/// A JSON array written one element at a time, pretty-printed.
pub(crate) struct JsonArray<W: Write> {
    out: W,
    count: u64,
}

impl<W: Write> JsonArray<W> {
    pub(crate) fn new(out: W) -> JsonArray<W> {
        JsonArray { out, count: 0 }
    }

    pub(crate) fn push(&mut self, value: &Value) -> io::Result<()> {
        let text = serde_json::to_string_pretty(value)?;
        self.out
            .write_all(if self.count == 0 { b"[\n  " } else { b",\n  " })?;
        // A newline only occurs between tokens (never raw inside a JSON string), so indenting after each one
        // nests the element one level deeper.
        self.out.write_all(text.replace('\n', "\n  ").as_bytes())?;
        self.count += 1;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.out
            .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        Ok(self.out)
    }
}

/// The CloudTrail log-file shape, `{"Records":[...]}`, written one record per line as records arrive.
pub(crate) struct RecordsOut<W: Write> {
    out: W,
    count: u64,
}

impl<W: Write> RecordsOut<W> {
    pub(crate) fn new(mut out: W) -> io::Result<RecordsOut<W>> {
        out.write_all(b"{\"Records\":[")?;
        Ok(RecordsOut { out, count: 0 })
    }

    /// Add one record given as JSON text (a `CloudTrailEvent`); it must be a JSON object and is written as is.
    pub(crate) fn push(&mut self, record: &str) -> anyhow::Result<()> {
        let parsed: Value = serde_json::from_str(record)
            .map_err(|e| anyhow::anyhow!("a CloudTrailEvent is not JSON: {e}"))?;
        if !parsed.is_object() {
            anyhow::bail!("a CloudTrailEvent is not a JSON object");
        }
        self.out
            .write_all(if self.count == 0 { b"\n" } else { b",\n" })?;
        self.out.write_all(record.trim().as_bytes())?;
        self.count += 1;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.out
            .write_all(if self.count == 0 { b"]}\n" } else { b"\n]}\n" })?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({
            "EventId": "0b6f8a2e-1",
            "EventName": "CreateService",
            "ReadOnly": "false",
            "AccessKeyId": "AKIAEXAMPLE",
            "EventTime": 1_795_564_800.0,
            "EventSource": "apprunner.amazonaws.com",
            "Username": "root",
            "Resources": [
                {"ResourceType": "AWS::AppRunner::Service", "ResourceName": "arn:aws:apprunner:us-east-1:1:service/a"},
                {"ResourceType": "AWS::IAM::Role", "ResourceName": "arn:aws:iam::1:role/r"}
            ],
            "CloudTrailEvent": "{}"
        })
    }

    #[test]
    fn rows_from_events() {
        let row = Row::from_event(&event());
        assert_eq!(row.event_time, "2026-11-25T00:00:00Z");
        assert_eq!(row.resource_type, "AWS::AppRunner::Service, AWS::IAM::Role");
        assert_eq!(
            row.resource_name,
            "arn:aws:apprunner:us-east-1:1:service/a, arn:aws:iam::1:role/r"
        );
        assert_eq!(row.read_only, "false");
        // Missing members and nulls become empty cells, never a panic.
        let row =
            Row::from_event(&json!({"EventTime": "x", "Resources": [{"ResourceType": null}]}));
        assert_eq!(row.event_time, "x");
        assert_eq!(row.resource_type, "");
        assert_eq!(Row::from_event(&json!(null)), Row::default());
    }

    #[test]
    fn table_is_aligned() {
        let mut second = Row::from_event(&event());
        second.event_name = "ListServices".into();
        second.resource_type.clear();
        second.resource_name.clear();
        second.username = "a\u{1b}[31mb\nc".into();
        let text = table(&[Row::from_event(&event()), second]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("Event time            Event name     User name  "));
        assert!(lines[1].starts_with("2026-11-25T00:00:00Z  CreateService  root       "));
        // Every column starts at the same offset on every line.
        let col = lines[0].find("Event source").expect("header");
        assert_eq!(&lines[1][col..col + 7], "apprunn");
        assert_eq!(lines[2].find("apprunner"), Some(col));
        // Control characters cannot move the cursor or break the line; empty cells show `-`.
        assert!(lines[2].contains(r"a\u{1b}[31mb\nc"));
        let name_col = lines[0].find("Resource name").expect("header");
        assert_eq!(&lines[2][name_col..], "-");
        assert_eq!(&lines[2][name_col - 3..name_col], "   ");
        assert!(text.lines().all(|l| l == l.trim_end()));
        assert_eq!(
            table(&[]),
            "Event time  Event name  User name  Event source  Resource type  Resource name\n"
        );
    }

    #[test]
    fn csv_cells_cannot_be_formulas() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+1"), "'+1");
        assert_eq!(csv_safe("-1+2"), "'-1+2");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("\tx"), "'\tx");
        assert_eq!(csv_safe("root"), "root");
        assert_eq!(csv_safe("a=b"), "a=b");
        assert_eq!(csv_safe(""), "");
    }

    #[test]
    fn csv_output() {
        let mut row = Row::from_event(&event());
        row.username = "=cmd|' /C calc'!A0".into();
        row.event_name = "Say \"hi\", ok".into();
        let mut out = CsvOut::new(Vec::new()).expect("header");
        out.row(&row).expect("row");
        let text = String::from_utf8(out.finish().expect("flush")).expect("utf-8");
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "Event time,Event name,User name,Event source,Resource type,Resource name,Event ID,Read only,AWS access key"
        );
        assert_eq!(
            lines[1],
            "2026-11-25T00:00:00Z,\"Say \"\"hi\"\", ok\",'=cmd|' /C calc'!A0,apprunner.amazonaws.com,\
             \"AWS::AppRunner::Service, AWS::IAM::Role\",\
             \"arn:aws:apprunner:us-east-1:1:service/a, arn:aws:iam::1:role/r\",0b6f8a2e-1,false,AKIAEXAMPLE"
        );
        assert_eq!(lines[2], "");
    }

    #[test]
    fn json_array_streams_valid_json() {
        let mut out = JsonArray::new(Vec::new());
        out.push(&json!({"a": "x\ny", "b": [1, 2]})).expect("push");
        out.push(&json!({"c": {}})).expect("push");
        let text = String::from_utf8(out.finish().expect("finish")).expect("utf-8");
        let parsed: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(parsed, json!([{"a": "x\ny", "b": [1, 2]}, {"c": {}}]));
        assert!(text.starts_with("[\n  {\n    \"a\""));
        let empty = JsonArray::new(Vec::new()).finish().expect("finish");
        assert_eq!(empty, b"[]\n");
    }

    #[test]
    fn records_stream_in_the_log_file_shape() {
        let mut out = RecordsOut::new(Vec::new()).expect("start");
        out.push(r#"{"eventName":"A"}"#).expect("push");
        out.push(r#" {"eventName":"B"} "#).expect("push");
        assert!(out.push("[1]").is_err());
        assert!(out.push("{").is_err());
        let text = String::from_utf8(out.finish().expect("finish")).expect("utf-8");
        let parsed: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(
            parsed,
            json!({"Records": [{"eventName": "A"}, {"eventName": "B"}]})
        );
        let empty = RecordsOut::new(Vec::new())
            .expect("start")
            .finish()
            .expect("finish");
        assert_eq!(
            serde_json::from_slice::<Value>(&empty).expect("json"),
            json!({"Records": []})
        );
    }
}
