//! Who is calling, and so whose data a request may read or write.
//!
//! With [`AuthMode::User`] (the default) an API Gateway authorizer has bound the request to one
//! user, and that user is the only one the request may act for: the user id comes from the
//! authorizer's output in `requestContext.authorizer`, never from the query string or the body.
//! A request that names another user is refused with 403; one that names none acts for the
//! token's user. The claim holding the user id is configurable (`USER_ID_CLAIM`, default `sub`):
//!
//! - a Cognito user pool authorizer (REST API) passes the ID token's claims as
//!   `requestContext.authorizer.claims` ("Integrate a REST API with an Amazon Cognito user
//!   pool", API Gateway developer guide);
//! - a Lambda authorizer passes its `context` map's entries as `requestContext.authorizer.<key>`
//!   ("Output from an API Gateway Lambda authorizer");
//! - an HTTP API JWT authorizer passes `requestContext.authorizer.jwt.claims`.
//!
//! With [`AuthMode::Service`] the caller is a trusted backend authenticated by IAM (SigV4) that
//! acts for many users, so the user id is read from the request as before.

use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayProxyRequestContext, ApiGatewayRequestAuthorizer,
};
use lambda_http::http::StatusCode;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;

use crate::{ApiError, ConfigError, Env};

/// Default claim holding the user id (`sub`, the subject of an OIDC token).
pub const DEFAULT_USER_ID_CLAIM: &str = "sub";

/// How the function learns who the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMode {
    /// An authorizer bound the request to one user; `claim` names the claim holding its id.
    User {
        /// The claim (or Lambda authorizer context key) holding the user id.
        claim: String,
    },
    /// A trusted backend (IAM) acting for any user: the user id comes from the request.
    Service,
}

impl Default for AuthMode {
    fn default() -> Self {
        Self::User {
            claim: DEFAULT_USER_ID_CLAIM.to_owned(),
        }
    }
}

impl AuthMode {
    /// Reads `AUTH_MODE` (`user`, the default, or `service`) and `USER_ID_CLAIM` (default
    /// `sub`, 1 to 128 characters).
    ///
    /// # Errors
    /// When either variable has another value.
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let mode = env.optional("AUTH_MODE");
        match mode.as_deref().map(str::trim) {
            None | Some("user") => {
                let claim = env
                    .optional("USER_ID_CLAIM")
                    .unwrap_or_else(|| DEFAULT_USER_ID_CLAIM.to_owned());
                let claim = claim.trim().to_owned();
                if claim.len() > 128 || claim.chars().any(char::is_control) {
                    return Err(ConfigError::new(
                        "USER_ID_CLAIM",
                        "must be a claim name of 1 to 128 characters",
                    ));
                }
                Ok(Self::User { claim })
            }
            Some("service") => Ok(Self::Service),
            Some(other) => Err(ConfigError::new(
                "AUTH_MODE",
                format!("must be `user` or `service`, not {other:?}"),
            )),
        }
    }

    /// Who sent `req`.
    ///
    /// # Errors
    /// 401 (field `Authorization`) in user mode when the request carries no user id from an
    /// authorizer: the API in front of the function has no authorizer, or the claim is missing
    /// from the token.
    pub fn caller(&self, req: &Request) -> Result<Caller, ApiError> {
        let claim = match self {
            Self::Service => return Ok(Caller::Service),
            Self::User { claim } => claim,
        };
        let id = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV1(ctx)) => from_fields(&ctx.authorizer, claim),
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref().and_then(|a| {
                a.jwt
                    .as_ref()
                    .and_then(|jwt| jwt.claims.get(claim).cloned())
                    .or_else(|| from_fields(a, claim))
            }),
            _ => None,
        };
        match id.filter(|id| valid_user_id(id)) {
            Some(id) => Ok(Caller::User(id)),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                format!(
                    "no authenticated user: the request carries no `{claim}` claim from an authorizer \
                     (requestContext.authorizer); send a valid token in the Authorization header"
                ),
            )
            .with_field("Authorization")),
        }
    }
}

/// A user id as Personalize takes it: 1 to 256 characters, no control characters.
fn valid_user_id(id: &str) -> bool {
    (1..=256).contains(&id.chars().count()) && !id.chars().any(char::is_control)
}

/// `claims.<claim>` (Cognito user pool authorizer) or `<claim>` (Lambda authorizer context).
/// Lambda authorizer context values may be strings, numbers or booleans.
fn from_fields(authorizer: &ApiGatewayRequestAuthorizer, claim: &str) -> Option<String> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    authorizer
        .fields
        .get("claims")
        .and_then(|c| c.get(claim))
        .and_then(scalar)
        .or_else(|| authorizer.fields.get(claim).and_then(scalar))
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The one user this request may act for.
    User(String),
    /// A trusted backend acting for any user.
    Service,
}

impl Caller {
    /// The user a request acts for: the request's own user id (`given`, from `field`) checked
    /// against the caller. A user caller may omit it (the token's user is used) or repeat its
    /// own; any other user is refused. A service caller must give it.
    ///
    /// # Errors
    /// 403 naming `field` when a user caller names another user; 400 when a service caller
    /// names none.
    pub fn acting_for(&self, given: Option<String>, field: &str) -> Result<String, ApiError> {
        match (self, given) {
            (Self::User(me), None) => Ok(me.clone()),
            (Self::User(me), Some(given)) if given == *me => Ok(given),
            (Self::User(_), Some(_)) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "{field} names another user than the one your token is for; \
                     omit it or send your own"
                ),
            )
            .with_field(field)),
            (Self::Service, Some(given)) => Ok(given),
            (Self::Service, None) => Err(ApiError::invalid(field, "is required")),
        }
    }
}

/// `req` as a REST API would deliver it after a Cognito user pool authorizer accepted a token
/// for `user` (its `sub` claim). For tests of the functions and of their hosts.
pub fn authenticated(req: Request, user: &str) -> Request {
    let mut ctx = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.clone(),
        _ => ApiGatewayProxyRequestContext::default(),
    };
    ctx.authorizer
        .fields
        .insert("claims".into(), serde_json::json!({ "sub": user }));
    req.with_request_context(RequestContext::ApiGatewayV1(ctx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Body;

    fn plain() -> Request {
        lambda_http::http::Request::builder()
            .uri("/recommendations")
            .body(Body::Empty)
            .unwrap()
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Env<impl Fn(&str) -> Option<String>> {
        Env::from_fn(move |n| {
            pairs
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn mode_from_env_defaults_to_user_and_refuses_other_values() {
        assert_eq!(AuthMode::from_env(&env(&[])).unwrap(), AuthMode::default());
        assert_eq!(
            AuthMode::from_env(&env(&[("AUTH_MODE", "service")])).unwrap(),
            AuthMode::Service
        );
        assert_eq!(
            AuthMode::from_env(&env(&[("USER_ID_CLAIM", "custom:uid")])).unwrap(),
            AuthMode::User {
                claim: "custom:uid".into()
            }
        );
        assert_eq!(
            AuthMode::from_env(&env(&[("AUTH_MODE", "none")]))
                .unwrap_err()
                .name,
            "AUTH_MODE"
        );
        let long: &'static str = Box::leak("c".repeat(129).into_boxed_str());
        let pairs: &'static [(&'static str, &'static str)] =
            Box::leak(vec![("USER_ID_CLAIM", long)].into_boxed_slice());
        assert_eq!(
            AuthMode::from_env(&env(pairs)).unwrap_err().name,
            "USER_ID_CLAIM"
        );
    }

    #[test]
    fn cognito_claims_lambda_context_and_http_api_jwt_claims_name_the_user() {
        let mode = AuthMode::default();
        assert_eq!(
            mode.caller(&authenticated(plain(), "429")).unwrap(),
            Caller::User("429".into())
        );
        // The Cognito claims of a REST API event as AWS sends it.
        let v1: Request =
            lambda_http::request::from_str(include_str!("../tests/data/apigw_v1_events.json"))
                .unwrap();
        assert_eq!(mode.caller(&v1).unwrap(), Caller::User("429".into()));
        // A Lambda authorizer's context (its values may be numbers), REST API.
        let mut event: Value =
            serde_json::from_str(include_str!("../tests/data/apigw_v1_events.json")).unwrap();
        event["requestContext"]["authorizer"] = serde_json::json!({"principalId": "x", "sub": 17});
        let lambda: Request = lambda_http::request::from_str(&event.to_string()).unwrap();
        assert_eq!(mode.caller(&lambda).unwrap(), Caller::User("17".into()));
        // An HTTP API JWT authorizer.
        let v2: Request =
            lambda_http::request::from_str(include_str!("../tests/data/apigw_v2_staged.json"))
                .unwrap();
        assert_eq!(mode.caller(&v2).unwrap(), Caller::User("429".into()));
    }

    #[test]
    fn no_claim_an_empty_or_a_hostile_one_is_401() {
        let mode = AuthMode::default();
        for req in [
            plain(),
            authenticated(plain(), ""),
            authenticated(plain(), "a\u{0}b"),
            authenticated(plain(), &"u".repeat(257)),
        ] {
            let e = mode.caller(&req).unwrap_err();
            assert_eq!(e.status, 401);
            assert_eq!(e.field.as_deref(), Some("Authorization"));
        }
        let other_claim = AuthMode::User {
            claim: "custom:uid".into(),
        };
        assert_eq!(
            other_claim
                .caller(&authenticated(plain(), "429"))
                .unwrap_err()
                .status,
            401
        );
        assert_eq!(AuthMode::Service.caller(&plain()).unwrap(), Caller::Service);
    }

    #[test]
    fn a_user_acts_only_for_itself_and_a_service_for_whom_it_names() {
        let me = Caller::User("a".into());
        assert_eq!(me.acting_for(None, "userId").unwrap(), "a");
        assert_eq!(me.acting_for(Some("a".into()), "userId").unwrap(), "a");
        let e = me.acting_for(Some("b".into()), "userId").unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.field.as_deref()),
            (403, Some("userId"))
        );
        assert_eq!(
            Caller::Service
                .acting_for(Some("b".into()), "userId")
                .unwrap(),
            "b"
        );
        assert_eq!(
            Caller::Service
                .acting_for(None, "userId")
                .unwrap_err()
                .status,
            400
        );
    }
}
