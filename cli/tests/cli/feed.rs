//! `mhub feed pull | verify | screen` against a real hub (SPEC §8): a
//! member's mirror follows the hub's signed feed, resumes after an
//! interruption, refuses every kind of tampering on the wire without
//! damage, and screens offline exactly as the hub screens online.
//!
//! Tampering goes through [`wire::Proxy`], a small HTTP forwarder between
//! the CLI and the hub that rewrites the hub's answers: the CLI sees what a
//! man in the middle (or a compromised hub) would serve.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use feed::{FeedHead, Payload, SignedEvent};
use serde_json::{Value, json};

use crate::helpers::{TestHub, json_lines, run, samples, stderr, stdout};
use wire::{Proxy, http};

/// A hub with the keys the feed needs and a mirror path.
struct Feed {
    hub: TestHub,
    /// Reports entries (ACQ01) and screens online.
    acquirer: String,
    /// Approves and removes entries.
    analyst: String,
    /// Pulls the feed, with the token key.
    subscriber: String,
    /// The mirror file (not created yet).
    mirror: PathBuf,
}

impl Feed {
    fn spawn() -> Feed {
        let hub = TestHub::spawn();
        let acquirer = hub.acquirer_key("ACQ01");
        let analyst = hub.analyst_key();
        let subscriber = hub.subscriber_key();
        let mirror = hub.dir.path().join("member.mirror");
        Feed {
            hub,
            acquirer,
            analyst,
            subscriber,
            mirror,
        }
    }

    fn url(&self) -> &str {
        &self.hub.server.url
    }

    /// Report an entry as ACQ01 and approve it: one `add` event. Its id.
    fn list(&self, entry: &Value) -> i64 {
        let (status, body) = http(self.url(), "POST", "/v1/blacklist", &self.acquirer, entry);
        assert_eq!(status, 201, "{entry}: {body}");
        let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap();
        let (status, body) = http(
            self.url(),
            "POST",
            &format!("/v1/blacklist/{id}/approve"),
            &self.analyst,
            &json!({"note": "evidence checked"}),
        );
        assert_eq!(status, 200, "{body}");
        id
    }

    /// Remove an active entry: one `remove` event.
    fn remove(&self, id: i64) {
        let (status, body) = http(
            self.url(),
            "POST",
            &format!("/v1/blacklist/{id}/remove"),
            &self.analyst,
            &json!({"removal": "error", "note": "listed in error"}),
        );
        assert_eq!(status, 200, "{body}");
    }

    /// The first `n` committed sample entries, listed.
    fn list_samples(&self, n: usize) -> Vec<i64> {
        sample_entries()
            .iter()
            .take(n)
            .map(|e| self.list(e))
            .collect()
    }

    /// `GET /v1/feed/head` straight from the hub.
    fn head(&self) -> FeedHead {
        let (status, body) = http(
            self.url(),
            "GET",
            "/v1/feed/head",
            &self.subscriber,
            &json!(null),
        );
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    /// The key id of `GET /v1/feed/key` straight from the hub.
    fn key_id(&self) -> String {
        let (status, body) = http(
            self.url(),
            "GET",
            "/v1/feed/key",
            &self.subscriber,
            &json!(null),
        );
        assert_eq!(status, 200, "{body}");
        let key: Value = serde_json::from_str(&body).unwrap();
        key["key_id"].as_str().unwrap().to_owned()
    }

    /// `mhub feed pull --hub URL --mirror FILE --json` with the subscriber key.
    fn pull(&self, hub_url: &str, extra: &[&str]) -> Output {
        self.pull_with(&self.subscriber, hub_url, extra)
    }

    fn pull_with(&self, key: &str, hub_url: &str, extra: &[&str]) -> Output {
        run(crate::helpers::mhub()
            .env("MHUB_KEY", key)
            .args(["feed", "pull", "--json", "--hub", hub_url, "--mirror"])
            .arg(&self.mirror)
            .args(extra))
    }

    /// `mhub feed verify --json`.
    fn verify(&self) -> Output {
        run(crate::helpers::mhub()
            .args(["feed", "verify", "--json", "--mirror"])
            .arg(&self.mirror))
    }
}

/// The committed blacklist samples as report bodies (the reporter is the
/// key's acquirer, so theirs is dropped).
fn sample_entries() -> Vec<Value> {
    std::fs::read_to_string(samples().join("blacklist.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            let mut entry: Value = serde_json::from_str(line).unwrap();
            entry.as_object_mut().unwrap().remove("reporter");
            entry
        })
        .collect()
}

/// The one JSON line of a successful command.
fn one_json(output: &Output) -> Value {
    let lines = json_lines(output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines.into_iter().next().unwrap()
}

/// Assert that a pull failed with `code`, saying the mirror was not changed.
fn assert_refused(output: &Output, code: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(stdout(output).is_empty(), "{}", stdout(output));
    assert!(err.contains(&format!("({code})")), "expected {code}: {err}");
    assert!(err.contains("unchanged"), "{err}");
}

/// The mirror's events (every column, as text) and meta rows.
type Rows = (Vec<Vec<String>>, Vec<(String, String)>);

/// Every row of the mirror's two tables, as text.
fn dump(mirror: &Path) -> Rows {
    use sqlx::{Connection as _, Row as _};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(mirror)
            .read_only(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .unwrap();
        let events =
            sqlx::query("SELECT seq, prev_hash, hash, signature, payload FROM events ORDER BY seq")
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .into_iter()
                .map(|row| {
                    let mut cells = vec![row.get::<i64, _>(0).to_string()];
                    cells.extend((1..5).map(|i| row.get::<String, _>(i)));
                    cells
                })
                .collect();
        let meta = sqlx::query("SELECT name, value FROM meta ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        conn.close().await.unwrap();
        (events, meta)
    })
}

#[test]
fn a_pull_mirrors_every_approved_and_removed_entry_and_verify_agrees() {
    // Arrange: three entries listed, one of them removed again.
    let feed = Feed::spawn();
    let ids = feed.list_samples(3);
    feed.remove(ids[1]);
    let hub_head = feed.head();
    // The member learnt the key id out of band, and types it in capitals.
    let key_id = feed.key_id().to_uppercase();

    // Act
    let pulled = one_json(&feed.pull(feed.url(), &["--key-id", &key_id]));
    let verified = one_json(&feed.verify());

    // Assert
    assert_eq!(hub_head.seq, 4);
    assert_eq!(pulled["pulled"], 4);
    assert_eq!(pulled["head"]["seq"], 4);
    assert_eq!(pulled["head"]["hash"], hub_head.hash);
    assert_eq!(pulled["active_entries"], 2);
    assert_eq!(pulled["token_key"], true);
    assert_eq!(pulled["key_id"], feed.key_id());
    assert_eq!(verified["head"], pulled["head"]);
    assert_eq!(verified["events"], 4);
    assert_eq!(verified["active_entries"], 2);
    assert_eq!(verified["entries"], 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&feed.mirror)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the mirror holds the token key: {mode:o}");
    }
    // The table form says the same for people.
    let table = run(crate::helpers::mhub()
        .args(["feed", "verify", "--mirror"])
        .arg(&feed.mirror));
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(
        stdout(&table).contains(hub_head.hash.as_str()),
        "{}",
        stdout(&table)
    );
}

#[test]
fn a_second_pull_fetches_only_the_events_after_the_mirrors_head() {
    // Arrange: a mirror at event 2, then two more events on the hub.
    let feed = Feed::spawn();
    feed.list_samples(2);
    one_json(&feed.pull(feed.url(), &[]));
    feed.list(&sample_entries()[2]);
    feed.list(&sample_entries()[3]);
    let proxy = Proxy::start(feed.url(), |_, body| Some(body));

    // Act
    let second = one_json(&feed.pull(&proxy.url, &[]));
    let third = one_json(&feed.pull(&proxy.url, &[]));

    // Assert
    assert_eq!(second["pulled"], 2);
    assert_eq!(second["head"]["seq"], 4);
    assert_eq!(third["pulled"], 0);
    assert_eq!(third["head"], second["head"]);
    let asked: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|path| path.starts_with("/v1/feed/events"))
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(asked[0].contains("after=2"), "{asked:?}");
    assert!(asked[1].contains("after=4"), "{asked:?}");
}

#[test]
fn a_pull_cut_off_by_the_hub_keeps_its_committed_pages_and_resumes_after_them() {
    // Arrange: five events; the hub "goes away" at the third page of one.
    let feed = Feed::spawn();
    feed.list_samples(5);
    let pages = Arc::new(AtomicUsize::new(0));
    let counter = pages.clone();
    let proxy = Proxy::start(feed.url(), move |path, body| {
        if path.starts_with("/v1/feed/events") && counter.fetch_add(1, Ordering::SeqCst) == 2 {
            return None;
        }
        Some(body)
    });

    // Act
    let cut = feed.pull(&proxy.url, &["--page", "1"]);
    let kept = dump(&feed.mirror).0.len();
    let resumed = one_json(&feed.pull(feed.url(), &[]));

    // Assert
    assert_eq!(cut.status.code(), Some(1), "{}", stderr(&cut));
    assert!(
        stderr(&cut).contains("run it again to resume"),
        "{}",
        stderr(&cut)
    );
    assert_eq!(kept, 2, "pages 1 and 2 were committed");
    assert_eq!(resumed["pulled"], 3);
    assert_eq!(resumed["head"]["seq"], 5);
    assert_eq!(resumed["head"]["hash"], feed.head().hash);
    assert!(feed.verify().status.success());
}

#[test]
fn a_pull_killed_mid_way_resumes_cleanly() {
    // Arrange: six events served slowly, one per page.
    let feed = Feed::spawn();
    feed.list_samples(6);
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    let proxy = Proxy::start(feed.url(), move |path, body| {
        if path.starts_with("/v1/feed/events") {
            std::thread::sleep(Duration::from_millis(300));
            counter.fetch_add(1, Ordering::SeqCst);
        }
        Some(body)
    });
    let mut child = crate::helpers::mhub()
        .env("MHUB_KEY", &feed.subscriber)
        .args([
            "feed", "pull", "--page", "1", "--hub", &proxy.url, "--mirror",
        ])
        .arg(&feed.mirror)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Act: kill -9 after three pages were served.
    let deadline = Instant::now() + Duration::from_secs(60);
    while served.load(Ordering::SeqCst) < 3 {
        assert!(Instant::now() < deadline, "the pull never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = one_json(&feed.verify());
    let resumed = one_json(&feed.pull(feed.url(), &[]));

    // Assert: what was kept is a verified prefix, and the rest follows it.
    let kept_seq = kept["head"]["seq"].as_u64().unwrap();
    assert!((2..=3).contains(&kept_seq), "{kept}");
    assert_eq!(resumed["pulled"].as_u64().unwrap(), 6 - kept_seq);
    assert_eq!(resumed["head"]["hash"], feed.head().hash);
    assert_eq!(one_json(&feed.verify())["events"], 6);
}

#[test]
fn ctrl_c_stops_a_pull_saying_where_and_the_next_pull_resumes() {
    // Arrange: four events served slowly, one per page.
    let feed = Feed::spawn();
    feed.list_samples(4);
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    let proxy = Proxy::start(feed.url(), move |path, body| {
        if path.starts_with("/v1/feed/events") {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(300));
        }
        Some(body)
    });
    let child = crate::helpers::mhub()
        .env("MHUB_KEY", &feed.subscriber)
        .args([
            "feed", "pull", "--page", "1", "--hub", &proxy.url, "--mirror",
        ])
        .arg(&feed.mirror)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Act: SIGINT while the second page is on its way.
    let deadline = Instant::now() + Duration::from_secs(60);
    while served.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "the pull never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let interrupted = child.wait_with_output().unwrap();
    let kept = dump(&feed.mirror).0.len();
    let resumed = one_json(&feed.pull(feed.url(), &[]));

    // Assert: page 1 at least was kept, and the message says how far it got.
    let err = stderr(&interrupted);
    assert_eq!(interrupted.status.code(), Some(1), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert!((1..4).contains(&kept), "{kept} events kept");
    assert!(
        err.contains(&format!("the mirror is at event {kept}")),
        "{err}"
    );
    assert!(err.contains("run it again to resume"), "{err}");
    assert_eq!(resumed["pulled"], 4 - kept);
    assert_eq!(resumed["head"]["hash"], feed.head().hash);
}

/// A mirror at event 2 and a hub at event 5: the state each wire-tampering
/// test starts from, and the mirror's rows then.
fn mirror_behind_hub() -> (Feed, Rows) {
    let feed = Feed::spawn();
    feed.list_samples(2);
    one_json(&feed.pull(feed.url(), &[]));
    for entry in &sample_entries()[2..5] {
        feed.list(entry);
    }
    let before = dump(&feed.mirror);
    assert_eq!(before.0.len(), 2);
    (feed, before)
}

/// Pull through a proxy applying `tamper` to every page of events, one
/// event per page unless `page` says otherwise: the output, and whether
/// the run had committed event 3 (it asked for the events after 3) before
/// it was refused.
fn pull_tampered(
    feed: &Feed,
    page: u64,
    tamper: impl Fn(Vec<SignedEvent>) -> Vec<SignedEvent> + Send + Sync + 'static,
) -> (Output, bool) {
    let proxy = Proxy::start(feed.url(), move |path, body| {
        if !path.starts_with("/v1/feed/events") {
            return Some(body);
        }
        Some(wire::ndjson(&tamper(wire::events(&body))))
    });
    let output = feed.pull(&proxy.url, &["--page", &page.to_string()]);
    let committed_3 = proxy
        .requests()
        .iter()
        .any(|path| path.starts_with("/v1/feed/events?after=3"));
    (output, committed_3)
}

#[test]
fn a_payload_altered_on_the_wire_is_refused_and_the_mirror_is_unchanged() {
    let (feed, before) = mirror_behind_hub();

    let (output, committed_3) = pull_tampered(&feed, 1, |mut events| {
        for event in events.iter_mut().filter(|e| e.seq == 4) {
            // One byte of the payload: ACQ01 → ACQ00.
            event.payload["entry"]["reporter"] = "ACQ00".into();
        }
        events
    });

    assert_refused(&output, "feed_tampered");
    assert!(
        stderr(&output).contains("feed event 4"),
        "{}",
        stderr(&output)
    );
    assert!(committed_3, "event 3 was stored, then undone");
    assert_eq!(dump(&feed.mirror), before);
}

#[test]
fn an_event_re_signed_by_another_key_is_refused_and_the_mirror_is_unchanged() {
    let (feed, before) = mirror_behind_hub();
    let forger = SigningKey::from_bytes(&[0x5a; 32]);

    let (output, committed_3) = pull_tampered(&feed, 1, move |mut events| {
        for event in events.iter_mut().filter(|e| e.seq == 4) {
            let mut payload: Payload = serde_json::from_value(event.payload.clone()).unwrap();
            payload.entry.penalty = matcher::Penalty::DelaySettlement;
            *event = feed::seal(&wire::hash(&event.prev_hash), &payload, &forger).unwrap();
        }
        events
    });

    assert_refused(&output, "feed_bad_signature");
    assert!(
        stderr(&output).contains("feed event 4"),
        "{}",
        stderr(&output)
    );
    assert!(committed_3, "event 3 was stored, then undone");
    assert_eq!(dump(&feed.mirror), before);
}

#[test]
fn a_dropped_event_is_refused_and_the_mirror_is_unchanged() {
    let (feed, before) = mirror_behind_hub();

    let (output, _) = pull_tampered(&feed, 1000, |mut events| {
        events.retain(|e| e.seq != 4);
        events
    });

    assert_refused(&output, "feed_gap");
    assert!(
        stderr(&output).contains("expected event 4, got 5"),
        "{}",
        stderr(&output)
    );
    assert_eq!(dump(&feed.mirror), before);
}

#[test]
fn an_event_whose_previous_hash_was_rewritten_is_a_fork_and_the_mirror_is_unchanged() {
    let (feed, before) = mirror_behind_hub();

    let (output, committed_3) = pull_tampered(&feed, 1, |mut events| {
        for event in events.iter_mut().filter(|e| e.seq == 4) {
            event.prev_hash = "ab".repeat(32);
        }
        events
    });

    assert_refused(&output, "feed_fork");
    assert!(
        stderr(&output).contains("feed fork at event 4"),
        "{}",
        stderr(&output)
    );
    assert!(committed_3, "event 3 was stored, then undone");
    assert_eq!(dump(&feed.mirror), before);
}

#[test]
fn another_history_signed_by_another_key_is_a_fork_and_the_mirror_is_unchanged() {
    // Arrange: the hub's five events re-sealed from genesis by another key,
    // with other penalties, served with a head to match.
    let (feed, before) = mirror_behind_hub();
    let (_, real) = http(
        feed.url(),
        "GET",
        "/v1/feed/events?after=0",
        &feed.subscriber,
        &json!(null),
    );
    let forged = wire::reseal(
        &wire::events(real.as_bytes()),
        &SigningKey::from_bytes(&[9; 32]),
    );
    let forged_head = FeedHead {
        seq: 5,
        hash: forged[4].hash.clone(),
    };
    let proxy = Proxy::start(feed.url(), move |path, body| {
        if path.starts_with("/v1/feed/head") {
            return Some(serde_json::to_vec(&forged_head).unwrap());
        }
        if let Some(query) = path.strip_prefix("/v1/feed/events?") {
            let (after, limit) = wire::page_of(query);
            let page: Vec<_> = forged
                .iter()
                .filter(|e| e.seq > after)
                .take(limit)
                .cloned()
                .collect();
            return Some(wire::ndjson(&page));
        }
        Some(body)
    });

    // Act
    let output = feed.pull(&proxy.url, &[]);

    // Assert
    assert_refused(&output, "feed_fork");
    assert!(
        stderr(&output).contains("feed fork at event 3"),
        "{}",
        stderr(&output)
    );
    assert_eq!(dump(&feed.mirror), before);
}

#[test]
fn a_hub_behind_the_mirror_is_refused_as_rewound() {
    let (feed, before) = mirror_behind_hub();
    let proxy = Proxy::start(feed.url(), |path, body| {
        if path.starts_with("/v1/feed/head") {
            return Some(br#"{"seq": 1, "hash": "00"}"#.to_vec());
        }
        Some(body)
    });

    let output = feed.pull(&proxy.url, &[]);

    assert_refused(&output, "feed_rewound");
    assert_eq!(dump(&feed.mirror), before);
}

#[test]
fn a_changed_feed_key_is_refused_and_the_mirror_is_unchanged() {
    let (feed, before) = mirror_behind_hub();
    let other = SigningKey::from_bytes(&[3; 32]).verifying_key();
    let served = json!({
        "algorithm": "ed25519",
        "public_key": wire::hex(other.as_bytes()),
        "key_id": feed::key_id(&other),
    });
    let proxy = Proxy::start(feed.url(), move |path, body| {
        if path.starts_with("/v1/feed/key") {
            return Some(served.to_string().into_bytes());
        }
        Some(body)
    });

    let output = feed.pull(&proxy.url, &[]);

    assert_refused(&output, "feed_key_changed");
    assert!(
        stderr(&output).contains(&feed::key_id(&other)),
        "{}",
        stderr(&output)
    );
    assert_eq!(dump(&feed.mirror), before);
}

#[test]
fn a_first_pull_expecting_another_key_id_creates_no_mirror() {
    let feed = Feed::spawn();
    feed.list_samples(1);

    let output = feed.pull(feed.url(), &["--key-id", "0123456789abcdef"]);

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("(feed_key_mismatch)"),
        "{}",
        stderr(&output)
    );
    assert!(!feed.mirror.exists(), "a refused first pull leaves no file");
}

#[test]
fn a_key_that_may_not_read_the_token_key_mirrors_the_feed_but_cannot_screen() {
    // Arrange
    let feed = Feed::spawn();
    feed.list_samples(2);
    let batch = feed.hub.write("prospects.jsonl", &first_sample_rows(3));

    // Act
    let pulled = feed.pull_with(&feed.acquirer, feed.url(), &[]);
    let screened = run(crate::helpers::mhub()
        .args(["feed", "screen", "--json", "--mirror"])
        .arg(&feed.mirror)
        .arg(&batch));

    // Assert
    let summary = one_json(&pulled);
    assert_eq!(summary["pulled"], 2);
    assert_eq!(summary["token_key"], false);
    assert!(stderr(&pulled).contains("token key"), "{}", stderr(&pulled));
    assert_eq!(screened.status.code(), Some(1));
    assert!(stdout(&screened).is_empty());
    assert!(
        stderr(&screened).contains("token key"),
        "{}",
        stderr(&screened)
    );
}

/// The first `n` parseable rows of samples/ACQ01/merchants.jsonl.
fn first_sample_rows(n: usize) -> String {
    acq01_rows()
        .iter()
        .take(n)
        .map(|row| format!("{row}\n"))
        .collect()
}

/// Every row of samples/ACQ01/merchants.jsonl that is a JSON object (the
/// samples plant a few broken lines).
fn acq01_rows() -> Vec<Value> {
    std::fs::read_to_string(samples().join("ACQ01/merchants.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(Value::is_object)
        .collect()
}

/// A sample row by merchant id.
fn acq01_row(merchant_id: &str) -> Value {
    acq01_rows()
        .into_iter()
        .find(|row| row["merchant_id"] == merchant_id)
        .unwrap_or_else(|| panic!("{merchant_id} is not in ACQ01's samples"))
}

/// A resident ID as a legacy 15-digit number: the 18-digit form without
/// the century and the check digit.
fn fifteen_digit(id: &str) -> String {
    format!("{}{}", &id[..6], &id[8..17])
}

#[test]
fn offline_screening_answers_as_online_screening_does() {
    // Arrange: the sample entries and three cut from ACQ01's own merchants —
    // a merchant by USCC, a person by resident ID, an account — listed.
    let feed = Feed::spawn();
    let by_uscc = acq01_row("898110172300001");
    let by_id = acq01_row("898210153110001");
    let by_account = acq01_row("898360859210001");
    for entry in sample_entries() {
        feed.list(&entry);
    }
    feed.list(&json!({
        "subject_type": "merchant", "reason": "cash_out", "penalty": "terminate",
        "evidence": "套现，已终止合作", "name": by_uscc["name"], "uscc": by_uscc["uscc"],
    }));
    feed.list(&json!({
        "subject_type": "person", "reason": "false_information", "penalty": "terminate",
        "evidence": "法定代表人提供虚假资料", "name": by_id["legal_rep"]["name"],
        "id_type": "resident_id", "id_number": by_id["legal_rep"]["id_number"],
    }));
    feed.list(&json!({
        "subject_type": "settlement_account", "reason": "account_trading",
        "penalty": "delay_settlement", "evidence": "账户出租出借",
        "name": by_account["settlement_account"]["name"],
        "account_number": by_account["settlement_account"]["number"],
    }));
    // Prospects: ACQ01's sample file as it is (broken lines too), then the
    // same USCC under a new name, the same ID in lower-case x and in its
    // 15-digit form, the same account.
    let mut renamed = by_uscc.clone();
    renamed["merchant_id"] = "NEW000001".into();
    renamed["name"] = "北京市鑫源百货商行".into();
    let id = by_id["legal_rep"]["id_number"].as_str().unwrap().to_owned();
    assert!(
        id.ends_with('X'),
        "the test wants an ID with a check letter: {id}"
    );
    let mut lower_x = by_id.clone();
    lower_x["merchant_id"] = "NEW000002".into();
    lower_x["legal_rep"]["id_number"] = id.to_lowercase().into();
    let mut legacy = by_id.clone();
    legacy["merchant_id"] = "NEW000003".into();
    legacy["legal_rep"]["id_number"] = fifteen_digit(&id).into();
    let mut same_account = by_account.clone();
    same_account["merchant_id"] = "NEW000004".into();
    same_account["name"] = "鑫源便利店".into();
    let mut text = std::fs::read_to_string(samples().join("ACQ01/merchants.jsonl")).unwrap();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    for planted in [renamed, lower_x, legacy, same_account] {
        text.push_str(&format!("{planted}\n"));
    }
    let n = text.lines().count();
    let batch = feed.hub.write("prospects.jsonl", &text);
    one_json(&feed.pull(feed.url(), &[]));

    // Act
    let online = json_lines(&run(feed
        .hub
        .mhub(&feed.acquirer)
        .args(["screen", "--json"])
        .arg(&batch)));
    let offline = json_lines(&run(crate::helpers::mhub()
        .args(["feed", "screen", "--json", "--mirror"])
        .arg(&feed.mirror)
        .arg(&batch)));

    // Assert: line by line, the same decision, hits and row errors.
    assert_eq!(online.len(), n);
    assert_eq!(offline.len(), n);
    for (on, off) in online.iter().zip(&offline) {
        let line = &on["line"];
        assert_eq!(on["line"], off["line"]);
        assert_eq!(on["merchant_id"], off["merchant_id"], "line {line}");
        assert_eq!(on["decision"], off["decision"], "line {line}");
        assert_eq!(on["hits"], off["hits"], "line {line}");
        assert_eq!(on["errors"], off["errors"], "line {line}");
        assert!(off.get("existing").is_none(), "a mirror holds no merchants");
    }
    assert!(
        offline.iter().any(|r| r["decision"].is_null()),
        "the samples' broken rows"
    );
    for planted in &offline[n - 4..] {
        assert_eq!(planted["decision"], "blocked", "{planted}");
    }
    let blocked_samples = offline[..n - 4]
        .iter()
        .filter(|r| r["decision"] == "blocked")
        .count();
    assert!(
        blocked_samples >= 3,
        "the listed merchants themselves are blocked too"
    );
    // The table form lists the hits for people.
    let table = run(crate::helpers::mhub()
        .args(["feed", "screen", "--mirror"])
        .arg(&feed.mirror)
        .arg(&batch));
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(stdout(&table).contains("NEW000001"), "{}", stdout(&table));
    assert!(stdout(&table).contains("blocked"));
}

#[test]
fn an_event_altered_inside_the_mirror_file_fails_verify_and_stops_the_next_pull() {
    // Arrange: a good mirror, then one stored payload edited, and one more
    // event on the hub.
    let feed = Feed::spawn();
    feed.list_samples(3);
    one_json(&feed.pull(feed.url(), &[]));
    edit_payload(&feed.mirror, 2);
    feed.list(&sample_entries()[3]);
    let before = dump(&feed.mirror);

    // Act
    let verified = feed.verify();
    let pulled = feed.pull(feed.url(), &[]);

    // Assert: both name the event and its code; the pull adds nothing.
    for output in [&verified, &pulled] {
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(output).contains("feed event 2"),
            "{}",
            stderr(output)
        );
        assert!(
            stderr(output).contains("(feed_tampered)"),
            "{}",
            stderr(output)
        );
    }
    assert!(
        stderr(&pulled).contains("nothing was pulled"),
        "{}",
        stderr(&pulled)
    );
    assert_eq!(dump(&feed.mirror), before);
}

/// Change the stored payload of event `seq` behind the CLI's back.
fn edit_payload(mirror: &Path, seq: i64) {
    use sqlx::Connection as _;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(mirror);
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
        let done = sqlx::query(
            "UPDATE events SET payload = replace(payload, '\"reporter\":\"ACQ01\"', '\"reporter\":\"ACQ02\"') WHERE seq = ?",
        )
        .bind(seq)
        .execute(&mut conn)
        .await
        .unwrap();
        assert_eq!(done.rows_affected(), 1);
        conn.close().await.unwrap();
    });
}

/// The HTTP plumbing of these tests: requests with std only, and the
/// tampering proxy.
mod wire {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use ed25519_dalek::SigningKey;
    use feed::{Payload, SignedEvent};
    use serde_json::Value;

    /// One request to `base` (`http://HOST:PORT`) with a bearer key and a
    /// JSON body (none when null): the status and the body.
    pub fn http(base: &str, method: &str, path: &str, key: &str, body: &Value) -> (u16, String) {
        let body = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let timeout = std::time::Duration::from_secs(120);
        let json = Some("application/json");
        crate::helpers::request(
            base,
            method,
            path,
            Some(key),
            json,
            body.as_bytes(),
            timeout,
        )
        .unwrap()
    }

    /// What the proxy does with one answer: the request's path and query,
    /// and the hub's body → the body to send on, or `None` to drop the
    /// connection without an answer (a hub that went away).
    type Rewrite = dyn Fn(&str, Vec<u8>) -> Option<Vec<u8>> + Send + Sync;

    /// An HTTP forwarder to one upstream hub that rewrites answers.
    pub struct Proxy {
        /// `http://127.0.0.1:PORT`, to give the CLI as --hub.
        pub url: String,
        address: SocketAddr,
        stop: Arc<AtomicBool>,
        requests: Arc<Mutex<Vec<String>>>,
    }

    impl Proxy {
        /// Listen on a free port and forward to `upstream` until dropped.
        pub fn start(
            upstream: &str,
            rewrite: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>> + Send + Sync + 'static,
        ) -> Proxy {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap();
            let stop = Arc::new(AtomicBool::new(false));
            let requests = Arc::new(Mutex::new(Vec::new()));
            let upstream = upstream.strip_prefix("http://").unwrap().to_owned();
            let rewrite: Arc<Rewrite> = Arc::new(rewrite);
            let (stopped, seen) = (stop.clone(), requests.clone());
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stopped.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(client) = client else { continue };
                    let (upstream, rewrite, seen) =
                        (upstream.clone(), rewrite.clone(), seen.clone());
                    std::thread::spawn(move || {
                        let _ = forward(client, &upstream, &*rewrite, &seen);
                    });
                }
            });
            Proxy {
                url: format!("http://{address}"),
                address,
                stop,
                requests,
            }
        }

        /// The paths (with queries) asked so far, in order.
        pub fn requests(&self) -> Vec<String> {
            self.requests.lock().unwrap().clone()
        }
    }

    impl Drop for Proxy {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the accept loop so it sees the flag.
            let _ = TcpStream::connect(self.address);
        }
    }

    /// One request: read it, send it upstream with `Connection: close`,
    /// read the whole answer, rewrite its body, answer with a length.
    fn forward(
        client: TcpStream,
        upstream: &str,
        rewrite: &Rewrite,
        seen: &Mutex<Vec<String>>,
    ) -> std::io::Result<()> {
        let mut reader = BufReader::new(client.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        let path = request_line.split(' ').nth(1).unwrap_or("/").to_owned();
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end().to_owned();
            if line.is_empty() {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            if !lower.starts_with("connection:") {
                headers.push(line);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        seen.lock().unwrap().push(path.clone());

        let mut hub = TcpStream::connect(upstream)?;
        write!(hub, "{}", request_line)?;
        for header in &headers {
            write!(hub, "{header}\r\n")?;
        }
        write!(hub, "Connection: close\r\n\r\n")?;
        hub.write_all(&body)?;
        let (status, answer_headers, answer) = crate::helpers::read_response(&mut hub)?;

        let mut client = client;
        let Some(answer) = rewrite(&path, answer) else {
            return client.shutdown(std::net::Shutdown::Both);
        };
        write!(client, "HTTP/1.1 {status} X\r\n")?;
        for header in answer_headers {
            let lower = header.to_ascii_lowercase();
            if !["content-length:", "transfer-encoding:", "connection:"]
                .iter()
                .any(|h| lower.starts_with(h))
            {
                write!(client, "{header}\r\n")?;
            }
        }
        write!(
            client,
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            answer.len()
        )?;
        client.write_all(&answer)?;
        client.flush()
    }

    /// The events of an NDJSON body.
    pub fn events(body: &[u8]) -> Vec<SignedEvent> {
        String::from_utf8_lossy(body)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Events as an NDJSON body.
    pub fn ndjson(events: &[SignedEvent]) -> Vec<u8> {
        events
            .iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect::<String>()
            .into_bytes()
    }

    /// A hash from its 64 hex digits.
    pub fn hash(hex_hash: &str) -> [u8; 32] {
        let mut out = [0; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex_hash[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    /// Bytes as lower-case hex.
    pub fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Another history: the same events' payloads with another penalty,
    /// sealed from genesis by `key`.
    pub fn reseal(events: &[SignedEvent], key: &SigningKey) -> Vec<SignedEvent> {
        let mut prev = feed::GENESIS_HASH;
        events
            .iter()
            .map(|event| {
                let mut payload: Payload = serde_json::from_value(event.payload.clone()).unwrap();
                payload.entry.penalty = matcher::Penalty::DelaySettlement;
                let sealed = feed::seal(&prev, &payload, key).unwrap();
                prev = hash(&sealed.hash);
                sealed
            })
            .collect()
    }

    /// `after` and `limit` of an events query (limit defaults to 1000).
    pub fn page_of(query: &str) -> (u64, usize) {
        let mut after = 0;
        let mut limit = 1000;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("after", v)) => after = v.parse().unwrap(),
                Some(("limit", v)) => limit = v.parse().unwrap(),
                _ => {}
            }
        }
        (after, limit)
    }
}
