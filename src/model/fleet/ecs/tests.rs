//! ECS Fargate's tests, on the shipped us-east-1 book.

use super::*;
use crate::model::billing::FreeTier;
use crate::model::testkit::{book, fanout, req, service, with_slo};
use crate::profile::{Architecture, FleetIngress, Runtime, Workload};

fn eval(w: &Workload, cfg: &EcsConfig) -> OptionPlan {
    let d = Demand::new(w, FreeTier::none());
    evaluate(&d, cfg, &book())
}

fn fixed(vcpu: f64, memory_gb: f64) -> EcsConfig {
    EcsConfig {
        vcpu: AutoOr::Fixed(vcpu),
        memory_gb: AutoOr::Fixed(memory_gb),
        ingress: FleetIngress::None,
        ..EcsConfig::default()
    }
}

fn item<'p>(p: &'p OptionPlan, name: &str) -> &'p LineItem {
    p.cost_breakdown
        .iter()
        .find(|l| l.item == name)
        .unwrap_or_else(|| panic!("no `{name}` line in {:?}", p.cost_breakdown))
}

#[test]
fn fargate_month_and_pricing_page_example_1() {
    let b = book();
    let cfg = EcsConfig::default();
    let prices = FargatePrices::from_book(&b, &cfg).unwrap();
    // 1 vCPU + 2 GB x86 for a 730-hour month.
    let month = billing::total(&bill(730.0, 1.0, 2.0, 20.0, &prices));
    assert!(
        (month - 730.0 * (0.04048 + 2.0 * 0.004445)).abs() < 1e-9,
        "{month}"
    );
    // AWS Fargate pricing page, example 1: 5 tasks × 600 s × 30 days, 1 vCPU, 2 GB, 30 GB
    // storage = $1.01 + $0.22 + $0.03 = $1.26.
    let storage = EcsConfig {
        ephemeral_storage_gb: 30.0,
        ..EcsConfig::default()
    };
    let prices = FargatePrices::from_book(&b, &storage).unwrap();
    let hours = 5.0 * 600.0 * 30.0 / 3600.0;
    let lines = bill(hours, 1.0, 2.0, 30.0, &prices);
    let cents: Vec<f64> = lines
        .iter()
        .map(|l| (l.cost_usd * 100.0).round() / 100.0)
        .collect();
    assert_eq!(cents, vec![1.01, 0.22, 0.03]);
    assert!((billing::total(&lines) - 1.262).abs() < 1e-9);
    assert_eq!(lines[2].item, "ephemeral_storage");
}

#[test]
fn flat_service_runs_ceil_rate_over_task_throughput_at_target() {
    // 100 ms of I/O, 50 in flight: 500 req/s per task; 1,000 req/s at 60% -> 4 tasks.
    let w = service(1000.0, req(100.0, 0.0, 512));
    let p = eval(&w, &fixed(0.5, 1.0));
    assert!(p.feasible, "{:?}", p.risks);
    assert_eq!(p.capacity.peak, (1000.0_f64 / (500.0 * 0.6)).ceil());
    assert_eq!(p.capacity.unit, "tasks");
    let expected = 4.0 * 730.0 * (0.5 * 0.04048 + 1.0 * 0.004445);
    assert!(
        (p.monthly_cost_usd - expected).abs() < 1e-6,
        "{}",
        p.monthly_cost_usd
    );
    assert!((item(&p, "vcpu").quantity - 4.0 * 730.0 * 0.5).abs() < 1e-6);
    assert!((item(&p, "memory").quantity - 4.0 * 730.0).abs() < 1e-6);
    assert_eq!(p.throttled_share, 0.0);
    assert!((p.throughput_rps - 2000.0).abs() < 1e-6);
    assert!(
        p.latency_ms.p50 >= 100.0 && p.latency_ms.p99 < 150.0,
        "{:?}",
        p.latency_ms
    );
    assert_eq!(p.makespan_s, None);
}

#[test]
fn alb_ingress_lines_are_added() {
    let w = service(100.0, req(100.0, 0.0, 512));
    let cfg = EcsConfig {
        ingress: FleetIngress::Alb,
        ..fixed(0.5, 1.0)
    };
    let p = eval(&w, &cfg);
    let ingress: Vec<_> = p
        .cost_breakdown
        .iter()
        .filter(|l| l.item == "ingress")
        .collect();
    assert_eq!(ingress.len(), 2);
    assert!((ingress[0].cost_usd - 730.0 * 0.0225).abs() < 1e-9);
}

#[test]
fn memory_that_does_not_fit_is_infeasible() {
    let w = service(10.0, req(100.0, 0.0, 2048));
    let p = eval(&w, &fixed(0.5, 1.0));
    assert!(!p.feasible);
    assert!(
        p.risks
            .iter()
            .any(|r| r.contains("2048 MB") && r.contains("1 GB task")),
        "{:?}",
        p.risks
    );
    // With memory auto, the search moves to a size that holds it.
    let auto = EcsConfig {
        memory_gb: AutoOr::Auto,
        ..fixed(0.5, 1.0)
    };
    let p = eval(&w, &auto);
    assert!(p.feasible, "{:?}", p.risks);
    assert_eq!(p.config["memory_gb"], json!(2.0));
}

#[test]
fn auto_picks_the_cheapest_size() {
    // I/O-bound: CPU size does not matter, the smallest task that holds 1 GB wins.
    let w = service(100.0, req(100.0, 0.0, 1024));
    let auto = EcsConfig {
        ingress: FleetIngress::None,
        ..EcsConfig::default()
    };
    let p = eval(&w, &auto);
    assert!(p.feasible);
    assert_eq!(
        (p.config["vcpu"].clone(), p.config["memory_gb"].clone()),
        (json!(0.25), json!(1.0))
    );
    // CPU-bound at 2 GB: a full vCPU serves four times a quarter vCPU for less than four
    // times the price, so 1 vCPU is cheaper than 0.25 or 0.5.
    let w = service(2000.0, req(50.0, 40.0, 2048));
    let cfg = EcsConfig {
        vcpu: AutoOr::Auto,
        memory_gb: AutoOr::Fixed(2.0),
        max_tasks: 10_000,
        ingress: FleetIngress::None,
        ..EcsConfig::default()
    };
    let p = eval(&w, &cfg);
    assert_eq!(p.config["vcpu"], json!(1.0), "{:?}", p.config);
    let quarter = eval(
        &w,
        &EcsConfig {
            max_tasks: 10_000,
            ..fixed(0.25, 2.0)
        },
    );
    assert!(p.monthly_cost_usd < quarter.monthly_cost_usd);
    assert!(
        p.risks
            .iter()
            .any(|r| r.starts_with("The CPU, not the concurrency, caps a task at"))
    );
}

#[test]
fn cpu_heavy_work_needs_more_tasks() {
    let io = eval(&service(500.0, req(120.0, 0.0, 256)), &fixed(1.0, 2.0));
    let cpu = eval(&service(500.0, req(120.0, 30.0, 256)), &fixed(1.0, 2.0));
    // 33.3 req/s per task when CPU-bound: ceil(500 / (33.3 × 0.6)) = 25 tasks.
    assert_eq!(cpu.capacity.peak, 25.0);
    assert!(cpu.capacity.peak > io.capacity.peak);
    assert_eq!(cpu.config["effective_concurrency_per_task"], json!(4.0));
}

#[test]
fn max_tasks_hit_is_infeasible_and_says_so() {
    let w = service(10_000.0, req(100.0, 0.0, 256));
    let cfg = EcsConfig {
        concurrency_per_task: 10,
        max_tasks: 100,
        ..fixed(0.5, 1.0)
    };
    let p = eval(&w, &cfg);
    assert!(!p.feasible);
    // 100 req/s per task at 60%: 167 tasks needed.
    assert!(
        p.risks
            .iter()
            .any(|r| r.starts_with("Needs 167 tasks at peak but max_tasks is 100")),
        "{:?}",
        p.risks
    );
    // 100 tasks carry 10,000 req/s flat out: nothing shed, but no headroom.
    assert_eq!(p.throttled_share, 0.0);
    assert!(
        p.risks[0].contains("above the 60% target utilization"),
        "{:?}",
        p.risks
    );
    assert_eq!(p.capacity.peak, 100.0);
    // Twice the traffic: half of it is shed.
    let p = eval(&service(20_000.0, req(100.0, 0.0, 256)), &cfg);
    assert!((p.throttled_share - 0.5).abs() < 1e-9);
    assert!(
        p.risks[0].contains("shedding 50% of requests"),
        "{:?}",
        p.risks
    );
}

/// A queue's consumers shed nothing: a fleet at its max leaves the excess messages waiting
/// in the queue, and says so (a service's fleet sheds them).
#[test]
fn a_queue_fleet_at_its_max_leaves_messages_waiting() {
    let mut w = service(20_000.0, req(100.0, 0.0, 256));
    let crate::profile::Work::Service { traffic } = w.work.clone() else {
        panic!("a service");
    };
    w.work = crate::profile::Work::Queue {
        traffic,
        queue: crate::profile::Queue::default(),
    };
    let cfg = EcsConfig {
        concurrency_per_task: 10,
        max_tasks: 100,
        ..fixed(0.5, 1.0)
    };
    let p = eval(&w, &cfg);
    assert!(!p.feasible);
    assert!(
        p.risks[0].contains("leaving 50% of messages to wait"),
        "{:?}",
        p.risks
    );
    assert!(!p.risks[0].contains("shedding"), "{:?}", p.risks);
}

#[test]
fn p99_slo_is_checked() {
    let w = with_slo(service(100.0, req(200.0, 0.0, 256)), Some(150.0), None);
    let p = eval(&w, &fixed(0.5, 1.0));
    assert!(!p.feasible);
    assert!(
        p.risks.iter().any(|r| r.contains("misses the 150 ms SLO")),
        "{:?}",
        p.risks
    );
}

#[test]
fn spot_uses_spot_prices_and_warns() {
    let w = service(100.0, req(100.0, 0.0, 256));
    let on_demand = eval(&w, &fixed(0.5, 1.0));
    let spot = eval(
        &w,
        &EcsConfig {
            spot: true,
            ..fixed(0.5, 1.0)
        },
    );
    // The book's Spot rate (an observed rate's share, about 67% off), not AWS's best-case 70%.
    let share = spot.monthly_cost_usd / on_demand.monthly_cost_usd;
    assert!((share - 0.01334053 / 0.04048).abs() < 1e-6, "{share}");
    assert!(
        spot.risks
            .iter()
            .any(|r| r.contains("2 minutes") && r.contains("no SLA"))
    );
    assert_eq!(spot.config["purchase"], serde_json::json!("spot"));
    let bought = spot.purchase.as_ref().unwrap();
    assert!((bought.on_demand_monthly_cost_usd - on_demand.monthly_cost_usd).abs() < 1e-6);
    assert_eq!(bought.committed_share, 0.0);
    // `purchase: spot` is the same as `spot: true`.
    let purchase = eval(
        &w,
        &EcsConfig {
            purchase: crate::profile::Purchase::Spot,
            ..fixed(0.5, 1.0)
        },
    );
    assert_eq!(purchase.monthly_cost_usd, spot.monthly_cost_usd);
    assert!(!spot.risks.iter().any(|r| r.contains("single task")));
    // A fleet that can shrink to one task has nothing to carry it through an interruption.
    let single = eval(
        &service(1.0, req(100.0, 0.0, 256)),
        &EcsConfig {
            spot: true,
            min_tasks: 1,
            ..fixed(0.5, 1.0)
        },
    );
    assert!(
        single.risks.iter().any(|r| r.contains("single task")),
        "{:?}",
        single.risks
    );
}

/// The shipped book with test Compute Savings Plan rates for arm64 Fargate (on demand
/// $0.03238 / $0.00356): $0.025 per vCPU-hour, $0.0027 per GB-hour. Test figures.
fn book_with_savings_plan() -> crate::pricing::PriceBook {
    use crate::profile::Purchase;
    let mut b = book();
    for (key, usd) in [
        (
            keys::fargate_vcpu(Architecture::Arm64, Purchase::SavingsPlan1y),
            0.025,
        ),
        (
            keys::fargate_memory(Architecture::Arm64, Purchase::SavingsPlan1y),
            0.0027,
        ),
    ] {
        b.prices.insert(
            key,
            crate::pricing::Price {
                unit: "hour".into(),
                tiers: vec![crate::pricing::Tier { upto: None, usd }],
                source: "test rate".into(),
            },
        );
    }
    b
}

#[test]
fn a_savings_plan_bills_the_steady_tasks_at_its_rates() {
    use crate::profile::Purchase;
    let b = book_with_savings_plan();
    let w = service(100.0, req(100.0, 0.0, 256));
    let cfg = EcsConfig {
        architecture: Architecture::Arm64,
        purchase: Purchase::SavingsPlan1y,
        ..fixed(0.5, 1.0)
    };
    let d = Demand::new(&w, FreeTier::none());
    let p = evaluate(&d, &cfg, &b);
    assert!(p.feasible, "{:?}", p.risks);
    let od = evaluate(
        &d,
        &EcsConfig {
            purchase: Purchase::OnDemand,
            ..cfg.clone()
        },
        &b,
    );
    // A flat curve: every task-hour is steady, all at the plan's rates.
    let tasks_h = od.cost_breakdown[0].quantity / 0.5;
    let want = tasks_h * (0.5 * 0.025 + 1.0 * 0.0027);
    assert!(
        (p.monthly_cost_usd - want).abs() < 1e-6,
        "{} vs {want}",
        p.monthly_cost_usd
    );
    assert!(
        (p.purchase.as_ref().unwrap().on_demand_monthly_cost_usd - od.monthly_cost_usd).abs()
            < 1e-6
    );
    // The shipped book has no Savings Plans rates: unpriced, naming the key.
    let p = evaluate(&d, &cfg, &book());
    assert!(!p.feasible);
    assert!(
        p.risks[0].contains("ecs.fargate_savings_plan_1y.vcpu.arm64"),
        "{:?}",
        p.risks
    );
}

#[test]
fn missing_price_invalid_size_and_disabled() {
    let w = service(100.0, req(100.0, 0.0, 256));
    let d = Demand::new(&w, FreeTier::none());
    let mut b = book();
    b.prices.remove(&keys::fargate_vcpu(
        Architecture::Arm64,
        crate::profile::Purchase::OnDemand,
    ));
    let cfg = EcsConfig {
        architecture: Architecture::Arm64,
        ..fixed(0.5, 1.0)
    };
    let p = evaluate(&d, &cfg, &b);
    assert!(!p.feasible);
    assert!(
        p.risks[0].contains("ecs.fargate.vcpu.arm64"),
        "{:?}",
        p.risks
    );

    let p = eval(&w, &fixed(0.5, 8.0));
    assert!(!p.feasible);
    assert!(
        p.risks[0].contains("not a valid Fargate task size"),
        "{:?}",
        p.risks
    );
    let p = eval(&w, &fixed(3.0, 8.0));
    assert!(
        p.risks[0].contains("3 vCPU is not a Fargate task size"),
        "{:?}",
        p.risks
    );

    let off = EcsConfig {
        enabled: false,
        ..EcsConfig::default()
    };
    assert_eq!(
        eval(&w, &off).risks,
        vec!["Disabled in the profile.".to_string()]
    );
}

#[test]
fn task_sizes_table() {
    let sizes = task_sizes();
    assert_eq!(sizes.len(), 3 + 4 + 7 + 13 + 23 + 12 + 12);
    assert!(is_valid_size(0.25, 0.5));
    assert!(is_valid_size(8.0, 60.0));
    assert!(!is_valid_size(8.0, 18.0));
    assert!(is_valid_size(16.0, 120.0));
    assert!(!is_valid_size(0.25, 4.0));
}

#[test]
fn fanout_adds_tasks_to_meet_the_deadline() {
    // 10,000 items of 800 ms (600 ms CPU): 1.67 items/s per 1 vCPU task, 2 items of 1 GB in
    // flight in its 2 GB.
    let w = fanout(10_000, 720.0, Some(600.0), req(800.0, 600.0, 1024));
    let cfg = EcsConfig {
        concurrency_per_task: 2,
        ..fixed(1.0, 2.0)
    };
    let p = eval(&w, &cfg);
    assert!(p.feasible, "{:?}", p.risks);
    let makespan = p.makespan_s.unwrap();
    // The deadline less its 10% margin.
    assert!(makespan <= 540.0);
    let tasks = p.capacity.peak;
    // One task fewer misses the usable deadline (start-up within the burst of 100: 60 s).
    let per_task = 1000.0 / 600.0;
    let startup = |n: f64| TASK_STARTUP_S + (n - 100.0).max(0.0) / 20.0;
    let fewer = startup(tasks - 1.0) + 10_000.0 / ((tasks - 1.0) * per_task) + 0.8;
    assert!(fewer > 540.0, "{tasks} tasks, {fewer}");
    // Billed: tasks × makespan per run × runs.
    let hours = 720.0 * tasks * makespan / 3600.0;
    assert!((item(&p, "vcpu").quantity - hours).abs() < 1e-6);
    // Two items share the one core: each takes 2 / 1.67 items/s = 1.2 s.
    assert!(
        (p.latency_ms.p99 - 1200.0).abs() < 1e-6,
        "{:?}",
        p.latency_ms
    );
    assert!(p.cost_breakdown.iter().all(|l| l.item != "ingress"));

    // Without a deadline: one task.
    let w = fanout(100, 30.0, None, req(800.0, 600.0, 1024));
    let p = eval(&w, &cfg);
    assert_eq!(p.capacity.peak, 1.0);
    // A deadline max_tasks cannot meet.
    let w = fanout(10_000, 720.0, Some(120.0), req(800.0, 600.0, 1024));
    let p = eval(&w, &cfg);
    assert!(!p.feasible);
    assert!(p.risks[0].contains("max_tasks is 100"), "{:?}", p.risks);
}

#[test]
fn short_runs_bill_the_one_minute_minimum() {
    let w = fanout(10, 100.0, None, req(100.0, 0.0, 256));
    let p = eval(&w, &fixed(0.25, 0.5));
    // 60 s start-up + 10 items / 500 per s + 0.1 s: just over a minute.
    let m = p.makespan_s.unwrap();
    assert!(m > 60.0 && m < 61.0);
    assert!((item(&p, "vcpu").quantity - 100.0 * 0.25 * m / 3600.0).abs() < 1e-9);
}

#[test]
fn zero_traffic_runs_the_minimum() {
    let p = eval(&service(0.0, req(100.0, 0.0, 256)), &fixed(0.5, 1.0));
    assert!(p.feasible);
    assert_eq!(p.capacity.peak, 2.0);
    let expected = 2.0 * 730.0 * (0.5 * 0.04048 + 0.004445);
    assert!((p.monthly_cost_usd - expected).abs() < 1e-6);
    assert_eq!(p.latency_ms.p99, 100.0);
    assert_eq!(p.throttled_share, 0.0);
}

#[test]
fn workflow_runs_its_steps_in_one_request() {
    use crate::profile::{Step, Work, Workflow};
    let mut w = service(10.0, req(100.0, 0.0, 128));
    let Work::Service { traffic } = w.work else {
        unreachable!("service() builds a service")
    };
    let workflow = Workflow {
        transitions: 4,
        duration_ms: None,
        memory_mb: 64,
        steps: vec![
            Step {
                name: "reserve".into(),
                duration_ms: 60.0,
                cpu_ms: 0.0,
                memory_mb: 128,
                wait: false,
                callback_wait_s: None,
            },
            Step {
                name: "charge".into(),
                duration_ms: 300.0,
                cpu_ms: 20.0,
                memory_mb: 256,
                wait: false,
                callback_wait_s: None,
            },
        ],
    };
    w.work = Work::Workflow { traffic, workflow };
    let p = eval(&w, &fixed(0.5, 1.0));
    assert!(p.feasible, "{:?}", p.risks);
    // 340 ms of waiting plus 20 ms of CPU at half a vCPU.
    assert_eq!(p.config["request_wall_ms"], json!(380.0));
}

#[test]
fn bursts_shed_during_the_scale_out_lag() {
    let mut w = service(200.0, req(100.0, 0.0, 256));
    if let Some(t) = w.work.traffic_mut() {
        t.shape = crate::profile::Shape::Bursty;
        t.peak_to_average = 10.0;
    }
    let cfg = EcsConfig {
        concurrency_per_task: 10,
        ..fixed(0.5, 1.0)
    };
    let p = eval(&w, &cfg);
    assert!(p.throttled_share > 0.0);
    assert!(!p.feasible);
    assert!(
        p.risks
            .iter()
            .any(|r| r.starts_with("Scale-out lag of 3 min sheds") && r.contains("worst at")),
        "{:?}",
        p.risks
    );
    // A generous allowance and enough minimum capacity make it go away.
    let roomy = EcsConfig {
        min_tasks: 40,
        ..cfg.clone()
    };
    let p = eval(&w, &roomy);
    assert_eq!(p.throttled_share, 0.0);
    assert!(p.feasible, "{:?}", p.risks);
}

/// `cargo test --release -- --ignored auto_search_speed --nocapture`
#[test]
#[ignore]
fn auto_search_speed() {
    let mut w = with_slo(service(500.0, req(120.0, 30.0, 512)), Some(400.0), None);
    if let Some(t) = w.work.traffic_mut() {
        t.shape = crate::profile::Shape::Diurnal;
        t.peak_to_average = 4.0;
    }
    let d = Demand::new(&w, FreeTier::none());
    let b = book();
    let cfg = EcsConfig {
        max_tasks: 10_000,
        ..EcsConfig::default()
    };
    let n = 200;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(evaluate(&d, &cfg, &b));
    }
    println!("ecs auto: {:?} per evaluation", start.elapsed() / n);
}

#[test]
fn items_in_flight_need_their_memory() {
    // 16 items of 1 GB in flight: a 16 GB task, not the 2 GB one a 1 GB item suggests.
    let w = fanout(10_000, 730.0, Some(600.0), req(800.0, 600.0, 1024));
    let cfg = EcsConfig {
        concurrency_per_task: 16,
        ingress: FleetIngress::None,
        ..EcsConfig::default()
    };
    let p = eval(&w, &cfg);
    assert!(p.feasible, "{:?}", p.risks);
    assert!(
        p.config["memory_gb"].as_f64().unwrap() >= 16.0,
        "{:?}",
        p.config
    );
    assert_eq!(p.config["process_memory_mb"], json!(16 * 1024));
    // Pinned at 2 GB, the task cannot hold its items.
    let p = eval(
        &w,
        &EcsConfig {
            concurrency_per_task: 16,
            ..fixed(1.0, 2.0)
        },
    );
    assert!(!p.feasible);
    assert!(
        p.risks[0].contains("holding 16 items of 1024 MB in flight needs 16384 MB"),
        "{:?}",
        p.risks
    );
    // 16 items of 4 GB: 64 GB, only a 16 vCPU task holds it (8 vCPU stops at 60 GB).
    let w = fanout(1_000, 30.0, None, req(800.0, 600.0, 4096));
    let p = eval(&w, &cfg);
    assert!(p.feasible, "{:?}", p.risks);
    assert_eq!(p.config["vcpu"], json!(16.0));
    assert_eq!(p.config["memory_gb"], json!(64.0));
}

#[test]
fn tasks_start_at_the_launch_quota() {
    // Burst of 100 at once, then 20 a second: the 300th task starts 10 s after the first.
    let b = book();
    let cfg = EcsConfig::default();
    let f = Fargate::new(&cfg, &b).unwrap().for_jobs(&b).unwrap();
    assert_eq!(f.launch.last_start_s(1), TASK_STARTUP_S);
    assert_eq!(f.launch.last_start_s(100), TASK_STARTUP_S);
    assert!((f.launch.last_start_s(300) - (TASK_STARTUP_S + 10.0)).abs() < 1e-9);
}

#[test]
fn fargate_vcpu_quota_default_is_a_request_away_stated_is_a_wall() {
    // 10 tasks of 1 vCPU at peak (fixed 10 by min_tasks): 10 vCPUs against the default 6.
    let w = service(10.0, req(100.0, 0.0, 256));
    let cfg = EcsConfig {
        min_tasks: 10,
        ..fixed(1.0, 2.0)
    };
    let o = eval(&w, &cfg);
    assert!(o.feasible, "{:?}", o.risks);
    assert!(
        o.quota_requests.iter().any(|q| q.contains("10 vCPUs")
            && q.contains("Fargate On-Demand vCPU resource count")
            && q.contains("default of 6")),
        "{:?}",
        o.quota_requests
    );
    // The account's own quota, stated: 8 vCPUs cannot hold 10.
    let stated = crate::model::testkit::book_with_quotas(&[(keys::Q_FARGATE_ON_DEMAND_VCPUS, 8.0)]);
    let o = evaluate(&Demand::new(&w, FreeTier::none()), &cfg, &stated);
    assert!(!o.feasible, "{:?}", o.risks);
    assert!(o.quota_requests.is_empty());
    assert!(
        o.risks.iter().any(|r| r.contains("quota of 8")),
        "{:?}",
        o.risks
    );
    // Stated high enough: nothing to say.
    let stated =
        crate::model::testkit::book_with_quotas(&[(keys::Q_FARGATE_ON_DEMAND_VCPUS, 4000.0)]);
    let o = evaluate(&Demand::new(&w, FreeTier::none()), &cfg, &stated);
    assert!(o.feasible);
    assert!(!o.risks.iter().any(|r| r.contains("vCPU resource count")));
}

#[test]
fn one_task_at_quiet_times_is_one_availability_zone() {
    let w = service(1.0, req(100.0, 0.0, 256));
    let one = EcsConfig {
        min_tasks: 1,
        ..fixed(0.25, 0.5)
    };
    let o = eval(&w, &one);
    assert!(
        o.risks
            .iter()
            .any(|r| r.starts_with("One Availability Zone") && r.contains("min_tasks is 1")),
        "{:?}",
        o.risks
    );
    let two = EcsConfig {
        min_tasks: 2,
        ..one
    };
    let o = eval(&w, &two);
    assert!(
        !o.risks.iter().any(|r| r.contains("Availability Zone")),
        "{:?}",
        o.risks
    );
}

#[test]
fn an_infeasible_auto_size_says_it_shows_the_closest() {
    // 500 ms handlers against a 100 ms p99: no task size meets it.
    let w = with_slo(service(10.0, req(500.0, 0.0, 256)), Some(100.0), None);
    let o = eval(&w, &EcsConfig::default());
    assert!(!o.feasible);
    assert!(o.risks[0].starts_with("p99 latency"), "{:?}", o.risks);
    assert!(
        o.risks.iter().any(|r| r
            .starts_with("No task size meets every limit: shown with the one that comes closest")),
        "{:?}",
        o.risks
    );
    // A fixed size is what the profile asked for: nothing to explain.
    let o = eval(&w, &fixed(0.5, 1.0));
    assert!(
        !o.risks.iter().any(|r| r.starts_with("No task size")),
        "{:?}",
        o.risks
    );
}

#[test]
fn a_callback_wait_cannot_be_held_behind_an_alb() {
    use crate::profile::{FleetIngress, Step, Work, Workflow};
    // 1,000 approvals a month, each waiting up to 4 hours for a person: a process would
    // hold the request that long; an ALB closes it after at most 4,000 s.
    let mut w = service(
        1_000.0 / crate::model::traffic::MONTH_S,
        req(100.0, 0.0, 128),
    );
    let Work::Service { traffic } = w.work else {
        unreachable!("service() builds a service")
    };
    let workflow = Workflow {
        transitions: 3,
        duration_ms: None,
        memory_mb: 64,
        steps: vec![Step {
            name: "approve".into(),
            duration_ms: 100.0,
            cpu_ms: 0.0,
            memory_mb: 128,
            wait: false,
            callback_wait_s: Some(4.0 * 3600.0),
        }],
    };
    w.work = Work::Workflow { traffic, workflow };
    let behind_alb = EcsConfig {
        ingress: FleetIngress::Alb,
        ..fixed(0.5, 1.0)
    };
    let p = eval(&w, &behind_alb);
    assert!(!p.feasible);
    assert!(
        p.risks
            .iter()
            .any(|r| r.contains("idle timeout")
                && r.contains("step `approve` waits 4 h for a callback")),
        "{:?}",
        p.risks
    );
    // Without a load balancer it can be held, at the risk of a deploy or scale-in.
    let p = eval(&w, &fixed(0.5, 1.0));
    assert!(p.feasible, "{:?}", p.risks);
    assert!(
        p.risks.iter().any(|r| r.contains("deploy or scale-in")),
        "{:?}",
        p.risks
    );
    // Lambda: one invocation cannot hold it.
    let d = Demand::new(&w, FreeTier::none());
    let l = crate::model::lambda::evaluate(&d, &crate::profile::LambdaConfig::default(), &book());
    assert!(!l.feasible);
    assert!(
        l.risks[0].contains("step `approve` waits 4 h for a callback")
            && l.risks[0].contains("15-minute timeout"),
        "{:?}",
        l.risks
    );
}

/// Issue #11's example: 2,000 req/s of 30 ms handlers with 10 ms of CPU on 0.25-vCPU tasks
/// at 60% target. The CPU part alone takes 40 ms there and the CPU is 60% busy: requests
/// queue for it, so the p99 is far above the p50 and an 80 ms SLO is missed. (The old model
/// showed p99 = p50 = 60 ms.)
#[test]
fn cpu_queueing_shows_in_the_p99() {
    let w = with_slo(service(2000.0, req(30.0, 10.0, 512)), Some(80.0), None);
    let quarter = EcsConfig {
        max_tasks: 10_000,
        ..fixed(0.25, 0.5)
    };
    let p = eval(&w, &quarter);
    assert_eq!(p.config["request_wall_ms"], json!(60.0));
    assert!(p.latency_ms.p99 > 300.0, "{:?}", p.latency_ms);
    assert!(
        p.latency_ms.p99 > 3.0 * p.latency_ms.p50,
        "{:?}",
        p.latency_ms
    );
    assert!(!p.feasible);
    assert!(
        p.risks.iter().any(|r| r.contains("misses the 80 ms SLO")),
        "{:?}",
        p.risks
    );
    assert!(
        p.risks
            .iter()
            .any(|r| r.contains("a task's CPU is 60% busy: requests wait for it")),
        "{:?}",
        p.risks
    );
    // 134 tasks of 25 req/s each carry 2,000 req/s: 59.7% busy.
    assert_eq!(p.config["peak_cpu_utilization"], json!(0.597));
}

/// `auto` sizes for the CPU queue: a Go process uses every vCPU of a 2-vCPU task and meets
/// the SLO at 60%; a Node.js process gets one core whatever the task, so it needs the task
/// count of a lower target (more tasks) on 1 vCPU.
#[test]
fn auto_sizes_for_the_cpu_queue() {
    let mut w = with_slo(service(2000.0, req(30.0, 10.0, 512)), Some(80.0), None);
    let auto = EcsConfig {
        max_tasks: 10_000,
        ingress: FleetIngress::None,
        ..EcsConfig::default()
    };
    // Node.js at 60%: even one full core is 60% busy, p99 about 114 ms: no size meets 80 ms.
    let node = eval(&w, &auto);
    assert!(!node.feasible, "{:?}", node.config);
    // More of them: at 40% target a 1-vCPU task meets it; a smaller one does not.
    let lower = EcsConfig {
        target_utilization: 0.4,
        ..auto.clone()
    };
    let node = eval(&w, &lower);
    assert!(node.feasible, "{:?} {:?}", node.risks, node.latency_ms);
    assert_eq!(node.config["vcpu"], json!(1.0));
    assert!(node.latency_ms.p99 <= 80.0);
    // Go: larger tasks, every core busy with requests.
    w.request.runtime = Runtime::Go;
    let go = eval(&w, &auto);
    assert!(go.feasible, "{:?} {:?}", go.risks, go.latency_ms);
    let vcpu = go.config["vcpu"].as_f64().unwrap_or_default();
    assert!(vcpu >= 2.0, "{:?}", go.config);
    assert_eq!(go.config["usable_vcpus"], json!(vcpu));
    assert!(go.latency_ms.p99 <= 80.0);
}

/// A 4-vCPU task: a Go (all cores) process serves four times what a Node.js (one core) one
/// does, and Node.js leaves three vCPUs idle.
#[test]
fn all_cores_runtime_uses_every_vcpu() {
    let node = service(1000.0, req(30.0, 10.0, 512));
    let mut go = node.clone();
    go.request.runtime = Runtime::Go;
    let cfg = fixed(4.0, 8.0);
    let (n, g) = (eval(&node, &cfg), eval(&go, &cfg));
    assert_eq!(n.config["task_rps"], json!(100.0));
    assert_eq!(g.config["task_rps"], json!(400.0));
    assert!(
        g.capacity.peak < n.capacity.peak / 3.0,
        "{} vs {}",
        g.capacity.peak,
        n.capacity.peak
    );
    assert!(g.monthly_cost_usd < n.monthly_cost_usd / 3.0);
    assert!(
        n.risks
            .iter()
            .any(|r| r.contains("the other 3 vCPU are paid for but idle"))
    );
    assert!(!g.risks.iter().any(|r| r.contains("idle")), "{:?}", g.risks);
}

/// Items whose CPU part uses 4 threads run 4 times faster on a 4-vCPU task, even in a
/// one-core runtime (the threads are the request's own); a 1-vCPU task says what it costs.
#[test]
fn a_request_uses_its_threads_on_a_larger_task() {
    let mut r = req(800.0, 600.0, 1024);
    r.threads = 4;
    let w = fanout(10_000, 720.0, Some(600.0), r);
    let four = eval(&w, &fixed(4.0, 8.0));
    assert_eq!(four.config["item_wall_ms"], json!(350.0));
    assert!(
        !four.risks.iter().any(|r| r.contains("could use 4 vCPUs")),
        "{:?}",
        four.risks
    );
    let one = eval(&w, &fixed(1.0, 2.0));
    assert_eq!(one.config["item_wall_ms"], json!(800.0));
    assert!(
        one.risks.iter().any(|r| r.contains(
            "could use 4 vCPUs but a task gives it 1: it takes 600 ms of CPU time instead of 150"
        )),
        "{:?}",
        one.risks
    );
}

/// An I/O-bound service (5 ms of CPU in 60 ms) is not called CPU-bound: the report says what
/// caps a task, and says the CPU queues only when it is busy. (The old sentence claimed "only
/// N of its M concurrent requests do useful work".)
#[test]
fn cpu_findings_are_true_for_an_io_bound_service() {
    let quiet = eval(&service(50.0, req(60.0, 5.0, 256)), &fixed(1.0, 2.0));
    assert!(
        !quiet
            .risks
            .iter()
            .any(|r| r.contains("CPU-bound") || r.contains("useful work")),
        "{:?}",
        quiet.risks
    );
    assert!(
        quiet.risks.iter().any(|r| r
            == "The CPU, not the concurrency, caps a task at 200 req/s (1 vCPU, 5 ms of CPU a request), whatever its 50 requests in flight."),
        "{:?}",
        quiet.risks
    );
    assert!(
        !quiet.risks.iter().any(|r| r.contains("busy")),
        "{:?}",
        quiet.risks
    );
    assert_eq!(quiet.config["peak_cpu_utilization"], json!(0.125));
    // Busier: 240 req/s on 2 tasks of 200 req/s at most is 60% CPU.
    let busy = eval(&service(240.0, req(60.0, 5.0, 256)), &fixed(1.0, 2.0));
    assert!(
        busy.risks
            .iter()
            .any(|r| r.contains("a task's CPU is 60% busy")),
        "{:?}",
        busy.risks
    );
    assert!(busy.latency_ms.p99 > busy.latency_ms.p50);
}

#[test]
fn gathered_items_share_the_cpu_and_take_longer() {
    // Two CPU-bound items (600 ms of CPU, 800 ms wall) gathered at once on one core: the
    // process finishes 1.67 items/s, so each item takes 2 / 1.67 = 1.2 s, not its 0.8 s.
    let w = fanout(10_000, 30.0, None, req(800.0, 600.0, 1024));
    let cfg = EcsConfig {
        concurrency_per_task: 2,
        ..fixed(1.0, 4.0)
    };
    let p = eval(&w, &cfg);
    assert!(
        (p.latency_ms.p50 - 1200.0).abs() < 1e-6,
        "{:?}",
        p.latency_ms
    );
    // One item in flight has the core to itself.
    let one = eval(
        &w,
        &EcsConfig {
            concurrency_per_task: 1,
            ..fixed(1.0, 4.0)
        },
    );
    assert!(
        (one.latency_ms.p50 - 800.0).abs() < 1e-6,
        "{:?}",
        one.latency_ms
    );
}
