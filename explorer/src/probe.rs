//! One plain HTTP/1.0 GET, for what asks a running explorer from outside
//! (the container health check, the page benchmark) without an HTTP client
//! crate.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An answer: the status line's code and the body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// `GET path` from `address`, the whole answer read (the server closes an
/// HTTP/1.0 connection after it).
pub async fn get(address: SocketAddr, path: &str) -> std::io::Result<Answer> {
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())
        .await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Ok(Answer {
        status,
        body: body.to_owned(),
    })
}
