//! `mhub reindex`'s rebuild ([`hub::alerts::rebuild`]) raising every alert
//! from the merchants alone. A rebuild leaves alerts that are already right
//! untouched, so a rebuild over the alerts incremental matching raised
//! proves only that it adds nothing; here the alerts are deleted first, and
//! the rebuild must raise each of them again, with the same members.

use std::collections::BTreeSet;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, member_ids, settings, spawn_app, upload_samples};

/// The state `mhub reindex` opens beside the serving hub.
async fn open_beside(app: &TestApp) -> hub::AppState {
    let settings = settings(app.data_dir.path(), &app.database_url);
    let (state, _) = hub::startup::open(&settings, hub::startup::Access::Beside)
        .await
        .unwrap();
    state
}

/// Every alert the analyst sees, as (type, subtype, members), with the
/// number of alerts: a set would hide a duplicate.
async fn findings(
    app: &TestApp,
    analyst: &str,
) -> (usize, BTreeSet<(String, String, Vec<String>)>) {
    let (status, body) = app.get(analyst, "/v1/alerts?limit=1000").await;
    assert_eq!(status, 200, "{body}");
    let alerts = body.as_array().unwrap();
    let set = alerts
        .iter()
        .map(|alert| {
            let text = |field: &str| alert[field].as_str().unwrap_or("-").to_owned();
            (text("type"), text("subtype"), member_ids(alert))
        })
        .collect();
    (alerts.len(), set)
}

/// A connection of our own to the app's database.
async fn connect(app: &TestApp) -> sqlx::AnyConnection {
    use secrecy::ExposeSecret;
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(app.database_url.expose_secret())
        .await
        .unwrap()
}

/// Delete every alert, as a store restored without its alerts would be.
async fn delete_alerts(app: &TestApp) {
    use sqlx::{Connection, Executor};
    let mut conn = connect(app).await;
    for table in ["alert_viewers", "alert_events", "alert_members", "alerts"] {
        conn.execute(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
}

/// The fuzzy links stored.
async fn stored_links(app: &TestApp) -> usize {
    use sqlx::{Connection, Row};
    let mut conn = connect(app).await;
    let row = sqlx::query("SELECT COUNT(*) FROM match_links")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    usize::try_from(row.get::<i64, _>(0)).unwrap()
}

async fn a_rebuild_raises_every_alert_again_from_the_merchants_alone(backend: Backend) {
    // Arrange: the three sample acquirers, whose planted cases raise every
    // kind of alert a rebuild derives from merchants.
    let app = spawn_app(backend).await;
    upload_samples(&app, &["ACQ01", "ACQ02", "ACQ03"]).await;
    let analyst = app.create_key("analyst", None).await;
    let (count, before) = findings(&app, &analyst).await;
    let kinds: BTreeSet<(&str, &str)> = before
        .iter()
        .map(|(kind, subtype, _)| (kind.as_str(), subtype.as_str()))
        .collect();
    for kind in [
        ("one_person_many_merchants", "exact"),
        ("one_person_many_merchants", "linked"),
        ("one_terminal_many_merchants", "-"),
        ("shared_phone", "-"),
        ("shared_settlement_account", "-"),
        ("shared_photo", "-"),
        ("location_mismatch", "-"),
    ] {
        assert!(
            kinds.contains(&kind),
            "the samples raise {kind:?}: {kinds:?}"
        );
    }
    delete_alerts(&app).await;
    assert_eq!(findings(&app, &analyst).await.0, 0);

    // Act: what `mhub reindex` runs, beside the serving hub.
    let state = open_beside(&app).await;
    let report = hub::alerts::rebuild(&state.store, &state.linker, &state.location)
        .await
        .unwrap();
    state.store.close().await;

    // Assert: every alert again, and the links counted once each.
    assert_eq!(report.changes.len(), count, "{:?}", report.changes);
    assert!(report.links > 0);
    assert_eq!(report.links, stored_links(&app).await);
    let (count_after, after) = findings(&app, &analyst).await;
    assert_eq!(count_after, count);
    assert_eq!(after, before);
}
both_backends!(a_rebuild_raises_every_alert_again_from_the_merchants_alone);

/// The stored links, as (left, right, rule), in order.
async fn link_pairs(app: &TestApp) -> Vec<(i64, i64, String)> {
    use sqlx::{Connection, Row};
    let mut conn = connect(app).await;
    let rows =
        sqlx::query("SELECT left_pk, right_pk, rule FROM match_links ORDER BY left_pk, right_pk")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();
    rows.iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect()
}

async fn a_rebuild_past_the_cache_room_links_the_same_pairs(backend: Backend) {
    // Arrange: the samples, and what a rebuild with room for every form
    // links (the forms of a rebuild come from the cache, in area order;
    // past its room the rest come from the store).
    let app = spawn_app(backend).await;
    upload_samples(&app, &["ACQ01", "ACQ02", "ACQ03"]).await;
    let state = open_beside(&app).await;
    let full = hub::alerts::rebuild(&state.store, &state.linker, &state.location)
        .await
        .unwrap();
    let pairs = link_pairs(&app).await;
    assert!(!pairs.is_empty());

    // Act: the same rebuild with room for 10 forms.
    let small = hub::linking::Linker::private_with_cache_room(app.data_dir.path(), 10).unwrap();
    let report = hub::alerts::rebuild(&state.store, &small, &state.location)
        .await
        .unwrap();
    state.store.close().await;

    // Assert: the same links, counted once each, and no alert changed.
    assert_eq!(report.merchants, full.merchants);
    assert_eq!(link_pairs(&app).await, pairs);
    assert_eq!(report.links, pairs.len());
    assert!(report.changes.is_empty(), "{:?}", report.changes);
}
both_backends!(a_rebuild_past_the_cache_room_links_the_same_pairs);

/// The store keys `text` finds in `linker`'s index, best first.
async fn found(linker: &hub::linking::Linker, text: &str) -> Vec<i64> {
    let hits = linker.search(text.to_owned(), 10).await.unwrap();
    hits.into_iter().map(|(pk, _)| pk).collect()
}

async fn a_rebuild_that_fails_half_way_leaves_the_index_as_it_was(backend: Backend) {
    use sqlx::{Connection, Row};
    // Arrange: two acquirers stored and indexed, and a merchant the index
    // finds by its name.
    let app = spawn_app(backend).await;
    upload_samples(&app, &["ACQ01", "ACQ02"]).await;
    let state = open_beside(&app).await;
    // Beside a serving hub the index is a private one, filled by a catch-up.
    assert!(state.linker.catch_up(&state.store).await.unwrap() > 0);
    let mut conn = connect(&app).await;
    let row =
        sqlx::query("SELECT id, name FROM merchants WHERE acquirer = 'ACQ01' ORDER BY id LIMIT 1")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let (pk, name): (i64, String) = (row.get(0), row.get(1));
    let before = found(&state.linker, &name).await;
    assert!(before.contains(&pk), "{name} finds {before:?}");

    // Act: a rebuild whose load fails (one stored record no longer reads
    // back), then, with the record mended, a new batch that the index
    // catches up with and commits.
    let latest = "UPDATE merchant_versions SET record = $1 WHERE merchant_pk = $2 \
                  AND version = (SELECT version FROM merchants WHERE id = $2)";
    let record: String = sqlx::query(
        "SELECT v.record FROM merchant_versions v JOIN merchants m \
         ON v.merchant_pk = m.id AND v.version = m.version WHERE m.id = $1",
    )
    .bind(pk)
    .fetch_one(&mut conn)
    .await
    .unwrap()
    .get(0);
    sqlx::query(latest)
        .bind("{}")
        .bind(pk)
        .execute(&mut conn)
        .await
        .unwrap();
    let failed = hub::alerts::rebuild(&state.store, &state.linker, &state.location).await;
    assert!(failed.is_err(), "the rebuild read the broken record");
    sqlx::query(latest)
        .bind(&record)
        .bind(pk)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    upload_samples(&app, &["ACQ03"]).await;
    let indexed = state.linker.catch_up(&state.store).await.unwrap();
    state.store.close().await;

    // Assert: the catch-up added the new batch to what the index held, not
    // to the clear the failed load began with (which would have left the
    // third acquirer's merchants alone in it).
    assert!(indexed > 0);
    let after = found(&state.linker, &name).await;
    assert!(after.contains(&pk), "{name} finds {after:?}");
}
both_backends!(a_rebuild_that_fails_half_way_leaves_the_index_as_it_was);
