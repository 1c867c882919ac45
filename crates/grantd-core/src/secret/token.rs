//! Tokens in GitHub's format (BEHAVIOR 55-57): a prefix (`ghp_` personal, `gho_` OAuth app), 30
//! random base62 characters and a 6-character base62 CRC-32 checksum of those 30 characters.
//! Only the SHA-256 digest of a token is ever stored (BEHAVIOR 34).

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const RANDOM_LEN: usize = 30;
const CHECKSUM_LEN: usize = 6;

/// What a token is for, shown by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `ghp_`: a personal access token (an authorization without an app).
    Personal,
    /// `gho_`: a token issued to an OAuth app.
    OAuth,
}

impl TokenKind {
    /// The token prefix, underscore included.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Personal => "ghp_",
            Self::OAuth => "gho_",
        }
    }
}

/// Why a string is not a token grantd could have issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Wrong length, prefix or alphabet.
    #[error("malformed token")]
    Malformed,
    /// Well-formed, but the checksum does not match.
    #[error("token checksum mismatch")]
    BadChecksum,
}

/// A full token. Never printed: `Debug` is redacted, and the value is only exposed on purpose.
#[derive(Clone)]
pub struct Token(SecretString);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl Token {
    /// A new random token of `kind`.
    pub fn generate(kind: TokenKind) -> Self {
        let mut rng = rand::rngs::OsRng;
        let random: String = (0..RANDOM_LEN)
            .map(|_| char::from(BASE62[rng.gen_range(0..BASE62.len())]))
            .collect();
        let checksum = checksum(&random);
        Self(SecretString::from(format!("{}{random}{checksum}", kind.prefix())))
    }

    /// Checks the shape and checksum of `raw` without any I/O, so a malformed or mistyped token
    /// is refused before the database is asked (the hot path of every token check; BEHAVIOR 56).
    pub fn parse(raw: &str) -> Result<Self, TokenError> {
        let kind_ok = raw.len() == 4 + RANDOM_LEN + CHECKSUM_LEN
            && (raw.starts_with(TokenKind::Personal.prefix()) || raw.starts_with(TokenKind::OAuth.prefix()));
        if !kind_ok || !raw.as_bytes()[4..].iter().all(u8::is_ascii_alphanumeric) {
            return Err(TokenError::Malformed);
        }
        let (random, sum) = raw[4..].split_at(RANDOM_LEN);
        if !bool::from(checksum(random).as_bytes().ct_eq(sum.as_bytes())) {
            return Err(TokenError::BadChecksum);
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    /// The token text, for the one response that shows it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The SHA-256 digest stored in place of the token.
    pub fn digest(&self) -> TokenDigest {
        TokenDigest::of(self.expose())
    }

    /// The last eight characters (`token_last_eight`, BEHAVIOR 33).
    pub fn last_eight(&self) -> String {
        let t = self.expose();
        t[t.len().saturating_sub(8)..].to_owned()
    }

    /// Which kind of token this is.
    pub fn kind(&self) -> TokenKind {
        if self.expose().starts_with(TokenKind::Personal.prefix()) {
            TokenKind::Personal
        } else {
            TokenKind::OAuth
        }
    }
}

/// The base62 CRC-32 checksum of the 30 random characters, left-padded with `0` to six
/// characters (BEHAVIOR 56).
pub fn checksum(random: &str) -> String {
    let mut n = crc32fast::hash(random.as_bytes());
    let mut digits = [b'0'; CHECKSUM_LEN];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    // 62^6 > 2^32, so six digits always hold the value.
    String::from_utf8_lossy(&digits).into_owned()
}

/// SHA-256 of a token: GitHub's `hashed_token` (BEHAVIOR 34) and grantd's lookup key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest(pub [u8; 32]);

impl TokenDigest {
    /// The digest of `token`.
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// Lower-case hexadecimal, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenDigest({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_the_published_test_vector() {
        // BEHAVIOR 56, S15 vector.
        assert_eq!(checksum("M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq"), "11T4V4");
        assert!(Token::parse("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").is_ok());
    }

    #[test]
    fn checksum_is_left_padded_with_zero() {
        // BEHAVIOR 56 padding example.
        assert_eq!(checksum("abcdefgh12345678903ZZZZZZZZZZZ"), "0p5S0Y");
    }

    #[test]
    fn githubs_own_example_token_fails_the_checksum() {
        // BEHAVIOR 56: the example tokens of GitHub's description do not pass.
        assert_eq!(checksum("16C7e42F292c6912E7710c838347Ae"), "4H2Y7G");
        let err = Token::parse("ghu_16C7e42F292c6912E7710c838347Ae178B4a").expect_err("ghu_ is not issued");
        assert_eq!(err, TokenError::Malformed);
        let err = Token::parse("gho_16C7e42F292c6912E7710c838347Ae178B4a").expect_err("bad checksum");
        assert_eq!(err, TokenError::BadChecksum);
    }

    #[test]
    fn generated_tokens_parse_and_have_the_right_shape() {
        for kind in [TokenKind::Personal, TokenKind::OAuth] {
            let t = Token::generate(kind);
            assert_eq!(t.expose().len(), 40);
            assert!(t.expose().starts_with(kind.prefix()));
            assert_eq!(Token::parse(t.expose()).expect("round trip").kind(), kind);
            assert_eq!(t.last_eight(), &t.expose()[32..]);
        }
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for raw in [
            "",
            "ghp_",
            "ghp_short",
            "x".repeat(40).as_str(),
            "ghp_M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V!",
            "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x",
        ] {
            assert_eq!(Token::parse(raw).err(), Some(TokenError::Malformed), "{raw:?}");
        }
        assert_eq!(
            Token::parse("ghp_M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuq11T4V5").err(),
            Some(TokenError::BadChecksum)
        );
        assert_eq!(
            Token::parse("ghp_M7H4jxUDDWHP4kZ6A4dxlQYsQIWJuqé1T4V").err(),
            Some(TokenError::Malformed)
        );
    }

    #[test]
    fn digest_is_githubs_hashed_token() {
        // BEHAVIOR 34.
        assert_eq!(
            TokenDigest::of("abcdefgh12345678").to_hex(),
            "25f94a2a5c7fbaf499c665bc73d67c1c87e496da8985131633ee0a95819db2e8"
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = Token::generate(TokenKind::Personal);
        assert!(!format!("{t:?}").contains(t.expose()));
    }
}
