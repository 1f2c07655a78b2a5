//! `cargo run -p trailrunner-codegen [-- --check]`: regenerate (or check) the generated
//! model code from `models/*.json`.

use anyhow::{Context, Result};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Generate crates/model/src/generated/ from models/*.json")]
struct Args {
    /// Compare instead of writing; exit 1 when the committed files are out of date.
    #[arg(long)]
    check: bool,
    /// Workspace root (default: the one this binary was built from).
    #[arg(long)]
    root: Option<PathBuf>,
}

fn main() -> Result<ExitCode> {
    let args = Args::parse();
    let root = args
        .root
        .unwrap_or_else(trailrunner_codegen::workspace_root);
    let files = trailrunner_codegen::generate(&root.join("models"))?;
    let stale = trailrunner_codegen::drift(&root, &files)?;
    if args.check {
        if stale.is_empty() {
            println!("generated code is up to date ({} files)", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        for path in &stale {
            eprintln!("out of date: {}", path.display());
        }
        eprintln!("run `cargo run -p trailrunner-codegen` and commit the result");
        return Ok(ExitCode::FAILURE);
    }
    let out_dir = root.join(trailrunner_codegen::OUTPUT_DIR);
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    for path in &stale {
        let full = root.join(path);
        match files.iter().find(|(p, _)| p == path) {
            Some((_, contents)) => {
                std::fs::write(&full, contents)
                    .with_context(|| format!("writing {}", full.display()))?;
                println!("wrote {}", path.display());
            }
            None => {
                std::fs::remove_file(&full)
                    .with_context(|| format!("removing {}", full.display()))?;
                println!("removed stale {}", path.display());
            }
        }
    }
    if stale.is_empty() {
        println!("generated code is up to date ({} files)", files.len());
    }
    Ok(ExitCode::SUCCESS)
}
