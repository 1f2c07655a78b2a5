//! `trailrunner connections`: App Runner connection actions that happen outside App Runner's API.
//!
//! `complete-handshake` is what a user does in the App Runner console after creating a connection: authorise
//! App Runner at the repository provider. There is no provider here, so the command calls trailrunner's own
//! `TrailRunner.CompleteConnectionHandshake`, which moves the connection from `PENDING_HANDSHAKE` to `AVAILABLE`
//! (and, like every call, leaves a CloudTrail record).

use clap::{Args, Subcommand};
use serde_json::json;

use crate::client::{ConnectionArgs, JsonService};

const CONSOLE: JsonService = JsonService {
    signing_name: "apprunner",
    target_prefix: "TrailRunner",
    content_type: "application/x-amz-json-1.0",
};

#[derive(Args)]
pub(crate) struct ConnectionsArgs {
    #[command(subcommand)]
    command: ConnectionsCommand,
}

#[derive(Subcommand)]
enum ConnectionsCommand {
    /// Complete a connection's handshake with its provider: PENDING_HANDSHAKE becomes AVAILABLE.
    CompleteHandshake(HandshakeArgs),
}

#[derive(Args)]
struct HandshakeArgs {
    /// The connection's ARN (its region is used for the request).
    connection_arn: String,
    #[command(flatten)]
    connection: ConnectionArgs,
}

pub(crate) fn run(args: ConnectionsArgs) -> anyhow::Result<()> {
    match args.command {
        ConnectionsCommand::CompleteHandshake(mut args) => {
            if let Some(region) = args
                .connection_arn
                .split(':')
                .nth(3)
                .filter(|r| !r.is_empty())
            {
                args.connection.region = region.to_owned();
            }
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let answer = runtime.block_on(async {
                args.connection
                    .client()?
                    .call_json(
                        &CONSOLE,
                        "CompleteConnectionHandshake",
                        &json!({ "ConnectionArn": args.connection_arn }),
                    )
                    .await
                    .map_err(anyhow::Error::from)
            })?;
            println!("{}", serde_json::to_string_pretty(&answer)?);
            Ok(())
        }
    }
}
