//! `trailrunner events download`: every event of a range into a file, streamed page by page.
//!
//! The file is written as `FILE.tmp` and renamed to `FILE` only once complete and synced, so an interrupted or
//! failed download never leaves a truncated `FILE`; on an error or Ctrl-C the partial `.tmp` is removed.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;

use super::{format, runtime, DownloadArgs, FileFormat, Query};

/// `FILE.tmp` beside `FILE`.
fn temporary_path(out: &Path) -> PathBuf {
    let mut name = OsString::from(out.as_os_str());
    name.push(".tmp");
    PathBuf::from(name)
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {human_pos} events downloaded ({per_sec}, {elapsed})",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub(super) fn run(args: DownloadArgs) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let query = Query {
        attribute: args.filter.attribute,
        start: Some(args.start_time.resolve(now)?),
        // Pinned, so the range is the same on every page however long the download takes.
        end: Some(match args.end_time {
            Some(t) => t.resolve(now)?,
            None => now.as_second(),
        }),
        page_size: 50,
    };
    let client = args.connection.client()?;
    let tmp = temporary_path(&args.out);
    let file = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let bar = progress_bar();
    let rt = runtime()?;
    let work = async {
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let count = match args.format {
            FileFormat::Json => {
                let mut records = format::RecordsOut::new(&mut out)?;
                let count = query
                    .run(&client, None, |event| {
                        let text = event
                            .get("CloudTrailEvent")
                            .and_then(Value::as_str)
                            .context("an event has no CloudTrailEvent")?;
                        records.push(text)?;
                        bar.inc(1);
                        Ok(())
                    })
                    .await?;
                records.finish()?;
                count
            }
            FileFormat::Csv => {
                let mut rows = format::CsvOut::new(&mut out)?;
                let count = query
                    .run(&client, None, |event| {
                        rows.row(&format::Row::from_event(&event))?;
                        bar.inc(1);
                        Ok(())
                    })
                    .await?;
                rows.finish()?;
                count
            }
        };
        let file = out
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing {}: {}", tmp.display(), e.error()))?;
        file.sync_all()
            .with_context(|| format!("writing {}", tmp.display()))?;
        anyhow::Ok(count)
    };
    let outcome = rt.block_on(async {
        tokio::select! {
            done = work => done,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        }
    });
    bar.finish_and_clear();
    let outcome = outcome.and_then(|count| {
        std::fs::rename(&tmp, &args.out)
            .with_context(|| format!("renaming {} to {}", tmp.display(), args.out.display()))?;
        Ok(count)
    });
    let count = match outcome {
        Ok(count) => count,
        Err(e) => {
            // Best effort: the partial file is of no use, and FILE itself was never touched.
            let _ = std::fs::remove_file(&tmp);
            return Err(e.context(format!(
                "download failed; {} was not written",
                args.out.display()
            )));
        }
    };
    eprintln!("wrote {count} events to {}", args.out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_file_sits_beside_the_target() {
        assert_eq!(
            temporary_path(Path::new("/x/events.json")),
            PathBuf::from("/x/events.json.tmp")
        );
        assert_eq!(temporary_path(Path::new("e")), PathBuf::from("e.tmp"));
    }
}
