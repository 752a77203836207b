//! What an AWS SDK failure means for the caller, decided once for every function: throttled
//! (retry later, 429), not found (404), unavailable (5xx, timeout, connection: retry), or
//! rejected (any other 4xx: the request itself is wrong and retrying will not help).
//!
//! The SDK's own message is kept for logs only; responses carry [`Upstream::public_message`],
//! so no SDK internals (request ids, endpoints, ARNs of other accounts) reach a caller.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What an upstream failure means for the caller (a failure class, not a resource kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The service asked us to slow down.
    Throttled,
    /// The resource (campaign, stream, tracker) does not exist.
    NotFound,
    /// A 5xx, a timeout or a connection failure: transient.
    Unavailable,
    /// A 4xx other than the above: the request will never succeed as it is.
    Rejected,
}

/// A classified upstream failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{service} {kind:?}: {code}: {detail}")]
pub struct Upstream {
    /// Which service failed (`Kinesis`, `Personalize`...).
    pub service: &'static str,
    /// What the failure means.
    pub kind: Failure,
    /// The AWS error code (`ThrottlingException`) or the transport failure's name.
    pub code: String,
    /// The SDK's message: for logs, never for responses.
    pub detail: String,
}

const THROTTLING: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "LimitExceededException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "KMSThrottlingException",
];

const TRANSIENT: &[&str] = &[
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
];

impl Upstream {
    /// Classifies an SDK error of any operation.
    pub fn classify<E>(service: &'static str, err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let detail = aws_smithy_types::error::display::DisplayErrorContext(err).to_string();
        let (kind, code) = match err {
            SdkError::TimeoutError(_) => (Failure::Unavailable, "Timeout".to_owned()),
            SdkError::DispatchFailure(_) => (Failure::Unavailable, "DispatchFailure".to_owned()),
            SdkError::ResponseError(_) => (Failure::Unavailable, "ResponseError".to_owned()),
            SdkError::ServiceError(service_err) => {
                let code = service_err.err().code().unwrap_or("Unknown").to_owned();
                let status = service_err.raw().status().as_u16();
                (Self::failure_of(&code, status), code)
            }
            // Construction failures and future variants: the request never left, so it is
            // ours to fix, not to retry.
            _ => (Failure::Rejected, "ConstructionFailure".to_owned()),
        };
        Self {
            service,
            kind,
            code,
            detail,
        }
    }

    /// The failure class of an error code and HTTP status.
    pub fn failure_of(code: &str, status: u16) -> Failure {
        if THROTTLING.contains(&code) || status == 429 {
            Failure::Throttled
        } else if code == "ResourceNotFoundException" || status == 404 {
            Failure::NotFound
        } else if TRANSIENT.contains(&code) || status >= 500 {
            Failure::Unavailable
        } else {
            Failure::Rejected
        }
    }

    /// Whether trying again later may succeed.
    pub fn retryable(&self) -> bool {
        matches!(self.kind, Failure::Throttled | Failure::Unavailable)
    }

    /// A message safe to show a caller: the service and the error code, nothing else.
    pub fn public_message(&self) -> String {
        match self.kind {
            Failure::Throttled => format!("{} is throttling requests; retry later", self.service),
            Failure::NotFound => format!("{} resource not found ({})", self.service, self.code),
            Failure::Unavailable => format!(
                "{} is unavailable ({}); retry later",
                self.service, self.code
            ),
            Failure::Rejected => format!("{} rejected the request ({})", self.service, self.code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_map_to_kinds() {
        assert_eq!(
            Upstream::failure_of("ThrottlingException", 400),
            Failure::Throttled
        );
        assert_eq!(
            Upstream::failure_of("ProvisionedThroughputExceededException", 400),
            Failure::Throttled
        );
        assert_eq!(Upstream::failure_of("Whatever", 429), Failure::Throttled);
        assert_eq!(
            Upstream::failure_of("ResourceNotFoundException", 400),
            Failure::NotFound
        );
        assert_eq!(
            Upstream::failure_of("InternalFailure", 500),
            Failure::Unavailable
        );
        assert_eq!(Upstream::failure_of("Unknown", 503), Failure::Unavailable);
        assert_eq!(
            Upstream::failure_of("InvalidInputException", 400),
            Failure::Rejected
        );
    }

    #[test]
    fn public_message_carries_no_detail() {
        let u = Upstream {
            service: "Personalize",
            kind: Failure::Rejected,
            code: "InvalidInputException".into(),
            detail: "arn:aws:personalize:secret request id 1234".into(),
        };
        assert!(!u.public_message().contains("secret"));
        assert!(!u.retryable());
    }
}
