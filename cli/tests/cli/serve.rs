//! `mhub serve`: the first stdout line names the address; the first start shows the admin key.

use crate::helpers::{Server, mhub, run, stderr};

#[test]
fn serve_prints_its_real_address_then_the_first_admin_key() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();

    // Act
    let mut server = Server::start(&dir.path().join("data"));

    // Assert
    assert!(!server.url.ends_with(":0"), "{}", server.url);
    let admin = server.next_line();
    assert!(
        admin.starts_with("admin key (shown once): mhub_"),
        "{admin}"
    );
    let (status, body) = server.get("/healthz");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn serve_on_a_taken_port_says_so_and_fails() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();

    // Act
    let output = run(mhub()
        .args(["serve", "--listen", &address, "--data-dir"])
        .arg(dir.path().join("data")));

    // Assert
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("already in use"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("data"));
    assert_eq!(server.get("/healthz").0, 200);

    // Act
    let status = server.terminate();

    // Assert
    assert!(status.success(), "{status}");
}
