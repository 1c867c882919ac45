//! Token format and checksum (`grantd_core::secret::Token::parse`).
//!
//! Arbitrary text is parsed as is; the same bytes are also turned into a candidate with a valid
//! prefix and, on odd first bytes, the right checksum, so the accepting path is exercised too.
#![no_main]

use grantd_core::secret::{Token, TokenDigest, TokenError, TokenKind};
use grantd_core::service::Services;
use libfuzzer_sys::fuzz_target;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Reference checksum, written independently of the library's: CRC-32 of the 30 random
/// characters in base62, most significant digit first, left-padded with `0` to six digits.
fn checksum(random: &str) -> String {
    let mut n = u64::from(crc32fast::hash(random.as_bytes()));
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < 6 {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

fn check(raw: &str) {
    let parsed = Token::parse(raw);
    assert_eq!(Services::looks_like_token(raw), Token::parse(raw.trim()).is_ok());
    match parsed {
        Ok(token) => {
            assert_eq!(token.expose(), raw, "parse does not round-trip its text");
            assert_eq!(raw.len(), 40);
            let last = token.last_eight();
            assert_eq!(last.len(), 8);
            assert_eq!(last.chars().count(), 8);
            assert!(raw.ends_with(&last));
            let kind = token.kind();
            assert!(raw.starts_with(kind.prefix()));
            assert!(matches!(
                (kind, &raw[..4]),
                (TokenKind::Personal, "ghp_") | (TokenKind::OAuth, "gho_")
            ));
            assert!(raw[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
            assert_eq!(checksum(&raw[4..34]), &raw[34..]);
            assert!(token.digest() == TokenDigest::of(raw));
            assert_eq!(token.digest().to_hex().len(), 64);
            assert!(!format!("{token:?}").contains(raw));
        }
        Err(TokenError::BadChecksum) => {
            // Only a well-formed token can have a bad checksum.
            assert_eq!(raw.len(), 40);
            assert!(raw.starts_with("ghp_") || raw.starts_with("gho_"));
            assert!(raw[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
            assert_ne!(checksum(&raw[4..34]), &raw[34..]);
        }
        Err(TokenError::Malformed) => {
            let well_formed = raw.len() == 40
                && (raw.starts_with("ghp_") || raw.starts_with("gho_"))
                && raw.as_bytes()[4..].iter().all(u8::is_ascii_alphanumeric);
            assert!(!well_formed, "{raw:?} refused as malformed");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = std::str::from_utf8(data) {
        check(raw);
    }
    // A candidate of the right shape built from the bytes.
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let prefix = if mode & 2 == 0 { "ghp_" } else { "gho_" };
    let random: String = (0..30)
        .map(|i| char::from(BASE62[usize::from(rest.get(i).copied().unwrap_or(0)) % 62]))
        .collect();
    let sum = if mode & 1 == 1 {
        checksum(&random)
    } else {
        (30..36)
            .map(|i| char::from(BASE62[usize::from(rest.get(i).copied().unwrap_or(0)) % 62]))
            .collect()
    };
    let candidate = format!("{prefix}{random}{sum}");
    check(&candidate);
    if mode & 1 == 1 {
        assert!(
            Token::parse(&candidate).is_ok(),
            "a token with the right checksum is refused"
        );
    }
});
