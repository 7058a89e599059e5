//! A JSON-RPC 2.0 server over HTTP/1.1 for loopback: a thread per connection (keep-alive), single
//! and batch requests, and a stop that closes the listener and waits for nothing else.

use crate::http::{read_body, read_headers, HttpError};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A method's failure: a JSON-RPC error code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodError {
    /// The code (-32601 no such method, -32602 bad params, -32000 server error).
    pub code: i64,
    /// The message.
    pub message: String,
}

impl MethodError {
    /// -32602: bad parameters.
    pub fn params(message: impl Into<String>) -> Self {
        MethodError {
            code: -32602,
            message: message.into(),
        }
    }
    /// -32000: the method failed.
    pub fn server(message: impl Into<String>) -> Self {
        MethodError {
            code: -32000,
            message: message.into(),
        }
    }
    /// -32601: no such method.
    pub fn not_found(method: &str) -> Self {
        MethodError {
            code: -32601,
            message: format!("the method {method} does not exist/is not available"),
        }
    }
}

/// Answers one call: the method name and its parameters (an array, or null).
pub type Handler = dyn Fn(&str, &Value) -> Result<Value, MethodError> + Send + Sync;

/// A running server; stopped when dropped.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves `handler` on `addr` (port 0: one the system picks).
    pub fn start(addr: &str, handler: Arc<Handler>) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(format!("rpc {addr}"))
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let handler = handler.clone();
                            let flag = flag.clone();
                            let _ = std::thread::Builder::new()
                                .name("rpc connection".into())
                                .spawn(move || connection(stream, &*handler, &flag));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            })?;
        Ok(Server {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address served.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `http://` URL served.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections (open connections end at their next request).
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn connection(stream: TcpStream, handler: &Handler, stop: &AtomicBool) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut writer = write_half;
    let mut reader = BufReader::new(stream);
    loop {
        // Wait for the next request line, checking for a stop between timeouts.
        let mut line = String::new();
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            match reader.read_line(&mut line) {
                Ok(0) => return,
                Ok(_) => break,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) && line.is_empty() =>
                {
                    continue
                }
                Err(_) => return,
            }
        }
        let _ = reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_secs(30)));
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let version = parts.nth(1).unwrap_or("HTTP/1.0").to_string();
        let headers = match read_headers(&mut reader, "reading a request") {
            Ok(h) => h,
            Err(_) => return,
        };
        let close = version == "HTTP/1.0"
            || headers
                .iter()
                .any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close"));
        let body = match read_body(&mut reader, &headers, false) {
            Ok(b) => b,
            Err(HttpError::Protocol(m)) => {
                let _ = respond(&mut writer, 400, m.as_bytes(), true);
                return;
            }
            Err(_) => return,
        };
        let (status, out) = if method == "POST" {
            (200, answer(&body, handler))
        } else {
            (405, b"JSON-RPC takes POST".to_vec())
        };
        if respond(&mut writer, status, &out, close).is_err() || close {
            return;
        }
        let _ = reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_millis(500)));
    }
}

fn respond(w: &mut TcpStream, status: u16, body: &[u8], close: bool) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Method Not Allowed",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
        body.len(),
        if close { "close" } else { "keep-alive" }
    );
    w.write_all(head.as_bytes())?;
    w.write_all(body)?;
    w.flush()
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn one(req: &Value, handler: &Handler) -> Value {
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = req.get("method").and_then(Value::as_str) else {
        return error(id, -32600, "invalid request: no method");
    };
    let params = req.get("params").cloned().unwrap_or(Value::Null);
    match handler(method, &params) {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => error(id, e.code, &e.message),
    }
}

fn answer(body: &[u8], handler: &Handler) -> Vec<u8> {
    let v = match serde_json::from_slice::<Value>(body) {
        Ok(v) => v,
        Err(e) => {
            return serde_json::to_vec(&error(Value::Null, -32700, &format!("parse error: {e}")))
                .expect("JSON values serialize")
        }
    };
    let out = match &v {
        Value::Array(reqs) if !reqs.is_empty() => {
            Value::Array(reqs.iter().map(|r| one(r, handler)).collect())
        }
        Value::Object(_) => one(&v, handler),
        _ => error(Value::Null, -32600, "invalid request"),
    };
    serde_json::to_vec(&out).expect("JSON values serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Client, ClientConfig, RpcError};

    fn echo() -> Arc<Handler> {
        Arc::new(|method: &str, params: &Value| match method {
            "echo" => Ok(params.clone()),
            "fail" => Err(MethodError::server("it failed")),
            "slow" => {
                std::thread::sleep(Duration::from_millis(1500));
                Ok(Value::Null)
            }
            m => Err(MethodError::not_found(m)),
        })
    }

    fn quick() -> ClientConfig {
        ClientConfig {
            timeout: Duration::from_millis(500),
            retries: 2,
            backoff: Duration::from_millis(10),
        }
    }

    #[test]
    fn calls_errors_and_timeouts_name_the_endpoint_and_request() {
        let mut server = Server::start("127.0.0.1:0", echo()).unwrap();
        let c = Client::new(&server.url(), quick()).unwrap();
        let v: Vec<u64> = c.call("echo", json!([1, 2])).unwrap();
        assert_eq!(v, vec![1, 2]);
        // Many calls over fresh connections.
        for i in 0..50u64 {
            let v: Vec<u64> = c.call("echo", json!([i])).unwrap();
            assert_eq!(v, vec![i]);
        }
        let e = c.call::<Value>("fail", json!(["x"])).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(&server.url()) && text.contains("fail([\"x\"])"),
            "{text}"
        );
        assert!(text.contains("it failed"), "{text}");
        assert!(c
            .call::<Value>("nope", json!([]))
            .unwrap_err()
            .method_not_found());
        let e = c.call::<Value>("slow", json!([])).unwrap_err();
        assert!(
            matches!(e, RpcError::Transport { attempts: 3, .. })
                && e.to_string().contains("timed out"),
            "{e}"
        );
        let url = server.url();
        server.stop();
        let e = c.call::<Value>("echo", json!([])).unwrap_err();
        assert!(
            e.to_string().contains(&url) && e.to_string().contains("cannot connect"),
            "{e}"
        );
    }

    #[test]
    fn batches_and_keep_alive() {
        let server = Server::start("127.0.0.1:0", echo()).unwrap();
        let mut s = TcpStream::connect(server.local_addr()).unwrap();
        let body = br#"[{"jsonrpc":"2.0","id":1,"method":"echo","params":[7]},{"jsonrpc":"2.0","id":2,"method":"x"}]"#;
        for _ in 0..2 {
            let req = format!(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            s.write_all(req.as_bytes()).unwrap();
            s.write_all(body).unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut status = String::new();
            r.read_line(&mut status).unwrap();
            assert!(status.starts_with("HTTP/1.1 200"));
            let h = read_headers(&mut r, "t").unwrap();
            let b = read_body(&mut r, &h, false).unwrap();
            let v: Value = serde_json::from_slice(&b).unwrap();
            assert_eq!(v[0]["result"], json!([7]));
            assert_eq!(v[1]["error"]["code"], -32601);
        }
    }
}
