//! `parse` never panics, whatever the text.

#![allow(clippy::unwrap_used, clippy::panic)]

use planner::profile::{parse, parse_trace};
use proptest::prelude::*;
use std::path::Path;

const VALID: &str = include_str!("fixtures/profiles/valid/spec-example.yaml");

fn check(text: &str) {
    if let Err(errors) = parse(text, Path::new("fuzz/p.yaml")) {
        assert!(!errors.is_empty());
        for e in &errors {
            let shown = e.to_string();
            assert!(shown.starts_with("fuzz/p.yaml"), "{shown}");
            assert_eq!(e.exit_code(), 2);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(text in "\\PC*") {
        check(&text);
    }

    #[test]
    fn yaml_like_text(text in "[a-z_:{}\\[\\],\\- \n0-9.'\"&*!|>#?]{0,200}") {
        check(&text);
    }

    #[test]
    fn mangled_valid_profile(at in 0usize..2000, len in 0usize..40, insert in "[a-z_:{}\\[\\],\\- \n0-9.'\"&*!]{0,12}") {
        let start = VALID.char_indices().map(|(i, _)| i).nth(at % VALID.chars().count()).unwrap_or(0);
        let end = VALID[start..].char_indices().map(|(i, _)| start + i).nth(len).unwrap_or(VALID.len());
        let text = format!("{}{}{}", &VALID[..start], insert, &VALID[end..]);
        check(&text);
    }

    #[test]
    fn arbitrary_trace(text in "[0-9TZ:+\\-., \na-z]{0,200}") {
        let _ = parse_trace(&text);
    }
}
