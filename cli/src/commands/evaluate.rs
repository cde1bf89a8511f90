//! `mhub samples evaluate`: the hub's accuracy on generated data, against
//! the planted truth (SPEC §12).
//!
//! Generates data with samplegen (as `mhub samples generate` does), starts
//! a hub in this process on a fresh SQLite data directory ([`LocalHub`]),
//! uploads every acquirer folder over HTTP, sends each acquirer's terminal
//! location reports (`terminal_locations/ACQnn.jsonl`, as `mhub terminals
//! report` does), lists every alert as an analyst
//! (all pages, as `mhub alerts list` does) and scores the alerts against
//! `truth.json` with [`score`]:
//!
//! - cases and alerts are grouped by (type, subtype), the subtype counting
//!   for `one_person_many_merchants` only ([`Group`]);
//! - an alert is a true positive when its members, as a set, equal the
//!   members of a planted case of its group: an alert with one merchant
//!   too many or too few is a false positive and recalls nothing;
//! - a case is recalled when such an alert exists;
//! - precision = true-positive alerts / alerts of the group, recall =
//!   recalled cases / cases of the group, F1 = their harmonic mean; each is
//!   undefined (`–`, `null` in JSON) when its denominator is 0, F1 when
//!   either is;
//! - a hard-negative group is flagged when at least two of its members are
//!   together in one `one_person_many_merchants` alert, of either subtype.
//!
//! Merchant numbers are compared in the hub's normalised form
//! ([`matcher::MerchantId`]). The report is a measurement, not a test: the
//! exit code is 0 whenever the evaluation ran, whatever the scores.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context as _;
use comfy_table::Cell;
use hub::ingest::BatchResult;
use indicatif::HumanCount;
use samplegen::{HardNegative, Member, Options, Truth};
use serde::Serialize;

use super::Context;
use super::local_hub::{self, LocalHub, WorkDir};
use crate::args::{ALERT_TYPES, SamplesEvaluateArgs};
use crate::client::{AlertQuery, AlertView};
use crate::output::{self, number};

/// The one case type whose subtype (`exact`, `linked`) is scored apart.
const ONE_PERSON: &str = "one_person_many_merchants";

/// Rows of the false-positive and missed-case lists printed in the table
/// form; `--json` lists them all.
const LISTED: usize = 20;

/// What cases and alerts are grouped by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Group {
    /// Case or alert type (SPEC §5).
    #[serde(rename = "type")]
    case_type: String,
    /// `exact` or `linked` for `one_person_many_merchants`; `None` for
    /// every other type, whatever the alert says.
    subtype: Option<String>,
}

/// A merchant as an alert names it: acquirer and normalised merchant number.
type Merchant = (String, String);

/// An alert, reduced to what scoring needs.
#[derive(Debug, Clone)]
pub struct Found {
    /// Alert id.
    id: i64,
    /// Its group.
    group: Group,
    /// Its members.
    members: BTreeSet<Merchant>,
}

/// The scores of one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Type and subtype.
    #[serde(flatten)]
    group: Group,
    /// Planted cases.
    cases: usize,
    /// Alerts raised.
    alerts: usize,
    /// Alerts whose members equal a case's.
    true_positives: usize,
    /// Cases with such an alert.
    recalled: usize,
    /// `true_positives / alerts`.
    precision: Option<f64>,
    /// `recalled / cases`.
    recall: Option<f64>,
    /// Harmonic mean of precision and recall.
    f1: Option<f64>,
}

/// Hard negatives of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HardNegativeScore {
    /// `common_name`, `chain_brand`, …
    kind: String,
    /// Groups planted.
    groups: usize,
    /// Groups with two or more members in one one_person_many_merchants alert.
    flagged: usize,
}

/// A hard-negative group that was flagged, and by which alerts.
#[derive(Debug, Clone, Serialize)]
pub struct Flagged {
    /// Its kind.
    kind: String,
    /// Its members.
    members: Vec<Member>,
    /// The one_person_many_merchants alerts holding two or more of them.
    alerts: Vec<i64>,
    /// What ties them, from the truth file.
    note: String,
}

/// An alert that equals no planted case of its group.
#[derive(Debug, Clone, Serialize)]
pub struct FalsePositive {
    /// Alert id.
    id: i64,
    /// Its group.
    #[serde(flatten)]
    group: Group,
    /// Its members.
    members: Vec<Member>,
    /// How it relates to the nearest planted case or hard negative.
    nearest: String,
}

/// A planted case no alert matches exactly.
#[derive(Debug, Clone, Serialize)]
pub struct Missed {
    /// Its group.
    #[serde(flatten)]
    group: Group,
    /// Its members.
    members: Vec<Member>,
    /// How it was planted, from the truth file.
    note: String,
}

/// The scores of a set of alerts against the truth.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// One row per group found in the truth or in the alerts, SPEC §5's order.
    scores: Vec<Score>,
    /// Per kind, by name.
    hard_negatives: Vec<HardNegativeScore>,
    /// Hard-negative groups flagged, all kinds.
    hard_negatives_flagged: usize,
    /// Hard-negative groups planted, all kinds.
    hard_negative_groups: usize,
    /// The flagged groups.
    flagged: Vec<Flagged>,
    /// Alerts that equal no planted case of their group.
    false_positives: Vec<FalsePositive>,
    /// Planted cases no alert matches.
    missed: Vec<Missed>,
}

/// What was generated and uploaded.
#[derive(Debug, Serialize)]
struct Run {
    merchants: usize,
    acquirers: usize,
    seed: u64,
    photos: bool,
    /// Rows read by the hub, all acquirers.
    rows: i64,
    /// Rows stored.
    accepted: i64,
    /// Rows refused.
    rejected: i64,
    /// Rows the generator planted as invalid.
    planted_invalid: usize,
    /// Refused rows that were not planted as invalid (a hub bug when not empty).
    unexpected_rejections: Vec<Member>,
    /// Alerts listed.
    alerts: usize,
}

/// The `--json` answer: the run, then the evaluation.
#[derive(Debug, Serialize)]
struct Report {
    #[serde(flatten)]
    run: Run,
    #[serde(flatten)]
    evaluation: Evaluation,
}

/// Run the evaluation and print its report.
pub async fn run(args: SamplesEvaluateArgs, context: &Context) -> anyhow::Result<()> {
    let options = options(&args)?;
    let work = WorkDir::new(args.keep.as_deref(), "mhub-evaluate-")?;
    match evaluate(&options, work.path(), context.json).await {
        Ok(report) if context.json => output::json_line(&report),
        Ok(report) => {
            print_report(&report);
            if let WorkDir::Kept(dir) = &work {
                println!("data, hub data directory and log kept in {}", dir.display());
            }
            Ok(())
        }
        Err(error) => {
            work.keep_after_failure();
            Err(error)
        }
    }
}

/// The generator's options: the flags over `mhub samples generate`'s defaults.
fn options(args: &SamplesEvaluateArgs) -> anyhow::Result<Options> {
    Ok(Options {
        merchants: usize::try_from(args.merchants).context("--merchants is too large")?,
        acquirers: usize::try_from(args.acquirers).context("--acquirers is too large")?,
        seed: args.seed,
        photos: args.photos,
        ..Options::default()
    })
}

/// Generate into `work/samples`, run a hub on `work/data`, upload, list, score.
async fn evaluate(options: &Options, work: &Path, json: bool) -> anyhow::Result<Report> {
    let samples_dir = work.join("samples");
    let data_dir = work.join("data");
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    local_hub::log_to_file(&work.join("hub.log"))?;

    let spinner = output::spinner(json);
    spinner.set_message(format!(
        "generating {} merchants for {} acquirers",
        options.merchants, options.acquirers
    ));
    let summary = {
        let (options, out) = (options.clone(), samples_dir.clone());
        tokio::task::spawn_blocking(move || samplegen::generate(&options, &out))
    }
    .await
    .context("generating samples")?
    .with_context(|| format!("generating samples in {}", samples_dir.display()))?;
    spinner.finish_and_clear();
    let truth = read_truth(&samples_dir.join("truth.json"))?;
    let samples = local_hub::find_samples(&samples_dir)?;

    let settings = hub::Settings {
        data_dir,
        listen: ([127, 0, 0, 1], 0).into(),
        ..hub::Settings::default()
    };
    let hub = LocalHub::start(settings, "evaluate").await?;
    let work = async {
        let (_, analyst) = hub.analyst().await?;
        let total: usize = summary.acquirers.iter().map(|a| a.merchants).sum();
        let bar = output::progress(total as u64, "rows", json);
        let mut results: Vec<BatchResult> = Vec::new();
        let mut clients = Vec::new();
        for sample in &samples {
            bar.set_message(format!("uploading {}", sample.code));
            let (_, client, uploaded) = hub
                .upload(sample, false, |result| {
                    bar.inc(u64::try_from(result.rows).unwrap_or_default());
                    Ok(())
                })
                .await?;
            results.extend(uploaded);
            clients.push((sample.code.clone(), client));
        }
        bar.finish_and_clear();
        // Then each acquirer reports where its terminals were seen.
        for (code, client) in &clients {
            let file = samples_dir
                .join("terminal_locations")
                .join(format!("{code}.jsonl"));
            if file.is_file() {
                let reports = super::terminals::read_reports(&file)?;
                super::terminals::send(client, &reports)
                    .await
                    .with_context(|| format!("reporting {}", file.display()))?;
            }
        }
        // Then the association lists the sample blacklist: approving each
        // entry screens every stored merchant (retro blacklist_hit alerts).
        let blacklist = samples_dir.join("blacklist.jsonl");
        if blacklist.is_file() {
            hub.list_blacklist(&blacklist)
                .await
                .with_context(|| format!("listing {}", blacklist.display()))?;
        }
        let spinner = output::spinner(json);
        spinner.set_message("listing every alert");
        let alerts = super::alerts::list(&analyst, &AlertQuery::default(), None).await?;
        spinner.finish_and_clear();
        anyhow::Ok((results, alerts))
    }
    .await;
    let stopped = hub.stop().await;
    let (results, alerts) = work?;
    stopped?;

    let found: Vec<Found> = alerts.iter().map(Found::from_view).collect();
    let run = Run {
        merchants: options.merchants,
        acquirers: options.acquirers,
        seed: options.seed,
        photos: options.photos,
        rows: results.iter().map(|r| r.rows).sum(),
        accepted: results.iter().map(|r| r.accepted).sum(),
        rejected: results.iter().map(|r| r.rejected).sum(),
        planted_invalid: truth.invalid_rows.len(),
        unexpected_rejections: unexpected_rejections(&results, &truth),
        alerts: found.len(),
    };
    Ok(Report {
        run,
        evaluation: score(&truth, &found),
    })
}

fn read_truth(path: &Path) -> anyhow::Result<Truth> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))
}

/// Refused rows the generator did not plant as invalid. Only the rows the
/// results list inline are checked (the first 1,000 errors of each batch).
fn unexpected_rejections(results: &[BatchResult], truth: &Truth) -> Vec<Member> {
    let planted: BTreeSet<Merchant> = truth
        .invalid_rows
        .iter()
        .map(|row| merchant(&row.acquirer, &row.merchant_id))
        .collect();
    let mut unexpected = BTreeSet::new();
    for result in results {
        for error in &result.errors {
            // A row too broken to name its merchant is one of the planted ones.
            let Some(id) = &error.merchant_id else {
                continue;
            };
            let rejected = merchant(&result.acquirer, id);
            if !planted.contains(&rejected) {
                unexpected.insert(rejected);
            }
        }
    }
    unexpected.iter().map(member).collect()
}

impl Group {
    /// The group of a case or an alert of this type and subtype.
    fn new(case_type: &str, subtype: Option<&str>) -> Group {
        Group {
            case_type: case_type.to_owned(),
            subtype: subtype
                .filter(|_| case_type == ONE_PERSON)
                .map(str::to_owned),
        }
    }

    /// SPEC §5's order of types, then any other type by name; no subtype first.
    fn order(&self) -> (usize, &str, Option<&str>) {
        let rank = ALERT_TYPES
            .iter()
            .position(|t| *t == self.case_type)
            .unwrap_or(ALERT_TYPES.len());
        (rank, &self.case_type, self.subtype.as_deref())
    }

    fn is_one_person(&self) -> bool {
        self.case_type == ONE_PERSON
    }
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.subtype {
            Some(subtype) => write!(f, "{}/{subtype}", self.case_type),
            None => f.write_str(&self.case_type),
        }
    }
}

impl Found {
    /// An alert as the analyst listing returned it.
    fn from_view(alert: &AlertView) -> Found {
        Found {
            id: alert.id,
            group: Group::new(&alert.alert_type, alert.subtype.as_deref()),
            members: alert
                .members
                .iter()
                .map(|m| merchant(&m.acquirer, m.merchant_id.as_deref().unwrap_or_default()))
                .collect(),
        }
    }
}

/// A merchant with its number in the hub's normalised form (upper case, …);
/// a number the hub would not accept stays as written.
fn merchant(acquirer: &str, merchant_id: &str) -> Merchant {
    let id = matcher::MerchantId::parse(merchant_id)
        .map_or_else(|_| merchant_id.to_owned(), |id| id.as_str().to_owned());
    (acquirer.to_owned(), id)
}

fn member((acquirer, merchant_id): &Merchant) -> Member {
    Member {
        acquirer: acquirer.clone(),
        merchant_id: merchant_id.clone(),
    }
}

fn members_of(members: &[Member]) -> BTreeSet<Merchant> {
    members
        .iter()
        .map(|m| merchant(&m.acquirer, &m.merchant_id))
        .collect()
}

/// Score `alerts` against `truth` by the module's rules.
pub fn score(truth: &Truth, alerts: &[Found]) -> Evaluation {
    let cases: Vec<(Group, BTreeSet<Merchant>, &str)> = truth
        .cases
        .iter()
        .map(|c| {
            (
                Group::new(&c.case_type, c.subtype.as_deref()),
                members_of(&c.members),
                c.note.as_str(),
            )
        })
        .collect();
    let mut groups: BTreeSet<&Group> = cases.iter().map(|(g, _, _)| g).collect();
    groups.extend(alerts.iter().map(|a| &a.group));
    let case_sets: BTreeSet<(&Group, &BTreeSet<Merchant>)> =
        cases.iter().map(|(g, m, _)| (g, m)).collect();
    let alert_sets: BTreeSet<(&Group, &BTreeSet<Merchant>)> =
        alerts.iter().map(|a| (&a.group, &a.members)).collect();

    let mut scores: Vec<Score> = groups
        .into_iter()
        .map(|group| {
            let of_group = cases.iter().filter(|(g, _, _)| g == group);
            let cases_count = of_group.clone().count();
            let recalled = of_group
                .filter(|(g, m, _)| alert_sets.contains(&(g, m)))
                .count();
            let of_alerts = alerts.iter().filter(|a| &a.group == group);
            let alerts_count = of_alerts.clone().count();
            let true_positives = of_alerts
                .filter(|a| case_sets.contains(&(&a.group, &a.members)))
                .count();
            let precision = ratio(true_positives, alerts_count);
            let recall = ratio(recalled, cases_count);
            Score {
                group: group.clone(),
                cases: cases_count,
                alerts: alerts_count,
                true_positives,
                recalled,
                precision,
                recall,
                f1: harmonic_mean(precision, recall),
            }
        })
        .collect();
    scores.sort_by(|a, b| a.group.order().cmp(&b.group.order()));

    let mut false_positives: Vec<FalsePositive> = alerts
        .iter()
        .filter(|a| !case_sets.contains(&(&a.group, &a.members)))
        .map(|a| FalsePositive {
            id: a.id,
            group: a.group.clone(),
            members: a.members.iter().map(member).collect(),
            nearest: nearest(a, &cases, &truth.hard_negatives),
        })
        .collect();
    false_positives.sort_by(|a, b| (a.group.order(), a.id).cmp(&(b.group.order(), b.id)));
    let mut missed: Vec<Missed> = cases
        .iter()
        .filter(|(g, m, _)| !alert_sets.contains(&(g, m)))
        .map(|(group, members, note)| Missed {
            group: group.clone(),
            members: members.iter().map(member).collect(),
            note: (*note).to_owned(),
        })
        .collect();
    missed.sort_by(|a, b| a.group.order().cmp(&b.group.order()));

    let (hard_negatives, flagged) = hard_negatives(&truth.hard_negatives, alerts);
    Evaluation {
        hard_negatives_flagged: flagged.len(),
        hard_negative_groups: truth.hard_negatives.len(),
        scores,
        hard_negatives,
        flagged,
        false_positives,
        missed,
    }
}

/// `part / whole`, undefined when `whole` is 0.
fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// F1: undefined when either side is; 0 when both are 0.
fn harmonic_mean(precision: Option<f64>, recall: Option<f64>) -> Option<f64> {
    let (p, r) = (precision?, recall?);
    Some(if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    })
}

/// Per kind, groups planted and flagged; and the flagged groups.
fn hard_negatives(
    planted: &[HardNegative],
    alerts: &[Found],
) -> (Vec<HardNegativeScore>, Vec<Flagged>) {
    let mut kinds: BTreeMap<&str, HardNegativeScore> = BTreeMap::new();
    let mut flagged = Vec::new();
    for group in planted {
        let members = members_of(&group.members);
        let by: Vec<i64> = alerts
            .iter()
            .filter(|a| {
                a.group.is_one_person() && a.members.intersection(&members).nth(1).is_some()
            })
            .map(|a| a.id)
            .collect();
        let score = kinds
            .entry(group.kind.as_str())
            .or_insert_with(|| HardNegativeScore {
                kind: group.kind.clone(),
                groups: 0,
                flagged: 0,
            });
        score.groups += 1;
        if !by.is_empty() {
            score.flagged += 1;
            flagged.push(Flagged {
                kind: group.kind.clone(),
                members: members.iter().map(member).collect(),
                alerts: by,
                note: group.note.clone(),
            });
        }
    }
    (kinds.into_values().collect(), flagged)
}

/// How a false positive relates to the truth: the case of its group it
/// shares most members with, else a case of another group or a hard
/// negative with its exact members or two of them.
fn nearest(
    alert: &Found,
    cases: &[(Group, BTreeSet<Merchant>, &str)],
    hard_negatives: &[HardNegative],
) -> String {
    let best = cases
        .iter()
        .filter(|(g, _, _)| *g == alert.group)
        .map(|(_, m, _)| (m.intersection(&alert.members).count(), m))
        .filter(|(shared, _)| *shared > 0)
        .max_by_key(|(shared, m)| (*shared, std::cmp::Reverse(m.len())));
    if let Some((shared, case)) = best {
        let (extra, lacking) = (alert.members.len() - shared, case.len() - shared);
        return match (extra, lacking) {
            (extra, 0) => format!("a case plus {extra} merchant(s)"),
            (0, lacking) => format!("a case less {lacking} merchant(s)"),
            _ => format!(
                "{shared} of a case's {} merchants, plus {extra} other(s)",
                case.len()
            ),
        };
    }
    if let Some((group, _, _)) = cases.iter().find(|(_, m, _)| *m == alert.members) {
        return format!("exactly a {group} case");
    }
    if let Some(group) = hard_negatives.iter().find(|h| {
        members_of(&h.members)
            .intersection(&alert.members)
            .nth(1)
            .is_some()
    }) {
        return format!("hard negative {}", group.kind);
    }
    "no planted case or hard negative".to_owned()
}

fn print_report(report: &Report) {
    let (run, evaluation) = (&report.run, &report.evaluation);
    println!(
        "{} merchants at {} acquirers (seed {}, {}); {} rows uploaded: {} stored, {} refused \
         ({} planted invalid); {} alerts",
        HumanCount(run.merchants as u64),
        run.acquirers,
        run.seed,
        if run.photos {
            "with photos"
        } else {
            "no photos"
        },
        HumanCount(u64::try_from(run.rows).unwrap_or_default()),
        HumanCount(u64::try_from(run.accepted).unwrap_or_default()),
        HumanCount(u64::try_from(run.rejected).unwrap_or_default()),
        run.planted_invalid,
        HumanCount(run.alerts as u64)
    );
    if !run.unexpected_rejections.is_empty() {
        println!(
            "refused although not planted as invalid ({}): {}",
            run.unexpected_rejections.len(),
            members_text(&run.unexpected_rejections)
        );
    }

    let mut table = output::table([
        "type",
        "subtype",
        "cases",
        "alerts",
        "TP",
        "precision",
        "recall",
        "F1",
    ]);
    for score in &evaluation.scores {
        table.add_row(vec![
            Cell::new(&score.group.case_type),
            Cell::new(score.group.subtype.as_deref().unwrap_or("–")),
            number(score.cases),
            number(score.alerts),
            number(score.true_positives),
            number(fraction(score.precision)),
            number(fraction(score.recall)),
            number(fraction(score.f1)),
        ]);
    }
    println!("{table}");
    println!(
        "TP: alerts whose members equal a planted case's (same type, and subtype for \
         {ONE_PERSON}); precision = TP / alerts; recall = cases with such an alert / cases; \
         F1 = their harmonic mean; – = undefined."
    );
    let silent: Vec<String> = evaluation
        .scores
        .iter()
        .filter(|s| s.alerts == 0 && s.cases > 0)
        .map(|s| s.group.to_string())
        .collect();
    if !silent.is_empty() {
        println!(
            "No alert at all of {}: recall 0 there means the hub raised none of these.",
            silent.join(", ")
        );
    }
    println!();

    println!(
        "hard negatives flagged as one person: {} of {} groups",
        evaluation.hard_negatives_flagged, evaluation.hard_negative_groups
    );
    let mut table = output::table(["hard negative", "groups", "flagged"]);
    for kind in &evaluation.hard_negatives {
        table.add_row(vec![
            Cell::new(&kind.kind),
            number(kind.groups),
            number(kind.flagged),
        ]);
    }
    println!("{table}");
    if !evaluation.flagged.is_empty() {
        let mut table = output::table(["hard negative", "members", "alerts", "note"]);
        for group in evaluation.flagged.iter().take(LISTED) {
            let alerts: Vec<String> = group.alerts.iter().map(i64::to_string).collect();
            table.add_row(vec![
                Cell::new(&group.kind),
                Cell::new(members_text(&group.members)),
                Cell::new(alerts.join(", ")),
                Cell::new(&group.note),
            ]);
        }
        println!("{table}");
        more(evaluation.flagged.len());
    }

    if !evaluation.false_positives.is_empty() {
        println!();
        println!(
            "false positives: {} alerts equal no planted case of their type",
            evaluation.false_positives.len()
        );
        let mut table = output::table(["alert", "type", "subtype", "members", "nearest"]);
        for alert in evaluation.false_positives.iter().take(LISTED) {
            table.add_row(vec![
                number(alert.id),
                Cell::new(&alert.group.case_type),
                Cell::new(alert.group.subtype.as_deref().unwrap_or("–")),
                Cell::new(members_text(&alert.members)),
                Cell::new(&alert.nearest),
            ]);
        }
        println!("{table}");
        more(evaluation.false_positives.len());
    }

    // Cases of silent types are all missed; list the others.
    let missed: Vec<&Missed> = evaluation
        .missed
        .iter()
        .filter(|m| !silent.contains(&m.group.to_string()))
        .collect();
    if !missed.is_empty() {
        println!();
        println!(
            "missed: {} cases of types the hub raises have no alert with exactly their members",
            missed.len()
        );
        let mut table = output::table(["type", "subtype", "members", "planted as"]);
        for case in missed.iter().take(LISTED) {
            table.add_row(vec![
                Cell::new(&case.group.case_type),
                Cell::new(case.group.subtype.as_deref().unwrap_or("–")),
                Cell::new(members_text(&case.members)),
                Cell::new(&case.note),
            ]);
        }
        println!("{table}");
        more(missed.len());
    }
}

/// `1.000`, or `–` when undefined.
fn fraction(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.3}"))
}

/// `ACQ01/898…, ACQ02/102…`.
fn members_text(members: &[Member]) -> String {
    members
        .iter()
        .map(|m| format!("{}/{}", m.acquirer, m.merchant_id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The line under a list cut at [`LISTED`] rows.
fn more(total: usize) {
    if total > LISTED {
        println!("… and {} more (--json lists all)", total - LISTED);
    }
}

#[cfg(test)]
mod tests {
    use samplegen::{Case, Generated};

    use super::*;

    fn m(acquirer: &str, id: &str) -> Member {
        Member {
            acquirer: acquirer.to_owned(),
            merchant_id: id.to_owned(),
        }
    }

    fn case(case_type: &str, subtype: Option<&str>, members: &[Member]) -> Case {
        Case {
            case_type: case_type.to_owned(),
            subtype: subtype.map(str::to_owned),
            members: members.to_vec(),
            note: "planted".to_owned(),
            blacklist_entry: None,
        }
    }

    fn alert(id: i64, case_type: &str, subtype: Option<&str>, members: &[Member]) -> Found {
        Found {
            id,
            group: Group::new(case_type, subtype),
            members: members_of(members),
        }
    }

    fn truth(cases: Vec<Case>, hard_negatives: Vec<HardNegative>) -> Truth {
        Truth {
            generated: Generated {
                seed: 1,
                merchants: 10,
                acquirers: 2,
                photos: false,
                invalid_rows: 0,
            },
            cases,
            hard_negatives,
            invalid_rows: Vec::new(),
        }
    }

    fn row<'a>(evaluation: &'a Evaluation, case_type: &str, subtype: Option<&str>) -> &'a Score {
        let group = Group::new(case_type, subtype);
        evaluation
            .scores
            .iter()
            .find(|s| s.group == group)
            .unwrap_or_else(|| panic!("no row for {group}"))
    }

    #[test]
    fn an_alert_with_exactly_a_cases_members_in_any_order_is_a_true_positive() {
        // Arrange
        let (a, b) = (m("ACQ01", "898110100000001"), m("ACQ02", "102110100000001"));
        let truth = truth(
            vec![case(
                "one_terminal_many_merchants",
                None,
                &[a.clone(), b.clone()],
            )],
            vec![],
        );
        let alerts = [alert(1, "one_terminal_many_merchants", None, &[b, a])];

        // Act
        let evaluation = score(&truth, &alerts);

        // Assert
        let row = row(&evaluation, "one_terminal_many_merchants", None);
        assert_eq!((row.cases, row.alerts, row.true_positives), (1, 1, 1));
        assert_eq!(
            (row.precision, row.recall, row.f1),
            (Some(1.0), Some(1.0), Some(1.0))
        );
        assert!(evaluation.false_positives.is_empty());
        assert!(evaluation.missed.is_empty());
    }

    #[test]
    fn an_alert_with_a_superset_of_a_cases_members_is_a_false_positive_and_recalls_nothing() {
        // Arrange
        let (a, b, c) = (m("ACQ01", "1"), m("ACQ01", "2"), m("ACQ02", "3"));
        let truth = truth(
            vec![case("shared_phone", None, &[a.clone(), b.clone()])],
            vec![],
        );
        let alerts = [alert(7, "shared_phone", None, &[a, b, c])];

        // Act
        let evaluation = score(&truth, &alerts);

        // Assert
        let row = row(&evaluation, "shared_phone", None);
        assert_eq!(
            (row.cases, row.alerts, row.true_positives, row.recalled),
            (1, 1, 0, 0)
        );
        assert_eq!(
            (row.precision, row.recall, row.f1),
            (Some(0.0), Some(0.0), Some(0.0))
        );
        assert_eq!(evaluation.false_positives.len(), 1);
        assert_eq!(evaluation.false_positives[0].id, 7);
        assert_eq!(
            evaluation.false_positives[0].nearest,
            "a case plus 1 merchant(s)"
        );
        assert_eq!(evaluation.missed.len(), 1);
    }

    #[test]
    fn precision_and_recall_count_alerts_and_cases_of_their_group_only() {
        // Arrange: two exact cases, one linked; alerts: one exact right,
        // one exact wrong, the linked members raised as exact.
        let exact1 = [m("ACQ01", "11"), m("ACQ02", "12")];
        let exact2 = [m("ACQ01", "21"), m("ACQ02", "22")];
        let linked = [m("ACQ01", "31"), m("ACQ01", "32"), m("ACQ01", "33")];
        let truth = truth(
            vec![
                case(ONE_PERSON, Some("exact"), &exact1),
                case(ONE_PERSON, Some("exact"), &exact2),
                case(ONE_PERSON, Some("linked"), &linked),
            ],
            vec![],
        );
        let alerts = [
            alert(1, ONE_PERSON, Some("exact"), &exact1),
            alert(2, ONE_PERSON, Some("exact"), &[m("ACQ01", "21")]),
            alert(3, ONE_PERSON, Some("exact"), &linked),
        ];

        // Act
        let evaluation = score(&truth, &alerts);

        // Assert
        let exact = row(&evaluation, ONE_PERSON, Some("exact"));
        assert_eq!((exact.cases, exact.alerts, exact.true_positives), (2, 3, 1));
        assert_eq!(exact.precision, Some(1.0 / 3.0));
        assert_eq!(exact.recall, Some(0.5));
        let f1 = exact.f1.unwrap();
        assert!((f1 - 0.4).abs() < 1e-9, "{f1}");
        let linked_row = row(&evaluation, ONE_PERSON, Some("linked"));
        assert_eq!((linked_row.cases, linked_row.alerts), (1, 0));
        assert_eq!(
            (linked_row.precision, linked_row.recall, linked_row.f1),
            (None, Some(0.0), None)
        );
        let nearest: Vec<&str> = evaluation
            .false_positives
            .iter()
            .map(|f| f.nearest.as_str())
            .collect();
        assert_eq!(
            nearest,
            [
                "a case less 1 merchant(s)",
                "exactly a one_person_many_merchants/linked case"
            ]
        );
    }

    #[test]
    fn groups_come_from_truth_and_alerts_in_spec_order_and_only_one_person_keeps_a_subtype() {
        // Arrange
        let truth = truth(
            vec![
                case("blacklist_hit", None, &[m("ACQ01", "1")]),
                case(
                    "shared_phone",
                    Some("ignored"),
                    &[m("ACQ01", "2"), m("ACQ02", "3")],
                ),
            ],
            vec![],
        );
        let alerts = [
            alert(1, "shared_phone", None, &[m("ACQ01", "2"), m("ACQ02", "3")]),
            alert(
                2,
                ONE_PERSON,
                Some("exact"),
                &[m("ACQ01", "4"), m("ACQ02", "5")],
            ),
        ];

        // Act
        let evaluation = score(&truth, &alerts);

        // Assert
        let groups: Vec<String> = evaluation
            .scores
            .iter()
            .map(|s| s.group.to_string())
            .collect();
        assert_eq!(
            groups,
            [
                "one_person_many_merchants/exact",
                "shared_phone",
                "blacklist_hit"
            ]
        );
        let phone = row(&evaluation, "shared_phone", None);
        assert_eq!((phone.precision, phone.recall), (Some(1.0), Some(1.0)));
        let exact = row(&evaluation, ONE_PERSON, Some("exact"));
        assert_eq!(
            (exact.cases, exact.precision, exact.recall, exact.f1),
            (0, Some(0.0), None, None)
        );
        let blacklist = row(&evaluation, "blacklist_hit", None);
        assert_eq!(
            (blacklist.alerts, blacklist.precision, blacklist.recall),
            (0, None, Some(0.0))
        );
    }

    #[test]
    fn a_hard_negative_is_flagged_only_by_two_members_in_one_one_person_alert() {
        // Arrange
        let hard_negative = |kind: &str, members: &[Member]| HardNegative {
            kind: kind.to_owned(),
            members: members.to_vec(),
            note: String::new(),
        };
        let (a, b, c) = (m("ACQ01", "1"), m("ACQ02", "2"), m("ACQ03", "3"));
        let (d, e) = (m("ACQ01", "4"), m("ACQ02", "5"));
        let truth = truth(
            vec![],
            vec![
                hard_negative("common_name", &[a.clone(), b.clone(), c.clone()]),
                hard_negative("agent_phone", &[d.clone(), e.clone()]),
                hard_negative("common_name", &[m("ACQ01", "9"), m("ACQ02", "9")]),
            ],
        );
        let alerts = [
            // Two members of the first group, with someone else: flagged.
            alert(1, ONE_PERSON, Some("linked"), &[a, c, m("ACQ09", "x")]),
            // The second group as a shared phone: a finding, not one person.
            alert(2, "shared_phone", None, &[d.clone(), e]),
            // One member of the second group alone: not flagged.
            alert(3, ONE_PERSON, Some("exact"), &[d, m("ACQ02", "7")]),
        ];

        // Act
        let evaluation = score(&truth, &alerts);

        // Assert
        assert_eq!(evaluation.hard_negatives_flagged, 1);
        assert_eq!(evaluation.hard_negative_groups, 3);
        assert_eq!(
            evaluation.hard_negatives,
            [
                HardNegativeScore {
                    kind: "agent_phone".to_owned(),
                    groups: 1,
                    flagged: 0
                },
                HardNegativeScore {
                    kind: "common_name".to_owned(),
                    groups: 2,
                    flagged: 1
                },
            ]
        );
        assert_eq!(evaluation.flagged[0].alerts, [1]);
    }

    #[test]
    fn merchant_numbers_are_compared_in_the_hubs_normalised_form() {
        // Arrange: the truth writes a letter-bearing number in lower case.
        let truth = truth(
            vec![case(
                "one_terminal_many_merchants",
                None,
                &[m("ACQ01", "898110153990a01"), m("ACQ02", "102110153990001")],
            )],
            vec![],
        );
        let alerts = [alert(
            1,
            "one_terminal_many_merchants",
            None,
            &[m("ACQ01", "898110153990A01"), m("ACQ02", "102110153990001")],
        )];

        // Act
        let evaluation = score(&truth, &alerts);

        // Assert
        assert_eq!(evaluation.scores[0].true_positives, 1);
    }
}
