//! The Fargate task sizes AWS sells (Linux; PRICES.md §3). The one place this table lives:
//! validation and the model's `auto` task-size search both use it.

/// Tolerance when comparing sizes written in YAML (`0.25`, `0.5`) with the table.
const EPS: f64 = 1e-9;

/// vCPU sizes, smallest first, with how their memory options run: (vcpu, min GB, max GB, step GB).
/// 0.25 vCPU is special-cased (0.5, 1, 2 GB). 32 vCPU tasks are left out: only the pricing page
/// lists them (PRICES.md: "treat as new and verify").
const RANGES: [(f64, f64, f64, f64); 6] = [
    (0.5, 1.0, 4.0, 1.0),
    (1.0, 2.0, 8.0, 1.0),
    (2.0, 4.0, 16.0, 1.0),
    (4.0, 8.0, 30.0, 1.0),
    (8.0, 16.0, 60.0, 4.0),
    (16.0, 32.0, 120.0, 8.0),
];

/// Every valid Fargate task size: `(vcpu, memory options in GB)`, smallest vCPU first, memory
/// ascending.
pub fn fargate_sizes() -> Vec<(f64, Vec<f64>)> {
    let mut out = vec![(0.25, vec![0.5, 1.0, 2.0])];
    for (vcpu, lo, hi, step) in RANGES {
        let n = ((hi - lo) / step).round() as usize;
        out.push((vcpu, (0..=n).map(|i| lo + step * i as f64).collect()));
    }
    out
}

/// The vCPU sizes Fargate sells.
pub fn fargate_vcpu_sizes() -> Vec<f64> {
    fargate_sizes().into_iter().map(|(v, _)| v).collect()
}

/// Memory options (GB) for a vCPU size, or None when Fargate has no such vCPU size.
pub fn fargate_memory_options(vcpu: f64) -> Option<Vec<f64>> {
    fargate_sizes()
        .into_iter()
        .find(|(v, _)| (v - vcpu).abs() < EPS)
        .map(|(_, m)| m)
}

/// Whether `vcpu` with `memory_gb` is a task size Fargate sells.
pub fn is_valid_fargate_size(vcpu: f64, memory_gb: f64) -> bool {
    fargate_memory_options(vcpu).is_some_and(|m| m.iter().any(|g| (g - memory_gb).abs() < EPS))
}

/// Human description of the memory options for a vCPU size, like `1–4 GB in 1 GB steps`.
pub fn describe_memory_options(vcpu: f64) -> Option<String> {
    if (vcpu - 0.25).abs() < EPS {
        return Some("0.5, 1 or 2 GB".to_string());
    }
    RANGES
        .iter()
        .find(|(v, ..)| (v - vcpu).abs() < EPS)
        .map(|(_, lo, hi, step)| format!("{lo}–{hi} GB in {step} GB steps"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_aws() {
        assert!(is_valid_fargate_size(0.25, 0.5));
        assert!(is_valid_fargate_size(0.25, 2.0));
        assert!(!is_valid_fargate_size(0.25, 3.0));
        assert!(is_valid_fargate_size(0.5, 4.0));
        assert!(!is_valid_fargate_size(0.5, 0.5));
        assert!(is_valid_fargate_size(4.0, 30.0));
        assert!(is_valid_fargate_size(8.0, 20.0));
        assert!(!is_valid_fargate_size(8.0, 18.0));
        assert!(is_valid_fargate_size(16.0, 120.0));
        assert!(!is_valid_fargate_size(16.0, 36.0));
        assert!(!is_valid_fargate_size(3.0, 8.0));
        assert_eq!(
            fargate_vcpu_sizes(),
            vec![0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
        );
        assert_eq!(fargate_memory_options(8.0).map(|m| m.len()), Some(12));
        assert_eq!(
            describe_memory_options(16.0).as_deref(),
            Some("32–120 GB in 8 GB steps")
        );
    }
}
