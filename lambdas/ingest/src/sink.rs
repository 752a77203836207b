//! Where ingest sends events: the narrow [`EventSink`] trait (one PutEvents call) and its
//! Personalize implementation.
//!
//! A PutEvents call has exactly one retry layer: the SDK's standard retry mode (exponential
//! back-off with jitter on throttling, 5xx and timeouts), bounded by an attempt timeout and an
//! operation timeout ([`CallLimits`]). The handler does not retry on top of it: a call that
//! still fails hands its records back to Kinesis, which redelivers them.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_personalizeevents::types::Event;
use aws_smithy_types::DateTime;
use lambda_common::record::StreamEvent;
use lambda_common::{Failure, Upstream};

/// One PutEvents call: up to 10 events of one user and session, each with its `eventId`.
#[derive(Debug, Clone, PartialEq)]
pub struct PutEventsCall<'a> {
    /// The event tracker's tracking id.
    pub tracking_id: &'a str,
    /// The user.
    pub user_id: &'a str,
    /// The session.
    pub session_id: &'a str,
    /// The events, in order; every `event_id` is set.
    pub events: Vec<&'a StreamEvent>,
}

/// Sends events to Personalize.
#[async_trait]
pub trait EventSink: Send + Sync {
    /// One PutEvents call.
    async fn put_events(&self, call: &PutEventsCall<'_>) -> Result<(), Upstream>;
}

/// Attempts and timeouts of one PutEvents call, given to the SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Attempts in all (the SDK's `max_attempts`; 1 = no retry).
    pub attempts: u32,
    /// Longest single attempt.
    pub attempt_timeout: Duration,
    /// Longest call, retries and back-off included.
    pub operation_timeout: Duration,
}

impl Default for CallLimits {
    /// 3 attempts of at most 5 s each, 15 s in all: a failing call gives its records back to
    /// Kinesis well inside the invocation's 120 s, and a slow but working call is not cut
    /// short (a cut attempt the service did take comes back as a repeat).
    fn default() -> Self {
        Self {
            attempts: 3,
            attempt_timeout: Duration::from_secs(5),
            operation_timeout: Duration::from_secs(15),
        }
    }
}

/// The Personalize events API.
#[derive(Debug, Clone)]
pub struct PersonalizeSink {
    client: aws_sdk_personalizeevents::Client,
}

impl PersonalizeSink {
    /// A sink on `client`, as configured.
    pub fn new(client: aws_sdk_personalizeevents::Client) -> Self {
        Self { client }
    }

    /// A sink on a client built from `sdk` with `limits` as its retry and timeout settings.
    pub fn from_sdk(sdk: &sdk_config::aws_config::SdkConfig, limits: CallLimits) -> Self {
        use aws_sdk_personalizeevents::config::{retry::RetryConfig, timeout::TimeoutConfig};
        let config = aws_sdk_personalizeevents::config::Builder::from(sdk)
            .retry_config(RetryConfig::standard().with_max_attempts(limits.attempts.max(1)))
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(limits.attempt_timeout)
                    .operation_timeout(limits.operation_timeout)
                    .build(),
            )
            .build();
        Self::new(aws_sdk_personalizeevents::Client::from_conf(config))
    }
}

fn event(e: &StreamEvent) -> Result<Event, Upstream> {
    Event::builder()
        .set_event_id(e.event_id.clone())
        .event_type(&e.event_type)
        .set_item_id(e.item_id.clone())
        .sent_at(DateTime::from_secs_f64(e.sent_at))
        .set_event_value(e.event_value)
        .set_properties(e.properties.clone())
        .set_recommendation_id(e.recommendation_id.clone())
        .set_impression(e.impression.clone())
        .build()
        .map_err(|err| Upstream {
            service: "Personalize",
            kind: Failure::Rejected,
            code: "InvalidInputException".into(),
            detail: err.to_string(),
        })
}

#[async_trait]
impl EventSink for PersonalizeSink {
    async fn put_events(&self, call: &PutEventsCall<'_>) -> Result<(), Upstream> {
        let events = call
            .events
            .iter()
            .map(|e| event(e))
            .collect::<Result<Vec<_>, _>>()?;
        self.client
            .put_events()
            .tracking_id(call.tracking_id)
            .user_id(call.user_id)
            .session_id(call.session_id)
            .set_event_list(Some(events))
            .send()
            .await
            .map_err(|e| Upstream::classify("Personalize", &e))?;
        Ok(())
    }
}
