//! Scope lists: `ScopeRegistry::normalise` (requested scopes), `Scopes::from_storage` (stored
//! text) and `Scopes::union` (a grant's scopes).
//!
//! Invariants: a normalised list has no duplicates, no scope implied by another of the list, only
//! names that were requested, still grants every name requested, and normalises to itself; the
//! union is sorted, reduced, and grants everything its parts grant.
#![no_main]

use arbitrary::Arbitrary;
use grantd_core::model::{ScopeError, ScopeRegistry, Scopes, KNOWN_SCOPES};
use libfuzzer_sys::fuzz_target;

/// Configured extras, accepted besides the library's list.
const EXTRA: &[&str] = &["copilot", "write:custom", "read:custom", ""];
/// A known name: the library's list followed by the non-empty configured extras, so the fuzzer
/// mostly sends names that get past validation.
fn known(i: u8) -> &'static str {
    let extras = &EXTRA[..EXTRA.len() - 1];
    let i = usize::from(i) % (KNOWN_SCOPES.len() + extras.len());
    KNOWN_SCOPES.get(i).copied().unwrap_or_else(|| extras[i - KNOWN_SCOPES.len()])
}

const BLANKS: &[&str] = &["", " ", "\t", "\n", "\u{a0}", "\u{2003}"];

#[derive(Arbitrary, Debug)]
enum Name {
    Known(u8),
    Padded(u8, u8, u8),
    Raw(String),
}

impl Name {
    fn text(&self) -> String {
        match self {
            Self::Known(i) => known(*i).to_owned(),
            Self::Padded(i, l, r) => format!(
                "{}{}{}",
                BLANKS[usize::from(*l) % BLANKS.len()],
                known(*i),
                BLANKS[usize::from(*r) % BLANKS.len()]
            ),
            Self::Raw(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    requested: Vec<Name>,
    more: Vec<Vec<Name>>,
    stored: Vec<String>,
    probe: String,
}

/// Checks a normalised list against what was requested.
fn check_normalised(registry: &ScopeRegistry, requested: &[String], scopes: &Scopes) {
    let names = scopes.as_slice();
    let wanted: Vec<&str> = requested.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    for (i, name) in names.iter().enumerate() {
        assert!(!name.is_empty() && name.trim() == name, "{name:?} kept untrimmed");
        assert!(!names[..i].contains(name), "duplicate {name:?} in {names:?}");
        assert!(wanted.contains(&name.as_str()), "{name:?} was not requested");
        let others: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, n)| n.as_str())
            .collect();
        let others = Scopes::from_storage(&others.join(","));
        assert!(!others.grants(name), "{name:?} is implied by another of {names:?}");
    }
    for name in &wanted {
        assert!(scopes.grants(name), "{name:?} lost: {requested:?} -> {names:?}");
    }
    // Order kept: the names appear in the order they were first requested.
    let firsts: Vec<usize> = names
        .iter()
        .map(|n| wanted.iter().position(|w| w == n).expect("requested"))
        .collect();
    assert!(
        firsts.windows(2).all(|w| w[0] < w[1]),
        "order lost: {requested:?} -> {names:?}"
    );
    // Idempotent, and the storage form reads back the same.
    assert_eq!(&registry.normalise(names).expect("a normalised list is valid"), scopes);
    assert_eq!(&Scopes::from_storage(&scopes.to_storage()), scopes);
    let _ = scopes.header_value();
}

fn check_union(parts: &[Scopes]) {
    let union = Scopes::union(parts.iter());
    let names = union.as_slice();
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "union not sorted or has duplicates: {names:?}"
    );
    for (i, name) in names.iter().enumerate() {
        assert!(
            parts.iter().any(|p| p.as_slice().contains(name)),
            "{name:?} came from nowhere"
        );
        let others: Vec<&str> = names
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, n)| n.as_str())
            .collect();
        assert!(
            !Scopes::from_storage(&others.join(",")).grants(name),
            "{name:?} implied in {names:?}"
        );
    }
    for part in parts {
        for name in part.as_slice() {
            assert!(union.grants(name), "union {names:?} lost {name:?}");
        }
    }
    // Union with itself, or of itself alone, changes nothing.
    assert_eq!(Scopes::union([&union, &union]), union);
}

fuzz_target!(|input: Input| {
    let registry = ScopeRegistry::new(EXTRA.iter().copied());
    let mut parts = Vec::new();
    for list in std::iter::once(&input.requested).chain(&input.more) {
        let requested: Vec<String> = list.iter().map(Name::text).collect();
        match registry.normalise(&requested) {
            Ok(scopes) => {
                check_normalised(&registry, &requested, &scopes);
                parts.push(scopes);
            }
            Err(ScopeError::Unknown(name)) => {
                assert!(!name.is_empty() && name.trim() == name);
                assert!(requested.iter().any(|r| r.trim() == name), "{name:?} was not requested");
                assert!(registry.normalise(&[name.as_str()]).is_err(), "{name:?} is known");
            }
        }
    }
    for stored in &input.stored {
        let scopes = Scopes::from_storage(stored);
        assert!(scopes.as_slice().iter().all(|s| !s.is_empty() && !s.contains(',')));
        assert_eq!(
            scopes.to_storage(),
            stored
                .split(',')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(Scopes::from_storage(&scopes.to_storage()), scopes);
        let _ = scopes.grants(&input.probe);
        let _ = scopes.header_value();
        parts.push(scopes);
    }
    check_union(&parts);
    let _ = Scopes::from_storage(&input.probe).grants(&input.probe);
});
