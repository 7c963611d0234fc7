//! CometBFT RPC from a test: clients, heights, and raw requests for what
//! no well-behaved client sends.

use std::time::{Duration, Instant};

use tendermint_rpc::client::CompatMode;
use tendermint_rpc::{Client, HttpClient};

use crate::wait::WAIT;

pub fn client(url: &str) -> HttpClient {
    HttpClient::builder(url.parse().expect("RPC URL"))
        .compat_mode(CompatMode::V0_38)
        .build()
        .expect("RPC client")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The node's latest height, `None` while it does not answer.
pub async fn height(url: &str) -> Option<u64> {
    let status = tokio::time::timeout(Duration::from_secs(5), client(url).status())
        .await
        .ok()?
        .ok()?;
    Some(status.sync_info.latest_block_height.value())
}

/// Waits until the node reports at least `target`.
pub async fn wait_for_height(url: &str, target: u64) -> u64 {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(h) = height(url).await {
            if h >= target {
                return h;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{url} did not reach height {target} within {WAIT:?} (at {:?})",
            height(url).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The hash of the block each node committed at `height`.
pub async fn block_hash(url: &str, height: u64) -> tendermint::Hash {
    client(url)
        .commit(tendermint::block::Height::try_from(height).expect("height"))
        .await
        .expect("commit")
        .signed_header
        .header
        .hash()
}

/// A POST of `body` to the node's JSON-RPC endpoint with a bare TCP
/// connection, so the body can be anything; returns the response JSON.
pub async fn raw_post(rpc: &str, body: &str) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = rpc.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .expect("connecting to the RPC port");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("sending");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reading");
    let text = String::from_utf8_lossy(&response);
    let (_, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    serde_json::from_str(body).expect("a JSON response body")
}

/// The body of a plain `GET url` (`http://host:port/path`), or the error
/// that kept it from answering.
pub async fn get_text(url: &str) -> Result<String, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| e.to_string())?;
    let request = format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (_, body) = text.split_once("\r\n\r\n").ok_or("not an HTTP response")?;
    Ok(body.to_owned())
}

/// A minimal websocket client over a bare TCP connection, for sending what
/// no well-behaved client would (broken JSON, bad queries).
pub struct RawSocket {
    stream: tokio::net::TcpStream,
}

impl RawSocket {
    pub async fn connect(rpc: &str) -> RawSocket {
        match Self::try_connect(rpc).await {
            Ok(socket) => socket,
            Err(head) => panic!("no upgrade: {head}"),
        }
    }

    /// The socket, or the head of the HTTP response that refused it.
    pub async fn try_connect(rpc: &str) -> Result<RawSocket, String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = rpc.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(host)
            .await
            .expect("connecting to the RPC port");
        let request = format!(
            "GET /websocket HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("sending");
        // Read the handshake response byte by byte so no frame is consumed.
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(stream.read_u8().await.expect("reading the handshake"));
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        if !head.starts_with("HTTP/1.1 101") {
            return Err(head);
        }
        Ok(RawSocket { stream })
    }

    /// Sends one masked text frame (clients must mask; a zero mask is valid).
    pub async fn send(&mut self, text: &str) {
        use tokio::io::AsyncWriteExt;
        let payload = text.as_bytes();
        let mut frame = vec![0x81];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        frame.extend_from_slice(&[0, 0, 0, 0]);
        frame.extend_from_slice(payload);
        self.stream
            .write_all(&frame)
            .await
            .expect("sending a frame");
    }

    /// The next text message, as JSON.
    pub async fn recv(&mut self) -> serde_json::Value {
        use tokio::io::AsyncReadExt;
        loop {
            let opcode = self.stream.read_u8().await.expect("reading a frame") & 0x0f;
            let len = match self.stream.read_u8().await.expect("reading a frame") & 0x7f {
                126 => u64::from(self.stream.read_u16().await.expect("reading a frame")),
                127 => self.stream.read_u64().await.expect("reading a frame"),
                n => u64::from(n),
            };
            let mut payload = vec![0; len as usize];
            self.stream
                .read_exact(&mut payload)
                .await
                .expect("reading a frame");
            if opcode == 0x1 {
                return serde_json::from_slice(&payload).expect("a JSON message");
            }
        }
    }

    /// Sends a request and returns the next message, its answer.
    pub async fn call(&mut self, text: &str) -> serde_json::Value {
        self.send(text).await;
        tokio::time::timeout(WAIT, self.recv())
            .await
            .expect("an answer in time")
    }
}
