//! `mhub samples generate`: the samplegen library behind a command;
//! `mhub samples evaluate` is in [`super::evaluate`].

use anyhow::Context as _;
use comfy_table::Cell;
use samplegen::{Options, Summary};

use super::Context;
use crate::args::{SamplesCommand, SamplesGenerateArgs};
use crate::output::{self, number};

/// Run one `samples` subcommand.
pub async fn run(command: SamplesCommand, context: &Context) -> anyhow::Result<()> {
    match command {
        SamplesCommand::Generate(args) => generate(args, context).await,
        SamplesCommand::Evaluate(args) => super::evaluate::run(args, context).await,
    }
}

/// `mhub samples generate`.
async fn generate(args: SamplesGenerateArgs, context: &Context) -> anyhow::Result<()> {
    let options = options(&args);
    let spinner = output::spinner(context.json);
    spinner.set_message(format!("writing samples to {}", args.out.display()));
    let out = args.out.clone();
    let summary = tokio::task::spawn_blocking(move || samplegen::generate(&options, &out))
        .await
        .context("generating samples")?
        .with_context(|| format!("generating samples in {}", args.out.display()))?;
    spinner.finish_and_clear();
    if context.json {
        output::json_line(&summary)
    } else {
        print_summary(&summary, &args);
        Ok(())
    }
}

/// The flags over samplegen's defaults (the committed samples' options).
fn options(args: &SamplesGenerateArgs) -> Options {
    let defaults = Options::default();
    Options {
        merchants: args.merchants.unwrap_or(defaults.merchants),
        acquirers: args.acquirers.unwrap_or(defaults.acquirers),
        seed: args.seed.unwrap_or(defaults.seed),
        photos: args.photos,
        invalid_rows: args.invalid_rows.unwrap_or(defaults.invalid_rows),
        ..defaults
    }
}

fn print_summary(summary: &Summary, args: &SamplesGenerateArgs) {
    let mut acquirers = output::table([
        "acquirer",
        "format",
        "profile",
        "merchants",
        "terminals",
        "photos",
        "invalid rows",
        "location reports",
    ]);
    for acquirer in &summary.acquirers {
        acquirers.add_row(vec![
            Cell::new(&acquirer.code),
            Cell::new(&acquirer.format),
            Cell::new(&acquirer.profile),
            number(acquirer.merchants),
            number(acquirer.terminals),
            number(acquirer.photos),
            number(acquirer.invalid_rows),
            number(acquirer.location_reports),
        ]);
    }
    println!("{acquirers}");
    let mut planted = output::table(["planted", "kind", "groups"]);
    for (kind, count) in &summary.cases {
        planted.add_row(vec![Cell::new("case"), Cell::new(kind), number(count)]);
    }
    for (kind, count) in &summary.hard_negatives {
        planted.add_row(vec![
            Cell::new("hard negative"),
            Cell::new(kind),
            number(count),
        ]);
    }
    println!("{planted}");
    println!(
        "blacklist entries: {} ({} decoys); photos: {}; {} written to {}",
        summary.blacklist_entries,
        summary.blacklist_decoys,
        summary.photos,
        indicatif::HumanBytes(summary.bytes),
        args.out.display()
    );
    println!("next: mhub demo --samples {}", args.out.display());
}
