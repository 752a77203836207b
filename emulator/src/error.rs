//! The one error type of the wire layer, rendered in AWS's JSON error format in one place:
//! a body `{"__type": ..., "message": ...}`, the `x-amzn-errortype` header and the status code
//! the service model gives the error (the request-id header is added by a middleware for every
//! response).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An error answered to the client.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct ApiError {
    /// Which AWS error it is.
    pub kind: ErrorKind,
    /// The human-readable message.
    pub message: String,
}

/// The AWS error types the emulator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Semantically invalid input (model: InvalidInputException).
    InvalidInput,
    /// Input that breaks a constraint of the service model (AWS's protocol layer).
    Validation,
    /// Body that is not the JSON the protocol expects.
    Serialization,
    /// `X-Amz-Target` names no operation.
    UnknownOperation,
    /// Operation of the model that the emulator does not implement.
    Unsupported,
    /// No such resource.
    ResourceNotFound,
    /// A resource with this name/ARN exists.
    ResourceAlreadyExists,
    /// The resource is in a state that forbids the call, or has dependants.
    ResourceInUse,
    /// A quota was hit.
    LimitExceeded,
    /// `nextToken` was not issued by us for this call.
    InvalidNextToken,
    /// More than 50 tags on a resource.
    TooManyTags,
    /// More tag keys than allowed in one call.
    TooManyTagKeys,
    /// Request body larger than the emulator accepts.
    TooLarge,
    /// Injected fault: throttling.
    Throttling,
    /// Injected fault: a server-side failure.
    Internal,
    /// Injected fault: the service is unavailable (HTTP 503, which every AWS SDK retries).
    Unavailable,
    /// `--verify-sigv4`: the request has no `Authorization` header.
    MissingAuthenticationToken,
    /// `--verify-sigv4`: the access key id is not one the server accepts.
    UnrecognizedClient,
    /// `--verify-sigv4`: the signature does not match, or the request time is out of the
    /// 15-minute window, or the credential scope is not this service's.
    InvalidSignature,
    /// `--verify-sigv4`: the `Authorization` header is not a well-formed SigV4 authorization.
    IncompleteSignature,
}

/// Which service answers: the runtime and events services map some errors to other status
/// codes than the control plane (their models say so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// awsJson1_1 control plane: every modelled error is a 400.
    Control,
    /// personalize-events (restJson1).
    Events,
    /// personalize-runtime (restJson1).
    Runtime,
}

impl ErrorKind {
    /// The `__type` / `x-amzn-errortype` value.
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidInput => "InvalidInputException",
            Self::Validation => "ValidationException",
            Self::Serialization => "SerializationException",
            Self::UnknownOperation => "UnknownOperationException",
            Self::Unsupported => "InvalidInputException",
            Self::ResourceNotFound => "ResourceNotFoundException",
            Self::ResourceAlreadyExists => "ResourceAlreadyExistsException",
            Self::ResourceInUse => "ResourceInUseException",
            Self::LimitExceeded => "LimitExceededException",
            Self::InvalidNextToken => "InvalidNextTokenException",
            Self::TooManyTags => "TooManyTagsException",
            Self::TooManyTagKeys => "TooManyTagKeysException",
            Self::TooLarge => "RequestEntityTooLargeException",
            Self::Throttling => "ThrottlingException",
            Self::Internal => "InternalFailure",
            Self::Unavailable => "ServiceUnavailable",
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::InvalidSignature => "InvalidSignatureException",
            Self::IncompleteSignature => "IncompleteSignatureException",
        }
    }

    /// The HTTP status for this error from `service`.
    pub fn status(self, service: Service) -> StatusCode {
        match (self, service) {
            (Self::TooLarge, _) => StatusCode::PAYLOAD_TOO_LARGE,
            (Self::Internal, _) => StatusCode::INTERNAL_SERVER_ERROR,
            (Self::Unavailable, _) => StatusCode::SERVICE_UNAVAILABLE,
            // Common Error Types (Amazon Personalize API reference): "UnknownOperationException
            // ... HTTP Status Code: 404", on every protocol.
            (Self::UnknownOperation, _) => StatusCode::NOT_FOUND,
            // Authentication failures are 403 on every protocol: Common Errors (Amazon
            // Personalize API reference) gives MissingAuthenticationToken and
            // InvalidClientTokenId (an access key id not on record) "HTTP Status Code: 403";
            // the common errors of all AWS services (AWS Management Console, Common Errors)
            // give IncompleteSignature 403 too. Signature mismatch and an expired request are
            // the same 403 authentication failure.
            (
                Self::MissingAuthenticationToken
                | Self::UnrecognizedClient
                | Self::InvalidSignature
                | Self::IncompleteSignature,
                _,
            ) => StatusCode::FORBIDDEN,
            (Self::ResourceNotFound, Service::Events | Service::Runtime) => StatusCode::NOT_FOUND,
            (Self::ResourceInUse, Service::Events) => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// InvalidInputException.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// ResourceNotFoundException for `arn`.
    pub fn not_found(arn: &str) -> Self {
        Self::new(
            ErrorKind::ResourceNotFound,
            format!("Resource {arn} does not exist."),
        )
    }

    /// ResourceInUseException.
    pub fn in_use(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceInUse, message)
    }

    /// ResourceAlreadyExistsException for `arn`.
    pub fn exists(arn: &str) -> Self {
        Self::new(
            ErrorKind::ResourceAlreadyExists,
            format!("Resource {arn} already exists."),
        )
    }

    /// The response for this error as `service` answers it.
    pub fn into_response_for(self, service: Service) -> Response {
        let body = serde_json::json!({ "__type": self.kind.code(), "message": self.message });
        let content_type = match service {
            Service::Control => "application/x-amz-json-1.1",
            Service::Events | Service::Runtime => "application/json",
        };
        let mut response = (self.kind.status(service), body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert("content-type", HeaderValue::from_static(content_type));
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_static(self.kind.code()),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_not_found_is_404_control_is_400() {
        let e = ErrorKind::ResourceNotFound;
        assert_eq!(e.status(Service::Runtime), StatusCode::NOT_FOUND);
        assert_eq!(e.status(Service::Control), StatusCode::BAD_REQUEST);
        assert_eq!(
            ErrorKind::ResourceInUse.status(Service::Events),
            StatusCode::CONFLICT
        );
        for service in [Service::Control, Service::Events, Service::Runtime] {
            assert_eq!(
                ErrorKind::UnknownOperation.status(service),
                StatusCode::NOT_FOUND
            );
            for auth in [
                ErrorKind::MissingAuthenticationToken,
                ErrorKind::UnrecognizedClient,
                ErrorKind::InvalidSignature,
                ErrorKind::IncompleteSignature,
            ] {
                assert_eq!(auth.status(service), StatusCode::FORBIDDEN, "{auth:?}");
            }
        }
    }

    #[test]
    fn response_carries_type_header_and_body() {
        let r = ApiError::invalid("bad").into_response_for(Service::Control);
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.headers()["x-amzn-errortype"], "InvalidInputException");
    }
}
