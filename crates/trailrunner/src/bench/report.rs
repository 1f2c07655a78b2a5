//! The benchmark's report.

use super::client::Outcome;
use super::BenchArgs;

pub(crate) fn render(args: &BenchArgs, endpoint: &str, threads: usize, o: &Outcome) -> String {
    let total = o.ok + o.errors;
    let secs = o.elapsed.as_secs_f64();
    let rate = if secs > 0.0 { total as f64 / secs } else { 0.0 };
    let h = &o.latencies_us;
    let ms = |us: u64| us as f64 / 1000.0;
    let target = if args.trivial {
        "built-in trivial server (generator ceiling)"
    } else if args.yardstick {
        "built-in yardstick (SigV4 check + one row group-committed to SQLite, synchronous=FULL)"
    } else {
        endpoint
    };
    let mut text = format!(
        "operation    {}\ntarget       {target}\nconcurrency  {} connections, {threads} client threads, {:.1} s measured\n\
         requests     {total} ({} ok, {} errors)\nthroughput   {rate:.0} requests/s\n\
         latency      p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
        match &args.scenario {
            Some(scenario) => format!("scenario {scenario}"),
            None => args.operation.clone(),
        },
        args.concurrency,
        secs,
        o.ok,
        o.errors,
        ms(h.value_at_quantile(0.50)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max()),
    );
    if let Some(e) = &o.first_error {
        let shown: String = e.chars().take(400).collect();
        text.push_str(&format!("\nfirst error  {shown}"));
    }
    text
}
