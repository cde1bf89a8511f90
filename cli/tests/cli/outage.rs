//! PostgreSQL stopped and restarted under load: while it is down the hub
//! answers every request with a clear error (503 `store_unavailable`, never
//! a 500, never a hang) and stays up; once it is back the hub serves again
//! by itself, without a restart, and nothing it acknowledged is lost.
//!
//! `#[ignore]`d: scripts/reliability.sh runs it. It stops a PostgreSQL
//! server, so it starts a cluster of its own (`PgCluster`) rather than use
//! the one the other tests share.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{PgCluster, TestHub, request, wait_for};
use crate::load::{Answer, BatchFile, LONG, assert_stored_once, upload};

/// What the load saw of the hub: PostgreSQL is up, down, being started
/// (`pg_ctl start` has begun but not returned: the server may already
/// accept connections, so nothing is asserted of this phase), or up again.
const UP: u8 = 0;
const DOWN: u8 = 1;
const STARTING: u8 = 3;
const BACK: u8 = 2;

/// One answer (or the lack of one) the load got.
#[derive(Debug, Clone)]
struct Seen {
    /// The phase when the request was sent and when it was answered.
    phases: (u8, u8),
    /// `upload`, `search` or `healthz`.
    what: &'static str,
    /// The status (0: no answer within [`LONG`]) and the error code.
    status: u16,
    code: Option<String>,
    took: Duration,
}

#[test]
#[ignore = "reliability: scripts/reliability.sh runs it"]
fn postgresql_stopped_under_load_is_answered_with_503_and_the_hub_recovers_by_itself() {
    // Arrange: a hub on a PostgreSQL cluster of its own, three acquirers
    // uploading one batch after another and a risk team searching.
    let pg = PgCluster::start();
    let mut hub = TestHub::spawn_with(&["--database-url", &pg.url()]);
    let analyst = hub.analyst_key();
    let phase = Arc::new(AtomicU8::new(UP));
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let record = {
        let (phase, seen) = (phase.clone(), seen.clone());
        move |what, started: (u8, Instant), status, body: &str| {
            let code = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| Some(v["error"]["code"].as_str()?.to_owned()));
            seen.lock().unwrap().push(Seen {
                phases: (started.0, phase.load(Ordering::SeqCst)),
                what,
                status,
                code,
                took: started.1.elapsed(),
            });
        }
    };
    let mut load = Vec::new();
    for a in 1..=3 {
        let code = format!("ACQ{a:02}");
        let key = hub.acquirer_key(&code);
        let (url, phase, stop, record) = (
            hub.server.url.clone(),
            phase.clone(),
            stop.clone(),
            record.clone(),
        );
        load.push(std::thread::spawn(move || {
            let mut sent = Vec::new();
            let mut acknowledged = BTreeMap::new();
            for f in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let file = BatchFile::new(&code, &format!("O{code}F{f}"), a * 100 + f, 100);
                let started = (phase.load(Ordering::SeqCst), Instant::now());
                let answer = upload(&url, &key, &file, LONG);
                let (status, body) = match &answer {
                    Answer::Acknowledged(result) => {
                        let id = result["batch_id"].as_i64().unwrap();
                        acknowledged.insert((code.clone(), file.sha256.clone()), (id, started.0));
                        (201, String::new())
                    }
                    Answer::Refused(status, body) => (*status, body.clone()),
                    Answer::Unanswered(error) => (0, error.clone()),
                };
                record("upload", started, status, &body);
                sent.push(file);
                std::thread::sleep(Duration::from_millis(50));
            }
            (sent, acknowledged)
        }));
    }
    let searcher = {
        let (url, key, phase, stop) = (
            hub.server.url.clone(),
            analyst.clone(),
            phase.clone(),
            stop.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                for (what, path) in [
                    ("search", "/v1/search?q=OACQ01F0000001"),
                    ("healthz", "/healthz"),
                ] {
                    let started = (phase.load(Ordering::SeqCst), Instant::now());
                    let (status, body) = request(&url, "GET", path, Some(&key), None, b"", LONG)
                        .unwrap_or((0, String::new()));
                    record(what, started, status, &body);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let count =
        |wanted: fn(&Seen) -> bool| seen.lock().unwrap().iter().filter(|s| wanted(s)).count();
    let minute = Duration::from_secs(180);
    wait_for("uploads acknowledged before the outage", minute, || {
        (count(|s| s.what == "upload" && s.status == 201) >= 6).then_some(())
    });

    // Act: stop PostgreSQL the hard way while the load runs, let the hub
    // answer a while without it, then start PostgreSQL again.
    pg.stop_immediate();
    phase.store(DOWN, Ordering::SeqCst);
    let down_at = Instant::now();
    wait_for("answers while PostgreSQL is down", minute, || {
        let uploads = count(|s| s.phases == (DOWN, DOWN) && s.what == "upload");
        (uploads >= 3 && count(|s| s.phases == (DOWN, DOWN)) >= 4).then_some(())
    });
    assert!(hub.server.is_running(), "the hub died with its database");
    // `pg_ctl start -w` returns a poll interval after the server accepts
    // connections, so a request answered in between was served by the new
    // server: it must not count as answered without a database.
    phase.store(STARTING, Ordering::SeqCst);
    pg.start_server();
    phase.store(BACK, Ordering::SeqCst);
    let back_at = Instant::now();
    wait_for("an upload acknowledged after the restart", minute, || {
        (count(|s| s.phases.0 == BACK && s.what == "upload" && s.status == 201) >= 3).then_some(())
    });
    let recovered_in = back_at.elapsed();
    stop.store(true, Ordering::SeqCst);
    let mut sent = Vec::new();
    let mut acknowledged = BTreeMap::new();
    for thread in load {
        let (files, acks) = thread.join().unwrap();
        sent.extend(files);
        acknowledged.extend(acks);
    }
    searcher.join().unwrap();

    // Assert: every answer was a success or a 503 `store_unavailable`
    // (an in-flight transaction cut by the stop included); while the
    // database was down, none succeeded and none hung; the hub is still
    // the same process, and nothing it acknowledged is lost.
    let seen = seen.lock().unwrap().clone();
    for s in &seen {
        let ok = matches!(s.status, 200 | 201)
            || (s.status == 503 && s.code.as_deref() == Some("store_unavailable"));
        assert!(ok, "{s:?}; the hub's log:\n{}", hub.server.log());
        if s.phases == (DOWN, DOWN) {
            assert_eq!(s.status, 503, "answered without its database: {s:?}");
        }
    }
    assert!(hub.server.is_running());
    let url = &hub.server.url;
    let acknowledged_ids = acknowledged
        .iter()
        .map(|(k, (id, _))| (k.clone(), *id))
        .collect();
    let stored = assert_stored_once(url, &analyst, &sent, &acknowledged_ids);
    let during: Vec<&Seen> = seen.iter().filter(|s| s.phases == (DOWN, DOWN)).collect();
    let slowest = during.iter().map(|s| s.took).max().unwrap();
    eprintln!(
        "outage: {} requests, {} answered while PostgreSQL was down for {:?} (all 503 \
         store_unavailable, slowest {slowest:?}), recovered {recovered_in:?} after its restart, \
         {} uploads acknowledged ({} after the restart), {stored} batches stored",
        seen.len(),
        during.len(),
        back_at - down_at,
        acknowledged.len(),
        acknowledged.values().filter(|(_, p)| *p == BACK).count(),
    );
}
