//! `mhub alerts list | show | confirm | dismiss`: the hub's findings (SPEC §5).

use std::collections::BTreeSet;

use comfy_table::{Cell, Table};
use serde_json::{Map, Value};

use super::Context;
use crate::args::{AlertsCommand, AlertsListArgs};
use crate::client::{AlertQuery, AlertView, Client, Page, Verdict};
use crate::output::{self, number, or_dash};

/// The most the hub returns per page.
const MAX_PAGE: u64 = 1000;

/// Run one `alerts` subcommand.
pub async fn run(command: AlertsCommand, context: &Context) -> anyhow::Result<()> {
    let client = context.client()?;
    let alert = match command {
        AlertsCommand::List(args) => {
            let (filter, limit) = plan(args);
            let alerts = list(&client, &filter, limit).await?;
            if context.json {
                return output::json_lines(&alerts);
            }
            println!("{}", alerts_table(&alerts));
            return Ok(());
        }
        AlertsCommand::Show { id } => client.alert(id).await?,
        AlertsCommand::Confirm(args) => {
            client
                .decide_alert(args.id, Verdict::Confirm, &args.reason)
                .await?
        }
        AlertsCommand::Dismiss(args) => {
            client
                .decide_alert(args.id, Verdict::Dismiss, &args.reason)
                .await?
        }
    };
    if context.json {
        output::json_line(&alert)
    } else {
        print_alert(&alert);
        Ok(())
    }
}

/// The hub's filters and the total to fetch. Times go in the store's UTC
/// text form: the hub compares them as text, so an offset such as +08:00
/// must not reach it.
fn plan(args: AlertsListArgs) -> (AlertQuery, Option<u64>) {
    let filter = AlertQuery {
        alert_type: args.alert_type,
        status: args.status,
        acquirer: args.acquirer,
        since: args.since.map(hub::clock::format),
        until: args.until.map(hub::clock::format),
    };
    (filter, args.limit)
}

/// Alerts newest first: every page, or the first `limit`.
pub(super) async fn list(
    client: &Client,
    filter: &AlertQuery,
    limit: Option<u64>,
) -> anyhow::Result<Vec<AlertView>> {
    let mut alerts: Vec<AlertView> = Vec::new();
    loop {
        let wanted = limit.map_or(MAX_PAGE, |l| (l - alerts.len() as u64).min(MAX_PAGE));
        let page = client
            .list_alerts(
                filter,
                Page {
                    // The next page starts below the smallest id seen.
                    cursor: alerts.last().map(|a| a.id),
                    limit: Some(wanted),
                },
            )
            .await?;
        let last_page = (page.len() as u64) < wanted;
        alerts.extend(page);
        if last_page || limit.is_some_and(|l| alerts.len() as u64 >= l) {
            return Ok(alerts);
        }
    }
}

/// One row per alert.
fn alerts_table(alerts: &[AlertView]) -> Table {
    let mut table = output::table([
        "id",
        "type",
        "subtype",
        "status",
        "score",
        "members",
        "acquirers",
        "updated",
    ]);
    for alert in alerts {
        table.add_row(vec![
            number(alert.id),
            Cell::new(&alert.alert_type),
            or_dash(alert.subtype.as_deref()),
            Cell::new(&alert.status),
            number(format!("{:.2}", alert.score)),
            number(alert.members.len()),
            Cell::new(acquirers(alert)),
            Cell::new(&alert.updated_at),
        ]);
    }
    table
}

/// The distinct acquirers of an alert's members: `ACQ01, ACQ02`.
fn acquirers(alert: &AlertView) -> String {
    alert
        .members
        .iter()
        .map(|m| m.acquirer.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The alert, its members, its evidence and its history.
fn print_alert(alert: &AlertView) {
    let mut table = output::table(["field", "value"]);
    table.add_row(vec!["id".to_owned(), alert.id.to_string()]);
    table.add_row(vec![
        "type".to_owned(),
        match &alert.subtype {
            Some(subtype) => format!("{} ({subtype})", alert.alert_type),
            None => alert.alert_type.clone(),
        },
    ]);
    table.add_row(vec!["status".to_owned(), alert.status.clone()]);
    table.add_row(vec!["score".to_owned(), format!("{:.2}", alert.score)]);
    table.add_row(vec!["raised".to_owned(), alert.created_at.clone()]);
    table.add_row(vec!["updated".to_owned(), alert.updated_at.clone()]);
    if let Some(by) = &alert.decided_by {
        table.add_row(vec![
            "decided".to_owned(),
            format!(
                "{} by {by}: {}",
                alert.decided_at.as_deref().unwrap_or("-"),
                alert.reason.as_deref().unwrap_or("-")
            ),
        ]);
    }
    println!("{table}");

    println!("members ({}):", alert.members.len());
    let mut members = output::table(["acquirer", "merchant_id"]);
    for member in &alert.members {
        members.add_row(vec![
            Cell::new(&member.acquirer),
            // Another acquirer's merchant number is not shown to an acquirer key.
            or_dash(member.merchant_id.as_deref()),
        ]);
    }
    println!("{members}");

    print_evidence(&alert.evidence);

    if let Some(events) = &alert.events {
        println!("history:");
        let mut history = output::table(["at", "action", "actor", "detail"]);
        for event in events {
            history.add_row(vec![
                Cell::new(&event.at),
                Cell::new(&event.action),
                Cell::new(&event.actor),
                or_dash(event.detail.as_deref()),
            ]);
        }
        println!("{history}");
    }
}

/// Evidence: its plain values in one table, then each list of objects
/// (`fields`, `links`, `merchants`, …) in a table of its own.
fn print_evidence(evidence: &Value) {
    let Some(object) = evidence.as_object() else {
        if !evidence.is_null() {
            println!("evidence: {evidence}");
        }
        return;
    };
    let (lists, mut plain): (Vec<_>, Vec<_>) = object
        .iter()
        .partition(|(_, value)| objects(value).is_some());
    // The rule says what the rest means: first.
    plain.sort_by_key(|(key, _)| key.as_str() != "rule");
    if !plain.is_empty() {
        let mut table = output::table(["evidence", "value"]);
        for (key, value) in plain {
            table.add_row(vec![key.clone(), display(value)]);
        }
        println!("{table}");
    }
    for (key, value) in lists {
        let items = objects(value).unwrap_or_default();
        println!("{key} ({}):", items.len());
        println!("{}", objects_table(&items, preferred_columns(key)));
    }
}

/// A non-empty list whose items are all objects.
fn objects(value: &Value) -> Option<Vec<&Map<String, Value>>> {
    let items = value.as_array()?;
    if items.is_empty() {
        return None;
    }
    items.iter().map(Value::as_object).collect()
}

/// The columns to put first for the evidence lists the hub writes.
fn preferred_columns(key: &str) -> &'static [&'static str] {
    match key {
        "fields" => &[
            "field",
            "masked",
            "value",
            "match_key",
            "similarity",
            "weight",
        ],
        "links" => &["via", "masked", "legal_reps", "weight"],
        "merchants" => &[
            "acquirer",
            "merchant_id",
            "name",
            "legal_rep_name",
            "legal_rep_id",
        ],
        _ => &[],
    }
}

/// A table of objects: the preferred columns present, then any others.
fn objects_table(items: &[&Map<String, Value>], preferred: &[&str]) -> Table {
    let mut columns: Vec<String> = preferred
        .iter()
        .filter(|c| items.iter().any(|item| item.contains_key(**c)))
        .map(|c| (*c).to_owned())
        .collect();
    for item in items {
        for key in item.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let mut table = output::table(&columns);
    for item in items {
        table.add_row(
            columns
                .iter()
                .map(|c| {
                    let value = item.get(c).unwrap_or(&Value::Null);
                    if value.is_number() {
                        number(display(value))
                    } else {
                        Cell::new(display(value))
                    }
                })
                .collect::<Vec<_>>(),
        );
    }
    table
}

/// A JSON value for people: strings bare, `-` for null, lists joined,
/// fractions to three places.
fn display(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(text) => text.clone(),
        Value::Bool(flag) => if *flag { "yes" } else { "no" }.to_owned(),
        Value::Number(n) if n.is_f64() => {
            let text = format!("{:.3}", n.as_f64().unwrap_or_default());
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        Value::Object(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn evidence_values_read_as_people_expect() {
        assert_eq!(display(&json!(1.0)), "1");
        assert_eq!(display(&json!(0.333_333)), "0.333");
        assert_eq!(display(&json!(0.5)), "0.5");
        assert_eq!(display(&json!(3)), "3");
        assert_eq!(display(&json!(null)), "-");
        assert_eq!(display(&json!(["a", "b"])), "a, b");
    }

    #[test]
    fn evidence_tables_put_the_known_columns_first() {
        let item =
            json!({"weight": 1.0, "field": "legal_rep.id", "masked": "1101**", "extra": true});
        let items = vec![item.as_object().unwrap()];
        let table = objects_table(&items, preferred_columns("fields"));
        let header: Vec<String> = table
            .header()
            .unwrap()
            .cell_iter()
            .map(Cell::content)
            .collect();
        assert_eq!(header, ["field", "masked", "weight", "extra"]);
    }
}
