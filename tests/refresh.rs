//! `planner pricing refresh` against a local Price List API: the real SDK client (in the
//! binary, and once in this process) talks JSON 1.1 to a tiny HTTP/1.1 server on
//! 127.0.0.1 that serves items from `tests/fixtures/pricing-api/` and items derived from
//! the shipped us-east-1 book, with pagination and injected failures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use planner::pricing::{self, PriceBook, keys};
use serde_json::{Value, json};
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod report_json;
use report_json::{cents, line, option};

// ------------------------------------------------------------------ the fake API

/// One request the server saw.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    content_type: String,
    signed: bool,
    body: Value,
}

impl Seen {
    fn service(&self) -> &str {
        self.body["ServiceCode"].as_str().unwrap_or("")
    }
}

/// A scripted failure: answer the next request for `service` (or any, when `None`) with an
/// error instead of products.
#[derive(Debug, Clone)]
struct Fault {
    service: Option<&'static str>,
    status: u16,
    error_type: &'static str,
    message: &'static str,
    /// How many matching requests get it (`usize::MAX`: all).
    times: usize,
}

#[derive(Default)]
struct State {
    items: Vec<Value>,
    page_size: usize,
    faults: Vec<Fault>,
    seen: Vec<Seen>,
    /// Delay every answer for this service (to interrupt a refresh mid-way).
    slow: Option<&'static str>,
    /// Answer every signed GetProducts call with HTTP 200 and this body instead.
    body_200: Option<&'static str>,
}

struct Api {
    url: String,
    state: Arc<Mutex<State>>,
}

impl Api {
    fn start(items: Vec<Value>, page_size: usize) -> Api {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            items,
            page_size,
            ..State::default()
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &state);
                });
            }
        });
        Api { url, state }
    }

    fn fault(&self, f: Fault) {
        self.state.lock().unwrap().faults.push(f);
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}

/// Answer one request and close the connection.
fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end().to_string();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let len: usize = header("content-length").parse().unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let seen = Seen {
        target: header("x-amz-target"),
        content_type: header("content-type"),
        signed: header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKIDTEST/"),
        body,
    };
    let (status, error_type, payload, slow) = answer(state, &request_line, seen);
    if slow {
        std::thread::sleep(Duration::from_secs(3));
    }
    let mut out = stream;
    let reason = if status == 200 { "OK" } else { "Error" };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        payload.len()
    );
    if let Some(t) = error_type {
        head.push_str(&format!("X-Amzn-Errortype: {t}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(payload.as_bytes())?;
    out.flush()
}

fn answer(
    state: &Mutex<State>,
    request_line: &str,
    seen: Seen,
) -> (u16, Option<&'static str>, String, bool) {
    let mut st = state.lock().unwrap();
    st.seen.push(seen.clone());
    let error = |status, t: &'static str, m: &str| {
        (
            status,
            Some(t),
            json!({"__type": t, "message": m}).to_string(),
            false,
        )
    };
    if !request_line.starts_with("POST / ")
        || seen.target != "AWSPriceListService.GetProducts"
        || seen.content_type != "application/x-amz-json-1.1"
    {
        return error(400, "UnknownOperationException", "not a GetProducts call");
    }
    if !seen.signed {
        return error(403, "MissingAuthenticationTokenException", "not signed");
    }
    let service = seen.service().to_string();
    if let Some(body) = st.body_200 {
        return (200, None, body.to_string(), false);
    }
    if let Some(i) = st
        .faults
        .iter()
        .position(|f| f.times > 0 && f.service.is_none_or(|s| s == service))
    {
        let f = &mut st.faults[i];
        f.times = f.times.saturating_sub(1);
        let (status, t, m) = (f.status, f.error_type, f.message);
        return error(status, t, m);
    }
    let matching: Vec<&Value> = st
        .items
        .iter()
        .filter(|item| item["serviceCode"] == service.as_str() && matches(item, &seen.body))
        .collect();
    let start: usize = match seen.body["NextToken"].as_str() {
        None => 0,
        Some(t) => match t.strip_prefix("page-token:").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => return error(400, "InvalidNextTokenException", "bad token"),
        },
    };
    let max = seen.body["MaxResults"].as_u64().unwrap_or(100) as usize;
    let size = st.page_size.min(max).max(1);
    let page: Vec<String> = matching
        .iter()
        .skip(start)
        .take(size)
        .map(|v| match v["__raw"].as_str() {
            Some(raw) => raw.to_string(),
            None => v.to_string(),
        })
        .collect();
    let mut body = json!({"FormatVersion": "aws_v1", "PriceList": page});
    if start + size < matching.len() {
        body["NextToken"] = json!(format!("page-token:{}", start + size));
    }
    let slow = st.slow == Some(service.as_str());
    (200, None, body.to_string(), slow)
}

/// TERM_MATCH and ANY_OF over product attributes (and `productFamily`).
fn matches(item: &Value, request: &Value) -> bool {
    let Some(filters) = request["Filters"].as_array() else {
        return true;
    };
    if item.get("__raw").is_some() {
        return true;
    }
    filters.iter().all(|f| {
        let field = f["Field"].as_str().unwrap_or("");
        let want = f["Value"].as_str().unwrap_or("");
        let have = if field == "productFamily" {
            item["product"]["productFamily"].as_str()
        } else {
            item["product"]["attributes"][field].as_str()
        };
        let have = have.unwrap_or("\u{0}");
        match f["Type"].as_str() {
            Some("TERM_MATCH") => have.eq_ignore_ascii_case(want),
            Some("ANY_OF") => want.split(',').any(|w| w == have),
            _ => false,
        }
    })
}

// ------------------------------------------------------------------ items

/// A Price List item as GetProducts returns it (before it is turned into a JSON string).
fn item(
    service: &str,
    sku: &str,
    family: &str,
    attrs: &[(&str, &str)],
    dims: &[(&str, f64, Option<f64>, f64)],
) -> Value {
    let mut attributes = serde_json::Map::new();
    attributes.insert("servicecode".into(), json!(service));
    for (k, v) in attrs {
        attributes.insert((*k).into(), json!(v));
    }
    let mut dimensions = serde_json::Map::new();
    for (i, (unit, begin, end, usd)) in dims.iter().enumerate() {
        let code = format!("{sku}.JRTCKXETXF.{i:010}");
        dimensions.insert(
            code.clone(),
            json!({
                "unit": unit,
                "beginRange": num(*begin),
                "endRange": end.map_or_else(|| "Inf".to_string(), num),
                "description": format!("test item {sku}"),
                "appliesTo": [],
                "rateCode": code,
                "pricePerUnit": {"USD": num(*usd)},
            }),
        );
    }
    json!({
        "product": {"productFamily": family, "attributes": attributes, "sku": sku},
        "serviceCode": service,
        "terms": {"OnDemand": {format!("{sku}.JRTCKXETXF"): {
            "priceDimensions": dimensions,
            "sku": sku,
            "effectiveDate": "2026-01-01T00:00:00Z",
            "offerTermCode": "JRTCKXETXF",
            "termAttributes": {},
        }}},
        "version": "20260101000000",
        "publicationDate": "2026-01-02T03:04:05Z",
    })
}

/// A decimal string as the Price List writes them: 10 places when that is exact.
fn num(x: f64) -> String {
    let ten = format!("{x:.10}");
    if ten.parse::<f64>().unwrap() == x {
        ten
    } else {
        x.to_string()
    }
}

/// Where each book key lives in the Price List: (service, usagetype without prefix,
/// productFamily, Price List unit, book units per Price List unit). The service, usagetype
/// and family rule come from the catalogue the refresh reads (`keys::prices`); the family
/// labels and unit names are the Price List's own.
fn locate(key: &str) -> Option<(&'static str, &'static str, &'static str, &'static str, f64)> {
    let p = keys::prices().into_iter().find(|p| p.key == key)?;
    let keys::Origin::PriceList {
        service,
        usagetype,
        family,
    } = p.origin
    else {
        return None; // Fargate Spot is modelled, not published.
    };
    let family = family.unwrap_or_else(|| match service {
        "AWSLambda" => "Serverless",
        "AmazonStates" => "AWS Step Functions",
        "AmazonECS" => "Compute",
        "AmazonApiGateway" => "API Calls",
        "AmazonKinesis" => "Kinesis Streams",
        "AmazonDynamoDB" => "Amazon DynamoDB PayPerRequest Throughput",
        other => panic!("no productFamily label for {other}"),
    });
    let (unit, per) = match p.unit {
        "request" => ("Requests", 1.0),
        "transition" => ("StateTransitions", 1.0),
        "GB-second" => ("Lambda-GB-Second", 1.0),
        // Express duration: billed per GB-second, kept per GB-hour.
        "GB-hour" if usagetype.contains("Second") => ("GB-Second", 3600.0),
        "vCPU-hour" | "GB-hour" => ("hours", 1.0),
        "ALB-hour" => ("Hrs", 1.0),
        "LCU-hour" => ("LCU-Hrs", 1.0),
        "shard-hour" => ("ShardHour", 1.0),
        "PUT payload unit" => ("PutPayloadUnits", 1.0),
        "write unit" => ("WriteRequestUnits", 1.0),
        "read unit" => ("ReadRequestUnits", 1.0),
        "GB-month" => ("GB-Mo", 1.0),
        other => panic!("no Price List unit for {other}"),
    };
    Some((service, usagetype, family, unit, per))
}

/// Price List items carrying every price and instance type of `book`, as they would be
/// published for `region` (usagetypes prefixed with `prefix`, e.g. "USE1-" or "EU-").
fn items_from_book(book: &PriceBook, region: &str, prefix: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (i, (key, price)) in book.prices.iter().enumerate() {
        let Some((service, usage, family, unit, per)) = locate(key) else {
            continue; // Fargate Spot is modelled, not published.
        };
        // us-east-1 Lambda usagetypes have no prefix.
        let p = if service == "AWSLambda" && region == "us-east-1" {
            ""
        } else {
            prefix
        };
        let usagetype = format!("{p}{usage}");
        let mut begin = 0.0;
        let dims: Vec<(&str, f64, Option<f64>, f64)> = price
            .tiers
            .iter()
            .map(|t| {
                let d = (unit, begin, t.upto.map(|u| u * per), t.usd / per);
                begin = t.upto.map_or(begin, |u| u * per);
                d
            })
            .collect();
        out.push(item(
            service,
            &format!("TESTSKU{i:09}"),
            family,
            &[
                ("regionCode", region),
                ("location", "Somewhere"),
                ("usagetype", &usagetype),
                ("operation", ""),
            ],
            &dims,
        ));
    }
    for (i, (name, inst)) in book.instances.iter().enumerate() {
        let usagetype = if region == "us-east-1" {
            format!("BoxUsage:{name}")
        } else {
            format!("{prefix}BoxUsage:{name}")
        };
        let processor = if inst.arch == "arm64" {
            "AWS Graviton3 Processor"
        } else {
            "Intel Xeon Platinum 8488C"
        };
        out.push(item(
            "AmazonEC2",
            &format!("TESTEC2{i:09}"),
            "Compute Instance",
            &[
                ("regionCode", region),
                ("instanceType", name),
                ("usagetype", &usagetype),
                ("operation", "RunInstances"),
                ("operatingSystem", "Linux"),
                ("tenancy", "Shared"),
                ("preInstalledSw", "NA"),
                ("capacitystatus", "Used"),
                ("licenseModel", "No License required"),
                ("marketoption", "OnDemand"),
                ("vcpu", &inst.vcpu.to_string()),
                ("memory", &format!("{} GiB", inst.memory_gib)),
                ("physicalProcessor", processor),
                ("processorArchitecture", "64-bit"),
            ],
            &[("Hrs", 0.0, None, inst.on_demand_hourly)],
        ));
    }
    // Neighbours the filters or the mapping must leave out: Windows and dedicated EC2, a
    // reserved-only LCU product, Lambda@Edge, another Region's request price.
    out.push(item(
        "AmazonEC2",
        "WINDOWSM7GLARGE",
        "Compute Instance",
        &[
            ("regionCode", region),
            ("instanceType", "m7i.large"),
            ("usagetype", "BoxUsage:m7i.large"),
            ("operatingSystem", "Windows"),
            ("tenancy", "Shared"),
            ("preInstalledSw", "NA"),
            ("capacitystatus", "Used"),
            ("licenseModel", "No License required"),
            ("marketoption", "OnDemand"),
        ],
        &[("Hrs", 0.0, None, 0.1928)],
    ));
    out.push(item(
        "AWSELB",
        "OUTPOSTSLCU",
        "Load Balancer-Application",
        &[("regionCode", region), ("usagetype", "Outposts-LCUUsage")],
        &[("LCU-Hrs", 0.0, None, 0.0)],
    ));
    out.push(item(
        "AWSLambda",
        "EDGEREQUEST",
        "Serverless",
        &[
            ("regionCode", region),
            ("usagetype", &format!("{prefix}Lambda-Edge-Request")),
        ],
        &[("Requests", 0.0, None, 0.0000006)],
    ));
    out.push(item(
        "AWSLambda",
        "OTHERREGIONREQ",
        "Serverless",
        &[("regionCode", "ap-east-1"), ("usagetype", "APE1-Request")],
        &[("Requests", 0.0, None, 0.00000025)],
    ));
    out
}

fn shipped() -> PriceBook {
    pricing::built_in("us-east-1").unwrap().book
}

fn us_items() -> Vec<Value> {
    items_from_book(&shipped(), "us-east-1", "USE1-")
}

/// The real items of a fixture response (each `PriceList` string parsed).
fn fixture_items(name: &str) -> Vec<Value> {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pricing-api")
            .join(name),
    )
    .unwrap();
    let page: Value = serde_json::from_str(&text).unwrap();
    page["PriceList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| serde_json::from_str(s.as_str().unwrap()).unwrap())
        .collect()
}

/// The Savings Plans offer fixture (AWS's bulk offer file in shape, us-east-1).
fn savings_plans_offer() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/savings-plans/us-east-1.json")
}

fn replace(items: &mut [Value], usagetype: &str, with: Value) {
    let i = items
        .iter()
        .position(|v| v["product"]["attributes"]["usagetype"] == usagetype)
        .unwrap_or_else(|| panic!("no item {usagetype}"));
    items[i] = with;
}

// ------------------------------------------------------------------ running planner

/// The previous book in `dir`: the shipped us-east-1 book, with a marker so it can be told
/// from any rewrite.
const OLD: &str = "# the previous book (test marker)\n";

fn dir_with_old_book() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{OLD}{}", pricing::BUILT_IN[1].1);
    assert_eq!(pricing::BUILT_IN[1].0, "us-east-1");
    fs::write(dir.path().join("us-east-1.yaml"), &text).unwrap();
    (dir, text)
}

/// planner with static test credentials and no other AWS configuration.
fn planner() -> Command {
    let mut cmd = Command::cargo_bin("planner").unwrap();
    cmd.env_clear()
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .timeout(Duration::from_secs(60));
    cmd
}

struct Run {
    code: i32,
    stderr: String,
}

fn refresh(api_url: &str, dir: &Path, region: &str, extra_env: &[(&str, &str)]) -> Run {
    refresh_with(api_url, dir, region, extra_env, &[])
}

/// [`refresh`] with extra arguments (`--accept-changes`).
fn refresh_with(
    api_url: &str,
    dir: &Path,
    region: &str,
    extra_env: &[(&str, &str)],
    extra_args: &[&str],
) -> Run {
    let mut cmd = planner();
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd
        .args([
            "pricing",
            "refresh",
            "--region",
            region,
            "--endpoint-url",
            api_url,
            "--out",
        ])
        .arg(dir)
        .args(extra_args)
        .output()
        .unwrap();
    assert!(out.stdout.is_empty(), "stdout carries nothing");
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The folder holds only the untouched previous book (no temp file left behind).
fn assert_old_book_survives(dir: &Path, old: &str) {
    assert_eq!(fs::read_to_string(dir.join("us-east-1.yaml")).unwrap(), old);
    let names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["us-east-1.yaml".to_string()]);
}

fn written(dir: &Path, region: &str) -> PriceBook {
    pricing::load(region, Some(dir)).unwrap().book
}

fn today() -> String {
    let (y, m, d) = pricing::today_utc();
    format!("{y:04}-{m:02}-{d:02}")
}

// ------------------------------------------------------------------ tests

#[test]
fn round_trip_of_the_shipped_book_gives_back_the_same_figures() {
    // 7 products a page: every service needs several pages.
    let api = Api::start(us_items(), 7);
    let (dir, _) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let old = shipped();
    let new = written(dir.path(), "us-east-1");
    assert_eq!(new.prices.len(), old.prices.len());
    for (key, price) in &old.prices {
        let got = &new.prices[key];
        assert_eq!(got.unit, price.unit, "{key}");
        assert_eq!(got.tiers, price.tiers, "{key}");
    }
    assert_eq!(new.instances.len(), old.instances.len());
    for (name, inst) in &old.instances {
        let got = &new.instances[name];
        assert_eq!(
            (
                got.on_demand_hourly,
                got.vcpu,
                got.memory_gib,
                &got.arch,
                got.baseline_cpu_share
            ),
            (
                inst.on_demand_hourly,
                inst.vcpu,
                inst.memory_gib,
                &inst.arch,
                inst.baseline_cpu_share
            ),
            "{name}"
        );
    }
    assert_eq!(new.free_tier, old.free_tier);
    assert_eq!(new.quotas, old.quotas);
    assert_eq!(new.made, today());
    assert!(new.source.contains("AWS Price List API"), "{}", new.source);
    assert!(new.source.contains("kept from"), "{}", new.source);
    assert!(run.stderr.contains("no figure changed"), "{}", run.stderr);

    // Every page was asked for with the previous page's token, and signed.
    let seen = api.seen();
    assert!(seen.iter().all(|s| s.signed && s.body["MaxResults"] == 100));
    let lambda: Vec<&Seen> = seen.iter().filter(|s| s.service() == "AWSLambda").collect();
    assert!(lambda.len() >= 2);
    assert!(lambda[0].body.get("NextToken").is_none());
    assert_eq!(lambda[1].body["NextToken"], "page-token:7");
    let ec2 = seen.iter().find(|s| s.service() == "AmazonEC2").unwrap();
    let filters = ec2.body["Filters"].as_array().unwrap();
    let any_of = filters.iter().find(|f| f["Type"] == "ANY_OF").unwrap();
    assert_eq!(any_of["Field"], "instanceType");
    assert!(any_of["Value"].as_str().unwrap().contains("m7g.large"));
    for (field, value) in [
        ("regionCode", "us-east-1"),
        ("operatingSystem", "Linux"),
        ("tenancy", "Shared"),
        ("preInstalledSw", "NA"),
        ("capacitystatus", "Used"),
        ("licenseModel", "No License required"),
    ] {
        assert!(
            filters
                .iter()
                .any(|f| f["Type"] == "TERM_MATCH" && f["Field"] == field && f["Value"] == value),
            "{field}"
        );
    }
    // Progress per service on stderr.
    assert!(run.stderr.contains("AmazonEC2"), "{}", run.stderr);
    assert!(run.stderr.contains("products ("), "{}", run.stderr);
}

#[test]
fn real_items_are_read_with_sku_and_date_and_moves_are_printed() {
    let mut items = us_items();
    items.retain(|v| v["serviceCode"] != "AmazonECS");
    // The 11 real AmazonECS items (Windows, ECS Anywhere and metering among them).
    items.extend(fixture_items("ecs-fargate-getproducts-us-east-1.json"));
    // Real items of other Regions: never taken for us-east-1.
    items.extend(fixture_items(
        "lambda-getproducts-ap-northeast-1-edge-duration-paginated.json",
    ));
    // A price that moved, with a tier boundary that moved too.
    replace(
        &mut items,
        "Request",
        item(
            "AWSLambda",
            "GU2ZS9HVP6QTQ7KE",
            "Serverless",
            &[
                ("regionCode", "us-east-1"),
                ("usagetype", "Request"),
                ("group", "AWS-Lambda-Requests"),
            ],
            &[("Requests", 0.0, None, 0.00000021)],
        ),
    );
    replace(
        &mut items,
        "USE1-ApiGatewayHttpRequest",
        item(
            "AmazonApiGateway",
            "HTTPAPI",
            "API Calls",
            &[
                ("regionCode", "us-east-1"),
                ("usagetype", "USE1-ApiGatewayHttpRequest"),
            ],
            &[
                ("Requests", 0.0, Some(400_000_000.0), 0.000001),
                ("Requests", 400_000_000.0, None, 0.0000009),
            ],
        ),
    );
    let api = Api::start(items, 100);
    let (dir, _) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let book = written(dir.path(), "us-east-1");
    let vcpu = &book.prices[&keys::fargate_vcpu(
        planner::profile::Architecture::X86_64,
        planner::profile::Purchase::OnDemand,
    )];
    assert_eq!(vcpu.unit_usd(), 0.04048);
    assert!(
        vcpu.source
            .contains("SKU 8CESGAFWKAJ98PME USE1-Fargate-vCPU-Hours:perCPU (published 2022-11-21)"),
        "{}",
        vcpu.source
    );
    let spot = &book.prices[&keys::fargate_vcpu(
        planner::profile::Architecture::X86_64,
        planner::profile::Purchase::Spot,
    )];
    // The observed Spot rate's share of the refreshed on-demand price.
    assert_eq!(spot.unit_usd(), 0.01334053);
    assert!(spot.source.starts_with("ESTIMATE"), "{}", spot.source);
    assert_eq!(book.prices["lambda.requests.x86_64"].unit_usd(), 0.00000021);

    let e = &run.stderr;
    assert!(
        e.contains(
            "changed prices.lambda.requests.x86_64: 0.0000002 per request -> 0.00000021 per request"
        ),
        "{e}"
    );
    assert!(
        e.contains(
            "changed prices.apigateway.http.requests: 0.000001 to 300000000, 0.0000009 above per \
             request -> 0.000001 to 400000000, 0.0000009 above per request"
        ),
        "{e}"
    );
    assert!(e.contains("2 changed, 0 added, 0 removed"), "{e}");
    assert!(e.contains("AmazonECS 11"), "{e}");
    assert!(e.contains("not needed"), "{e}");
}

#[test]
fn a_region_without_a_local_book_is_compared_with_the_built_in_one() {
    // eu-west-1: the built-in book is partial; the refresh adds what it lacks.
    let mut items = items_from_book(&shipped(), "eu-west-1", "EU-");
    // The real eu-west-1 request item (a 2018 item without regionCode; current ones have it).
    let mut real = fixture_items("lambda-getproducts-eu-west-1-requests.json").remove(0);
    real["product"]["attributes"]["regionCode"] = json!("eu-west-1");
    replace(&mut items, "EU-Request", real);
    let api = Api::start(items, 100);
    let dir = tempfile::tempdir().unwrap();
    let run = refresh(&api.url, dir.path(), "eu-west-1", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Changes against the built-in eu-west-1 book"),
        "{}",
        run.stderr
    );
    // What the built-in eu-west-1 book has no source for (#12): Fargate ephemeral storage,
    // Step Functions Express, EC2.
    for added in [
        "added   prices.ecs.fargate.ephemeral_storage",
        "added   prices.step_functions.express.requests",
        "added   instances.m7g.large",
    ] {
        assert!(run.stderr.contains(added), "{added}: {}", run.stderr);
    }
    let book = written(dir.path(), "eu-west-1");
    assert!(
        book.prices["lambda.requests.x86_64"]
            .source
            .contains("SKU B5V2RNHAWGVJBZD3 EU-Request (published 2018-12-12)")
    );
    assert_eq!(book.instances.len(), shipped().instances.len());
    assert_eq!(
        book.free_tier,
        pricing::built_in("eu-west-1").unwrap().book.free_tier
    );
}

#[test]
fn throttling_is_retried_then_succeeds() {
    let api = Api::start(us_items(), 100);
    api.fault(Fault {
        service: Some("AmazonECS"),
        status: 400,
        error_type: "ThrottlingException",
        message: "Rate exceeded",
        times: 1,
    });
    let (dir, _) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ecs = api
        .seen()
        .iter()
        .filter(|s| s.service() == "AmazonECS")
        .count();
    assert_eq!(ecs, 2, "one throttled attempt, one retry");
    assert!(run.stderr.contains("wrote"), "{}", run.stderr);
}

#[test]
fn persistent_throttling_fails_clearly_and_keeps_the_old_book() {
    let api = Api::start(us_items(), 100);
    api.fault(Fault {
        service: Some("AmazonStates"),
        status: 400,
        error_type: "ThrottlingException",
        message: "Rate exceeded",
        times: usize::MAX,
    });
    let (dir, old) = dir_with_old_book();
    let run = refresh(
        &api.url,
        dir.path(),
        "us-east-1",
        &[("AWS_MAX_ATTEMPTS", "2")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("kept throttling AmazonStates"),
        "{}",
        run.stderr
    );
    assert_eq!(
        api.seen()
            .iter()
            .filter(|s| s.service() == "AmazonStates")
            .count(),
        2
    );
    assert_old_book_survives(dir.path(), &old);
}

#[test]
fn expired_credentials_fail_clearly_and_keep_the_old_book() {
    let api = Api::start(us_items(), 100);
    api.fault(Fault {
        service: None,
        status: 400,
        error_type: "ExpiredTokenException",
        message: "The security token included in the request is expired",
        times: usize::MAX,
    });
    let (dir, old) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("error: the AWS credentials have expired"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("aws sso login"), "{}", run.stderr);
    assert_eq!(api.seen().len(), 1, "not retried");
    assert_old_book_survives(dir.path(), &old);
}

#[test]
fn access_denied_names_the_permission() {
    let api = Api::start(us_items(), 100);
    api.fault(Fault {
        service: None,
        status: 400,
        error_type: "AccessDeniedException",
        message: "User is not authorized to perform: pricing:GetProducts",
        times: usize::MAX,
    });
    let (dir, old) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("access denied"), "{}", run.stderr);
    assert!(
        run.stderr.contains("IAM permission pricing:GetProducts"),
        "{}",
        run.stderr
    );
    assert_old_book_survives(dir.path(), &old);
}

#[test]
fn malformed_items_are_named_counted_and_skipped() {
    let mut items = us_items();
    // A PriceList element that is not JSON, a product without a SKU, and a product no
    // figure needs whose terms are missing (not needed, so not a problem).
    items.push(json!({"serviceCode": "AWSLambda", "__raw": "{\"product\": {\"sku\": "}));
    items.push(
        json!({"serviceCode": "AWSLambda", "product": {"attributes": {"regionCode": "us-east-1"}}}),
    );
    let mut no_terms = item(
        "AWSLambda",
        "NOTERMS",
        "Serverless",
        &[
            ("regionCode", "us-east-1"),
            ("usagetype", "Lambda-Storage-GB-Second-ARM"),
        ],
        &[("GB-Seconds", 0.0, None, 0.0000000309)],
    );
    no_terms["terms"] = json!({});
    items.push(no_terms);
    let api = Api::start(items, 100);
    let (dir, _) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let e = &run.stderr;
    assert!(
        e.contains("warning: skipped 2 Price List items whose shape is not understood"),
        "{e}"
    );
    assert!(e.contains("not JSON"), "{e}");
    assert!(e.contains("no `product.sku`"), "{e}");
    assert!(e.contains("2 skipped"), "{e}");
    assert!(e.contains("no figure changed"), "{e}");
}

#[test]
fn a_needed_item_without_a_price_dimension_is_an_error_not_a_zero() {
    let mut items = us_items();
    let mut broken = item(
        "AWSLambda",
        "72SBSFWPMDTH8S3J",
        "Serverless",
        &[
            ("regionCode", "us-east-1"),
            ("usagetype", "Lambda-GB-Second-ARM"),
        ],
        &[],
    );
    broken["terms"]["OnDemand"]["72SBSFWPMDTH8S3J.JRTCKXETXF"]["priceDimensions"] = json!({});
    replace(&mut items, "Lambda-GB-Second-ARM", broken);
    let api = Api::start(items, 100);
    let (dir, old) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let e = &run.stderr;
    assert!(
        e.contains("did not return 1 price the us-east-1 book needs (nothing was written)"),
        "{e}"
    );
    assert!(
        e.contains(
            "lambda.duration.arm64: no usable item for AWSLambda usagetype Lambda-GB-Second-ARM"
        ),
        "{e}"
    );
    assert_old_book_survives(dir.path(), &old);
}

#[test]
fn an_item_with_a_broken_price_is_skipped_and_the_price_is_missing() {
    let mut items = us_items();
    let mut broken = item(
        "AmazonStates",
        "BROKENPRICE",
        "AWS Step Functions",
        &[
            ("regionCode", "us-east-1"),
            ("usagetype", "USE1-StateTransition"),
        ],
        &[("StateTransitions", 0.0, None, 0.000025)],
    );
    let dims = broken["terms"]["OnDemand"]["BROKENPRICE.JRTCKXETXF"]["priceDimensions"]
        .as_object_mut()
        .unwrap();
    for d in dims.values_mut() {
        d["pricePerUnit"]["USD"] = json!("n/a");
    }
    replace(&mut items, "USE1-StateTransition", broken);
    let api = Api::start(items, 100);
    let (dir, old) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("step_functions.standard.transitions"),
        "{}",
        run.stderr
    );
    assert_old_book_survives(dir.path(), &old);
}

#[test]
fn a_region_the_api_does_not_know_is_bad_input() {
    let api = Api::start(us_items(), 100);
    let dir = tempfile::tempdir().unwrap();
    let run = refresh(&api.url, dir.path(), "xx-nowhere-9", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("has no products for region `xx-nowhere-9`"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_malformed_region_or_none_is_bad_input_before_any_call() {
    let api = Api::start(us_items(), 100);
    let dir = tempfile::tempdir().unwrap();
    let run = refresh(&api.url, dir.path(), "useast1", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("`useast1` is not an AWS Region code"),
        "{}",
        run.stderr
    );
    let out = planner()
        .args(["pricing", "refresh", "--endpoint-url", &api.url])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --region REGION"));
    let out = planner()
        .args([
            "pricing",
            "refresh",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "localhost:1",
        ])
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an endpoint URL"));
    assert!(api.seen().is_empty());
}

#[test]
fn no_credentials_is_a_clear_error_before_any_call() {
    let api = Api::start(us_items(), 100);
    let (dir, old) = dir_with_old_book();
    let out = planner()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args([
            "pricing",
            "refresh",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &api.url,
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no AWS credentials found"), "{stderr}");
    assert!(api.seen().is_empty());
    assert_old_book_survives(dir.path(), &old);
}

#[test]
fn no_network_is_a_clear_error() {
    // A port that was free a moment ago: nothing listens there.
    let url = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let (dir, old) = dir_with_old_book();
    let run = refresh(&url, dir.path(), "us-east-1", &[("AWS_MAX_ATTEMPTS", "1")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot reach the AWS Price List API at"),
        "{}",
        run.stderr
    );
    assert_old_book_survives(dir.path(), &old);
}

#[test]
fn quiet_silences_progress_but_not_the_changes() {
    let api = Api::start(us_items(), 100);
    let (dir, _) = dir_with_old_book();
    let out = planner()
        .args([
            "pricing",
            "refresh",
            "-q",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &api.url,
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("page)"), "{stderr}");
    assert!(!stderr.contains("pages)"), "{stderr}");
    assert!(!stderr.contains("Reading"), "{stderr}");
    assert!(stderr.contains("no figure changed"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_the_download_leaves_the_old_book() {
    let api = Api::start(us_items(), 100);
    api.state.lock().unwrap().slow = Some("AmazonECS");
    let (dir, old) = dir_with_old_book();
    let bin = assert_cmd::cargo::cargo_bin("planner");
    let child = std::process::Command::new(bin)
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test-secret")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args([
            "pricing",
            "refresh",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &api.url,
            "--out",
        ])
        .arg(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the slow request is in flight, then interrupt.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !api.seen().iter().any(|s| s.service() == "AmazonECS") {
        assert!(std::time::Instant::now() < deadline, "no ECS request");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("interrupted: the previous price book is untouched"),
        "{stderr}"
    );
    assert_old_book_survives(dir.path(), &old);
}

/// The library path with a fixed credentials provider and fast retries, in this process.
#[test]
fn library_refresh_with_static_credentials_in_process() {
    use aws_config::BehaviorVersion;
    use aws_config::retry::RetryConfig;
    use aws_sdk_pricing::config::{Credentials, Region};
    use planner::aws::pricing as price_list;

    let api = Api::start(us_items(), 20);
    api.fault(Fault {
        service: Some("AWSLambda"),
        status: 400,
        error_type: "ThrottlingException",
        message: "Rate exceeded",
        times: 1,
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reference = shipped();
    let previous = pricing::built_in("us-east-1").unwrap();
    let mut pages = Vec::new();
    let refreshed = runtime
        .block_on(async {
            let sdk = aws_config::defaults(BehaviorVersion::latest())
                .credentials_provider(Credentials::new(
                    "AKIDTEST",
                    "test-secret",
                    None,
                    None,
                    "test",
                ))
                .region(Region::new("us-east-1"))
                .retry_config(
                    RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)),
                )
                .load()
                .await;
            price_list::check_credentials(&sdk).await.unwrap();
            let client = price_list::client(&sdk, Some(&api.url)).unwrap();
            price_list::refresh(
                &client,
                &api.url,
                "us-east-1",
                "2027-01-01",
                Some(&previous),
                &reference,
                &mut |p| pages.push((p.service.to_string(), p.pages, p.items, p.done)),
            )
            .await
        })
        .unwrap();
    let book = &refreshed.assembled.book;
    assert_eq!(book.made, "2027-01-01");
    assert!(pricing::diff(&previous.book, book).is_empty());
    assert!(
        pages
            .iter()
            .any(|(s, page, _, done)| s == "AmazonEC2" && *page == 1 && !done)
    );
    assert_eq!(
        pages.iter().filter(|p| p.3).count(),
        planner::aws::pricing_map::SERVICES.len(),
        "one done line per service"
    );
    assert_eq!(
        refreshed.mapped.read.len(),
        planner::aws::pricing_map::SERVICES.len()
    );
}

// ------------------------------------------------------------------ hostile answers

/// Set every `pricePerUnit.USD` of every item to `usd` (the text the API would send).
fn set_every_price(items: &mut [Value], usd: &str) {
    for item in items {
        let Some(terms) = item["terms"]["OnDemand"].as_object_mut() else {
            continue;
        };
        for term in terms.values_mut() {
            if let Some(dims) = term["priceDimensions"].as_object_mut() {
                for d in dims.values_mut() {
                    d["pricePerUnit"]["USD"] = json!(usd);
                }
            }
        }
    }
}

/// Set the USD price of the item with `usagetype` (every dimension) to `usd`.
fn set_price(items: &mut [Value], usagetype: &str, usd: &str) {
    let i = items
        .iter()
        .position(|v| v["product"]["attributes"]["usagetype"] == usagetype)
        .unwrap_or_else(|| panic!("no item {usagetype}"));
    set_every_price(&mut items[i..=i], usd);
}

#[test]
fn zero_prices_are_refused_naming_each_item_and_nothing_is_written() {
    for zero in ["0", "-0", "1e-400", "0.0000000000"] {
        let mut items = us_items();
        set_every_price(&mut items, zero);
        let api = Api::start(items, 100);
        let (dir, old) = dir_with_old_book();
        let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
        assert_eq!(run.code, 1, "{zero}: {}", run.stderr);
        let e = &run.stderr;
        assert!(e.contains("(nothing was written)"), "{e}");
        assert!(
            e.contains("lambda.requests.x86_64: no usable item for AWSLambda usagetype Request"),
            "{e}"
        );
        assert!(
            e.lines().any(|l| l.starts_with("    refused SKU TESTSKU")
                && l.contains(" (Request): price dimension ")
                && l.contains(&format!(": USD `{zero}` is zero"))),
            "{e}"
        );
        // EC2 items are refused the same way, named by instance type.
        assert!(e.contains("instances.m7g.large: no usable item"), "{e}");
        assert!(e.contains("(BoxUsage:m7g.large)"), "{e}");
        assert_old_book_survives(dir.path(), &old);
    }
}

#[test]
fn a_nan_or_negative_price_is_refused_naming_item_key_and_why() {
    let mut items = us_items();
    set_price(&mut items, "USE1-StateTransition", "NaN");
    set_price(&mut items, "USE1-LoadBalancerUsage", "-1");
    set_price(&mut items, "BoxUsage:m7g.large", "1e-310");
    let api = Api::start(items, 100);
    let (dir, old) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let e = &run.stderr;
    assert!(
        e.contains("did not return 3 prices the us-east-1 book needs"),
        "{e}"
    );
    for (key, item, why) in [
        (
            "step_functions.standard.transitions",
            "(USE1-StateTransition)",
            "USD `NaN` is not a number (NaN), so not a price",
        ),
        (
            "elb.alb.hours",
            "(USE1-LoadBalancerUsage)",
            "USD `-1` is negative: a price must be above $0",
        ),
        (
            "instances.m7g.large",
            "(BoxUsage:m7g.large)",
            "USD `1e-310` is too small to be a price",
        ),
    ] {
        let line = e
            .lines()
            .skip_while(|l| !l.starts_with(&format!("  {key}: no usable item")))
            .nth(1)
            .unwrap_or_else(|| panic!("{key}: {e}"));
        assert!(line.starts_with("    refused SKU "), "{line}");
        assert!(line.contains(item), "{line}");
        assert!(line.contains(why), "{line}");
    }
    assert_old_book_survives(dir.path(), &old);
}

/// us-east-1 items with the Lambda request price at x10.5 and m7g.large's at /11.
fn items_with_jumps() -> Vec<Value> {
    let mut items = us_items();
    set_price(&mut items, "Request", "0.0000021");
    let hourly = shipped().instances["m7g.large"].on_demand_hourly / 11.0;
    set_price(&mut items, "BoxUsage:m7g.large", &hourly.to_string());
    // x9.5 passes.
    set_price(&mut items, "Request-ARM", "0.0000019");
    items
}

#[test]
fn a_figure_moving_more_than_tenfold_stops_the_refresh_unless_accepted() {
    let api = Api::start(items_with_jumps(), 100);
    let (dir, old) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let e = &run.stderr;
    assert!(
        e.contains("moves 2 figures by more than x10 (up or down) against"),
        "{e}"
    );
    assert!(e.contains("(nothing was written)"), "{e}");
    // The test SKU's number follows the key's place in the book: not asserted.
    let line = e
        .lines()
        .find(|l| l.starts_with("  prices.lambda.requests.x86_64: "))
        .unwrap_or_else(|| panic!("{e}"));
    assert!(
        line.starts_with(
            "  prices.lambda.requests.x86_64: 0.0000002 -> 0.0000021 per request (SKU TESTSKU"
        ) && line.ends_with(" (Request))"),
        "{e}"
    );
    assert!(
        e.contains("  instances.m7g.large: 0.0816 -> 0.007418181818"),
        "{e}"
    );
    assert!(e.contains("(BoxUsage:m7g.large))"), "{e}");
    assert!(!e.contains("lambda.requests.arm64"), "{e}");
    assert!(e.contains("--accept-changes"), "{e}");
    assert_old_book_survives(dir.path(), &old);

    // The flag writes it.
    let run = refresh_with(
        &api.url,
        dir.path(),
        "us-east-1",
        &[],
        &["--accept-changes"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let book = written(dir.path(), "us-east-1");
    assert_eq!(book.prices["lambda.requests.x86_64"].unit_usd(), 0.0000021);
    assert!(
        run.stderr.contains(
            "changed prices.lambda.requests.x86_64: 0.0000002 per request -> 0.0000021 per request"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_region_without_a_previous_book_is_checked_against_us_east_1() {
    // ap-south-2 has no built-in book: a x1000 price is compared with us-east-1's.
    let mut items = items_from_book(&shipped(), "ap-south-2", "APS5-");
    set_price(&mut items, "APS5-LoadBalancerUsage", "22.5");
    let api = Api::start(items, 100);
    let dir = tempfile::tempdir().unwrap();
    let run = refresh(&api.url, dir.path(), "ap-south-2", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("against the built-in us-east-1 book, made"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("prices.elb.alb.hours: 0.0225 -> 22.5 per ALB-hour"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_tui_job_refuses_a_tenfold_move_as_its_failure() {
    let api = Api::start(items_with_jumps(), 100);
    let (dir, old) = dir_with_old_book();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::channel(256);
    let outcome = rt.block_on(async {
        let sdk = static_sdk().await;
        planner::tui::jobs::refresh_prices(1, "us-east-1", dir.path(), Some(&api.url), &sdk, &tx)
            .await
    });
    let planner::tui::jobs::JobOutcome::Failed(msg) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(msg.contains("by more than x10"), "{msg}");
    assert!(msg.contains("prices.lambda.requests.x86_64"), "{msg}");
    assert_old_book_survives(dir.path(), &old);
}

/// Static test credentials, us-east-1, fast retries.
async fn static_sdk() -> aws_config::SdkConfig {
    use aws_config::retry::RetryConfig;
    use aws_sdk_pricing::config::{Credentials, Region};
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .credentials_provider(Credentials::new(
            "AKIDTEST",
            "test-secret",
            None,
            None,
            "test",
        ))
        .region(Region::new("us-east-1"))
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)))
        .load()
        .await
}

#[test]
fn a_server_that_never_answers_times_out() {
    // Accepts every connection, reads nothing, answers nothing, keeps it open.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let (dir, old) = dir_with_old_book();
    let start = std::time::Instant::now();
    let run = refresh(
        &url,
        dir.path(),
        "us-east-1",
        &[
            ("PLANNER_PRICE_LIST_TIMEOUT", "1"),
            ("AWS_MAX_ATTEMPTS", "2"),
        ],
    );
    let took = start.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(
        run.stderr
            .contains("cannot reach the AWS Price List API at http://127.0.0.1:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "no answer within 1 s (the limit per attempt; PLANNER_PRICE_LIST_TIMEOUT=SECONDS \
             changes it)"
        ),
        "{}",
        run.stderr
    );
    assert_old_book_survives(dir.path(), &old);

    // A timeout that is not a number of seconds is bad input, before any call.
    let run = refresh(
        &url,
        dir.path(),
        "us-east-1",
        &[("PLANNER_PRICE_LIST_TIMEOUT", "0")],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("PLANNER_PRICE_LIST_TIMEOUT=`0` is not a whole number of seconds"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_default_timeouts_are_set_on_the_client() {
    use planner::aws::pricing as price_list;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sdk = rt.block_on(static_sdk());
    let client = price_list::client(&sdk, None).unwrap();
    let t = client.config().timeout_config().unwrap();
    assert_eq!(t.connect_timeout(), Some(Duration::from_secs(10)));
    assert_eq!(t.operation_attempt_timeout(), Some(Duration::from_secs(60)));
}

#[test]
fn an_empty_answer_is_a_runtime_error_naming_what_came_back() {
    for (body, named) in [("", "an empty body"), ("{}", "the body `{}`")] {
        let api = Api::start(us_items(), 100);
        api.state.lock().unwrap().body_200 = Some(body);
        let (dir, old) = dir_with_old_book();
        let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "answered GetProducts for AWSLambda with HTTP 200 and {named}, not a Price List \
                 answer"
            )),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("Region code"), "{}", run.stderr);
        assert_old_book_survives(dir.path(), &old);
    }
    // A real empty answer (no products) is still an unknown Region.
    let api = Api::start(Vec::new(), 100);
    let dir = tempfile::tempdir().unwrap();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("check the Region code"),
        "{}",
        run.stderr
    );
}

const HOSTILE: &str = "denied\u{1b}]0;pwned\u{7}\u{1b}[2J";

#[test]
fn escape_sequences_in_server_messages_never_reach_the_terminal() {
    let api = Api::start(us_items(), 100);
    api.fault(Fault {
        service: None,
        status: 400,
        error_type: "ValidationException",
        message: HOSTILE,
        times: usize::MAX,
    });
    let (dir, _) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(!run.stderr.contains('\u{7}'), "{:?}", run.stderr);
    assert!(
        run.stderr.contains("denied\\u{1b}]0;pwned"),
        "{}",
        run.stderr
    );

    // A price that carries escapes, refused and named.
    let mut items = us_items();
    set_price(&mut items, "USE1-StateTransition", HOSTILE);
    let api = Api::start(items, 100);
    let (dir, _) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(run.stderr.contains("USD `denied\\u{1b}"), "{}", run.stderr);
}

/// The library's errors are safe themselves: the TUI and any other caller print them as
/// they are.
#[test]
fn library_errors_built_from_server_text_carry_no_escapes() {
    use planner::aws::pricing as price_list;
    let reference = shipped();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = |api: &Api| {
        rt.block_on(async {
            let sdk = static_sdk().await;
            let client = price_list::client(&sdk, Some(&api.url)).unwrap();
            price_list::refresh(
                &client,
                &api.url,
                "us-east-1",
                "2027-01-01",
                None,
                &reference,
                &mut |_| {},
            )
            .await
            .unwrap_err()
            .to_string()
        })
    };
    let api = Api::start(us_items(), 100);
    api.fault(Fault {
        service: None,
        status: 400,
        error_type: "ValidationException",
        message: HOSTILE,
        times: usize::MAX,
    });
    let msg = run(&api);
    assert!(msg.contains("denied\\u{1b}]0;pwned"), "{msg}");
    assert!(!msg.contains('\u{1b}') && !msg.contains('\u{7}'), "{msg:?}");

    let mut items = us_items();
    set_price(&mut items, "USE1-StateTransition", HOSTILE);
    let msg = run(&Api::start(items, 100));
    assert!(msg.contains("USD `denied\\u{1b}"), "{msg}");
    assert!(!msg.contains('\u{1b}'), "{msg:?}");
}

/// #12: `--savings-plans-offer FILE` enters the Region's no-upfront Savings Plans rates from
/// AWS's bulk offer file (a fixture in its shape) into the refreshed book: Fargate and Lambda
/// keys, EC2 rates under the book's types, each with the offer's version and SKU in its
/// source. The partial-upfront plan and the Windows row are not read; the previous book's
/// rates the file does not give are kept. Before, refresh had no way to read them.
#[test]
fn a_savings_plans_offer_file_enters_its_rates() {
    use planner::profile::{Architecture, Purchase};
    let offer = savings_plans_offer();
    let api = Api::start(us_items(), 100);
    let (dir, _) = dir_with_old_book();
    let run = refresh_with(
        &api.url,
        dir.path(),
        "us-east-1",
        &[],
        &["--savings-plans-offer", offer.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("us-east-1.json: 5 rates (no upfront) to enter"),
        "{}",
        run.stderr
    );
    let book = written(dir.path(), "us-east-1");
    let price = |key: String| book.prices[&key].unit_usd();
    assert_eq!(
        price(keys::fargate_vcpu(
            Architecture::Arm64,
            Purchase::SavingsPlan1y
        )),
        0.0259
    );
    assert_eq!(
        price(keys::fargate_memory(
            Architecture::Arm64,
            Purchase::SavingsPlan1y
        )),
        0.0028
    );
    let lambda = &book.prices
        [&keys::lambda_savings_plan("duration", Architecture::Arm64, Purchase::SavingsPlan1y)];
    assert_eq!(
        (lambda.unit.as_str(), lambda.unit_usd()),
        ("GB-second", 0.0000113)
    );
    assert!(
        lambda.source.starts_with(
            "AWS Savings Plans offer (AWSComputeSavingsPlan us-east-1, version 20261001000000, \
             published 2026-10-01; file "
        ),
        "{}",
        lambda.source
    );
    assert!(lambda.source.ends_with("1 year No Upfront Compute Savings Plan (SKU TESTCSP1NU), discountedUsageType Lambda-GB-Second-ARM, discountedOperation Invoke"), "{}", lambda.source);
    // Linux, no upfront: $0.0123, not the Windows row's $0.0200 nor partial upfront's.
    let t4g = &book.instances["t4g.small"];
    assert_eq!(t4g.rate(Purchase::SavingsPlan1y).unwrap().0, 0.0123);
    let m7g = &book.instances["m7g.large"];
    assert_eq!(m7g.rate(Purchase::InstanceSavingsPlan3y).unwrap().0, 0.037);
    // The shipped m7g.large Compute Savings Plans rates, not in the file, are kept.
    assert_eq!(
        m7g.rate(Purchase::SavingsPlan1y),
        shipped().instances["m7g.large"].rate(Purchase::SavingsPlan1y)
    );
    assert_eq!(
        price(keys::fargate_vcpu(
            Architecture::X86_64,
            Purchase::SavingsPlan1y
        )),
        0.032384
    );
}

/// Another Region's offer file stops the refresh before any download (nothing is written).
#[test]
fn another_regions_savings_plans_offer_is_refused_before_downloading() {
    let offer = savings_plans_offer();
    let api = Api::start(us_items(), 100);
    let (dir, old) = dir_with_old_book();
    let text = fs::read_to_string(dir.path().join("us-east-1.yaml")).unwrap();
    fs::write(
        dir.path().join("eu-west-1.yaml"),
        text.replace("region: us-east-1", "region: eu-west-1"),
    )
    .unwrap();
    let run = refresh_with(
        &api.url,
        dir.path(),
        "eu-west-1",
        &[],
        &["--savings-plans-offer", offer.to_str().unwrap()],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "is the Savings Plans offer for us-east-1, not eu-west-1: download eu-west-1's file"
        ),
        "{}",
        run.stderr
    );
    assert!(api.seen().is_empty(), "nothing was downloaded");
    assert_eq!(
        fs::read_to_string(dir.path().join("us-east-1.yaml")).unwrap(),
        old
    );
}

/// Streams (#13): the Kinesis shard-hour and PUT payload unit prices and DynamoDB's
/// on-demand request units are learned from `AmazonKinesis` and `AmazonDynamoDB` items (a
/// moved figure lands in the book); the Kinesis prices entered from the pricing page are
/// kept from the previous book.
#[test]
fn kinesis_and_dynamodb_prices_are_learned_from_their_items() {
    let mut items = us_items();
    set_price(&mut items, "USE1-Storage-ShardHour", "0.016");
    set_price(&mut items, "USE1-WriteRequestUnits", "0.0000007");
    let api = Api::start(items, 100);
    let (dir, _) = dir_with_old_book();
    let run = refresh(&api.url, dir.path(), "us-east-1", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let new = written(dir.path(), "us-east-1");
    let usd = |k: &str| new.prices[k].tiers[0].usd;
    assert_eq!(usd("kinesis.shard_hours"), 0.016);
    assert_eq!(usd("dynamodb.on_demand.write_request_units"), 0.0000007);
    assert_eq!(usd("kinesis.put_payload_units"), 0.000000014);
    assert_eq!(usd("kinesis.on_demand.stream_hours"), 0.04);
    let seen = api.seen();
    for service in ["AmazonKinesis", "AmazonDynamoDB"] {
        assert!(seen.iter().any(|s| s.service() == service), "{service}");
    }
}

/// #12 end to end: once a refresh has read Reserved Instance terms (the real eu-west-1
/// t2.micro item's 12 `terms.Reserved`, grafted onto the m7g.large item, so its Standard
/// No Upfront rates are $0.0089 (1yr) and $0.0063 (3yr)) and a Savings Plans offer file,
/// `planner report --pricing DIR` prices `purchase: reserved_1y` on EC2 and
/// `savings_plan_1y` on Lambda arm64: both options are `ok`, billed at those rates. With the
/// shipped book the same profile reports both `unpriced` (`committed_rates.rs`).
#[test]
fn a_refreshed_book_prices_reserved_instances_and_lambda_savings_plans() {
    let t2 = fixture_items("ec2-getproducts-t2micro-eu-west-1-linux-shared.json");
    let reserved = t2[0]["terms"]["Reserved"].clone();
    assert_eq!(reserved.as_object().unwrap().len(), 12);
    let mut items = us_items();
    let m7g = items
        .iter_mut()
        .find(|v| v["product"]["attributes"]["usagetype"] == "BoxUsage:m7g.large")
        .unwrap();
    m7g["terms"]["Reserved"] = reserved;
    let api = Api::start(items, 100);
    let (dir, _) = dir_with_old_book();
    let offer = savings_plans_offer();
    let run = refresh_with(
        &api.url,
        dir.path(),
        "us-east-1",
        &[],
        &["--savings-plans-offer", offer.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    let profile = dir.path().join("committed.yaml");
    fs::write(
        &profile,
        "version: 1
name: Committed steady API
workloads:
  - name: api
    kind: service
    traffic: { rps: 5, shape: flat }
    request: { duration_ms: 50, cpu_ms: 5, memory_mb: 128 }
platforms:
  lambda: { architecture: arm64, memory_mb: 1024, purchase: savings_plan_1y }
  step_functions: { enabled: false }
  ecs: { enabled: false }
  ec2: { instance_type: m7g.large, min_instances: 2, ingress: none, purchase: reserved_1y }
",
    )
    .unwrap();
    let out = planner()
        .args(["report", "--format", "json", "--pricing"])
        .arg(dir.path())
        .arg(&profile)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ec2 = option(&json, "ec2");
    assert_eq!(ec2["status"], "ok", "{}", ec2["risks"]);
    // 2 instances × 730 hours × $0.0089 = $12.994 → $12.99.
    let (hours, usd) = line(ec2, "instances");
    assert_eq!(hours, 1460.0);
    assert_eq!(cents(usd), 12.99, "{usd}");
    let lambda = option(&json, "lambda");
    assert_eq!(lambda["status"], "ok", "{}", lambda["risks"]);
    // 5 req/s × 2,628,000 s = 13,140,000 invocations; at 1,024 MB each runs
    // 45 ms + 5 ms × 1,769 / 1,024 = 53.64 ms, billed 54 ms: 709,560 GB-s, all at the
    // offer's Savings Plans rate: × $0.0000113 = $8.018 → $8.02. Requests stay on demand.
    let (gb_s, usd) = line(lambda, "duration");
    assert_eq!(gb_s, 709_560.0);
    assert_eq!(cents(usd), 8.02, "{usd}");
    let (requests, usd) = line(lambda, "requests");
    assert_eq!(requests, 13_140_000.0);
    assert_eq!(cents(usd), 2.63, "{usd}");
}
