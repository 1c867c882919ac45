//! Connections that hold a socket without asking anything: silent ones, HTTP/2 prefaces, bodies
//! that never arrive, idle keep-alive connections, too many connections from one address or in
//! all. Each is closed (or refused) and the server keeps answering others.
//!
//! The timeouts are set short (1 s) and the bounds waited for are generous (10 s): the tests
//! check that a connection ends, not how fast.

use crate::helpers::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// How long a test waits for a connection to end that the server should close after 1 s.
const BOUND: Duration = Duration::from_secs(10);

/// A server whose connections wait at most 1 s for a request and whose requests last at most 1 s.
async fn impatient() -> TestServer {
    TestServer::start_with(Options {
        header_read_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(1),
        ..Options::default()
    })
    .await
}

fn addr(server: &TestServer) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (end of file or reset) and returns what it sent;
/// panics, saying `what`, if it is still open after [`BOUND`].
async fn read_until_closed(stream: &mut TcpStream, what: &str) -> String {
    String::from_utf8_lossy(&read_bytes_until_closed(stream, what).await).into_owned()
}

/// [`read_until_closed`], as bytes.
async fn read_bytes_until_closed(stream: &mut TcpStream, what: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    if tokio::time::timeout(BOUND, read).await.is_err() {
        panic!("{what}: the connection was still open after {BOUND:?}");
    }
    out
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let server = impatient().await;
    let mut silent = TcpStream::connect(addr(&server)).await.unwrap();
    let sent = read_until_closed(&mut silent, "a silent connection").await;
    assert!(!sent.contains("200"), "{sent}");
    server.root().get("/").send().await.expect(200);
}

#[tokio::test]
async fn an_http2_preface_is_refused_when_http2_is_off() {
    let server = impatient().await;
    let mut h2c = TcpStream::connect(addr(&server)).await.unwrap();
    h2c.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
    read_until_closed(&mut h2c, "an HTTP/2 prior-knowledge connection").await;
    server.root().get("/").send().await.expect(200);
}

#[tokio::test]
async fn a_body_that_never_arrives_ends_the_request_and_its_connection() {
    let server = impatient().await;
    server.add_user("alice").await;
    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    // alice:correct horse battery
    let head = "POST /authorizations HTTP/1.1\r\nHost: x\r\n\
                Authorization: Basic YWxpY2U6Y29ycmVjdCBob3JzZSBiYXR0ZXJ5\r\n\
                Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"note\":";
    stream.write_all(head.as_bytes()).await.unwrap();
    let sent = read_until_closed(&mut stream, "a request whose body never arrives").await;
    assert!(sent.starts_with("HTTP/1.1 503"), "{sent}");
    // The request created nothing, and the server goes on.
    let list = server
        .root()
        .get("/authorizations")
        .auth(password("alice"))
        .send()
        .await;
    list.expect(200);
    assert_eq!(list.body.as_array().map(Vec::len), Some(0), "{:?}", list.body);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_answer() {
    let server = impatient().await;
    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let sent = read_until_closed(&mut stream, "an idle keep-alive connection").await;
    assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
    assert!(!sent.to_ascii_lowercase().contains("connection: close"), "{sent}");
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_when_http2_is_on() {
    let server = TestServer::start_with(Options {
        header_read_timeout: Duration::from_secs(1),
        http2: true,
        ..Options::default()
    })
    .await;
    let mut h2c = TcpStream::connect(addr(&server)).await.unwrap();
    h2c.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
    // An empty SETTINGS frame, then GET / on stream 1 (HEADERS, END_STREAM | END_HEADERS): the
    // header block is HPACK's indexed :method GET, :scheme http, :path / and a literal
    // :authority x.
    h2c.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await.unwrap();
    h2c.write_all(&[0, 0, 6, 1, 5, 0, 0, 0, 1, 0x82, 0x86, 0x84, 0x41, 1, b'x'])
        .await
        .unwrap();
    let sent = read_bytes_until_closed(&mut h2c, "an idle HTTP/2 connection").await;
    // The answer's HEADERS frame on stream 1 starts with HPACK's indexed `:status 200`.
    let mut frames = &sent[..];
    let mut answered = false;
    while frames.len() >= 9 {
        let len = usize::from(frames[0]) << 16 | usize::from(frames[1]) << 8 | usize::from(frames[2]);
        let Some(payload) = frames.get(9..9 + len) else { break };
        answered |= frames[3] == 1 && frames[5..9] == [0, 0, 0, 1] && payload.first() == Some(&0x88);
        frames = &frames[9 + len..];
    }
    assert!(answered, "no 200 on stream 1: {sent:?}");
}

/// Sends `GET /` on `stream` and returns the answer's head, or what was sent before the server
/// closed the connection.
async fn ask(stream: &mut TcpStream) -> String {
    let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut out = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        while !out.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(BOUND, read)
        .await
        .expect("neither an answer nor a close");
    String::from_utf8_lossy(&out).into_owned()
}

/// A connection to `server` from the local address `from` (any of 127.0.0.0/8).
async fn connect_from(server: &TestServer, from: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(addr(server).parse().unwrap()).await.unwrap()
}

/// Asks on new connections from `from` until one is answered (a closed connection frees its
/// place a moment after the client closes it).
async fn answered_again(server: &TestServer, from: &str) {
    let deadline = Instant::now() + BOUND;
    loop {
        let mut stream = connect_from(server, from).await;
        if ask(&mut stream).await.starts_with("HTTP/1.1 200") {
            return;
        }
        assert!(Instant::now() < deadline, "a freed place was never given again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn connections_past_the_per_ip_cap_are_refused() {
    let server = TestServer::start_with(Options {
        header_read_timeout: Duration::from_secs(60),
        max_connections_per_ip: 2,
        ..Options::default()
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut stream = connect_from(&server, "127.0.0.1").await;
        let head = ask(&mut stream).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        open.push(stream);
    }
    let mut third = connect_from(&server, "127.0.0.1").await;
    let refused = ask(&mut third).await;
    assert_eq!(refused, "", "the third connection from one address was answered");
    // Another address has its own count.
    let mut other = connect_from(&server, "127.0.0.2").await;
    let head = ask(&mut other).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    drop(open.pop());
    answered_again(&server, "127.0.0.1").await;
}

#[tokio::test]
async fn connections_past_the_global_cap_are_refused() {
    let server = TestServer::start_with(Options {
        header_read_timeout: Duration::from_secs(60),
        max_connections: 2,
        ..Options::default()
    })
    .await;
    let mut open = Vec::new();
    for from in ["127.0.0.1", "127.0.0.2"] {
        let mut stream = connect_from(&server, from).await;
        let head = ask(&mut stream).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        open.push(stream);
    }
    let mut third = connect_from(&server, "127.0.0.3").await;
    let refused = ask(&mut third).await;
    assert_eq!(refused, "", "a connection past the cap was answered");
    drop(open.pop());
    answered_again(&server, "127.0.0.3").await;
}

/// A `grantd serve` process, killed when dropped.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_server_keeps_answering_with_few_file_descriptors() {
    let (database_url, _database) = fresh_database().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let key = grantd_core::secret::MasterKey::generate().to_hex();
    // The shell lowers the descriptor limit, then becomes grantd.
    let _process = Process(
        std::process::Command::new("sh")
            .args(["-c", "ulimit -n 128 && exec \"$@\"", "sh"])
            .arg(env!("CARGO_BIN_EXE_grantd"))
            .args(["serve", "--listen", &listen, "--database-url", &database_url])
            .args(["--header-read-timeout", "1s"])
            .env("GRANTD_MASTER_KEY", &key)
            .env("GRANTD_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://{listen}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(&url).await.is_err() {
        assert!(Instant::now() < deadline, "grantd serve did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // More silent connections than the process has descriptors.
    let mut idle = Vec::new();
    for _ in 0..140 {
        idle.push(TcpStream::connect(&listen).await.unwrap());
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match client.get(&url).send().await {
            Ok(answer) if answer.status() == 200 => break,
            other => assert!(
                Instant::now() < deadline,
                "no answer while 140 silent connections are open: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(idle);
}
