//! Shared by the integration tests: a fake AWS Lambda REST API served over HTTP/1.1 on
//! 127.0.0.1, which the real aws-sdk-lambda client talks to with static test credentials.
//! The fake function's durations follow a known I/O + CPU model with noise and cold starts.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use planner::aws::lambda::{Lambda, Tuning};
use planner::calibrate::run::CancelHandle;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const FN: &str = "calib-fn";
pub const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:calib-fn";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Logs {
    Text,
    Json,
    SnapStart,
}

pub struct Fake {
    pub memory: u32,
    pub timeout: u32,
    pub logs: Logs,
    /// GETs that still report the last update as InProgress.
    pub pending_polls: u32,
    pub versions: BTreeMap<u32, (u32, String)>,
    pub next_version: u32,
    pub aliases: BTreeMap<String, String>,
    /// Invocations served per version (the first `envs` of each are cold starts).
    pub served: BTreeMap<String, u32>,
    pub envs: u32,
    pub io_ms: f64,
    pub cpu_ms: f64,
    pub noise: f64,
    pub rng: u64,
    pub invocation_requests: u32,
    pub invocations_run: u32,
    pub throttle_every: u32,
    pub error_every: u32,
    pub timeout_every: u32,
    pub no_tail_every: u32,
    pub cancel_after: Option<(u32, CancelHandle)>,
    pub fail_publish_at: Option<u32>,
    pub fail_delete_alias: bool,
    /// GetFunctionConfiguration answers AccessDeniedException.
    pub deny_get_configuration: bool,
    /// Every call answers ExpiredTokenException (the credentials expired).
    pub expired_token: bool,
    /// When set, each invocation takes a permit first (and waits for one): a test lets the
    /// run go exactly as far as it wants.
    pub gate: Option<Arc<tokio::sync::Semaphore>>,
    /// The same for every DELETE (alias or version): holds a cleanup up.
    pub delete_gate: Option<Arc<tokio::sync::Semaphore>>,
    pub calls: Vec<String>,
}

impl Fake {
    pub fn new(logs: Logs) -> Fake {
        Fake {
            memory: 256,
            timeout: 30,
            logs,
            pending_polls: 0,
            versions: BTreeMap::new(),
            next_version: 4, // the function already has versions 1..3 (not touched)
            aliases: BTreeMap::new(),
            served: BTreeMap::new(),
            envs: 1,
            io_ms: 60.0,
            cpu_ms: 400.0,
            noise: 0.05,
            rng: 0x2545_f491_4f6c_dd1d,
            invocation_requests: 0,
            invocations_run: 0,
            throttle_every: 0,
            error_every: 0,
            timeout_every: 0,
            no_tail_every: 0,
            cancel_after: None,
            fail_publish_at: None,
            fail_delete_alias: false,
            deny_get_configuration: false,
            expired_token: false,
            gate: None,
            delete_gate: None,
            calls: Vec::new(),
        }
    }

    pub fn uniform(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn config(&self, memory: u32, version: &str, description: &str, status: &str) -> Value {
        json!({
            "FunctionName": FN,
            "FunctionArn": if version == "$LATEST" { ARN.to_string() } else { format!("{ARN}:{version}") },
            "Runtime": "python3.12",
            "Role": "arn:aws:iam::123456789012:role/r",
            "Handler": "app.handler",
            "MemorySize": memory,
            "Timeout": self.timeout,
            "Architectures": ["arm64"],
            "State": "Active",
            "LastUpdateStatus": status,
            "Version": version,
            "Description": description,
            "EphemeralStorage": { "Size": 512 },
            "PackageType": "Zip",
            "LoggingConfig": {
                "LogFormat": if self.logs == Logs::Json { "JSON" } else { "Text" },
                "LogGroup": "/aws/lambda/calib-fn"
            },
            "SnapStart": {
                "ApplyOn": if self.logs == Logs::SnapStart { "PublishedVersions" } else { "None" },
                "OptimizationStatus": if self.logs == Logs::SnapStart { "On" } else { "Off" }
            }
        })
    }

    /// What a user would compare: $LATEST's configuration, versions and aliases.
    pub fn state(&self) -> Value {
        json!({
            "latest": self.config(self.memory, "$LATEST", "", "Successful"),
            "versions": self.versions.keys().collect::<Vec<_>>(),
            "aliases": self.aliases.keys().collect::<Vec<_>>(),
        })
    }

    pub fn duration_ms(&mut self, memory: u32) -> f64 {
        let share = (memory as f64 / 1769.0).min(1.0);
        let base = self.io_ms + self.cpu_ms / share;
        base * (1.0 + self.noise * (2.0 * self.uniform() - 1.0))
    }

    pub fn invoke(&mut self, qualifier: &str) -> Reply {
        self.invocation_requests += 1;
        let n = self.invocation_requests;
        if self.throttle_every > 0 && n.is_multiple_of(self.throttle_every) {
            return Reply::error(429, "TooManyRequestsException", "Rate Exceeded.");
        }
        let Some(version) = self.aliases.get(qualifier).cloned() else {
            return Reply::error(404, "ResourceNotFoundException", "no such alias");
        };
        let Some((memory, _)) = self.versions.get(&version.parse::<u32>().unwrap()).cloned() else {
            return Reply::error(404, "ResourceNotFoundException", "no such version");
        };
        self.invocations_run += 1;
        if let Some((at, handle)) = &self.cancel_after
            && self.invocations_run >= *at
        {
            handle.cancel();
        }
        let seen = self.served.entry(version.clone()).or_insert(0);
        *seen += 1;
        let cold = *seen <= self.envs;
        let run = self.invocations_run;
        let mut d = self.duration_ms(memory);
        let timed_out = self.timeout_every > 0 && run.is_multiple_of(self.timeout_every);
        let errored = !timed_out && self.error_every > 0 && run.is_multiple_of(self.error_every);
        if timed_out {
            d = self.timeout as f64 * 1000.0;
        }
        let init = 250.0;
        let billed = d.ceil()
            + if cold && self.logs != Logs::SnapStart {
                init
            } else {
                0.0
            };
        let id = format!("req-{run:05}");
        let log = match self.logs {
            Logs::Json => {
                let mut metrics = json!({
                    "durationMs": d, "billedDurationMs": billed, "memorySizeMB": memory,
                    "maxMemoryUsedMB": 80
                });
                if cold {
                    metrics["initDurationMs"] = json!(init);
                }
                format!(
                    "{}\n{}\n{}\n",
                    json!({"time":"2026-07-01T00:00:00.000Z","type":"platform.start","record":{"requestId":id,"version":version}}),
                    json!({"timestamp":"2026-07-01T00:00:00.001Z","level":"INFO","requestId":id,"message":"working"}),
                    json!({"time":"2026-07-01T00:00:01.000Z","type":"platform.report","record":{
                        "requestId": id, "metrics": metrics,
                        "tracing": {"type":"X-Amzn-Trace-Id","value":"Root=1-5e34a66a-474xmpl7c2534a87870b4370;Parent=1;Sampled=1"},
                        "status": if timed_out { "timeout" } else if errored { "error" } else { "success" }}})
                )
            }
            Logs::Text | Logs::SnapStart => {
                let cold_part = match (cold, self.logs) {
                    (true, Logs::SnapStart) => {
                        "Restore Duration: 412.50 ms\tBilled Restore Duration: 180 ms\t".to_string()
                    }
                    (true, _) => format!("Init Duration: {init:.2} ms\t"),
                    _ => String::new(),
                };
                let status = if timed_out { "Status: timeout" } else { "" };
                format!(
                    "START RequestId: {id} Version: {version}\nEND RequestId: {id}\n\
                     REPORT RequestId: {id}\tDuration: {d:.2} ms\tBilled Duration: {billed} ms\t\
                     Memory Size: {memory} MB\tMax Memory Used: 80 MB\t{cold_part}{status}\n\
                     XRAY TraceId: 1-5e34a66a-474xmpl7c2534a87870b4370\tSegmentId: 073cxmpl3e442861\tSampled: true\n"
                )
            }
        };
        use base64::Engine as _;
        let mut headers = vec![("X-Amz-Executed-Version".to_string(), version.clone())];
        let tail_missing = self.no_tail_every > 0 && run.is_multiple_of(self.no_tail_every);
        if !tail_missing {
            headers.push((
                "X-Amz-Log-Result".to_string(),
                base64::engine::general_purpose::STANDARD.encode(log.as_bytes()),
            ));
        }
        let body = if timed_out {
            headers.push(("X-Amz-Function-Error".to_string(), "Unhandled".to_string()));
            json!({"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 30.00 seconds"})
        } else if errored {
            headers.push(("X-Amz-Function-Error".to_string(), "Unhandled".to_string()));
            json!({"errorType":"ValueError","errorMessage":"boom"})
        } else {
            json!({"ok": true})
        };
        Reply {
            status: 200,
            headers,
            body: body.to_string(),
        }
    }

    pub fn handle(&mut self, method: &str, path: &str, query: &str, body: &[u8]) -> Reply {
        let prefix = format!("/2015-03-31/functions/{FN}");
        let Some(rest) = path.strip_prefix(&prefix) else {
            return Reply::error(404, "ResourceNotFoundException", "Function not found");
        };
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let qualifier = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("Qualifier="))
            .unwrap_or("")
            .to_string();
        self.calls.push(format!("{method} {rest}"));
        if self.expired_token {
            return Reply::error(
                403,
                "ExpiredTokenException",
                "The security token included in the request is expired",
            );
        }
        match (method, rest) {
            ("GET", "/configuration") if self.deny_get_configuration => Reply::error(
                403,
                "AccessDeniedException",
                "User: arn:aws:iam::123456789012:user/t is not authorized to perform: \
                 lambda:GetFunctionConfiguration on resource: calib-fn",
            ),
            ("GET", "/configuration") => {
                let status = if self.pending_polls > 0 {
                    self.pending_polls -= 1;
                    "InProgress"
                } else {
                    "Successful"
                };
                Reply::json(200, self.config(self.memory, "$LATEST", "", status))
            }
            ("PUT", "/configuration") => {
                if let Some(m) = body.get("MemorySize").and_then(Value::as_u64) {
                    self.memory = m as u32;
                }
                self.pending_polls = 1;
                Reply::json(200, self.config(self.memory, "$LATEST", "", "InProgress"))
            }
            ("POST", "/versions") => {
                if self.fail_publish_at == Some(self.next_version) {
                    return Reply::error(500, "ServiceException", "internal failure");
                }
                let v = self.next_version;
                self.next_version += 1;
                let desc = body
                    .get("Description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                self.versions.insert(v, (self.memory, desc.clone()));
                Reply::json(
                    201,
                    self.config(self.memory, &v.to_string(), &desc, "Successful"),
                )
            }
            ("POST", "/aliases") => {
                let name = body["Name"].as_str().unwrap_or("").to_string();
                let version = body["FunctionVersion"].as_str().unwrap_or("").to_string();
                if self.aliases.contains_key(&name) {
                    return Reply::error(409, "ResourceConflictException", "Alias already exists");
                }
                self.aliases.insert(name.clone(), version.clone());
                Reply::json(
                    201,
                    json!({"AliasArn": format!("{ARN}:{name}"), "Name": name,
                           "FunctionVersion": version, "Description": "", "RevisionId": "r1"}),
                )
            }
            ("DELETE", r) if r.starts_with("/aliases/") => {
                if self.fail_delete_alias {
                    return Reply::error(500, "ServiceException", "internal failure");
                }
                let name = &r["/aliases/".len()..];
                match self.aliases.remove(name) {
                    Some(_) => Reply::empty(204),
                    None => Reply::error(404, "ResourceNotFoundException", "Alias not found"),
                }
            }
            ("DELETE", "") => {
                let Ok(v) = qualifier.parse::<u32>() else {
                    return Reply::error(400, "InvalidParameterValueException", "bad qualifier");
                };
                if self.aliases.values().any(|a| a == &qualifier) {
                    return Reply::error(
                        409,
                        "ResourceConflictException",
                        "an alias uses this version",
                    );
                }
                match self.versions.remove(&v) {
                    Some(_) => Reply::empty(204),
                    None => Reply::error(404, "ResourceNotFoundException", "Version not found"),
                }
            }
            ("POST", "/invocations") => self.invoke(&qualifier),
            _ => Reply::error(400, "InvalidRequestContentException", "unsupported"),
        }
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, v: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: v.to_string(),
        }
    }
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply {
            status,
            headers: vec![("x-amzn-ErrorType".to_string(), code.to_string())],
            body: json!({"Type": "User", "message": message}).to_string(),
        }
    }
}

/// Serve HTTP/1.1 (keep-alive, Content-Length bodies) on 127.0.0.1 until the runtime ends.
pub async fn serve(fake: Arc<Mutex<Fake>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(connection(sock, fake.clone()));
        }
    });
    format!("http://{addr}")
}

async fn connection(mut sock: TcpStream, fake: Arc<Mutex<Fake>>) {
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 8192];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or("");
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let length: usize = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 8192];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buf[head_end..head_end + length].to_vec();
        buf.drain(..head_end + length);
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let path = path.replace("%24", "$");
        let gate = if method == "POST" && path.ends_with("/invocations") {
            fake.lock().unwrap().gate.clone()
        } else if method == "DELETE" {
            fake.lock().unwrap().delete_gate.clone()
        } else {
            None
        };
        {
            if let Some(gate) = gate {
                match gate.acquire().await {
                    Ok(permit) => permit.forget(),
                    Err(_) => return,
                }
            }
        }
        let reply = fake.lock().unwrap().handle(&method, &path, query, &body);
        let mut out = format!(
            "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            reply.status,
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&reply.body);
        if sock.write_all(out.as_bytes()).await.is_err() {
            return;
        }
    }
}

pub fn fast() -> Tuning {
    Tuning {
        control_interval: Duration::ZERO,
        backoff_base: Duration::from_millis(1),
        backoff_max: Duration::from_millis(5),
        max_attempts: 8,
        update_poll: Duration::from_millis(2),
        update_wait: Duration::from_secs(5),
        control_timeout: Duration::from_secs(10),
    }
}

pub fn background_fake(fake: Fake) -> (Arc<Mutex<Fake>>, String) {
    let fake = Arc::new(Mutex::new(fake));
    let (tx, rx) = std::sync::mpsc::channel();
    let shared = fake.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            tx.send(serve(shared).await).unwrap();
            std::future::pending::<()>().await;
        });
    });
    (fake, rx.recv().unwrap())
}

/// A loaded SDK configuration for `url` with static test credentials and no SDK retries.
pub async fn static_sdk(url: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled());
    if let Some(url) = url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// A Lambda client for the fake at `url`, with fast timings.
pub async fn client(url: &str) -> Lambda {
    Lambda::new(&static_sdk(Some(url)).await, fast())
}
