//! EC2's tests, on the shipped us-east-1 book.

use super::*;
use crate::model::billing::FreeTier;
use crate::model::testkit::{book, fanout, req, service};
use crate::profile::{FleetIngress, Workload};

fn eval(w: &Workload, cfg: &Ec2Config) -> OptionPlan {
    let d = Demand::new(w, FreeTier::none());
    evaluate(&d, cfg, &book())
}

fn fixed(name: &str) -> Ec2Config {
    Ec2Config {
        instance_type: AutoOr::Fixed(name.to_string()),
        ingress: FleetIngress::None,
        ..Ec2Config::default()
    }
}

#[test]
fn flat_service_on_m7g_large() {
    // 2 processes (one per vCPU) × 50 in flight of 100 ms: 1,000 req/s per instance.
    // 3,000 req/s at 60% -> 5 instances, 730 h each.
    let w = service(3000.0, req(100.0, 0.0, 512));
    let p = eval(&w, &fixed("m7g.large"));
    assert!(p.feasible, "{:?}", p.risks);
    assert_eq!(p.config["processes_per_instance"], json!(2));
    assert_eq!(p.capacity.peak, (3000.0_f64 / (1000.0 * 0.6)).ceil());
    assert_eq!(p.capacity.unit, "instances");
    assert_eq!(p.cost_breakdown.len(), 1);
    let line = &p.cost_breakdown[0];
    assert_eq!(line.item, "instances");
    assert!((line.quantity - 5.0 * 730.0).abs() < 1e-6);
    assert!((p.monthly_cost_usd - 5.0 * 730.0 * 0.0816).abs() < 1e-6);
    assert_eq!(p.config["process_manager"], json!("pm2"));
    assert_eq!(p.config["purchase"], json!("on_demand"));
}

#[test]
fn min_instances_hold_at_low_traffic() {
    let p = eval(&service(1.0, req(100.0, 0.0, 512)), &fixed("m7g.large"));
    assert_eq!(p.capacity.peak, 2.0);
    assert!((p.monthly_cost_usd - 2.0 * 730.0 * 0.0816).abs() < 1e-6);
}

#[test]
fn missing_instance_type_is_named() {
    let p = eval(&service(10.0, req(100.0, 0.0, 512)), &fixed("x9z.huge"));
    assert!(!p.feasible);
    assert_eq!(p.status(), crate::model::Status::Unpriced);
    assert!(p.risks[0].contains("x9z.huge"), "{:?}", p.risks);
    assert!(p.risks[0].contains("instance type"), "{:?}", p.risks);
}

/// The shipped book with test rates for m7g.large (on demand $0.0816): Savings Plan 1y
/// $0.06, Spot $0.03. Test figures, not AWS's.
fn book_with_rates() -> crate::pricing::PriceBook {
    let mut b = book();
    let inst = b.instances.get_mut("m7g.large").unwrap();
    for (purchase, hourly) in [("savings_plan_1y", 0.06), ("spot", 0.03)] {
        inst.rates.insert(
            purchase.to_string(),
            crate::pricing::Rate {
                hourly,
                source: "test rate".into(),
            },
        );
    }
    b
}

fn eval_on(w: &Workload, cfg: &Ec2Config, b: &crate::pricing::PriceBook) -> OptionPlan {
    let d = Demand::new(w, FreeTier::none());
    evaluate(&d, cfg, b)
}

fn bursty(rps: f64) -> Workload {
    let mut w = service(rps, req(100.0, 0.0, 512));
    if let crate::profile::Work::Service { traffic } = &mut w.work {
        traffic.shape = crate::profile::Shape::Bursty;
        traffic.peak_to_average = 6.0;
    }
    w
}

#[test]
fn a_savings_plan_is_priced_and_feasible_on_a_flat_fleet() {
    let b = book_with_rates();
    let cfg = Ec2Config {
        purchase: Purchase::SavingsPlan1y,
        ..fixed("m7g.large")
    };
    let p = eval_on(&service(10.0, req(100.0, 0.0, 512)), &cfg, &b);
    assert!(p.feasible, "{:?}", p.risks);
    // Two instances all month, all covered: 1,460 h at $0.06.
    assert!(
        (p.monthly_cost_usd - 1460.0 * 0.06).abs() < 1e-6,
        "{}",
        p.monthly_cost_usd
    );
    let bought = p.purchase.as_ref().unwrap();
    assert_eq!(bought.purchase, Purchase::SavingsPlan1y);
    assert!((bought.on_demand_monthly_cost_usd - 1460.0 * 0.0816).abs() < 1e-6);
    assert_eq!(bought.committed_units, 2.0);
    assert!((bought.committed_share - 1.0).abs() < 1e-12);
    assert!(p.cost_breakdown[0].unit.contains("Compute Savings Plan"));
}

#[test]
fn a_commitment_covers_only_the_steady_baseline() {
    let b = book_with_rates();
    let cfg = Ec2Config {
        purchase: Purchase::SavingsPlan1y,
        ..fixed("m7g.large")
    };
    let on_demand = eval_on(&bursty(2000.0), &fixed("m7g.large"), &b);
    let committed = eval_on(&bursty(2000.0), &cfg, &b);
    let bought = committed.purchase.as_ref().unwrap();
    assert!(bought.committed_share < 0.9, "{}", bought.committed_share);
    // The hours above the baseline stay on demand: a line at the on-demand rate.
    let od_line = committed
        .cost_breakdown
        .iter()
        .find(|l| l.item == "instances" && l.unit == "instance-hour")
        .unwrap();
    assert!((od_line.unit_price_usd - 0.0816).abs() < 1e-12);
    // The bursty fleet saves less than the flat one's 26.5%.
    let saved = 1.0 - committed.monthly_cost_usd / on_demand.monthly_cost_usd;
    assert!(saved > 0.0 && saved < 1.0 - 0.06 / 0.0816 - 0.01, "{saved}");
    assert!(
        (bought.on_demand_monthly_cost_usd - on_demand.monthly_cost_usd).abs() < 1e-6,
        "{} vs {}",
        bought.on_demand_monthly_cost_usd,
        on_demand.monthly_cost_usd
    );
}

#[test]
fn spot_is_priced_from_the_book_and_names_its_risk() {
    let b = book_with_rates();
    let cfg = Ec2Config {
        purchase: Purchase::Spot,
        min_instances: 1,
        ..fixed("m7g.large")
    };
    let p = eval_on(&service(1.0, req(100.0, 0.0, 512)), &cfg, &b);
    assert!(p.feasible, "{:?}", p.risks);
    assert!((p.monthly_cost_usd - 730.0 * 0.03).abs() < 1e-6);
    let risk = p.risks.iter().find(|r| r.contains("2 minutes")).unwrap();
    assert!(risk.contains("single instance"), "{risk}");
}

#[test]
fn auto_searches_only_types_priced_for_the_purchase() {
    let b = book_with_rates();
    let cfg = Ec2Config {
        purchase: Purchase::SavingsPlan1y,
        instance_type: AutoOr::Auto,
        ingress: FleetIngress::None,
        ..Ec2Config::default()
    };
    let p = eval_on(&service(10.0, req(100.0, 0.0, 512)), &cfg, &b);
    assert_eq!(p.config["instance_type"], json!("m7g.large"));
    // The shipped book's only Compute Savings Plans rate is m7g.large's (#12).
    let p = eval(&service(10.0, req(100.0, 0.0, 512)), &cfg);
    assert_eq!(p.config["instance_type"], json!("m7g.large"));
    // Without any rate for the purchase (no Reserved Instance rate is shipped), `auto`
    // cannot be priced.
    let cfg = Ec2Config {
        purchase: Purchase::Reserved1y,
        ..cfg
    };
    let p = eval(&service(10.0, req(100.0, 0.0, 512)), &cfg);
    assert!(p.risks[0].contains("ec2.reserved_1y.auto"), "{:?}", p.risks);
}

#[test]
fn other_purchase_options_have_no_price_yet() {
    let cfg = Ec2Config {
        purchase: Purchase::Spot,
        ..fixed("m7g.large")
    };
    let p = eval(&service(10.0, req(100.0, 0.0, 512)), &cfg);
    assert!(!p.feasible);
    assert!(p.risks[0].contains("ec2.spot.m7g.large"), "{:?}", p.risks);
}

#[test]
fn memory_limits_processes() {
    // t3.small: 2 GiB less 512 MiB reserve = 1,536 MiB: one 1,024 MB process, not two.
    let w = service(10.0, req(100.0, 0.0, 1024));
    let p = eval(&w, &fixed("t3.small"));
    assert_eq!(p.config["processes_per_instance"], json!(1));
    assert!(p.feasible, "{:?}", p.risks);
    assert!(
        p.risks
            .iter()
            .any(|r| r.starts_with("Memory fits only 1 process of")),
        "{:?}",
        p.risks
    );
    // A fixed count that does not fit is infeasible.
    let cfg = Ec2Config {
        processes_per_instance: AutoOr::Fixed(4),
        ..fixed("m7g.large")
    };
    let p = eval(&service(10.0, req(100.0, 0.0, 2048)), &cfg);
    assert!(!p.feasible);
    assert!(
        p.risks
            .iter()
            .any(|r| r.contains("8192 MB") && r.contains("m7g.large")),
        "{:?}",
        p.risks
    );
    // Nothing fits at all.
    let p = eval(&service(10.0, req(100.0, 0.0, 4096)), &fixed("t3.small"));
    assert!(!p.feasible);
    assert!(
        p.risks
            .iter()
            .any(|r| r.contains("cannot hold one process")),
        "{:?}",
        p.risks
    );
}

#[test]
fn available_memory_reserve() {
    let b = book();
    // 2 GiB: the 512 MiB floor; 16 GiB: 10%.
    let small = &b.instances["t3.small"];
    assert_eq!(available_mib(small), 2048.0 - 512.0);
    let big = &b.instances["m7g.xlarge"];
    assert_eq!(big.memory_gib, 16.0);
    assert!((available_mib(big) - 16384.0 * 0.9).abs() < 1e-9);
}

#[test]
fn auto_picks_the_cheapest_type() {
    let w = service(500.0, req(100.0, 0.0, 512));
    let p = eval(
        &w,
        &Ec2Config {
            ingress: FleetIngress::None,
            ..Ec2Config::default()
        },
    );
    assert!(p.feasible, "{:?}", p.risks);
    // I/O-bound, 500 req/s: the minimum of 2 instances of any type carries it, so the
    // cheapest type wins: t4g.small ($0.0168/h), well within its CPU baseline.
    assert_eq!(p.config["instance_type"], json!("t4g.small"));
    let cheapest = 2.0 * 730.0 * 0.0168;
    assert!((p.monthly_cost_usd - cheapest).abs() < 1e-6);

    // 6 GB processes do not fit the 2 and 4 GiB types (t4g.small, c7g.large, ...); of the
    // types that hold them, t4g.large ($0.0672/h) is the cheapest.
    let w = service(500.0, req(100.0, 0.0, 6 * 1024));
    let p = eval(
        &w,
        &Ec2Config {
            ingress: FleetIngress::None,
            ..Ec2Config::default()
        },
    );
    assert_eq!(
        p.config["instance_type"],
        json!("t4g.large"),
        "{:?}",
        p.config
    );
    assert!(p.feasible);
    assert!((p.monthly_cost_usd - 2.0 * 730.0 * 0.0672).abs() < 1e-6);
}

#[test]
fn cost_tie_goes_to_fewer_instances() {
    // m7g.xlarge: 4 vCPU at twice the price of m7g.large's 2, the same cost for the same
    // capacity (and "m7g.large" sorts first by name).
    let mut b = book();
    b.instances
        .retain(|name, _| name == "m7g.large" || name == "m7g.xlarge");
    assert_eq!(
        b.instances["m7g.xlarge"].on_demand_hourly,
        2.0 * b.instances["m7g.large"].on_demand_hourly
    );
    // 100 ms of I/O × 50 in flight = 500 req/s per process, one process per vCPU.
    let w = service(2400.0, req(100.0, 0.0, 256));
    let d = Demand::new(&w, FreeTier::none());
    let cfg = Ec2Config {
        min_instances: 1,
        ingress: FleetIngress::None,
        ..Ec2Config::default()
    };
    let p = evaluate(&d, &cfg, &b);
    // 2,400 / (1,000 × 0.6) = 4 m7g.large or 2,400 / (2,000 × 0.6) = 2 m7g.xlarge.
    assert_eq!(
        p.config["instance_type"],
        json!("m7g.xlarge"),
        "{:?}",
        p.config
    );
    assert_eq!(p.capacity.peak, 2.0);
}

#[test]
fn burstable_over_baseline_warns_and_auto_avoids_it() {
    // 40 ms of CPU per request at 30 req/s = 1.2 vCPU-s/s over 2 instances × 2 vCPU: 30%,
    // above t3.small's 20% baseline.
    let w = service(30.0, req(60.0, 40.0, 256));
    let p = eval(&w, &fixed("t3.small"));
    assert!(
        p.risks
            .iter()
            .any(|r| r.contains("baseline") && r.contains("unlimited mode")),
        "{:?}",
        p.risks
    );
    let auto = eval(
        &w,
        &Ec2Config {
            ingress: FleetIngress::None,
            ..Ec2Config::default()
        },
    );
    // The cheaper types at a 20% baseline (t4g.small, t3.small) are passed over for one
    // that stays within its baseline.
    for over in ["t3.small", "t4g.small"] {
        assert_ne!(auto.config["instance_type"], json!(over));
    }
    assert!(auto.feasible);
    assert!(
        auto.risks.iter().all(|r| !r.contains("baseline")),
        "{:?}",
        auto.risks
    );
}

/// m7g.large with 2 items of 1 GB in flight per process (2 processes: 4 GB of its 7.2 GB).
fn batch(name: &str) -> Ec2Config {
    Ec2Config {
        concurrency_per_process: 2,
        ..fixed(name)
    }
}

#[test]
fn fanout_launches_instances_per_run_when_cheaper() {
    // 10,000 items of 800 ms (600 ms CPU): a process does 1.67 items/s, an m7g.large 3.33.
    let w = fanout(10_000, 720.0, Some(600.0), req(800.0, 600.0, 1024));
    let p = eval(&w, &batch("m7g.large"));
    assert!(p.feasible, "{:?}", p.risks);
    assert_eq!(p.config["run_mode"], json!("per_run"));
    let n = p.capacity.peak;
    let m = p.makespan_s.unwrap();
    // Within the deadline less its 10% margin.
    assert!(m <= 540.0);
    // Start-up (150 s, within the RunInstances burst) + items / (n × 3.33) + 0.8 s; n - 1
    // would miss.
    let per = 1000.0 / 300.0;
    assert!((m - (INSTANCE_STARTUP_S + 10_000.0 / (n * per) + 0.8)).abs() < 1e-6);
    assert!(INSTANCE_STARTUP_S + 10_000.0 / ((n - 1.0) * per) + 0.8 > 540.0);
    // Billed per second for each run: n × makespan × 720 runs.
    let hours = 720.0 * n * m / 3600.0;
    assert!((p.cost_breakdown[0].quantity - hours).abs() < 1e-6);
    assert!((p.monthly_cost_usd - hours * 0.0816).abs() < 1e-6);
    assert!(
        !p.risks.iter().any(|r| r.contains("always-on")),
        "{:?}",
        p.risks
    );
    let choice = p.config["run_mode_choice"].as_str().unwrap();
    assert!(choice.starts_with("per run $"), "{choice}");
    assert!(choice.contains("not always on $"), "{choice}");
}

#[test]
fn nightly_job_bills_its_runs_not_an_always_on_fleet() {
    // A 15-minute nightly job: 100,000 items of 800 ms, 30 runs a month, 900 s deadline.
    // Always on, it needs ceil(100,000 / (3.33 × 809.2)) = 38 instances billed 730 h each
    // ($2,263.58 a month, what the model charged before); launched per run, about 46
    // instances for 13.5 minutes a night.
    let w = fanout(100_000, 30.0, Some(900.0), req(800.0, 600.0, 1024));
    let p = eval(&w, &batch("m7g.large"));
    assert!(p.feasible, "{:?}", p.risks);
    assert_eq!(p.config["run_mode"], json!("per_run"));
    let always_on = 38.0 * 730.0 * 0.0816;
    assert!(
        p.monthly_cost_usd < always_on / 50.0,
        "{}",
        p.monthly_cost_usd
    );
    let n = p.capacity.peak;
    let m = p.makespan_s.unwrap();
    assert!(m <= 810.0);
    assert!((p.monthly_cost_usd - 30.0 * n * m / 3600.0 * 0.0816).abs() < 1e-6);
    let choice = p.config["run_mode_choice"].as_str().unwrap();
    assert!(
        choice.contains("always on $2,263.58/mo (38 instances)"),
        "{choice}"
    );
}

#[test]
fn frequent_runs_keep_an_always_on_fleet() {
    // 20,000 runs a month (one every 2.2 minutes) of 1,000 items: launched per run, each
    // run pays 150 s of start-up; the always-on fleet (3 instances for the month's volume)
    // costs less.
    let w = fanout(1_000, 20_000.0, None, req(800.0, 600.0, 1024));
    let p = eval(&w, &batch("m7g.large"));
    assert!(p.feasible, "{:?}", p.risks);
    assert_eq!(p.config["run_mode"], json!("always_on"));
    assert_eq!(p.capacity.peak, 3.0);
    assert!((p.monthly_cost_usd - 3.0 * 730.0 * 0.0816).abs() < 1e-6);
    assert!(p.risks.iter().any(|r| r.contains("always-on")));
    let choice = p.config["run_mode_choice"].as_str().unwrap();
    assert!(choice.starts_with("always on $"), "{choice}");

    // No deadline and rare runs: one instance per run, the minimum billed.
    let w = fanout(10, 30.0, None, req(100.0, 0.0, 128));
    let p = eval(&w, &batch("m7g.large"));
    assert_eq!(p.config["run_mode"], json!("per_run"));
    assert_eq!(p.capacity.peak, 1.0);
    let m = p.makespan_s.unwrap();
    assert!((p.monthly_cost_usd - 30.0 * m.max(60.0) / 3600.0 * 0.0816).abs() < 1e-9);
}

#[test]
fn items_in_flight_need_their_memory() {
    // 8 items of 1 GB in flight per process: 8 GB a process, more than c7g.xlarge's 7.2 GB
    // after the OS reserve (a 1 GB process would fit four times).
    let w = fanout(10_000, 730.0, Some(600.0), req(800.0, 600.0, 1024));
    let cfg = Ec2Config {
        concurrency_per_process: 8,
        ..fixed("c7g.xlarge")
    };
    let p = eval(&w, &cfg);
    assert!(!p.feasible);
    assert!(
        p.risks[0].contains("cannot hold one process of 8192 MB"),
        "{:?}",
        p.risks
    );
    // `auto` finds a type with the memory: 8 GB per process.
    let auto = Ec2Config {
        concurrency_per_process: 8,
        instance_type: AutoOr::Auto,
        ingress: FleetIngress::None,
        ..Ec2Config::default()
    };
    let p = eval(&w, &auto);
    assert!(p.feasible, "{:?}", p.risks);
    assert_eq!(p.config["process_memory_mb"], json!(8192));
    let procs = p.config["processes_per_instance"].as_u64().unwrap() as f64;
    let mem_gib = p.config["memory_gib"].as_f64().unwrap();
    let reserve = p.config["os_reserve_mib"].as_f64().unwrap();
    assert!(procs * 8192.0 <= mem_gib * 1024.0 - reserve, "{p:?}");
}

#[test]
fn disabled() {
    let cfg = Ec2Config {
        enabled: false,
        ..Ec2Config::default()
    };
    let p = eval(&service(1.0, req(100.0, 0.0, 128)), &cfg);
    assert_eq!(p.risks, vec!["Disabled in the profile.".to_string()]);
    assert_eq!(p.status(), crate::model::Status::Disabled);
    assert!(!p.feasible && !p.evaluated());
}

/// `cargo test --release -- --ignored auto_type_speed --nocapture`
#[test]
#[ignore]
fn auto_type_speed() {
    let mut w =
        crate::model::testkit::with_slo(service(500.0, req(120.0, 30.0, 512)), Some(400.0), None);
    if let Some(t) = w.work.traffic_mut() {
        t.shape = crate::profile::Shape::Diurnal;
        t.peak_to_average = 4.0;
    }
    let d = Demand::new(&w, FreeTier::none());
    let b = book();
    let cfg = Ec2Config::default();
    let n = 200;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(evaluate(&d, &cfg, &b));
    }
    println!("ec2 auto: {:?} per evaluation", start.elapsed() / n);
}

#[test]
fn one_instance_at_quiet_times_is_one_availability_zone() {
    let w = service(1.0, req(100.0, 0.0, 256));
    let one = Ec2Config {
        min_instances: 1,
        ..fixed("m7g.large")
    };
    let o = eval(&w, &one);
    assert!(
        o.risks
            .iter()
            .any(|r| r.starts_with("One Availability Zone") && r.contains("min_instances is 1")),
        "{:?}",
        o.risks
    );
    let o = eval(&w, &fixed("m7g.large"));
    assert!(
        !o.risks.iter().any(|r| r.contains("Availability Zone")),
        "{:?}",
        o.risks
    );
}

/// One Go process on an m7g.large uses both vCPUs (as two pm2 processes would); one Node.js
/// process uses one and says the other is idle. (The old model gave every process at most one
/// vCPU.)
#[test]
fn one_process_uses_every_core_only_in_an_all_cores_runtime() {
    let node = service(300.0, req(30.0, 10.0, 512));
    let mut go = node.clone();
    go.request.runtime = crate::profile::Runtime::Go;
    let one = Ec2Config {
        processes_per_instance: AutoOr::Fixed(1),
        ..fixed("m7g.large")
    };
    let (n, g) = (eval(&node, &one), eval(&go, &one));
    assert_eq!(n.config["instance_rps"], json!(100.0));
    assert_eq!(g.config["instance_rps"], json!(200.0));
    assert_eq!(g.config["usable_vcpus_per_process"], json!(2.0));
    assert!(
        n.risks
            .iter()
            .any(|r| r.contains("keep 1 of m7g.large's 2 vCPUs busy at most")),
        "{:?}",
        n.risks
    );
    assert!(!g.risks.iter().any(|r| r.contains("idle")), "{:?}", g.risks);
    // pm2 -i max: two Node.js processes use both, as the Go one does.
    let auto = eval(&node, &fixed("m7g.large"));
    assert_eq!(auto.config["instance_rps"], json!(200.0));
}

/// #12: with the current generations in the book (c7g/c8g, m7g/m8g, r7g/r8g, c7i/m7i and the
/// flex types, large to 4xlarge), `auto` still costs no more than any type it could pin that
/// is feasible and within its CPU baseline.
#[test]
fn auto_is_no_dearer_than_any_type_it_could_pin() {
    let b = book();
    for name in [
        "c8g.4xlarge",
        "m8g.large",
        "r8g.2xlarge",
        "c7i-flex.xlarge",
        "m7i-flex.4xlarge",
        "r7g.4xlarge",
    ] {
        assert!(b.instances.contains_key(name), "{name}");
    }
    let threaded = |mut r: crate::profile::Request| {
        r.runtime = crate::profile::Runtime::Go;
        r
    };
    for w in [
        // I/O-bound: the cheapest small type.
        service(500.0, req(100.0, 0.0, 512)),
        // CPU-heavy on every core: vCPUs are what is bought.
        service(400.0, threaded(req(60.0, 50.0, 256))),
        // Memory-heavy: 12 GB a process.
        service(50.0, req(100.0, 10.0, 12 * 1024)),
    ] {
        let d = Demand::new(&w, FreeTier::none());
        let cfg = Ec2Config {
            ingress: FleetIngress::None,
            ..Ec2Config::default()
        };
        let auto = evaluate(&d, &cfg, &b);
        assert!(auto.feasible, "{:?}", auto.risks);
        let best = b
            .instances
            .keys()
            .map(|name| evaluate(&d, &fixed(name), &b))
            .filter(|p| p.feasible && p.risks.iter().all(|r| !r.contains("baseline")))
            .map(|p| p.monthly_cost_usd)
            .fold(f64::INFINITY, f64::min);
        assert!(
            auto.monthly_cost_usd <= best + 1e-6,
            "auto {} ({}) against {best}",
            auto.monthly_cost_usd,
            auto.config["instance_type"]
        );
    }
}

/// Flex types run at a 40% CPU baseline per vCPU: `auto` takes one (5% under its non-flex
/// twin) while the CPU stays under it, and passes it over, with the risk named when pinned,
/// above it.
#[test]
fn flex_types_are_chosen_only_within_their_baseline() {
    let mut b = book();
    b.instances
        .retain(|name, _| name == "c7i.large" || name == "c7i-flex.large");
    let flex = &b.instances["c7i-flex.large"];
    assert_eq!(flex.baseline_cpu_share, Some(0.4));
    assert!(flex.on_demand_hourly < b.instances["c7i.large"].on_demand_hourly);
    let cfg = Ec2Config {
        ingress: FleetIngress::None,
        ..Ec2Config::default()
    };
    // 10 ms of CPU at 100 req/s on 2 instances × 2 vCPU: 25% busy.
    let w = service(100.0, req(50.0, 10.0, 256));
    let light = Demand::new(&w, FreeTier::none());
    let p = evaluate(&light, &cfg, &b);
    assert_eq!(
        p.config["instance_type"],
        json!("c7i-flex.large"),
        "{:?}",
        p.risks
    );
    // 30 ms of CPU at 100 req/s: 75% busy, above the baseline.
    let w = service(100.0, req(50.0, 30.0, 256));
    let busy = Demand::new(&w, FreeTier::none());
    let p = evaluate(&busy, &cfg, &b);
    assert_eq!(
        p.config["instance_type"],
        json!("c7i.large"),
        "{:?}",
        p.risks
    );
    let pinned = evaluate(&busy, &fixed("c7i-flex.large"), &b);
    assert!(
        pinned
            .risks
            .iter()
            .any(|r| r.contains("40% baseline") && r.contains("flex type")),
        "{:?}",
        pinned.risks
    );
}

/// #12: a book without instance types leaves `auto` unpriced, naming the empty table (not
/// "no instance type `any`").
#[test]
fn a_book_without_instances_leaves_auto_unpriced() {
    let mut b = book();
    b.instances.clear();
    let w = service(10.0, req(100.0, 0.0, 512));
    let d = Demand::new(&w, FreeTier::none());
    let p = evaluate(&d, &Ec2Config::default(), &b);
    assert_eq!(p.status(), crate::model::Status::Unpriced);
    let m = p.missing().map(|m| (m.what, m.key.as_str()));
    assert_eq!(
        m,
        Some((crate::pricing::Missing::INSTANCES, keys::EC2_INSTANCES))
    );
    assert!(
        p.risks[0].contains("has no EC2 instance prices: its `instances:` table is empty"),
        "{:?}",
        p.risks
    );
    assert!(!p.risks[0].contains("`any`"));
}
