//! `mhub init`: keys and secrets are created once.

use crate::helpers::{init, mhub, run, stderr, stdout};

#[test]
fn init_prints_the_admin_key_once_and_null_afterwards() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");

    // Act
    let first = init(&data_dir);
    let second = run(mhub().args(["init", "--json", "--data-dir"]).arg(&data_dir));

    // Assert
    let key = first.expect("the first init creates an admin key");
    assert!(key.starts_with("mhub_"), "{key}");
    assert!(second.status.success());
    assert_eq!(stdout(&second).trim(), r#"{"admin_key":null}"#);
    assert!(stderr(&second).contains("created"), "{}", stderr(&second));
}
