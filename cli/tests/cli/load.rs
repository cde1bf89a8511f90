//! Acquirer clients for the reliability tests (`crash`, `concurrency`,
//! `outage`): batch files, uploads over plain HTTP that record what the hub
//! acknowledged, clients that retry, and the check that the store holds
//! every acknowledged batch exactly once.
//!
//! A batch counts as acknowledged only when the hub answered 2xx with a
//! batch id: that is the promise a client may act on, so it is what these
//! tests hold the hub to after a crash, a cut connection or an outage.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{json_lines, merchant_row, mhub, request};

/// Characters that make a file's shop name unique (two of them per file),
/// so a free-text search for it can only come from the candidate index.
const NAME_CHARS: [char; 30] = [
    '金', '银', '铜', '铁', '锡', '春', '夏', '秋', '冬', '梅', '兰', '竹', '菊', '松', '柏', '山',
    '川', '河', '海', '湖', '江', '风', '云', '雷', '电', '日', '月', '星', '辰', '泉',
];

/// One JSONL batch file an acquirer sends.
#[derive(Debug, Clone)]
pub struct BatchFile {
    /// The uploading acquirer's code.
    pub acquirer: String,
    /// The exact bytes, sent again unchanged by a retrying client.
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes: the hub's idempotency key (with the acquirer).
    pub sha256: String,
    /// Its merchant ids, in file order.
    pub merchant_ids: Vec<String>,
    /// The shop-name fragment every row carries, for a free-text search.
    pub label: String,
}

impl BatchFile {
    /// `count` valid rows `PREFIX000001`…, named after file number `n`.
    pub fn new(acquirer: &str, prefix: &str, n: usize, count: usize) -> BatchFile {
        let ids: Vec<String> = (1..=count).map(|i| format!("{prefix}{i:06}")).collect();
        BatchFile::of_ids(acquirer, n, ids)
    }

    /// A file of these merchant ids, named after file number `n`.
    pub fn of_ids(acquirer: &str, n: usize, merchant_ids: Vec<String>) -> BatchFile {
        let label: String = [
            NAME_CHARS[n / NAME_CHARS.len() % NAME_CHARS.len()],
            NAME_CHARS[n % NAME_CHARS.len()],
        ]
        .into_iter()
        .collect();
        let mut bytes = Vec::new();
        for id in &merchant_ids {
            let mut row: Value = serde_json::from_str(&merchant_row(id)).unwrap();
            row["name"] = Value::from(format!("北京市{label}百货商行"));
            row["legal_rep"]["id_number"] = Value::from(resident_id(n));
            bytes.extend_from_slice(row.to_string().as_bytes());
            bytes.push(b'\n');
        }
        BatchFile {
            acquirer: acquirer.to_owned(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            bytes,
            merchant_ids,
            label,
        }
    }

    /// The same bytes, sent by another acquirer: its own batch.
    pub fn for_acquirer(&self, acquirer: &str) -> BatchFile {
        BatchFile {
            acquirer: acquirer.to_owned(),
            ..self.clone()
        }
    }
}

/// What one upload attempt got.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 2xx with a batch result: acknowledged.
    Acknowledged(Value),
    /// Any other status, with the body.
    Refused(u16, String),
    /// No answer: refused or cut connection, or a timeout.
    Unanswered(String),
}

/// `POST /v1/batches` with the file's bytes.
pub fn upload(base: &str, key: &str, file: &BatchFile, timeout: Duration) -> Answer {
    let jsonl = Some("application/x-ndjson");
    match request(
        base,
        "POST",
        "/v1/batches",
        Some(key),
        jsonl,
        &file.bytes,
        timeout,
    ) {
        Ok((status, body)) if (200..300).contains(&status) => {
            let result: Value = serde_json::from_str(&body).unwrap();
            assert!(result["batch_id"].is_i64(), "{result}");
            Answer::Acknowledged(result)
        }
        Ok((status, body)) => Answer::Refused(status, body),
        Err(error) => Answer::Unanswered(error.to_string()),
    }
}

/// Upload as a careful client does: on a cut connection, a timeout or a
/// 503, send the same bytes again (the hub answers an upload it already
/// stored with its first result), with a longer timeout each time; the
/// first timeout may be short enough to give up while the hub is still
/// ingesting. Any other answer is returned at once. The result and how
/// many attempts it took.
pub fn upload_with_retries(
    base: &str,
    key: &str,
    file: &BatchFile,
    first_timeout: Duration,
) -> (Answer, usize) {
    let mut timeout = first_timeout;
    for attempt in 1.. {
        let answer = upload(base, key, file, timeout);
        let retry = matches!(answer, Answer::Unanswered(_) | Answer::Refused(503, _));
        if !retry || attempt == 12 {
            return (answer, attempt);
        }
        std::thread::sleep(Duration::from_millis(100 * attempt as u64));
        timeout = (timeout * 2).min(Duration::from_secs(120));
    }
    unreachable!()
}

/// Every batch the hub stores, as `mhub batches list --json` (all pages)
/// shows them to a key that sees everything.
pub fn stored_batches(base: &str, key: &str) -> Vec<Value> {
    json_lines(
        &mhub()
            .env("MHUB_URL", base)
            .env("MHUB_KEY", key)
            .args(["batches", "list", "--json"])
            .output()
            .unwrap(),
    )
}

/// Check the store against what the clients sent: each (acquirer, file) is
/// stored at most once and whole (every row accepted), every acknowledged
/// batch is there under the id it was acknowledged with, nothing else was
/// stored, and no merchant got a second version (every row is sent
/// unchanged, so across all batches an acquirer's `created` counts are its
/// distinct merchants and `updated` is zero). `key` sees everything.
/// Returns the number of stored batches.
pub fn assert_stored_once(
    base: &str,
    key: &str,
    sent: &[BatchFile],
    acknowledged: &BTreeMap<(String, String), i64>,
) -> usize {
    let files: BTreeMap<(String, String), &BatchFile> = sent
        .iter()
        .map(|f| ((f.acquirer.clone(), f.sha256.clone()), f))
        .collect();
    let mut stored: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut created: BTreeMap<String, i64> = BTreeMap::new();
    let batches = stored_batches(base, key);
    for batch in &batches {
        let acquirer = batch["acquirer"].as_str().unwrap().to_owned();
        let sha256 = batch["content_sha256"].as_str().unwrap().to_owned();
        let id = batch["batch_id"].as_i64().unwrap();
        let file = files
            .get(&(acquirer.clone(), sha256.clone()))
            .unwrap_or_else(|| panic!("a batch nobody sent: {batch}"));
        let rows = file.merchant_ids.len() as i64;
        assert_eq!(batch["rows"], rows, "a partial batch: {batch}");
        assert_eq!(batch["accepted"], rows, "{batch}");
        assert_eq!(
            batch["updated"], 0,
            "a row sent unchanged made a version: {batch}"
        );
        *created.entry(acquirer.clone()).or_default() += batch["created"].as_i64().unwrap();
        if let Some(first) = stored.insert((acquirer, sha256), id) {
            panic!("one upload stored twice, as batches {first} and {id}");
        }
    }
    for (upload, id) in acknowledged {
        assert_eq!(
            stored.get(upload),
            Some(id),
            "acknowledged batch {id} of {} is lost",
            upload.0
        );
    }
    let mut distinct: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (acquirer, sha256) in stored.keys() {
        let ids = &files[&(acquirer.clone(), sha256.clone())].merchant_ids;
        distinct
            .entry(acquirer)
            .or_default()
            .extend(ids.iter().map(String::as_str));
    }
    for (acquirer, ids) in distinct {
        assert_eq!(
            created.get(acquirer).copied().unwrap_or(0),
            ids.len() as i64,
            "{acquirer}: merchants created ≠ distinct merchants sent"
        );
    }
    batches.len()
}

/// `GET /v1/merchants/{acquirer}/{id}`: whether the hub has it.
pub fn merchant_exists(base: &str, key: &str, acquirer: &str, merchant_id: &str) -> bool {
    let path = format!("/v1/merchants/{acquirer}/{merchant_id}");
    let (status, body) = request(base, "GET", &path, Some(key), None, b"", LONG).unwrap();
    assert!(status == 200 || status == 404, "{status}: {body}");
    status == 200
}

/// `GET /v1/search?q=…`: the merchant ids of the hits, best first.
pub fn search(base: &str, key: &str, query: &str) -> Result<Vec<String>, (u16, String)> {
    let path = format!("/v1/search?q={}&limit=5", percent_encode(query));
    let (status, body) =
        request(base, "GET", &path, Some(key), None, b"", LONG).map_err(|e| (0, e.to_string()))?;
    if status != 200 {
        return Err((status, body));
    }
    let result: Value = serde_json::from_str(&body).unwrap();
    Ok(result["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|hit| Some(hit["merchant_id"].as_str()?.to_owned()))
        .collect())
}

/// The first and last rows of every file are stored, and a free-text
/// search for a file's shop name finds one of its rows first: the candidate
/// index (derived state, rebuilt at start-up after a crash) has them.
pub fn assert_found(base: &str, key: &str, files: &[&BatchFile]) {
    for file in files {
        for id in [file.merchant_ids.first(), file.merchant_ids.last()] {
            let id = id.unwrap();
            assert!(
                merchant_exists(base, key, &file.acquirer, id),
                "{}/{id} is missing",
                file.acquirer
            );
        }
        let hits = search(base, key, &format!("{}百货", file.label)).unwrap();
        assert!(
            hits.first()
                .is_some_and(|hit| file.merchant_ids.contains(hit)),
            "search for {} found {hits:?}",
            file.label
        );
    }
}

/// A valid resident ID number (check digit per GB 11643) for file `n`:
/// each file has its own legal representative, so detection groups stay
/// the size of a file instead of growing with every batch of the test.
fn resident_id(n: usize) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("11010519800101{:03}", n % 1000);
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// How long a request may take on a loaded machine before it counts as hung.
pub const LONG: Duration = Duration::from_secs(120);

/// Percent-encode a query value (everything but unreserved ASCII).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
