//! Configuration from environment variables, with errors that name the variable, so a
//! misconfigured function fails its init phase with a message in CloudWatch instead of
//! misbehaving on the first request.

/// A configuration variable that is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {name}: {message}")]
pub struct ConfigError {
    /// The variable.
    pub name: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// A new error for variable `name`.
    pub fn new(name: &str, message: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            message: message.into(),
        }
    }
}

/// Reads variables through a lookup function, so tests need not touch the process environment.
#[derive(Debug, Clone, Copy)]
pub struct Env<F> {
    lookup: F,
}

impl Env<fn(&str) -> Option<String>> {
    /// The process environment.
    pub fn process() -> Self {
        Self {
            lookup: |name| std::env::var(name).ok(),
        }
    }
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    /// Variables from `lookup`.
    pub fn from_fn(lookup: F) -> Self {
        Self { lookup }
    }

    /// A variable, `None` when unset or blank.
    pub fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    /// A variable that must be set and not blank.
    pub fn required(&self, name: &str) -> Result<String, ConfigError> {
        self.optional(name)
            .ok_or_else(|| ConfigError::new(name, "is required and not set"))
    }

    /// A positive integer up to `max`, `default` when unset.
    pub fn positive(&self, name: &str, default: usize, max: usize) -> Result<usize, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ConfigError::new(
                    name,
                    format!("must be an integer from 1 to {max}, not {v:?}"),
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_optional_and_positive() {
        let env = Env::from_fn(|n| match n {
            "A" => Some("x".into()),
            "BLANK" => Some(" ".into()),
            "N" => Some("12".into()),
            "BAD" => Some("-3".into()),
            _ => None,
        });
        assert_eq!(env.required("A").unwrap(), "x");
        assert_eq!(env.required("BLANK").unwrap_err().name, "BLANK");
        assert_eq!(env.optional("NONE"), None);
        assert_eq!(env.positive("N", 8, 64).unwrap(), 12);
        assert_eq!(env.positive("NONE", 8, 64).unwrap(), 8);
        assert!(env.positive("BAD", 8, 64).is_err());
        assert!(env.positive("N", 8, 10).is_err());
    }
}
