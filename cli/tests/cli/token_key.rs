//! `mhub keys rotate-token-key` (issue 6: token-key rotation, tested): on
//! the samples with an approved blacklist, a dismissed alert and a member's
//! feed mirror, a rotation
//!
//! - is refused while a hub serves the directory, changing nothing;
//! - rewraps every stored token: each old token becomes exactly the new
//!   key's rewrap of it, and no old token is left in any text column of any
//!   table but the signed logs (feed events, the audit log);
//! - leaves every finding as it was (alerts, their status, the dismissal),
//!   search by a raw ID, online screening, and an unchanged re-upload;
//! - reaches the member: the next `feed pull` verifies, takes the new key
//!   and the re-published entries, and offline screening answers as before;
//! - and a hub given the old key afterwards refuses to start.
//!
//! Then the crash cases of the staged key: one whose rotation committed is
//! finished at the next start, one that never committed is set aside.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use matcher::{Token, TokenKey};
use serde_json::Value;
use sqlx::Row;

use crate::helpers::{
    PgCluster, Server, TestHub, approve_entries, hub_with_samples_on, json_lines, mhub,
    report_sample_blacklist, run, sample_legal_rep_id, samples, stderr, stdout,
};

#[test]
fn rotating_the_token_key_rewraps_every_token_and_keeps_every_finding_on_sqlite() {
    rotation_on(TestHub::spawn(), &[]);
}

#[test]
fn rotating_the_token_key_rewraps_every_token_and_keeps_every_finding_on_postgresql() {
    if !crate::helpers::postgres_available() {
        return;
    }
    let pg = PgCluster::start();
    let url = pg.url();
    rotation_on(
        TestHub::spawn_with(&["--database-url", &url]),
        &["--database-url", &url],
    );
}

/// What the hub answered, to compare before and after the rotation.
#[derive(Debug, PartialEq)]
struct Findings {
    /// Alerts by id: type, subtype, members, score, status.
    alerts: BTreeMap<i64, Value>,
    /// Merchants found by one legal representative's raw ID number.
    search: Value,
    /// ACQ01's sample file screened online: decision and hits per line.
    screened: Vec<Value>,
}

fn findings(hub: &TestHub, analyst: &str, acquirer: &str) -> Findings {
    let alerts = json_lines(&run(hub.mhub(analyst).args(["alerts", "list", "--json"])))
        .into_iter()
        .map(|a| {
            let id = a["id"].as_i64().unwrap();
            let kept = ["type", "subtype", "members", "score", "status"]
                .iter()
                .map(|k| (k.to_string(), a[*k].clone()))
                .collect();
            (id, Value::Object(kept))
        })
        .collect();
    let id = sample_legal_rep_id("ACQ01", "898110172300001");
    let search = json_lines(&run(hub.mhub(analyst).args([
        "merchants",
        "search",
        &id,
        "--json",
    ])))
    .remove(0);
    let screened = json_lines(&run(hub
        .mhub(acquirer)
        .args(["screen", "--json"])
        .arg(samples().join("ACQ01/merchants.jsonl"))))
    .iter()
    .map(decision)
    .collect();
    Findings {
        alerts,
        search,
        screened,
    }
}

/// What a screen answered for one line: its decision and hits.
fn decision(answer: &Value) -> Value {
    serde_json::json!({"line": answer["line"], "decision": answer["decision"], "hits": answer["hits"]})
}

/// Run `command`, which must fail saying `reason` on stderr.
fn assert_fails_saying(command: &mut std::process::Command, reason: &str) {
    let output = command.output().unwrap();
    assert!(!output.status.success(), "{}", stdout(&output));
    assert!(stderr(&output).contains(reason), "{}", stderr(&output));
}

fn rotation_on(hub: TestHub, db_args: &[&str]) {
    // Arrange: samples, the sample blacklist approved, one alert dismissed,
    // a member's mirror pulled, and what every read answers.
    let (mut hub, keys, analyst) = hub_with_samples_on(hub);
    let reported = report_sample_blacklist(&hub, &analyst);
    // Four eyes: another analyst approves.
    let reviewer = hub.analyst_key();
    approve_entries(&hub, &reviewer, &reported);
    let first_alert =
        json_lines(&run(hub.mhub(&analyst).args(["alerts", "list", "--json"])))[0]["id"]
            .as_i64()
            .unwrap()
            .to_string();
    run(hub.mhub(&analyst).args([
        "alerts",
        "dismiss",
        &first_alert,
        "--reason",
        "same family, reviewed",
    ]));
    let subscriber = hub.subscriber_key();
    let mirror = hub.dir.path().join("mirror.sqlite3");
    let pull = |hub_url: &str| {
        json_lines(&run(mhub()
            .env("MHUB_KEY", &subscriber)
            .args(["feed", "pull", "--json", "--hub", hub_url, "--mirror"])
            .arg(&mirror)))
    };
    pull(&hub.server.url);
    let offline = |mirror: &Path| {
        json_lines(&run(mhub()
            .args(["feed", "screen", "--json", "--mirror"])
            .arg(mirror)
            .arg(samples().join("ACQ01/merchants.jsonl"))))
        .iter()
        .map(decision)
        .collect::<Vec<_>>()
    };
    let before = findings(&hub, &analyst, &keys["ACQ01"]);
    let offline_before = offline(&mirror);
    assert_eq!(
        offline_before, before.screened,
        "offline equals online before"
    );
    assert!(before.alerts.len() >= 3, "{:?}", before.alerts);
    let data_dir = hub.data_dir();
    let key_file = data_dir.join("secrets/token.key");
    let old_key = read_key(&key_file);
    let database = database_url(&data_dir, db_args);
    let old_tokens = merchant_tokens(&database);
    assert!(old_tokens.len() > 20, "{}", old_tokens.len());

    // A rotation beside the serving hub is refused and changes nothing.
    assert_fails_saying(
        mhub()
            .args(["keys", "rotate-token-key", "--data-dir"])
            .arg(&data_dir)
            .args(db_args),
        "another hub process is serving",
    );
    assert_eq!(merchant_tokens(&database), old_tokens);

    // Act: stop the hub, rotate, start it again.
    hub.server.terminate();
    let output = run(mhub()
        .args(["keys", "rotate-token-key", "--json", "--data-dir"])
        .arg(&data_dir)
        .args(db_args));
    let report = json_lines(&output).remove(0);
    hub.server = Server::start_with(&data_dir, db_args);

    // Assert: the key gained a generation, named as the report says.
    let new_key = read_key(&key_file);
    assert_eq!(new_key.generations().len(), 2);
    assert_eq!(new_key.generations()[0], old_key.generations()[0]);
    assert_eq!(report["rotation"]["before"], old_key.fingerprint());
    assert_eq!(report["rotation"]["after"], new_key.fingerprint());
    assert_eq!(
        report["rotation"]["entries_republished"].as_u64().unwrap() as usize,
        reported.len(),
        "{report}"
    );
    assert_eq!(
        report["rebuild"]["changes"],
        serde_json::json!([]),
        "{report}"
    );
    // Every stored token is the new key's rewrap of the old one.
    let expected: BTreeSet<String> = old_tokens
        .iter()
        .map(|t| new_key.rewrap(&Token::from_hex(t).unwrap()).into_string())
        .collect();
    assert_eq!(merchant_tokens(&database), expected);
    // No old token is left anywhere but in the signed logs.
    assert_no_old_token(&database, &old_tokens);
    // Every finding is as it was.
    let after = findings(&hub, &analyst, &keys["ACQ01"]);
    assert_eq!(after.alerts, before.alerts);
    assert_eq!(after.search, before.search);
    assert_eq!(after.screened, before.screened);
    // Re-uploading ACQ01's book (other bytes, same rows) changes nothing:
    // records tokenised under the new key equal the rewrapped ones.
    let mut text = std::fs::read_to_string(samples().join("ACQ01/merchants.jsonl")).unwrap();
    text.push('\n');
    let again = hub.write("ACQ01-again.jsonl", &text);
    let result = json_lines(&run(hub
        .mhub(&keys["ACQ01"])
        .arg("upload")
        .arg(&again)
        .arg("--json")))
    .remove(0);
    assert_eq!(result["replayed"], false, "{result}");
    assert_eq!(result["created"], 0, "{result}");
    assert_eq!(result["updated"], 0, "{result}");
    assert_eq!(result["unchanged"], result["accepted"], "{result}");
    assert_eq!(result["alerts"], serde_json::json!([]), "{result}");
    // The member's next pull verifies, takes the new key and the
    // re-published entries; offline screening answers as before.
    let pulled = pull(&hub.server.url);
    assert_eq!(
        pulled[0]["pulled"].as_u64().unwrap() as usize,
        reported.len(),
        "{pulled:?}"
    );
    assert_eq!(offline(&mirror), before.screened);
    run(mhub().args(["feed", "verify", "--mirror"]).arg(&mirror));

    // A hub started with the old key refuses: its tokens would not match.
    hub.server.terminate();
    std::fs::write(&key_file, format!("{}\n", old_key.to_hex())).unwrap();
    assert_fails_saying(
        mhub()
            .args(["reindex", "--data-dir"])
            .arg(&data_dir)
            .args(db_args),
        "do not belong to this database",
    );

    // A crash after the commit: token.key still old, the new key staged.
    // The next start finishes the rotation.
    let staged = data_dir.join("secrets/token.key.next");
    std::fs::write(&staged, format!("{}\n", new_key.to_hex())).unwrap();
    hub.server = Server::start_with(&data_dir, db_args);
    assert!(!staged.exists());
    assert_eq!(read_key(&key_file), new_key);
    // A crash before the commit: a staged key the database never used. The
    // next start sets it aside and runs on the current key.
    hub.server.terminate();
    let stray = new_key.rotated([5; 32]).unwrap();
    std::fs::write(&staged, format!("{}\n", stray.to_hex())).unwrap();
    hub.server = Server::start_with(&data_dir, db_args);
    assert!(!staged.exists());
    assert_eq!(read_key(&key_file), new_key);
    assert_eq!(
        read_key(&data_dir.join("secrets/token.key.abandoned")),
        stray
    );
    assert_eq!(findings(&hub, &analyst, &keys["ACQ01"]), before);
    eprintln!("rotation: {}", stdout(&output).trim());
}

fn read_key(path: &Path) -> TokenKey {
    TokenKey::from_hex(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn database_url(data_dir: &Path, db_args: &[&str]) -> String {
    match db_args {
        [_, url] => url.to_string(),
        _ => format!("sqlite://{}", data_dir.join("mhub.sqlite3").display()),
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

async fn connect(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap()
}

/// Every token in the merchants table's token columns.
fn merchant_tokens(url: &str) -> BTreeSet<String> {
    block_on(async {
        let pool = connect(url).await;
        let mut tokens = BTreeSet::new();
        for column in [
            "legal_rep_id_token",
            "legal_rep_phone_token",
            "contact_phone_token",
            "account_token",
        ] {
            let sql = format!("SELECT {column} AS t FROM merchants WHERE {column} IS NOT NULL");
            for row in sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&pool)
                .await
                .unwrap()
            {
                tokens.insert(row.get::<String, _>("t"));
            }
        }
        pool.close().await;
        tokens
    })
}

/// Fail on an old token in any text column of any table but the signed
/// logs (`feed_events`, and the audit tables on PostgreSQL; on SQLite the
/// audit log is a file of its own).
fn assert_no_old_token(url: &str, old: &BTreeSet<String>) {
    let needles = aho_corasick::AhoCorasick::new(old).unwrap();
    block_on(async {
        let pool = connect(url).await;
        let columns_sql = if url.starts_with("postgres") {
            "SELECT CAST(table_name AS TEXT) AS t, CAST(column_name AS TEXT) AS c \
             FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')"
        } else {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND p.type = 'TEXT'"
        };
        let columns: Vec<(String, String)> = sqlx::query(columns_sql)
            .fetch_all(&pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("t"), r.get("c")))
            .collect();
        assert!(columns.len() > 40, "{columns:?}");
        let mut scanned = 0;
        for (table, column) in &columns {
            if table == "feed_events" || table.starts_with("audit") {
                continue;
            }
            let sql = format!("SELECT {column} AS v FROM {table} WHERE {column} IS NOT NULL");
            for row in sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&pool)
                .await
                .unwrap()
            {
                let value: String = row.get("v");
                scanned += 1;
                if let Some(found) = needles.find(&value) {
                    panic!(
                        "{table}.{column} still holds the old token {} after the rotation",
                        &value[found.start()..found.end()]
                    );
                }
            }
        }
        assert!(scanned > 1000, "{scanned} values scanned");
        pool.close().await;
    });
}

/// Several hubs on one PostgreSQL, each with its own data directory and a
/// copy of the secrets: when one rotates the key while another still
/// serves, the stale one refuses everything it would tokenise (503
/// `token_key_changed`) and stores nothing, until it restarts with the new
/// key.
#[test]
fn a_hub_whose_key_another_hub_rotated_refuses_to_tokenise_on_postgresql() {
    if !crate::helpers::postgres_available() {
        return;
    }
    // Arrange: hub A serving, a second data directory B with A's secrets.
    let pg = PgCluster::start();
    let url = pg.url();
    let db_args = ["--database-url", url.as_str()];
    let mut hub = TestHub::spawn_with(&db_args);
    let acquirer = hub.acquirer_key("ACQ01");
    let analyst = hub.analyst_key();
    let other = hub.dir.path().join("other");
    std::fs::create_dir_all(other.join("secrets")).unwrap();
    for name in ["token.key", "signing.key"] {
        std::fs::copy(
            hub.data_dir().join("secrets").join(name),
            other.join("secrets").join(name),
        )
        .unwrap();
    }
    let rows = std::fs::read_to_string(samples().join("ACQ01/merchants.jsonl")).unwrap();
    let upload = |hub: &TestHub, body: &str| {
        crate::helpers::request(
            &hub.server.url,
            "POST",
            "/v1/batches",
            Some(&acquirer),
            Some("application/x-ndjson"),
            body.as_bytes(),
            std::time::Duration::from_secs(120),
        )
        .unwrap()
    };
    let batches = |hub: &TestHub| {
        json_lines(&run(hub.mhub(&analyst).args(["batches", "list", "--json"]))).len()
    };

    // Act: B rotates while A serves.
    run(mhub()
        .args(["keys", "rotate-token-key", "--json", "--data-dir"])
        .arg(&other)
        .args(db_args));

    // Assert: A refuses uploads, screens and searches by an identifier.
    let (status, body) = upload(&hub, &rows);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("token_key_changed"), "{body}");
    assert_eq!(batches(&hub), 0);
    let screened = hub
        .mhub(&acquirer)
        .args(["screen", "--json"])
        .arg(samples().join("ACQ01/merchants.jsonl"))
        .output()
        .unwrap();
    assert!(!screened.status.success());
    assert!(
        stderr(&screened).contains("token_key_changed"),
        "{}",
        stderr(&screened)
    );
    let id = sample_legal_rep_id("ACQ01", "898110172300001");
    let (status, body) = crate::helpers::request(
        &hub.server.url,
        "GET",
        &format!("/v1/search?q={id}"),
        Some(&analyst),
        None,
        b"",
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    assert_eq!(status, 503, "{body}");
    // Restarted with the new key, A takes the batch.
    hub.server.terminate();
    std::fs::copy(
        other.join("secrets/token.key"),
        hub.data_dir().join("secrets/token.key"),
    )
    .unwrap();
    hub.server = Server::start_with(&hub.data_dir(), &db_args);
    let (status, body) = upload(&hub, &rows);
    assert_eq!(status, 201, "{body}");
    assert_eq!(batches(&hub), 1);
}
