//! The JSON-RPC client: one endpoint, a timeout per attempt, retries with exponential backoff for
//! what may pass (connection trouble, timeouts, 5xx), and errors naming the endpoint and request.

use crate::http::{self, HttpError, Url};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Timeouts and retries.
#[derive(Clone, Copy, Debug)]
pub struct ClientConfig {
    /// The timeout of one attempt (connect, send, and each read).
    pub timeout: Duration,
    /// Attempts after the first.
    pub retries: u32,
    /// The wait before the first retry; doubled each time.
    pub backoff: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(30),
            retries: 4,
            backoff: Duration::from_millis(250),
        }
    }
}

/// Why a call failed: always names the endpoint and the request.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The endpoint could not be reached, or broke off, after every attempt.
    #[error("{endpoint}: {request}: {error} (after {attempts} attempts)")]
    Transport {
        /// The endpoint.
        endpoint: String,
        /// The request (method and parameters).
        request: String,
        /// The last error.
        error: HttpError,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The server answered with a JSON-RPC error.
    #[error("{endpoint}: {request}: error {code}: {message}")]
    Server {
        /// The endpoint.
        endpoint: String,
        /// The request.
        request: String,
        /// The JSON-RPC error code.
        code: i64,
        /// Its message.
        message: String,
    },
    /// The answer is not what the method returns.
    #[error("{endpoint}: {request}: unexpected answer: {message}")]
    Decode {
        /// The endpoint.
        endpoint: String,
        /// The request.
        request: String,
        /// What is wrong.
        message: String,
    },
}

impl RpcError {
    /// Whether the server said it has no such method (JSON-RPC -32601).
    pub fn method_not_found(&self) -> bool {
        matches!(self, RpcError::Server { code: -32601, .. })
    }
}

/// A JSON-RPC endpoint.
#[derive(Debug)]
pub struct Client {
    url: Url,
    config: ClientConfig,
    next_id: AtomicU64,
}

/// A short rendering of a request for errors: the method and its parameters, long strings cut.
pub(crate) fn describe(method: &str, params: &Value) -> String {
    let mut p = params.to_string();
    if p.len() > 200 {
        let mut cut = 200;
        while !p.is_char_boundary(cut) {
            cut -= 1;
        }
        p.truncate(cut);
        p.push_str("...");
    }
    format!("{method}({p})")
}

impl Client {
    /// A client of `url` (an `http://` URL).
    pub fn new(url: &str, config: ClientConfig) -> Result<Self, String> {
        Ok(Client {
            url: Url::parse(url)?,
            config,
            next_id: AtomicU64::new(1),
        })
    }

    /// The endpoint.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Calls `method` with `params` (a JSON array) and decodes the result.
    pub fn call<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<T, RpcError> {
        let value = self.call_value(method, &params)?;
        serde_json::from_value(value).map_err(|e| RpcError::Decode {
            endpoint: self.url.to_string(),
            request: describe(method, &params),
            message: e.to_string(),
        })
    }

    /// Calls `method` and returns the raw result.
    pub fn call_value(&self, method: &str, params: &Value) -> Result<Value, RpcError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let body = serde_json::to_vec(&body).expect("JSON values serialize");
        let request = || describe(method, params);
        let bytes = self.with_retries(request, || {
            http::request(
                &self.url,
                "POST",
                &[("Content-Type", "application/json")],
                Some(&body),
                self.config.timeout,
            )
        })?;
        let decode = |message: String| RpcError::Decode {
            endpoint: self.url.to_string(),
            request: request(),
            message,
        };
        let mut v: Value =
            serde_json::from_slice(&bytes).map_err(|e| decode(format!("not JSON: {e}")))?;
        if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
            return Err(RpcError::Server {
                endpoint: self.url.to_string(),
                request: request(),
                code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: err
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("(no message)")
                    .to_string(),
            });
        }
        match v.get_mut("result") {
            Some(r) => Ok(r.take()),
            None => Err(decode("no result and no error".into())),
        }
    }

    /// GETs `path` under the endpoint (a REST API such as the beacon API) and decodes the JSON.
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, RpcError> {
        let url = self.url.join(path);
        let request = || format!("GET {path}");
        let bytes = self.with_retries(request, || {
            http::request(
                &url,
                "GET",
                &[("Accept", "application/json")],
                None,
                self.config.timeout,
            )
        })?;
        serde_json::from_slice(&bytes).map_err(|e| RpcError::Decode {
            endpoint: self.url.to_string(),
            request: request(),
            message: e.to_string(),
        })
    }

    fn with_retries(
        &self,
        request: impl Fn() -> String,
        mut attempt: impl FnMut() -> Result<Vec<u8>, HttpError>,
    ) -> Result<Vec<u8>, RpcError> {
        let mut wait = self.config.backoff;
        let mut attempts = 0;
        loop {
            attempts += 1;
            match attempt() {
                Ok(b) => return Ok(b),
                Err(e) if e.retryable() && attempts <= self.config.retries => {
                    std::thread::sleep(wait);
                    wait = wait.saturating_mul(2);
                }
                Err(error) => {
                    return Err(RpcError::Transport {
                        endpoint: self.url.to_string(),
                        request: request(),
                        error,
                        attempts,
                    })
                }
            }
        }
    }
}
