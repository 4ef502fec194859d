//! `cairn issue-bulk`: a roster CSV issued row by row, with a report.

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer};
use clap::Args;

use crate::output::actor;

#[derive(Args)]
pub(crate) struct BulkArgs {
    #[arg(long)]
    config: PathBuf,
    /// The roster CSV.
    roster: PathBuf,
    /// Where to write the per-row report (default: ROSTER.report.csv).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Rows signed together and stored in one commit; their report lines are written after it.
    #[arg(long, default_value_t = cairn_issuer::bulk::BATCH_ROWS as u64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    batch: u64,
}

/// `cairn issue-bulk`.
pub(crate) async fn run(args: BulkArgs) -> Result<(), Error> {
    use std::io::IsTerminal;
    let issuer = std::sync::Arc::new(Issuer::open(&args.config).await?);
    let roster = std::fs::File::open(&args.roster)
        .map_err(|e| Error::Io(args.roster.clone(), e.to_string()))?;
    let report_path = args
        .report
        .unwrap_or_else(|| args.roster.with_extension("report.csv"));
    let mut report = std::fs::File::create(&report_path)
        .map_err(|e| Error::Io(report_path.clone(), e.to_string()))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut progress = |done: usize, total: usize, status: &cairn_issuer::bulk::RowStatus| {
        let word = match status {
            cairn_issuer::bulk::RowStatus::Issued(_) => "issued",
            cairn_issuer::bulk::RowStatus::AlreadyIssued(_) => "already issued",
            cairn_issuer::bulk::RowStatus::Failed { .. } => "failed",
        };
        match &bar {
            Some(bar) => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
            None => eprintln!("row {done}/{total}: {word}"),
        }
    };
    let summary = cairn_issuer::bulk::issue_roster(
        &issuer,
        roster,
        &mut report,
        &mut progress,
        &actor(),
        usize::try_from(args.batch).unwrap_or(cairn_issuer::bulk::BATCH_ROWS),
    )
    .await?;
    if let Some(bar) = bar {
        bar.finish();
    }
    // The emails went out in the background while rows were issued; wait for the last ones.
    issuer.flush_notifications().await;
    eprintln!(
        "{} rows: {} issued, {} already issued, {} failed; report: {}",
        summary.rows,
        summary.issued,
        summary.already_issued,
        summary.failed,
        report_path.display()
    );
    if summary.failed > 0 {
        return Err(Error::input(
            "roster",
            format!("{} row(s) failed; see the report", summary.failed),
        ));
    }
    Ok(())
}
