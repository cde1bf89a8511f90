//! Twelve acquirers uploading at once, each through two clients that retry
//! (the same bytes again after a cut connection, a timeout or a 503): every
//! batch is stored exactly once, no merchant gets a second version, nothing
//! acknowledged is lost. On SQLite (writes serialised in the hub) and on
//! PostgreSQL (concurrent transactions, unique constraints deciding).
//!
//! `#[ignore]`d: scripts/reliability.sh runs them. They load both cores for
//! a minute, and the PostgreSQL one starts a cluster of its own.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::helpers::{PgCluster, Rng, TestHub};
use crate::load::{Answer, BatchFile, assert_stored_once, merchant_exists, upload_with_retries};

/// Acquirers uploading at once (SPEC §12's twelve).
const ACQUIRERS: usize = 12;

/// Files in each acquirer's queue (see the arrangement below).
const FILES_PER_ACQUIRER: usize = 4;

/// Clients per acquirer, each sending the acquirer's whole queue.
const CLIENTS: usize = 2;

#[test]
#[ignore = "reliability: scripts/reliability.sh runs it"]
fn twelve_acquirers_uploading_at_once_with_retries_store_every_batch_once_on_sqlite() {
    twelve_acquirers_at_once(TestHub::spawn(), "concurrency::sqlite");
}

#[test]
#[ignore = "reliability: scripts/reliability.sh runs it"]
fn twelve_acquirers_uploading_at_once_with_retries_store_every_batch_once_on_postgres() {
    let pg = PgCluster::start();
    let hub = TestHub::spawn_with(&["--database-url", &pg.url()]);
    twelve_acquirers_at_once(hub, "concurrency::postgres");
}

fn twelve_acquirers_at_once(hub: TestHub, name: &str) {
    // Arrange: per acquirer, two files of its own, a third repeating half of
    // the first (rows the hub must recognise as unchanged), and one file
    // every acquirer sends (the same bytes are a batch of each). Sizes are
    // kept small so the run fits CI; the races are in the 24 clients, not
    // in the row counts.
    let mut rng = Rng::from_env(name);
    let analyst = hub.analyst_key();
    let shared = BatchFile::new("", "SHARED", 0, 100);
    let mut queues = Vec::new();
    for a in 1..=ACQUIRERS {
        let code = format!("ACQ{a:02}");
        let key = hub.acquirer_key(&code);
        let mut files: Vec<BatchFile> = (0..2)
            .map(|f| {
                let rows = rng.below(30..100) as usize;
                BatchFile::new(&code, &format!("C{code}F{f}"), a * 4 + f, rows)
            })
            .collect();
        let mut overlap = files[0].merchant_ids[..files[0].merchant_ids.len() / 2].to_vec();
        overlap.extend((1..=20).map(|i| format!("C{code}X{i:06}")));
        files.push(BatchFile::of_ids(&code, a * 4, overlap));
        files.push(shared.for_acquirer(&code));
        assert_eq!(files.len(), FILES_PER_ACQUIRER);
        queues.push((key, files));
    }

    // Act: every client of every acquirer sends the acquirer's files in its
    // own order, first with a timeout that may cut the upload short.
    let clients: Vec<_> = queues
        .iter()
        .flat_map(|(key, files)| (0..CLIENTS).map(move |_| (key.clone(), files.clone())))
        .map(|(key, mut files)| {
            let offset = rng.below(0..files.len() as u64) as usize;
            files.rotate_left(offset);
            let timeouts: Vec<Duration> = files.iter().map(|_| rng.millis(50, 3000)).collect();
            let url = hub.server.url.clone();
            std::thread::spawn(move || {
                files
                    .into_iter()
                    .zip(timeouts)
                    .map(|(file, timeout)| {
                        let (answer, attempts) = upload_with_retries(&url, &key, &file, timeout);
                        (file, answer, attempts)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let outcomes: Vec<_> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();

    // Assert: every upload was acknowledged in the end, both clients of an
    // acquirer got the same batch for the same file, and the store holds
    // each file once.
    let mut acknowledged = BTreeMap::new();
    let (mut retried, mut replayed) = (0, 0);
    for (file, answer, attempts) in &outcomes {
        let Answer::Acknowledged(result) = answer else {
            panic!("{}: an upload failed for good: {answer:?}", file.acquirer);
        };
        retried += usize::from(*attempts > 1);
        replayed += usize::from(result["replayed"] == true);
        let id = result["batch_id"].as_i64().unwrap();
        let upload = (file.acquirer.clone(), file.sha256.clone());
        if let Some(other) = acknowledged.insert(upload, id) {
            assert_eq!(other, id, "one file acknowledged as two batches");
        }
    }
    let url = &hub.server.url;
    let sent: Vec<BatchFile> = queues.iter().flat_map(|(_, f)| f.clone()).collect();
    let stored = assert_stored_once(url, &analyst, &sent, &acknowledged);
    // Every file of every queue is one batch: two own, the overlap, the shared one.
    assert_eq!(stored, ACQUIRERS * FILES_PER_ACQUIRER);
    for file in &sent {
        for id in [&file.merchant_ids[0], file.merchant_ids.last().unwrap()] {
            assert!(merchant_exists(url, &analyst, &file.acquirer, id));
        }
    }
    eprintln!(
        "{name}: {ACQUIRERS} acquirers x {CLIENTS} clients, {} uploads, {retried} retried, \
         {replayed} answered as replays, {stored} batches stored, {} rows sent",
        outcomes.len(),
        sent.iter().map(|f| f.merchant_ids.len()).sum::<usize>()
    );
}
