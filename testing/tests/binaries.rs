//! The two test sites as the local stack starts them (`scripts/with-stack.sh`): each binary
//! serves on the loopback port it is given, and stops when killed. Being an integration test,
//! this also has `cargo test` build both binaries, so `make test`'s one test build serves the
//! stack too.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A loopback port nothing listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The head of the answer to `GET path`, once the server answers (within 30 s). Any failed
/// exchange is tried again: the port is refused until the server listens, and a connection
/// made while it starts may be reset.
fn get(port: u16, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    loop {
        match exchange(port, &request) {
            Ok(answer) => return answer.split("\r\n\r\n").next().unwrap().to_owned(),
            Err(error) => assert!(
                Instant::now() < deadline,
                "no answer on port {port}: {error}"
            ),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn exchange(port: u16, request: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

/// Kills the server even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn is_ok(head: &str) -> bool {
    head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200")
}

#[test]
fn the_fake_wordpress_serves_its_posts_with_their_totals_on_the_port_it_is_given() {
    let port = free_port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_fake-wordpress"))
            .args(["serve", &port.to_string(), "--drafts", "3"])
            .args(["--password", "pw"])
            .spawn()
            .unwrap(),
    );
    let head = get(port, "/wp-json/wp/v2/posts?per_page=1");
    assert!(is_ok(&head), "{head}");
    assert!(head.to_ascii_lowercase().contains("x-wp-total:"), "{head}");
}

#[test]
fn the_test_site_serves_its_pages_on_the_port_it_is_given() {
    let port = free_port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_fake-site"))
            .args(["serve", &port.to_string()])
            .spawn()
            .unwrap(),
    );
    let head = get(port, "/robots.txt");
    assert!(is_ok(&head), "{head}");
}
