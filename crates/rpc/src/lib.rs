//! JSON-RPC 2.0 over HTTP/1.1 (plain `http://`, the local chain's loopback endpoints): a blocking
//! client with connect and read timeouts, retries with exponential backoff, and errors that name the
//! endpoint and the request ([`Client`], [`RpcError`]); a GET client for REST APIs (the beacon
//! API); and a threaded server for loopback ([`Server`]).

mod client;
mod http;
mod server;

pub use client::{Client, ClientConfig, RpcError};
pub use http::{HttpError, Url};
pub use server::{Handler, MethodError, Server};
