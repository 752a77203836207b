//! The API's authorizer, locally: what a Cognito user pool authorizer does for the pipeline
//! module's REST API (its default, `api_authorization = "COGNITO"`), with a user pool of one
//! signing key that the local stack generates.
//!
//! As API Gateway does ("Integrate a REST API with an Amazon Cognito user pool", API Gateway
//! developer guide): the token comes from the `Authorization` header (identity source
//! `method.request.header.Authorization`, a bare token or `Bearer <token>`); it must be an ID
//! token (`token_use` = `id`) of the pool (`iss`) for its app client (`aud`), unexpired, with a
//! valid signature; the verified claims reach the function as `requestContext.authorizer.claims`,
//! every value a string. A refused token is a 401 before the function runs.
//!
//! Differences, on purpose: the key is an HS256 secret instead of Cognito's RS256 key pair
//! (nothing outside the local stack verifies these tokens), and a refusal names its reason
//! (`{"message": "the token has expired", "field": "Authorization"}`) where API Gateway says
//! only `Unauthorized` or `The incoming token has expired`.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{json, Map, Value};

/// Longest `Authorization` header accepted. API Gateway's REST API limits all request headers
/// together to 10,240 bytes ("Amazon API Gateway quotas"); a Cognito ID token is about 1 KB.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Bytes of a generated signing key (HS256 wants at least the hash's 32).
pub const KEY_BYTES: usize = 32;

/// Why a token was refused: the 401's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refused(message: impl Into<String>) -> Refused {
    Refused(message.into())
}

/// The local user pool: its signing key, issuer and app client.
#[derive(Clone)]
pub struct Authorizer {
    key: Vec<u8>,
    /// The pool's issuer (`iss`).
    pub issuer: String,
    /// The app client id (`aud`).
    pub audience: String,
}

impl std::fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorizer")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl Authorizer {
    /// The pool of deployment `name_prefix` in `region`, signing with `key`.
    ///
    /// # Errors
    /// When the key is shorter than [`KEY_BYTES`].
    pub fn new(key: Vec<u8>, region: &str, name_prefix: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            key.len() >= KEY_BYTES,
            "the signing key must be at least {KEY_BYTES} bytes, not {}",
            key.len()
        );
        Ok(Self {
            key,
            issuer: format!("http://local-stack/{region}/{name_prefix}-users"),
            audience: format!("{name_prefix}-client"),
        })
    }

    /// The key in `path` (base64), or a new random one written there (mode 0600) when the
    /// file does not exist, so the stack and the demo that issues tokens share it.
    ///
    /// # Errors
    /// When the file cannot be read, written or decoded.
    pub fn load_or_create_key(path: &Path) -> anyhow::Result<Vec<u8>> {
        let engine = base64::engine::general_purpose::STANDARD;
        if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the signing key {}", path.display()))?;
            return engine
                .decode(text.trim())
                .with_context(|| format!("the signing key {} is not base64", path.display()));
        }
        let key = Self::random_key();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_private(path, &engine.encode(&key))
            .with_context(|| format!("writing the signing key {}", path.display()))?;
        Ok(key)
    }

    /// A new random key of [`KEY_BYTES`].
    pub fn random_key() -> Vec<u8> {
        (0..KEY_BYTES).map(|_| rand_byte()).collect()
    }

    /// An ID token for `user` (its `sub`) valid for `ttl_seconds` from `now` (epoch seconds).
    ///
    /// # Errors
    /// When signing fails.
    pub fn issue(&self, user: &str, now: i64, ttl_seconds: i64) -> anyhow::Result<String> {
        self.sign(&json!({
            "sub": user,
            "cognito:username": user,
            "iss": self.issuer,
            "aud": self.audience,
            "token_use": "id",
            "auth_time": now,
            "iat": now,
            "exp": now + ttl_seconds,
        }))
    }

    /// `claims` signed with the pool's key (tests build wrong tokens with it).
    ///
    /// # Errors
    /// When signing fails.
    pub fn sign(&self, claims: &Value) -> anyhow::Result<String> {
        encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(&self.key),
        )
        .context("signing a token")
    }

    /// Verifies the `Authorization` header value; the claims as `requestContext.authorizer`
    /// carries them (`{"claims": {...}}`, every value a string).
    ///
    /// # Errors
    /// [`Refused`] with the reason, for a missing, oversized, malformed, unsigned (`alg`
    /// `none`), wrongly signed, expired, not-yet-valid, foreign (issuer, audience) or non-ID
    /// token.
    pub fn verify(&self, header: Option<&[u8]>, now: i64) -> Result<Value, Refused> {
        let header = header.ok_or_else(|| {
            refused("the Authorization header is missing; send an ID token of the API's user pool")
        })?;
        if header.len() > MAX_TOKEN_BYTES {
            return Err(refused(format!(
                "the Authorization header is {} bytes, more than the {MAX_TOKEN_BYTES} accepted",
                header.len()
            )));
        }
        let header = std::str::from_utf8(header)
            .map_err(|_| refused("the Authorization header is not text"))?
            .trim_start();
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .unwrap_or(header)
            .trim();
        if token.is_empty() {
            return Err(refused("the Authorization header is empty"));
        }
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 {
            return Err(refused(format!(
                "the token is not a JWT: {} dot-separated parts instead of 3",
                parts.len()
            )));
        }
        // The header is read first for a precise answer: `none` and every other algorithm
        // than the pool's are refused before any signature check.
        let jose: Value = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[0])
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| refused("the token's header is not base64url-encoded JSON"))?;
        match jose.get("alg").and_then(Value::as_str) {
            Some("HS256") => {}
            Some(other) => {
                return Err(refused(format!(
                    "the token is signed with {other:?}; this pool signs with HS256"
                )))
            }
            None => return Err(refused("the token's header names no algorithm (alg)")),
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // `exp` is checked here against `now`, not the library's clock, so tests are exact.
        validation.validate_exp = false;
        let data =
            decode::<Map<String, Value>>(token, &DecodingKey::from_secret(&self.key), &validation)
                .map_err(|e| refused(reason(&e)))?;
        let claims = data.claims;
        match claims.get("exp").and_then(Value::as_i64) {
            Some(exp) if exp > now => {}
            Some(_) => return Err(refused("the token has expired")),
            None => return Err(refused("the token's exp is not a whole number of seconds")),
        }
        if claims.get("token_use").and_then(Value::as_str) != Some("id") {
            return Err(refused(
                "the token is not an ID token (token_use must be \"id\")",
            ));
        }
        let strings: Map<String, Value> = claims
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, Value::String(text))
            })
            .collect();
        Ok(json!({ "claims": strings }))
    }
}

/// A caller-readable reason for a token the library refused.
fn reason(e: &jsonwebtoken::errors::Error) -> String {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::InvalidSignature => "the token's signature is not the pool's".into(),
        ErrorKind::InvalidIssuer => "the token was issued by another issuer (iss)".into(),
        ErrorKind::InvalidAudience => "the token is for another app client (aud)".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::MissingRequiredClaim(claim) => {
            format!("the token has no valid {claim} claim")
        }
        ErrorKind::InvalidAlgorithm => "the token's algorithm is not the pool's (HS256)".into(),
        ErrorKind::Base64(_) | ErrorKind::Utf8(_) => {
            "the token's parts are not base64url-encoded".into()
        }
        ErrorKind::Json(_) => "the token's claims are not a JSON object of valid claims".into(),
        _ => "the token is malformed".into(),
    }
}

fn rand_byte() -> u8 {
    use rand::Rng;
    rand::thread_rng().gen()
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn pool() -> Authorizer {
        Authorizer::new(vec![7; 32], "us-east-1", "movies-local").unwrap()
    }

    fn good_claims(pool: &Authorizer) -> Value {
        json!({"sub": "429", "iss": pool.issuer, "aud": pool.audience, "token_use": "id",
               "iat": NOW - 10, "exp": NOW + 3600})
    }

    fn with(pool: &Authorizer, key: &str, value: Value) -> String {
        let mut claims = good_claims(pool);
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value;
        }
        pool.sign(&claims).unwrap()
    }

    fn refusal(pool: &Authorizer, header: Option<&str>) -> String {
        pool.verify(header.map(str::as_bytes), NOW).unwrap_err().0
    }

    #[test]
    fn an_issued_token_yields_cognito_shaped_claims_with_or_without_bearer() {
        let p = pool();
        let token = p.issue("429", NOW, 60).unwrap();
        for header in [token.clone(), format!("Bearer {token}")] {
            let out = p.verify(Some(header.as_bytes()), NOW).unwrap();
            assert_eq!(out["claims"]["sub"], "429");
            assert_eq!(out["claims"]["token_use"], "id");
            assert_eq!(out["claims"]["exp"], (NOW + 60).to_string());
        }
    }

    #[test]
    fn every_bad_token_is_refused_with_its_reason() {
        let p = pool();
        let other_key = Authorizer::new(vec![8; 32], "us-east-1", "movies-local").unwrap();
        let b64 =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let unsigned = format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT"})),
            b64(&good_claims(&p))
        );
        let rs256 = format!(
            "{}.{}.c2ln",
            b64(&json!({"alg": "RS256"})),
            b64(&good_claims(&p))
        );
        let no_alg = format!(
            "{}.{}.c2ln",
            b64(&json!({"typ": "JWT"})),
            b64(&good_claims(&p))
        );
        let good = p.issue("429", NOW, 60).unwrap();
        let mut tampered_claims = good_claims(&p);
        tampered_claims["sub"] = json!("430");
        let parts: Vec<&str> = good.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], b64(&tampered_claims), parts[2]);
        let cases: Vec<(Option<String>, &str)> = vec![
            (None, "missing"),
            (Some(String::new()), "empty"),
            (Some("Bearer ".into()), "empty"),
            (Some("x".repeat(MAX_TOKEN_BYTES + 1)), "more than the 8192"),
            (Some("not-a-jwt".into()), "not a JWT"),
            (Some("a.b.c.d".into()), "4 dot-separated parts"),
            (Some("!!.e30.sig".into()), "header is not base64url"),
            (Some(unsigned), "signed with \"none\""),
            (Some(rs256), "signed with \"RS256\""),
            (Some(no_alg), "names no algorithm"),
            (Some(other_key.issue("429", NOW, 60).unwrap()), "signature"),
            (Some(tampered), "signature"),
            (Some(p.issue("429", NOW - 120, 60).unwrap()), "expired"),
            (Some(p.issue("429", NOW - 60, 60).unwrap()), "expired"),
            (Some(with(&p, "exp", Value::Null)), "no valid exp claim"),
            (
                Some(with(&p, "exp", json!("tomorrow"))),
                "no valid exp claim",
            ),
            (
                Some(with(&p, "iss", json!("https://evil.example"))),
                "another issuer",
            ),
            (
                Some(with(&p, "aud", json!("someone-else"))),
                "another app client",
            ),
            (Some(with(&p, "sub", Value::Null)), "no valid sub claim"),
            (Some(with(&p, "nbf", json!(NOW + 60))), "not valid yet"),
            (
                Some(with(&p, "token_use", json!("access"))),
                "not an ID token",
            ),
            (Some(with(&p, "token_use", Value::Null)), "not an ID token"),
        ];
        for (header, expected) in cases {
            let got = refusal(&p, header.as_deref());
            assert!(
                got.contains(expected),
                "{:?}: expected {expected:?}, got {got:?}",
                header.map(|h| h.chars().take(60).collect::<String>())
            );
        }
    }

    #[test]
    fn the_key_is_created_once_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth/signing-key");
        let first = Authorizer::load_or_create_key(&path).unwrap();
        assert_eq!(first.len(), KEY_BYTES);
        assert_eq!(Authorizer::load_or_create_key(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "%%%").unwrap();
        assert!(Authorizer::load_or_create_key(&path).is_err());
        assert!(Authorizer::new(vec![1; 8], "r", "p").is_err());
    }
}
