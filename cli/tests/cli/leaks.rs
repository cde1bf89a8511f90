//! No clear sensitive data anywhere (SPEC §4, §9): after the samples are
//! ingested, the blacklist reported and approved, and every read endpoint
//! called, no raw resident ID, phone or account number from the sample
//! input appears in any file of the data directory (SQLite databases and
//! their WAL, the audit log, the index, the spool), in the server's log, or
//! in any API answer. The first one found fails the test.
//! On PostgreSQL (a cluster of the test's own) the same, plus a `pg_dump`
//! of the hub's database.

use std::collections::BTreeSet;
use std::path::Path;

use crate::helpers::{
    PgCluster, TestHub, approve_entries, hub_with_samples_on, json_lines, report_sample_blacklist,
    run, samples,
};
use aho_corasick::AhoCorasick;
use serde_json::Value;

/// The fields of the sample input that hold identity, phone and account
/// numbers (JSONL keys and CSV columns).
const JSON_FIELDS: [&str; 5] = [
    "id_number",
    "phone",
    "contact_phone",
    "number",
    "account_number",
];
const CSV_COLUMNS: [&str; 4] = [
    "legal_rep_id_number",
    "legal_rep_phone",
    "contact_phone",
    "account_number",
];

/// A value as an attacker would grep for it: as written (full-width digits
/// included), and as the plain digits and check letter it normalises to.
fn add_forms(values: &mut BTreeSet<String>, raw: &str) {
    let plain: String = raw
        .chars()
        .filter_map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            'Ｘ' | 'ｘ' => Some('X'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_uppercase()),
            _ => None,
        })
        .collect();
    // +86 / 0086 prefixes are not part of what is protected.
    let plain = plain
        .strip_prefix("0086")
        .or_else(|| plain.strip_prefix("86").filter(|rest| rest.len() == 11))
        .unwrap_or(&plain)
        .to_owned();
    if plain.len() >= 11 {
        values.insert(plain.to_lowercase());
        values.insert(plain);
        if raw.chars().count() >= 11 {
            values.insert(raw.to_owned());
        }
    }
}

/// Every identity, phone and account number in the sample input. Lines are
/// read as text, not parsed, so the deliberately broken rows count too.
fn sensitive_values() -> BTreeSet<String> {
    let mut values = BTreeSet::new();
    let mut jsonl = vec![samples().join("blacklist.jsonl")];
    for acquirer in ["ACQ01", "ACQ02", "ACQ03"] {
        let folder = samples().join(acquirer);
        let csv_path = folder.join("merchants.csv");
        if csv_path.exists() {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_path(&csv_path)
                .unwrap();
            let headers = reader.headers().unwrap().clone();
            let columns: Vec<usize> = CSV_COLUMNS
                .iter()
                .filter_map(|name| headers.iter().position(|h| h == *name))
                .collect();
            assert_eq!(columns.len(), CSV_COLUMNS.len(), "{headers:?}");
            for record in reader.records().flatten() {
                for &column in &columns {
                    add_forms(&mut values, record.get(column).unwrap_or_default());
                }
            }
        } else {
            jsonl.push(folder.join("merchants.jsonl"));
        }
    }
    for path in jsonl {
        let text = std::fs::read_to_string(&path).unwrap();
        for field in JSON_FIELDS {
            let key = format!("\"{field}\":\"");
            let mut rest = text.as_str();
            while let Some(at) = rest.find(&key) {
                rest = &rest[at + key.len()..];
                let end = rest.find('"').unwrap_or(rest.len());
                add_forms(&mut values, &rest[..end]);
            }
        }
    }
    assert!(
        values.len() > 300,
        "too few values to mean anything: {}",
        values.len()
    );
    values
}

/// Every sensitive value at once (Aho-Corasick: one pass over each file,
/// however many values there are).
struct Needles {
    values: Vec<String>,
    automaton: AhoCorasick,
}

impl Needles {
    fn new(values: BTreeSet<String>) -> Needles {
        let values: Vec<String> = values.into_iter().collect();
        let automaton = AhoCorasick::new(&values).unwrap();
        Needles { values, automaton }
    }

    /// The first sensitive value in `bytes`, if any.
    fn find(&self, bytes: &[u8]) -> Option<&str> {
        self.automaton
            .find(bytes)
            .map(|found| self.values[found.pattern().as_usize()].as_str())
    }
}

fn scan_dir(dir: &Path, values: &Needles, scanned: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scan_dir(&path, values, scanned);
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if let Some(value) = values.find(&bytes) {
            panic!("{} holds the sample value {value} in clear", path.display());
        }
        scanned.push(path.display().to_string());
    }
}

#[test]
fn no_raw_id_phone_or_account_reaches_the_files_the_log_or_any_answer_on_sqlite() {
    let mut hub = exercise(TestHub::spawn());
    // Kill the server so its WAL files stay as it left them (a clean stop
    // would fold them into the databases), then read every byte.
    hub.hub.server.kill9();
    let scanned = hub.scan_files();
    for name in [
        "mhub.sqlite3",
        "mhub.sqlite3-wal",
        "audit.sqlite3",
        "audit.sqlite3-wal",
    ] {
        assert!(
            scanned.iter().any(|path| path.ends_with(name)),
            "{name} was not scanned: {scanned:?}"
        );
    }
}

#[test]
fn no_raw_id_phone_or_account_reaches_a_postgresql_dump_the_files_the_log_or_any_answer() {
    if !crate::helpers::postgres_available() {
        return;
    }
    let pg = PgCluster::start();
    let mut hub = exercise(TestHub::spawn_with(&["--database-url", &pg.url()]));
    let dump = pg.dump();
    assert!(
        String::from_utf8_lossy(&dump).contains("COPY public.merchants"),
        "the dump holds no merchants table"
    );
    if let Some(value) = hub.values.find(&dump) {
        panic!("pg_dump of the hub's database holds the sample value {value} in clear");
    }
    hub.hub.server.kill9();
    hub.scan_files();
}

/// A hub after [`exercise`], with what it answered and what to look for.
struct Exercised {
    hub: TestHub,
    values: Needles,
}

impl Exercised {
    /// Every file of the data directory and the server's log; the files
    /// read.
    fn scan_files(&self) -> Vec<String> {
        let data_dir = self.hub.data_dir();
        let mut scanned = Vec::new();
        scan_dir(&data_dir, &self.values, &mut scanned);
        let log = std::fs::read(data_dir.with_extension("serve.log")).unwrap();
        assert!(!log.is_empty(), "the server logged nothing to scan");
        if let Some(value) = self.values.find(&log) {
            panic!("the server log holds the sample value {value} in clear");
        }
        scanned
    }
}

/// Load the samples into `hub`, report and approve the blacklist, screen a
/// file, and call every read, checking each answer.
fn exercise(hub: TestHub) -> Exercised {
    let values = Needles::new(sensitive_values());
    // The scanner finds what it looks for: the sample input itself leaks.
    for file in [
        "ACQ01/merchants.jsonl",
        "ACQ02/merchants.csv",
        "blacklist.jsonl",
    ] {
        let bytes = std::fs::read(samples().join(file)).unwrap();
        assert!(values.find(&bytes).is_some(), "{file}");
    }
    let (hub, keys, analyst) = hub_with_samples_on(hub);
    // The blacklist too: reported by one analyst, approved by another.
    let reported = report_sample_blacklist(&hub, &analyst);
    let reviewer = hub.analyst_key();
    approve_entries(&hub, &reviewer, &reported);
    // Screens are kept: one with the raw values of ACQ01's own file.
    json_lines(&run(hub.mhub(&keys["ACQ01"]).args([
        "screen",
        samples().join("ACQ01/merchants.jsonl").to_str().unwrap(),
        "--json",
    ])));

    // Every read, as the analyst and as an acquirer.
    let mut answers: Vec<(String, String)> = Vec::new();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let base = hub.server.url.clone();
    let mut get = |key: &str, path: &str| -> Value {
        let text = runtime.block_on(async {
            let response = client
                .get(format!("{base}{path}"))
                .bearer_auth(key)
                .header("mhub-purpose", "investigation")
                .send()
                .await
                .unwrap();
            response.text().await.unwrap()
        });
        answers.push((path.to_owned(), text.clone()));
        serde_json::from_str(&text).unwrap_or(Value::Null)
    };
    for key in [&analyst, &keys["ACQ01"]] {
        let alerts = get(key, "/v1/alerts?limit=1000");
        for alert in alerts.as_array().unwrap() {
            get(key, &format!("/v1/alerts/{}", alert["id"]));
        }
        let batches = get(key, "/v1/batches");
        for batch in batches.as_array().unwrap() {
            let id = &batch["batch_id"];
            get(key, &format!("/v1/batches/{id}"));
            get(key, &format!("/v1/batches/{id}/issues?limit=1000"));
        }
        let entries = get(key, "/v1/blacklist?limit=1000");
        for entry in entries.as_array().unwrap() {
            get(key, &format!("/v1/blacklist/{}", entry["id"]));
        }
        get(key, "/v1/audit?limit=1000");
        get(key, "/v1/feed/events?limit=10000");
    }
    // Merchants and people, and searches by the raw values themselves.
    let text = std::fs::read_to_string(samples().join("ACQ01/merchants.jsonl")).unwrap();
    for line in text.lines().take(40) {
        let row: Value = serde_json::from_str(line).unwrap();
        let id = row["merchant_id"].as_str().unwrap();
        for key in [&analyst, &keys["ACQ01"]] {
            get(key, &format!("/v1/merchants/ACQ01/{id}"));
            get(key, &format!("/v1/merchants/ACQ01/{id}/versions"));
            get(key, &format!("/v1/people/ACQ01/{id}"));
        }
        for field in [&row["legal_rep"]["id_number"], &row["legal_rep"]["phone"]] {
            get(
                &analyst,
                &format!("/v1/search?q={}", field.as_str().unwrap()),
            );
        }
    }
    for (path, body) in &answers {
        if let Some(value) = values.find(body.as_bytes()) {
            panic!("GET {path} answered the sample value {value} in clear");
        }
    }

    Exercised { hub, values }
}
