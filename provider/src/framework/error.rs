//! Errors from AWS calls, in the shape every diagnostic of the provider uses:
//! "creating Dataset Group (name): ResourceAlreadyExistsException: ...".

use std::fmt;

use aws_sdk_personalize::error::{ProvideErrorMetadata, SdkError};

/// An AWS call failure reduced to what a user needs: the error code and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// e.g. `ResourceNotFoundException`; empty for transport failures.
    pub code: String,
    /// The service's message, or the transport error's description.
    pub message: String,
}

impl AwsError {
    /// Whether Personalize said the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.code == "ResourceNotFoundException"
    }
    /// A local failure that has no AWS error code.
    pub fn local(message: impl Into<String>) -> Self {
        Self {
            code: String::new(),
            message: message.into(),
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

impl<E, R> From<SdkError<E, R>> for AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug + 'static,
{
    fn from(e: SdkError<E, R>) -> Self {
        match &e {
            SdkError::ServiceError(service) => {
                let inner = service.err();
                Self {
                    code: inner.code().unwrap_or("UnknownError").to_owned(),
                    message: inner.message().unwrap_or_default().to_owned(),
                }
            }
            _ => Self {
                code: String::new(),
                message: error_chain(&e),
            },
        }
    }
}

/// The error and its sources on one line: transport errors hide the useful part in a source.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_code_and_message() {
        let e = AwsError {
            code: "ResourceInUseException".into(),
            message: "in use".into(),
        };
        assert_eq!(e.to_string(), "ResourceInUseException: in use");
        assert!(!e.is_not_found());
        assert_eq!(AwsError::local("boom").to_string(), "boom");
    }
}
