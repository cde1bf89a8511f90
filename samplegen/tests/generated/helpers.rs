//! Shared fixtures: generated data sets (cached per test binary build), a
//! loader that reads JSONL and CSV batches into one shape, the validity
//! checker built on matcher's parsers, and a perceptual hash.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use time::macros::date;

use samplegen::{Options, Truth};

/// A generated data set, loaded.
pub struct Dataset {
    pub dir: PathBuf,
    pub truth: Truth,
    pub rows: Vec<Row>,
}

/// One merchant line of a batch.
pub struct Row {
    pub acquirer: String,
    /// 1-based line (CSV: the header is line 1).
    pub line: usize,
    /// The raw text of a JSONL line (empty for CSV).
    pub raw: String,
    /// The row in the JSON shape; `None` when the line is not valid JSON.
    pub value: Option<Value>,
}

impl Row {
    pub fn str(&self, pointer: &str) -> Option<&str> {
        self.value.as_ref()?.pointer(pointer)?.as_str()
    }

    pub fn merchant_id(&self) -> &str {
        self.str("/merchant_id").unwrap_or("")
    }
}

/// A fresh directory under cargo's per-target temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("samplegen")
        .join(format!("{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Generates `options` into a directory shared by the tests of this build of
/// the test binary. nextest runs each test in its own process, so the cache
/// is on disk: one process takes a lock file and generates under a temporary
/// name, then renames it into place; the others wait for it.
pub fn dataset(name: &str, options: &Options) -> Dataset {
    let exe = std::env::current_exe().unwrap();
    let built = fs::metadata(&exe).unwrap().modified().unwrap();
    let stamp = built.duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("samplegen");
    fs::create_dir_all(&root).unwrap();
    let dir = root.join(format!("{name}-{stamp}"));
    let lock = root.join(format!("{name}-{stamp}.lock"));
    let deadline = Instant::now() + Duration::from_secs(600);
    while !dir.join("truth.json").exists() {
        if fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
            .is_ok()
        {
            let tmp = root.join(format!("{name}-{stamp}.tmp"));
            let _ = fs::remove_dir_all(&tmp);
            samplegen::generate(options, &tmp).unwrap();
            fs::rename(&tmp, &dir).unwrap();
            fs::remove_file(&lock).unwrap();
            remove_stale(&root, name, stamp);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {}",
            lock.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    load(&dir)
}

/// Removes data sets that earlier builds of the test binary left behind.
fn remove_stale(root: &Path, name: &str, stamp: u128) {
    let current = format!("{name}-{stamp}");
    for entry in fs::read_dir(root).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let ours = file
            .strip_prefix(&format!("{name}-"))
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
        if ours && !file.starts_with(&current) {
            let path = entry.path();
            let _ = if path.is_dir() {
                fs::remove_dir_all(path)
            } else {
                fs::remove_file(path)
            };
        }
    }
}

/// Reads every batch under `dir` and its truth file.
pub fn load(dir: &Path) -> Dataset {
    let truth: Truth =
        serde_json::from_str(&fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let mut rows = Vec::new();
    for i in 1..=truth.generated.acquirers {
        let code = format!("ACQ{i:02}");
        let batch = dir.join(&code);
        if batch.join("merchants.jsonl").exists() {
            let text = fs::read_to_string(batch.join("merchants.jsonl")).unwrap();
            for (n, line) in text.lines().enumerate() {
                rows.push(Row {
                    acquirer: code.clone(),
                    line: n + 1,
                    raw: line.to_owned(),
                    value: serde_json::from_str(line).ok(),
                });
            }
        } else {
            rows.extend(load_csv(&batch, &code));
        }
    }
    Dataset {
        dir: dir.to_owned(),
        truth,
        rows,
    }
}

/// Reads a CSV pair into JSON-shaped rows (empty cell = absent).
fn load_csv(batch: &Path, code: &str) -> Vec<Row> {
    let mut terminals: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(batch.join("terminals.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    for record in reader.records() {
        let record = record.unwrap();
        let mut t = Map::new();
        for (h, v) in headers.iter().zip(record.iter()).skip(1) {
            put(&mut t, h, v);
        }
        terminals
            .entry(record[0].to_owned())
            .or_default()
            .push(Value::Object(t));
    }
    let mut reader = csv::Reader::from_path(batch.join("merchants.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let line = record.position().unwrap().line() as usize;
        let cell = |name: &str| {
            let i = headers.iter().position(|h| h == name).unwrap();
            record[i].to_owned()
        };
        let mut m = Map::new();
        for h in [
            "merchant_id",
            "name",
            "uscc",
            "mcc",
            "address",
            "region_code",
            "lat",
            "lng",
            "contact_phone",
            "onboarded_at",
            "status",
            "termination_reason",
            "terminated_at",
        ] {
            put(&mut m, h, &cell(h));
        }
        let mut rep = Map::new();
        for (h, k) in [
            ("legal_rep_name", "name"),
            ("legal_rep_id_type", "id_type"),
            ("legal_rep_id_number", "id_number"),
            ("legal_rep_phone", "phone"),
        ] {
            put(&mut rep, k, &cell(h));
        }
        m.insert("legal_rep".into(), Value::Object(rep));
        let mut account = Map::new();
        for (h, k) in [
            ("account_number", "number"),
            ("account_name", "name"),
            ("account_bank", "bank"),
            ("account_kind", "kind"),
        ] {
            put(&mut account, k, &cell(h));
        }
        m.insert("settlement_account".into(), Value::Object(account));
        let photos = cell("photos");
        if !photos.is_empty() {
            let list: Vec<Value> = photos
                .split(';')
                .map(|p| {
                    let (kind, file) = p.split_once(':').unwrap();
                    json!({"kind": kind, "file": file})
                })
                .collect();
            m.insert("photos".into(), Value::Array(list));
        }
        if let Some(ts) = terminals.remove(&cell("merchant_id")) {
            m.insert("terminals".into(), Value::Array(ts));
        }
        rows.push(Row {
            acquirer: code.to_owned(),
            line,
            raw: String::new(),
            value: Some(Value::Object(m)),
        });
    }
    rows
}

/// Inserts a CSV cell: numbers for coordinates when they parse, absent when empty.
fn put(map: &mut Map<String, Value>, key: &str, cell: &str) {
    if cell.is_empty() {
        return;
    }
    let value = match key {
        "lat" | "lng" => cell
            .parse::<f64>()
            .map_or_else(|_| json!(cell), |v| json!(v)),
        _ => json!(cell),
    };
    map.insert(key.to_owned(), value);
}

/// Every problem the hub's validation should report for `row`, as
/// `(field, code)`. A valid row has none. Photos are decoded only when
/// `decode` is set (slow in a debug build); otherwise only their presence
/// is checked.
pub fn problems(dir: &Path, row: &Row, decode: bool) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    let Some(v) = &row.value else {
        return vec![(None, "malformed_json".into())];
    };
    let mut bad = |field: &str, code: &str| out.push((Some(field.to_owned()), code.to_owned()));
    let s = |p: &str| v.pointer(p).and_then(Value::as_str);
    for (field, pointer) in [
        ("merchant_id", "/merchant_id"),
        ("name", "/name"),
        ("mcc", "/mcc"),
        ("address", "/address"),
        ("legal_rep", "/legal_rep"),
        ("settlement_account", "/settlement_account"),
    ] {
        if v.pointer(pointer).is_none() {
            bad(field, "missing_field");
        }
    }
    if let Some(id) = s("/merchant_id")
        && !matcher::MerchantId::parse(id).is_ok_and(|m| m.is_unionpay_form())
    {
        bad("merchant_id", "merchant_id_format");
    }
    if let Some(mcc) = s("/mcc")
        && let Err(e) = matcher::Mcc::parse(mcc)
    {
        bad("mcc", e.code());
    }
    if let Some(u) = s("/uscc")
        && let Err(e) = matcher::Uscc::parse(u)
    {
        bad("uscc", e.code());
    }
    if let Some(r) = s("/region_code")
        && let Err(e) = matcher::RegionCode::parse(r)
    {
        bad("region_code", e.code());
    }
    match (v.get("lat"), v.get("lng")) {
        (None, None) => {}
        (Some(lat), Some(lng)) => match (lat.as_f64(), lng.as_f64()) {
            (Some(lat), Some(lng)) => {
                if let Err(e) = matcher::normalise::coordinates(lat, lng) {
                    bad("lat", e.code());
                }
            }
            _ => bad("lat", "wrong_type"),
        },
        _ => bad("lat", "missing_field"),
    }
    match s("/legal_rep/id_type") {
        Some("resident_id") => {
            if let Err(e) = matcher::ResidentId::parse(
                s("/legal_rep/id_number").unwrap_or(""),
                date!(2026 - 01 - 01),
            ) {
                bad("legal_rep.id_number", e.code());
            }
        }
        Some(_) => {
            if let Err(e) =
                matcher::normalise::document_number(s("/legal_rep/id_number").unwrap_or(""))
            {
                bad("legal_rep.id_number", e.code());
            }
        }
        None => {}
    }
    for (field, pointer) in [
        ("legal_rep.phone", "/legal_rep/phone"),
        ("contact_phone", "/contact_phone"),
    ] {
        if let Some(p) = s(pointer)
            && let Err(e) = matcher::MobilePhone::parse(p)
        {
            bad(field, e.code());
        }
    }
    if let Some(n) = s("/settlement_account/number") {
        let kind = match s("/settlement_account/kind") {
            Some("card") => Some(matcher::AccountKind::Card),
            Some("corporate") => Some(matcher::AccountKind::Corporate),
            _ => None,
        };
        if let Err(e) = matcher::AccountNumber::parse(n, kind) {
            bad("settlement_account.number", e.code());
        }
    }
    for (i, t) in v
        .get("terminals")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Err(e) = matcher::TerminalSn::parse(t["sn"].as_str().unwrap_or("")) {
            bad(&format!("terminals[{i}].sn"), e.code());
        }
        if let Err(e) = matcher::TerminalId::parse(t["terminal_id"].as_str().unwrap_or("")) {
            bad(&format!("terminals[{i}].terminal_id"), e.code());
        }
    }
    for (i, p) in v
        .get("photos")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = dir
            .join(&row.acquirer)
            .join(p["file"].as_str().unwrap_or(""));
        match fs::read(&path) {
            Err(_) => bad(&format!("photos[{i}].file"), "photo_missing"),
            Ok(bytes) => {
                if decode && image::load_from_memory(&bytes).is_err() {
                    bad(&format!("photos[{i}].file"), "photo_undecodable");
                }
            }
        }
    }
    out
}

/// The normalised forms the matcher keys on.
pub fn resident_id(raw: &str) -> Option<String> {
    matcher::ResidentId::parse(raw, date!(2026 - 01 - 01))
        .ok()
        .map(|id| id.as_str().to_owned())
}

pub fn phone(raw: &str) -> Option<String> {
    matcher::MobilePhone::parse(raw)
        .ok()
        .map(|p| p.as_str().to_owned())
}

pub fn account(raw: &str) -> Option<String> {
    matcher::AccountNumber::parse(raw, None)
        .ok()
        .map(|a| a.as_str().to_owned())
}

pub fn sn_key(raw: &str) -> Option<String> {
    matcher::TerminalSn::parse(raw).ok().map(|s| s.match_key())
}

/// A 64-bit DCT perceptual hash (32×32 greyscale, 8×8 lowest frequencies
/// against their median), the usual pHash.
pub fn phash(bytes: &[u8]) -> u64 {
    let grey = image::load_from_memory(bytes).unwrap().to_luma8();
    let small = image::imageops::resize(&grey, 32, 32, image::imageops::FilterType::Triangle);
    let px: Vec<f64> = small.pixels().map(|p| f64::from(p[0])).collect();
    // cos((2x+1)uπ/64) for u < 8, x < 32.
    let basis: Vec<f64> = (0..8 * 32)
        .map(|i| ((2 * (i % 32) + 1) as f64 * (i / 32) as f64 * std::f64::consts::PI / 64.0).cos())
        .collect();
    let mut coeffs = Vec::with_capacity(64);
    for u in 0..8 {
        for v in 0..8 {
            let mut sum = 0.0;
            for y in 0..32 {
                let row: f64 = (0..32).map(|x| px[y * 32 + x] * basis[u * 32 + x]).sum();
                sum += row * basis[v * 32 + y];
            }
            coeffs.push(sum);
        }
    }
    let mut sorted = coeffs[1..].to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    coeffs
        .iter()
        .enumerate()
        .fold(0u64, |h, (i, &c)| if c > median { h | 1 << i } else { h })
}

/// The standard options of the mid-size data set: no photos, four acquirers
/// (every profile plus a second clean one), every non-photo defect.
pub fn mid_options() -> Options {
    Options {
        merchants: 2000,
        acquirers: 4,
        seed: 7,
        photos: false,
        invalid_rows: 60,
        blacklist_decoys: Some(20),
    }
}

/// The photo data set: small, because drawing and encoding JPEGs is slow
/// in a debug build.
pub fn photo_options() -> Options {
    Options {
        merchants: 90,
        acquirers: 3,
        seed: 11,
        photos: true,
        invalid_rows: 12,
        blacklist_decoys: None,
    }
}
