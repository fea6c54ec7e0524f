//! "Did you mean ...?" for unknown keys and values.

/// The candidate closest to `word`, if one is close enough to be a plausible typo.
/// Case, `-` versus `_` and spaces are ignored; ties go to the earliest candidate.
pub fn closest<'a, S: AsRef<str>>(word: &str, candidates: &'a [S]) -> Option<&'a str> {
    let w = normalize(word);
    if w.is_empty() {
        return None;
    }
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let c = c.as_ref();
        let n = normalize(c);
        let dist = if n == w {
            0
        } else if w.chars().count() >= 3 && (n.starts_with(&w) || w.starts_with(&n)) {
            // `memory` for `memory_mb`, `memory_mbs` for `memory_mb`.
            1
        } else {
            strsim::damerau_levenshtein(&w, &n)
        };
        let limit = (w.chars().count().max(n.chars().count()) / 3).max(1);
        if dist <= limit && best.is_none_or(|(d, _)| dist < d) {
            best = Some((dist, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The `n` candidates nearest to `word` by edit distance (case, `-` and `_` ignored), nearest
/// first, ties in the candidates' order: what to offer when none is close enough for
/// [`closest`].
pub fn nearest<'a, S: AsRef<str>>(word: &str, candidates: &'a [S], n: usize) -> Vec<&'a str> {
    let w = normalize(word);
    let mut scored: Vec<(usize, usize, &str)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let c = c.as_ref();
            (strsim::damerau_levenshtein(&w, &normalize(c)), i, c)
        })
        .collect();
    scored.sort();
    scored.into_iter().take(n).map(|(_, _, c)| c).collect()
}

fn normalize(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The backquoted names in a serde message like
/// "unknown field `x`, expected one of `a`, `b`": `["x", "a", "b"]`.
pub fn backquoted(msg: &str) -> Vec<String> {
    msg.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: [&str; 7] = [
        "name", "kind", "traffic", "request", "slo", "job", "workflow",
    ];

    #[test]
    fn finds_typos() {
        assert_eq!(closest("requst", &KEYS), Some("request"));
        assert_eq!(closest("Kind", &KEYS), Some("kind"));
        assert_eq!(closest("trafic", &KEYS), Some("traffic"));
        assert_eq!(closest("work-flow", &KEYS), Some("workflow"));
        assert_eq!(
            closest("memory", &["duration_ms", "memory_mb"]),
            Some("memory_mb")
        );
        assert_eq!(
            closest("peak_to_avg", &["peak_to_average", "shape"]),
            Some("peak_to_average")
        );
        assert_eq!(closest("x86", &["x86_64", "arm64"]), Some("x86_64"));
        assert_eq!(
            closest("servce", &["service", "fanout", "workflow"]),
            Some("service")
        );
    }

    #[test]
    fn rejects_far_words() {
        assert_eq!(closest("banana", &KEYS), None);
        assert_eq!(closest("", &KEYS), None);
        assert_eq!(closest("zz", &KEYS), None);
    }

    #[test]
    fn nearest_candidates_first() {
        let types = ["c5.large", "m5.large", "m5.xlarge", "t3.micro"];
        assert_eq!(nearest("m9.large", &types, 2), vec!["m5.large", "c5.large"]);
        assert_eq!(nearest("x", &types, 0), Vec::<&str>::new());
    }

    #[test]
    fn extracts_backquoted() {
        assert_eq!(
            backquoted("unknown field `x`, expected one of `a`, `b`"),
            vec!["x", "a", "b"]
        );
        assert_eq!(backquoted("expected `a` or `b`"), vec!["a", "b"]);
    }
}
