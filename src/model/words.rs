//! Words and numbers for risk sentences and config values, shared by the platform models.

/// "0.42%"-style share for risk sentences.
pub fn pct(share: f64) -> String {
    let p = share * 100.0;
    if p >= 10.0 {
        format!("{p:.0}%")
    } else if p >= 0.1 {
        format!("{p:.1}%")
    } else if p >= 0.001 {
        format!("{p:.3}%")
    } else if p > 0.0 {
        // A reader of a review wants "how much", not scientific notation (was `4.4e-7%`).
        "under 0.001%".to_string()
    } else {
        "0%".to_string()
    }
}

/// "14:05" for seconds into the period ("day 2 14:05" when the period is longer than a day).
pub fn clock(seconds: f64, period_s: f64) -> String {
    let m = (seconds / 60.0).round().max(0.0) as u64;
    let hm = format!("{:02}:{:02}", (m % 1440) / 60, m % 60);
    if period_s > 86_400.0 {
        format!("day {} {hm}", m / 1440 + 1)
    } else {
        hm
    }
}

/// A duration in the unit a person would say it in: "45 s", "20 min", "4 h", "3 days".
pub fn duration(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{} s", fmt_num(seconds))
    } else if seconds < 7_200.0 {
        format!("{} min", fmt_num((seconds / 60.0 * 10.0).round() / 10.0))
    } else if seconds < 172_800.0 {
        format!("{} h", fmt_num((seconds / 3600.0 * 10.0).round() / 10.0))
    } else {
        format!(
            "{} days",
            fmt_num((seconds / 86_400.0 * 10.0).round() / 10.0)
        )
    }
}

/// A number without needless decimals: 3, 2.5, 0.25.
pub fn fmt_num(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

/// `x` rounded to `places` decimals, for config values.
pub fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}
