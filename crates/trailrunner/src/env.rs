//! `trailrunner env`: shell lines for `eval "$(trailrunner env)"`.

use std::path::PathBuf;

use clap::Args;

use crate::datadir;

#[derive(Args)]
pub(crate) struct EnvArgs {
    /// The server's data dir (where `serve` keeps the root credentials).
    #[arg(long, env = "TRAILRUNNER_DATA_DIR", default_value_os_t = datadir::default_dir())]
    data_dir: PathBuf,
    /// The endpoint URL; default: the one the last `serve` of this data dir listened on.
    #[arg(long, env = "TRAILRUNNER_ENDPOINT")]
    endpoint: Option<String>,
}

pub(crate) fn run(args: EnvArgs) -> anyhow::Result<()> {
    let creds = datadir::read_credentials(&args.data_dir)?;
    let endpoint = datadir::endpoint(&args.data_dir, args.endpoint.as_deref());
    print!("{}", render(&endpoint, &creds));
    Ok(())
}

fn render(endpoint: &str, creds: &datadir::RootFile) -> String {
    let mut out = String::new();
    for (name, value) in [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", creds.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.as_str()),
        ("AWS_DEFAULT_REGION", creds.region.as_str()),
        ("AWS_REGION", creds.region.as_str()),
    ] {
        out.push_str(&format!("export {name}={}\n", shell_quote(value)));
    }
    out
}

/// Single-quote for POSIX shells (a `'` inside becomes `'\''`).
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_for_the_shell() {
        assert_eq!(shell_quote("a+b/c"), "'a+b/c'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        let creds = datadir::RootFile {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "s3cr/t+".into(),
            region: "us-east-1".into(),
        };
        let text = render("http://127.0.0.1:1", &creds);
        assert!(text.contains("export AWS_SECRET_ACCESS_KEY='s3cr/t+'\n"));
        assert!(text.starts_with("export AWS_ENDPOINT_URL='http://127.0.0.1:1'\n"));
    }
}
