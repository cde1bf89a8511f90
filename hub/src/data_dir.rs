//! The data directory and the secrets in it.
//!
//! ```text
//! mhub-data/
//!   mhub.sqlite3 (+ -wal, -shm)   the embedded store (absent on PostgreSQL)
//!   photos/ab/abcd…               photos named by the SHA-256 of their bytes
//!   index/                        reserved for the derived search index
//!   spool/                        uploads being processed; emptied at start
//!   secrets/token.key             HMAC key for tokens (SPEC §4), hex, mode 0600:
//!                                 64 digits per generation (one more per rotation)
//!   secrets/token.key.next        a rotation's new key until its database commit
//!                                 is known (crate::token_rotation)
//!   secrets/token.key.abandoned   the staged key of a rotation that never committed
//!   secrets/signing.key           Ed25519 seed of the association's feed key, hex, mode 0600
//! ```
//!
//! Secrets are files rather than database rows so that a database dump or a
//! replica never carries the key that makes tokens meaningful. Several hubs
//! sharing one PostgreSQL must share these two files (docs/operations.md).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use matcher::TokenKey;
use rand::Rng;
use thiserror::Error;

/// Paths inside a data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// The hub's long-lived secrets.
pub struct Secrets {
    /// Key for `HMAC-SHA256(key, "kind:normalised")` tokens.
    pub token_key: TokenKey,
    /// The association's feed signing key.
    pub signing_key: SigningKey,
    /// Whether this call created them (first start).
    pub created: bool,
}

/// Problems with the data directory.
#[derive(Debug, Error)]
pub enum DataDirError {
    /// A file or folder could not be created or read.
    #[error("data directory {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A secret file exists but does not hold a valid key.
    #[error(
        "secret file {path} is not a valid key (64 hex digits, per generation for the token key)"
    )]
    BadSecret {
        /// The file.
        path: PathBuf,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DataDirError + '_ {
    move |source| DataDirError::Io {
        path: path.to_owned(),
        source,
    }
}

impl DataDir {
    /// A data directory rooted at `root` (nothing is touched yet).
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The embedded SQLite database file.
    pub fn sqlite_path(&self) -> PathBuf {
        self.root.join("mhub.sqlite3")
    }

    /// sqlx URL of the embedded database, created on first connect.
    pub fn sqlite_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.sqlite_path().display())
    }

    /// The embedded audit log's own SQLite file (see [`crate::audit`]).
    pub fn audit_sqlite_path(&self) -> PathBuf {
        self.root.join("audit.sqlite3")
    }

    /// sqlx URL of the embedded audit log, created on first connect.
    pub fn audit_sqlite_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.audit_sqlite_path().display())
    }

    /// Folder of photos by content hash.
    pub fn photos(&self) -> PathBuf {
        self.root.join("photos")
    }

    /// Folder reserved for the search index.
    pub fn index(&self) -> PathBuf {
        self.root.join("index")
    }

    /// Folder for uploads while they are processed.
    pub fn spool(&self) -> PathBuf {
        self.root.join("spool")
    }

    fn secrets(&self) -> PathBuf {
        self.root.join("secrets")
    }

    /// Create the folders (owner-only where they hold secrets).
    pub fn prepare(&self) -> Result<(), DataDirError> {
        for dir in [
            self.root.clone(),
            self.photos(),
            self.index(),
            self.spool(),
            self.secrets(),
        ] {
            fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        }
        for dir in [self.root.clone(), self.secrets(), self.spool()] {
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io_error(&dir))?;
        }
        Ok(())
    }

    /// Empty the spool: a file left there belongs to an upload that was
    /// never acknowledged, and it may hold raw identifiers. Only the process
    /// that serves this directory may do it (another one would delete the
    /// uploads that hub has in flight), which is why it is apart from
    /// [`prepare`](Self::prepare).
    pub fn clear_spool(&self) -> Result<(), DataDirError> {
        let spool = self.spool();
        for entry in fs::read_dir(&spool).map_err(io_error(&spool))? {
            let path = entry.map_err(io_error(&spool))?.path();
            if path.is_file() {
                fs::remove_file(&path).map_err(io_error(&path))?;
            }
        }
        Ok(())
    }

    /// Load the secrets, generating them on first start.
    pub fn load_or_create_secrets(&self) -> Result<Secrets, DataDirError> {
        let (token_hex, token_created) = self.secret_file("token.key")?;
        let (signing_hex, signing_created) = self.secret_file("signing.key")?;
        let token_path = self.secrets().join("token.key");
        let token_key = TokenKey::from_hex(&token_hex)
            .map_err(|_| DataDirError::BadSecret { path: token_path })?;
        let signing_path = self.secrets().join("signing.key");
        let signing_bytes = hex::decode(signing_hex.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or(DataDirError::BadSecret { path: signing_path })?;
        Ok(Secrets {
            token_key,
            signing_key: SigningKey::from_bytes(&signing_bytes),
            created: token_created || signing_created,
        })
    }

    fn staged_token_key_path(&self) -> PathBuf {
        self.secrets().join("token.key.next")
    }

    /// Write a rotation's new token key beside the current one, durably,
    /// before the database is re-tokenised under it: whichever way a crash
    /// falls, one of the two files matches the database, and the next start
    /// keeps that one ([`crate::token_rotation::reconcile`]).
    pub fn stage_token_key(&self, key: &TokenKey) -> Result<(), DataDirError> {
        let path = self.staged_token_key_path();
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(io_error(&path))?;
        writeln!(file, "{}", key.to_hex()).map_err(io_error(&path))?;
        file.sync_all().map_err(io_error(&path))?;
        Ok(())
    }

    /// The staged key of a rotation not yet finished, if any.
    pub fn staged_token_key(&self) -> Result<Option<TokenKey>, DataDirError> {
        let path = self.staged_token_key_path();
        match fs::read_to_string(&path) {
            Ok(text) => TokenKey::from_hex(&text)
                .map(Some)
                .map_err(|_| DataDirError::BadSecret { path }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(io_error(&path)(error)),
        }
    }

    /// Make the staged key the token key (the database was committed under
    /// it): a rename, atomic on one file system, then the directory synced
    /// so the rename survives a power cut.
    pub fn commit_staged_token_key(&self) -> Result<(), DataDirError> {
        let (from, to) = (
            self.staged_token_key_path(),
            self.secrets().join("token.key"),
        );
        fs::rename(&from, &to).map_err(io_error(&from))?;
        let secrets = self.secrets();
        fs::File::open(&secrets)
            .and_then(|dir| dir.sync_all())
            .map_err(io_error(&secrets))
    }

    /// Move a staged key whose rotation never committed out of the way,
    /// to `token.key.abandoned`: never deleted, since a key once used to
    /// tokenise cannot be made again.
    pub fn set_aside_staged_token_key(&self) -> Result<(), DataDirError> {
        let from = self.staged_token_key_path();
        let to = self.secrets().join("token.key.abandoned");
        fs::rename(&from, &to).map_err(io_error(&from))
    }

    /// Read a secret's hex text, or create it with 32 bytes of fresh
    /// randomness, readable only by the owner. `create_new` makes two
    /// processes starting at once agree on one key: the loser reads the
    /// winner's file.
    fn secret_file(&self, name: &str) -> Result<(String, bool), DataDirError> {
        let path = self.secrets().join(name);
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut file) => {
                writeln!(file, "{}", hex::encode(bytes)).map_err(io_error(&path))?;
                file.sync_all().map_err(io_error(&path))?;
                Ok((hex::encode(bytes), true))
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = fs::read_to_string(&path).map_err(io_error(&path))?;
                Ok((text, false))
            }
            Err(error) => Err(io_error(&path)(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_created_once_and_readable_only_by_the_owner() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path().join("data"));
        data.prepare().unwrap();
        let first = data.load_or_create_secrets().unwrap();
        let second = data.load_or_create_secrets().unwrap();
        assert!(first.created);
        assert!(!second.created);
        assert_eq!(first.signing_key.to_bytes(), second.signing_key.to_bytes());
        for name in ["token.key", "signing.key"] {
            let mode = fs::metadata(data.secrets().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }

    #[test]
    fn leftover_spool_files_are_removed_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        data.prepare().unwrap();
        let leftover = data.spool().join("upload-1");
        fs::write(&leftover, b"raw rows").unwrap();
        data.prepare().unwrap();
        assert!(
            leftover.exists(),
            "preparing alone keeps another hub's uploads"
        );
        data.clear_spool().unwrap();
        assert!(!leftover.exists());
    }
}
