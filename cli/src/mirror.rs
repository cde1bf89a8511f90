//! A member's local mirror of the signed blacklist feed (SPEC §8): one
//! SQLite file holding the events it has verified, the association key it
//! pinned and the token key it tokenises with.
//!
//! ```text
//! meta(name PRIMARY KEY, value)      format, created_at, hub_url,
//!                                    public_key, key_id, token_key
//! events(seq INTEGER PRIMARY KEY,    one verified SignedEvent per row,
//!        prev_hash, hash,            exactly as the hub sent it
//!        signature, payload TEXT)
//! ```
//!
//! The invariant is that `events` is always a verified prefix of the
//! association's chain. [`Mirror::append`] is the only way in: it verifies
//! every event against the head it reads inside its own write transaction,
//! so a refused page leaves nothing behind and two pulls racing on one file
//! cannot interleave (the second one's page is refused as
//! [`MirrorError::Moved`]). [`Mirror::checkpoint`] and [`Mirror::restore`]
//! let a pull that meets a bad event undo its earlier pages too; restoring
//! only ever cuts the chain back to an earlier verified head, so even
//! events another pull added meanwhile leave a verified prefix behind. [`Mirror::replay`]
//! trusts nothing it stored: it verifies the chain and every signature again
//! from genesis before a [`Replica`] answers anything.
//!
//! The file is created `0600` because it holds the token key; SQLite gives
//! its journal the database file's permissions. It uses the rollback
//! journal rather than WAL, so an idle mirror is one self-contained file.

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use ed25519_dalek::VerifyingKey;
use feed::{FeedError, FeedHead, Payload, Replica, SignedEvent, verify_next};
use matcher::TokenKey;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row as _, SqliteConnection, SqlitePool};

/// What `meta.format` says in every mirror: anything else is not one.
const FORMAT: &str = "mhub-feed-mirror/1";

/// SQLite's result code for a file that is not a database.
const SQLITE_NOTADB: &str = "26";

/// Events read per query while replaying.
const REPLAY_CHUNK: i64 = 1_000;

const SCHEMA: &str = "
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    signature TEXT NOT NULL,
    payload   TEXT NOT NULL
);";

/// Everything that can go wrong with a mirror.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// No file at the path.
    #[error("no feed mirror at {0}: create one with `mhub feed pull --mirror {0}`")]
    Missing(PathBuf),
    /// The file exists but is not a mirror (another database, or not SQLite).
    #[error("{0} is not an mhub feed mirror")]
    NotAMirror(PathBuf),
    /// The file could not be created.
    #[error("creating the mirror {path}")]
    Create {
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The mirror was never pulled, so it trusts no key yet.
    #[error("the mirror has no pinned feed key yet: run `mhub feed pull` first")]
    Unpinned,
    /// A meta value is unreadable (the file was edited by hand).
    #[error("the mirror's {name} is damaged: {reason}")]
    BadMeta {
        /// Which value.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The hub sent an event that does not verify; nothing of it was stored.
    #[error("{0} ({code})", code = .0.code())]
    Refused(FeedError),
    /// Events already stored do not verify: the file was altered after
    /// they were written.
    #[error("the mirror's own events fail verification: {0} ({code})", code = .0.code())]
    Corrupt(FeedError),
    /// Another process changed the mirror since this one read its head.
    #[error(
        "the mirror moved from event {expected} to {found} under this pull: is another pull running on it?"
    )]
    Moved {
        /// The head this process expected.
        expected: u64,
        /// The head found.
        found: u64,
    },
    /// SQLite failed.
    #[error("the mirror's database")]
    Database(#[from] sqlx::Error),
}

/// The mirror's state before a pull, to return to if the pull is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The head then.
    pub head: FeedHead,
    /// Every meta row then.
    meta: Vec<(String, String)>,
}

/// A mirror replayed from genesis, every event verified again.
#[derive(Debug)]
pub struct Replayed {
    /// The active and removed entries, and a screener over the active ones.
    pub replica: Replica,
    /// The last event verified.
    pub head: FeedHead,
}

/// An open mirror file.
#[derive(Debug)]
pub struct Mirror {
    pool: SqlitePool,
    path: PathBuf,
}

impl Mirror {
    /// Open an existing mirror.
    pub async fn open(path: &Path) -> Result<Mirror, MirrorError> {
        if !path.exists() {
            return Err(MirrorError::Missing(path.to_owned()));
        }
        let mirror = Mirror::connect(path).await.map_err(|error| match error {
            MirrorError::Database(sqlx::Error::Database(db))
                if db.code().as_deref() == Some(SQLITE_NOTADB) =>
            {
                MirrorError::NotAMirror(path.to_owned())
            }
            other => other,
        })?;
        mirror.check_format().await?;
        Ok(mirror)
    }

    /// Open the mirror at `path`, creating it (mode 0600, empty schema) when
    /// there is no file; `true` when it was created now.
    pub async fn open_or_create(path: &Path) -> Result<(Mirror, bool), MirrorError> {
        match create_private_file(path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                return Ok((Mirror::open(path).await?, false));
            }
            Err(source) => {
                return Err(MirrorError::Create {
                    path: path.to_owned(),
                    source,
                });
            }
        }
        let created = async {
            let mirror = Mirror::connect(path).await?;
            mirror.initialise().await?;
            Ok(mirror)
        }
        .await;
        if created.is_err() {
            let _ = std::fs::remove_file(path);
        }
        created.map(|mirror| (mirror, true))
    }

    async fn connect(path: &Path) -> Result<Mirror, MirrorError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(false)
            .journal_mode(SqliteJournalMode::Delete);
        // One connection: a CLI process does one thing at a time, and a
        // single connection sees its own writes without surprises.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Mirror {
            pool,
            path: path.to_owned(),
        })
    }

    async fn initialise(&self) -> Result<(), MirrorError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::raw_sql(SCHEMA).execute(&mut *tx).await?;
        for (name, value) in [
            ("format", FORMAT.to_owned()),
            ("created_at", hub::clock::now()),
        ] {
            set_meta(&mut tx, name, &value).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn check_format(&self) -> Result<(), MirrorError> {
        match self.meta("format").await {
            Ok(Some(format)) if format == FORMAT => Ok(()),
            // No meta table, not a database at all, or someone else's format.
            Ok(_) | Err(MirrorError::Database(_)) => {
                Err(MirrorError::NotAMirror(self.path.clone()))
            }
            Err(other) => Err(other),
        }
    }

    /// Close the file, then delete it: for a mirror created by a run that
    /// was refused, so the run leaves nothing behind.
    pub async fn discard(self) -> std::io::Result<()> {
        self.pool.close().await;
        std::fs::remove_file(&self.path)
    }

    /// Close the pool cleanly.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// The last stored event's seq and hash; genesis when there is none.
    pub async fn head(&self) -> Result<FeedHead, MirrorError> {
        let mut conn = self.pool.acquire().await?;
        read_head(&mut conn).await
    }

    /// The pinned association key, if the mirror has been pulled.
    pub async fn pinned_key(&self) -> Result<Option<VerifyingKey>, MirrorError> {
        let Some(hex_key) = self.meta("public_key").await? else {
            return Ok(None);
        };
        parse_public_key(&hex_key)
            .map(Some)
            .map_err(|reason| MirrorError::BadMeta {
                name: "public_key",
                reason,
            })
    }

    /// Pin the association key: every event must be signed by it from now on.
    pub async fn pin_key(&self, key: &VerifyingKey) -> Result<(), MirrorError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        set_meta(&mut tx, "public_key", &hex::encode(key.as_bytes())).await?;
        set_meta(&mut tx, "key_id", &feed::key_id(key)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The token key, when a subscriber (or admin) key fetched it.
    pub async fn token_key(&self) -> Result<Option<TokenKey>, MirrorError> {
        let Some(hex_key) = self.meta("token_key").await? else {
            return Ok(None);
        };
        TokenKey::from_hex(&hex_key)
            .map(Some)
            .map_err(|error| MirrorError::BadMeta {
                name: "token_key",
                reason: error.to_string(),
            })
    }

    /// Store the token key.
    pub async fn set_token_key(&self, key: &TokenKey) -> Result<(), MirrorError> {
        self.set("token_key", &key.to_hex()).await
    }

    /// The hub last pulled from.
    pub async fn hub_url(&self) -> Result<Option<String>, MirrorError> {
        self.meta("hub_url").await
    }

    /// Record the hub last pulled from.
    pub async fn set_hub_url(&self, url: &str) -> Result<(), MirrorError> {
        self.set("hub_url", url).await
    }

    async fn set(&self, name: &str, value: &str) -> Result<(), MirrorError> {
        let mut conn = self.pool.acquire().await?;
        set_meta(&mut conn, name, value).await
    }

    async fn meta(&self, name: &str) -> Result<Option<String>, MirrorError> {
        let row = sqlx::query("SELECT value FROM meta WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.get(0)))
    }

    /// Verify `events` as the continuation of the stored chain under `key`
    /// and store them, all in one transaction: either every event is
    /// verified and stored, or none is. `expected` is the head the caller
    /// believes the mirror has. The new head and the verified payloads, to
    /// apply to a replica once they are safely stored.
    pub async fn append(
        &self,
        expected: &FeedHead,
        events: &[SignedEvent],
        key: &VerifyingKey,
    ) -> Result<(FeedHead, Vec<Payload>), MirrorError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut head = read_head(&mut tx).await?;
        if head != *expected {
            return Err(MirrorError::Moved {
                expected: expected.seq,
                found: head.seq,
            });
        }
        let mut payloads = Vec::with_capacity(events.len());
        for event in events {
            let (next, payload) = verify_next(&head, event, key).map_err(MirrorError::Refused)?;
            insert_event(&mut tx, event).await?;
            head = next;
            payloads.push(payload);
        }
        tx.commit().await?;
        Ok((head, payloads))
    }

    /// The head and every meta value, to return to with [`Mirror::restore`].
    pub async fn checkpoint(&self) -> Result<Checkpoint, MirrorError> {
        let mut conn = self.pool.acquire().await?;
        let head = read_head(&mut conn).await?;
        let meta = sqlx::query("SELECT name, value FROM meta ORDER BY name")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        Ok(Checkpoint { head, meta })
    }

    /// Return to a checkpoint in one transaction: the events after its head
    /// are truncated away (those up to it stay, so the mirror is still a
    /// verified prefix of the chain) and the meta values (pinned key, token
    /// key, hub) are put back.
    pub async fn restore(&self, checkpoint: &Checkpoint) -> Result<(), MirrorError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        truncate(&mut tx, checkpoint.head.seq).await?;
        sqlx::query("DELETE FROM meta").execute(&mut *tx).await?;
        for (name, value) in &checkpoint.meta {
            set_meta(&mut tx, name, value).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Verify the whole stored chain from genesis under the pinned key and
    /// replay it into a [`Replica`].
    pub async fn replay(&self) -> Result<Replayed, MirrorError> {
        let key = self.pinned_key().await?.ok_or(MirrorError::Unpinned)?;
        let mut head = FeedHead::genesis();
        let mut replica = Replica::new();
        loop {
            let rows = sqlx::query(
                "SELECT seq, prev_hash, hash, signature, payload FROM events
                 WHERE seq > ? ORDER BY seq LIMIT ?",
            )
            .bind(to_i64(head.seq))
            .bind(REPLAY_CHUNK)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(Replayed { replica, head });
            }
            for row in rows {
                let event = event_from_row(&row)?;
                let (next, payload) =
                    verify_next(&head, &event, &key).map_err(MirrorError::Corrupt)?;
                replica.apply(&payload);
                head = next;
            }
        }
    }
}

/// Create `path` for writing by its owner only; fails if it exists.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

async fn read_head(conn: &mut SqliteConnection) -> Result<FeedHead, MirrorError> {
    let row = sqlx::query("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(FeedHead::genesis());
    };
    let seq: i64 = row.get(0);
    Ok(FeedHead {
        seq: to_u64(seq)?,
        hash: row.get(1),
    })
}

/// Delete every event after `seq`.
async fn truncate(conn: &mut SqliteConnection, seq: u64) -> Result<(), MirrorError> {
    sqlx::query("DELETE FROM events WHERE seq > ?")
        .bind(to_i64(seq))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn set_meta(conn: &mut SqliteConnection, name: &str, value: &str) -> Result<(), MirrorError> {
    sqlx::query(
        "INSERT INTO meta (name, value) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .bind(name)
    .bind(value)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_event(conn: &mut SqliteConnection, event: &SignedEvent) -> Result<(), MirrorError> {
    sqlx::query(
        "INSERT INTO events (seq, prev_hash, hash, signature, payload) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(to_i64(event.seq))
    .bind(&event.prev_hash)
    .bind(&event.hash)
    .bind(&event.signature)
    // The payload's canonical bytes are re-derived when it is verified, so
    // any faithful JSON spelling of the value will do.
    .bind(event.payload.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn event_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<SignedEvent, MirrorError> {
    let seq = to_u64(row.try_get::<i64, _>(0)?)?;
    let payload: String = row.try_get(4)?;
    let payload = serde_json::Value::from_str(&payload).map_err(|error| {
        MirrorError::Corrupt(FeedError::Malformed {
            seq,
            reason: format!("stored payload is not JSON: {error}"),
        })
    })?;
    Ok(SignedEvent {
        seq,
        prev_hash: row.try_get(1)?,
        hash: row.try_get(2)?,
        signature: row.try_get(3)?,
        payload,
    })
}

/// An Ed25519 public key from 64 hex digits.
pub fn parse_public_key(hex_key: &str) -> Result<VerifyingKey, String> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(hex_key.trim(), &mut bytes).map_err(|_| "not 64 hex digits".to_owned())?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not an Ed25519 public key".to_owned())
}

/// Seqs are u64 on the wire and INTEGER (i64) in SQLite; feeds never come
/// near 2^63 events, and a larger seq saturates (and then fails verification).
fn to_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn to_u64(seq: i64) -> Result<u64, MirrorError> {
    u64::try_from(seq).map_err(|_| MirrorError::BadMeta {
        name: "events table",
        reason: format!("negative seq {seq}"),
    })
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::SigningKey;
    use feed::{Action, EntrySnapshot, EntryStatus, seal};
    use matcher::{ListedSubject, Penalty, Reason, SubjectType};

    use super::*;

    fn payload(seq: u64, id: i64, action: Action) -> Payload {
        let removed = action == Action::Remove;
        Payload {
            seq,
            action,
            at: "2026-12-01T00:00:00.000Z".into(),
            entry: EntrySnapshot {
                id,
                subject_type: SubjectType::Terminal,
                reason: Reason::Skimming,
                penalty: Penalty::SuspendTransactions,
                status: if removed {
                    EntryStatus::Removed
                } else {
                    EntryStatus::Active
                },
                reporter: "ACQ03".into(),
                subject: ListedSubject {
                    sn: Some(format!("2Q9219473615{id:02}")),
                    ..ListedSubject::default()
                },
                listed_at: "2026-12-01T00:00:00.000Z".into(),
                expires_at: "2031-12-01T00:00:00.000Z".into(),
                removal: removed.then(|| "error".into()),
            },
        }
    }

    /// Events 1..=n sealed by `key`: adds of entries 1, 2, … and, as event
    /// 3, the removal of entry 1.
    fn chain(n: u64, key: &SigningKey) -> Vec<SignedEvent> {
        let mut prev = feed::GENESIS_HASH;
        (1..=n)
            .map(|seq| {
                let action = if seq == 3 {
                    Action::Remove
                } else {
                    Action::Add
                };
                let id = if seq == 3 { 1 } else { seq as i64 };
                let event = seal(&prev, &payload(seq, id, action), key).unwrap();
                hex::decode_to_slice(&event.hash, &mut prev).unwrap();
                event
            })
            .collect()
    }

    async fn fresh(dir: &tempfile::TempDir, key: &SigningKey) -> Mirror {
        let (mirror, created) = Mirror::open_or_create(&dir.path().join("feed.mirror"))
            .await
            .unwrap();
        assert!(created);
        mirror.pin_key(&key.verifying_key()).await.unwrap();
        mirror
    }

    async fn stored(mirror: &Mirror) -> Vec<(i64, String, String)> {
        sqlx::query("SELECT seq, hash, payload FROM events ORDER BY seq")
            .fetch_all(&mirror.pool)
            .await
            .unwrap()
            .into_iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect()
    }

    #[tokio::test]
    async fn pages_append_and_replay_into_the_active_entries() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[1; 32]);
        let mirror = fresh(&dir, &key).await;
        let events = chain(5, &key);

        let (head, first) = mirror
            .append(&FeedHead::genesis(), &events[..2], &key.verifying_key())
            .await
            .unwrap();
        let (head, rest) = mirror
            .append(&head, &events[2..], &key.verifying_key())
            .await
            .unwrap();

        assert_eq!(head.seq, 5);
        let seqs: Vec<u64> = first.iter().chain(&rest).map(|p| p.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        assert_eq!(mirror.head().await.unwrap(), head);
        let replayed = mirror.replay().await.unwrap();
        assert_eq!(replayed.head, head);
        // Entries 1, 2, 4, 5 added; 1 removed by event 3.
        assert_eq!(replayed.replica.active(), 3);
        assert_eq!(replayed.replica.entries().len(), 4);
    }

    #[tokio::test]
    async fn a_refused_page_stores_none_of_its_events() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[1; 32]);
        let mirror = fresh(&dir, &key).await;
        let mut events = chain(4, &key);
        let (head, _) = mirror
            .append(&FeedHead::genesis(), &events[..1], &key.verifying_key())
            .await
            .unwrap();
        let before = stored(&mirror).await;
        events[3].payload["entry"]["reason"] = "gambling".into();

        let error = mirror
            .append(&head, &events[1..], &key.verifying_key())
            .await
            .unwrap_err();

        assert!(matches!(
            error,
            MirrorError::Refused(FeedError::Tampered { seq: 4 })
        ));
        assert!(error.to_string().contains("feed event 4"), "{error}");
        assert_eq!(stored(&mirror).await, before);
    }

    #[tokio::test]
    async fn append_refuses_a_head_that_moved_and_restore_undoes_a_run() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[1; 32]);
        let public = key.verifying_key();
        let mirror = fresh(&dir, &key).await;
        let events = chain(4, &key);
        let (head, _) = mirror
            .append(&FeedHead::genesis(), &events[..1], &public)
            .await
            .unwrap();
        let checkpoint = mirror.checkpoint().await.unwrap();
        let before = stored(&mirror).await;

        let stale = mirror
            .append(&FeedHead::genesis(), &events[..1], &public)
            .await;
        assert!(matches!(
            stale,
            Err(MirrorError::Moved {
                expected: 0,
                found: 1
            })
        ));

        mirror.append(&head, &events[1..], &public).await.unwrap();
        mirror
            .set_token_key(&TokenKey::from_bytes([7; 32]))
            .await
            .unwrap();
        mirror.restore(&checkpoint).await.unwrap();
        assert_eq!(stored(&mirror).await, before);
        assert_eq!(mirror.checkpoint().await.unwrap(), checkpoint);
        assert!(mirror.token_key().await.unwrap().is_none());
        assert_eq!(mirror.head().await.unwrap(), head);
    }

    #[tokio::test]
    async fn replay_catches_an_event_altered_inside_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[1; 32]);
        let mirror = fresh(&dir, &key).await;
        let events = chain(3, &key);
        mirror
            .append(&FeedHead::genesis(), &events, &key.verifying_key())
            .await
            .unwrap();
        sqlx::query(
            "UPDATE events SET payload = replace(payload, 'skimming', 'gambling') WHERE seq = 2",
        )
        .execute(&mirror.pool)
        .await
        .unwrap();

        let error = mirror.replay().await.unwrap_err();

        assert!(
            matches!(error, MirrorError::Corrupt(FeedError::Tampered { seq: 2 })),
            "{error}"
        );
    }

    #[tokio::test]
    async fn replay_under_another_pinned_key_fails_on_the_first_signature() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[1; 32]);
        let mirror = fresh(&dir, &key).await;
        mirror
            .append(&FeedHead::genesis(), &chain(2, &key), &key.verifying_key())
            .await
            .unwrap();
        mirror
            .pin_key(&SigningKey::from_bytes(&[2; 32]).verifying_key())
            .await
            .unwrap();

        let error = mirror.replay().await.unwrap_err();

        assert!(matches!(
            error,
            MirrorError::Corrupt(FeedError::BadSignature { seq: 1, .. })
        ));
    }

    #[tokio::test]
    async fn the_file_is_private_and_reopens_and_other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.mirror");
        let (mirror, _) = Mirror::open_or_create(&path).await.unwrap();
        mirror.close().await;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, created) = Mirror::open_or_create(&path).await.unwrap();
        assert!(!created);
        assert!(matches!(again.replay().await, Err(MirrorError::Unpinned)));

        let other = dir.path().join("notes.txt");
        std::fs::write(&other, "not a database").unwrap();
        assert!(matches!(
            Mirror::open(&other).await,
            Err(MirrorError::NotAMirror(_))
        ));
        assert!(matches!(
            Mirror::open(&dir.path().join("absent")).await,
            Err(MirrorError::Missing(_))
        ));
    }
}
