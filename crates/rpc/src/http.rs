//! The little of HTTP/1.1 JSON-RPC needs: one request per connection (`Connection: close`), bodies
//! by `Content-Length` or chunked, timeouts on connect, read and write.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The largest response body accepted (a block with full transactions, a witness, a blob list).
pub const MAX_BODY: usize = 512 << 20;

/// An `http://host:port/path` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// The host (name or address).
    pub host: String,
    /// The port (80 if not given).
    pub port: u16,
    /// The path, `/` at least.
    pub path: String,
}

impl Url {
    /// Parses an `http://` URL; `https://` is refused (no TLS here: the local chain is loopback).
    pub fn parse(s: &str) -> Result<Url, String> {
        let rest = if let Some(r) = s.strip_prefix("http://") {
            r
        } else if s.starts_with("https://") {
            return Err(format!(
                "{s}: https is not supported (the local chain's endpoints are plain http on loopback)"
            ));
        } else {
            return Err(format!("{s}: not an http:// URL"));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse::<u16>()
                    .map_err(|_| format!("{s}: bad port {p:?}"))?,
            ),
            None => (authority.to_string(), 80),
        };
        if host.is_empty() {
            return Err(format!("{s}: no host"));
        }
        Ok(Url { host, port, path })
    }

    /// The URL with another path (joined to this one's, without a doubled slash).
    pub fn join(&self, path: &str) -> Url {
        let base = self.path.trim_end_matches('/');
        Url {
            path: format!("{base}{path}"),
            ..self.clone()
        }
    }

    fn addrs(&self) -> std::io::Result<Vec<SocketAddr>> {
        Ok((self.host.as_str(), self.port).to_socket_addrs()?.collect())
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}:{}{}", self.host, self.port, self.path)
    }
}

/// Why an HTTP exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No connection (refused, unreachable, or the connect timeout passed).
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The connection broke or timed out while sending or receiving.
    #[error("{0}")]
    Io(String),
    /// The answer is not HTTP we understand.
    #[error("bad HTTP response: {0}")]
    Protocol(String),
    /// A non-2xx status, with the start of the body.
    #[error("HTTP status {status}: {body}")]
    Status {
        /// The status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
}

impl HttpError {
    /// Whether trying again may help (connection trouble, timeouts, 5xx and 429).
    pub fn retryable(&self) -> bool {
        match self {
            HttpError::Connect(_) | HttpError::Io(_) => true,
            HttpError::Protocol(_) => false,
            HttpError::Status { status, .. } => *status >= 500 || *status == 429,
        }
    }
}

fn io(what: &str, e: std::io::Error) -> HttpError {
    if matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ) {
        HttpError::Io(format!("timed out {what}"))
    } else {
        HttpError::Io(format!("{what}: {e}"))
    }
}

/// Sends one request and returns the response body (2xx only).
pub fn request(
    url: &Url,
    method: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
    timeout: Duration,
) -> Result<Vec<u8>, HttpError> {
    let addrs = url.addrs().map_err(|e| HttpError::Connect(e.to_string()))?;
    let mut last = HttpError::Connect(format!("{} resolves to no address", url.host));
    let mut stream = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = HttpError::Connect(e.to_string()),
        }
    }
    let mut stream = stream.ok_or(last)?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|_| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| io("setting timeouts", e))?;
    let _ = stream.set_nodelay(true);
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\nUser-Agent: verdict\r\n",
        url.path, url.host, url.port
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if let Some(b) = body {
        out.extend_from_slice(b);
    }
    stream
        .write_all(&out)
        .map_err(|e| io("sending the request", e))?;
    let mut reader = BufReader::new(stream);
    let (status, resp_headers) = read_head(&mut reader, "reading the response")?;
    let body = read_body(&mut reader, &resp_headers, true)?;
    if !(200..300).contains(&status) {
        let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        return Err(HttpError::Status { status, body: text });
    }
    Ok(body)
}

/// Reads a request or status line and headers; returns the status code (0 for a request line)
/// and the headers with lower-case names. For requests, [`read_request_head`].
fn read_head(r: &mut impl BufRead, what: &str) -> Result<(u16, Vec<(String, String)>), HttpError> {
    let mut line = String::new();
    let n = r.read_line(&mut line).map_err(|e| io(what, e))?;
    if n == 0 {
        return Err(HttpError::Io(format!("{what}: the connection closed")));
    }
    let mut parts = line.split_whitespace();
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(HttpError::Protocol(format!(
            "status line {:?}",
            line.trim()
        )));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| HttpError::Protocol(format!("status line {:?}", line.trim())))?;
    Ok((status, read_headers(r, what)?))
}

pub(crate) fn read_headers(
    r: &mut impl BufRead,
    what: &str,
) -> Result<Vec<(String, String)>, HttpError> {
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).map_err(|e| io(what, e))?;
        let line = line.trim_end();
        if line.is_empty() {
            return Ok(headers);
        }
        if headers.len() > 100 {
            return Err(HttpError::Protocol("too many headers".into()));
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Reads a body by Content-Length, chunked encoding, or (for responses) to the end.
pub(crate) fn read_body(
    r: &mut impl BufRead,
    headers: &[(String, String)],
    to_eof: bool,
) -> Result<Vec<u8>, HttpError> {
    let what = "reading the body";
    if header(headers, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        loop {
            let mut line = String::new();
            r.read_line(&mut line).map_err(|e| io(what, e))?;
            let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| HttpError::Protocol(format!("chunk size {:?}", line.trim())))?;
            if size == 0 {
                read_headers(r, what)?;
                return Ok(body);
            }
            if body.len() + size > MAX_BODY {
                return Err(HttpError::Protocol(format!("body over {MAX_BODY} bytes")));
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..]).map_err(|e| io(what, e))?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf).map_err(|e| io(what, e))?;
        }
    }
    if let Some(len) = header(headers, "content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| HttpError::Protocol(format!("content-length {len:?}")))?;
        if len > MAX_BODY {
            return Err(HttpError::Protocol(format!("body of {len} bytes")));
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body).map_err(|e| io(what, e))?;
        return Ok(body);
    }
    let mut body = Vec::new();
    if to_eof {
        r.take(MAX_BODY as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| io(what, e))?;
        if body.len() > MAX_BODY {
            return Err(HttpError::Protocol(format!("body over {MAX_BODY} bytes")));
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = Url::parse("http://127.0.0.1:8545").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 8545, "/")
        );
        let u = Url::parse("http://localhost/rpc").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("localhost", 80, "/rpc")
        );
        assert_eq!(
            u.join("/eth/v1/beacon/genesis").to_string(),
            "http://localhost:80/rpc/eth/v1/beacon/genesis"
        );
        assert!(Url::parse("https://x").unwrap_err().contains("https"));
        assert!(Url::parse("ftp://x").is_err());
        assert!(Url::parse("http://x:notaport").is_err());
    }
}
