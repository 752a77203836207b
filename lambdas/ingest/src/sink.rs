//! Where ingest sends events: the narrow [`EventSink`] trait (one PutEvents call) and its
//! Personalize implementation.

use async_trait::async_trait;
use aws_sdk_personalizeevents::types::Event;
use aws_smithy_types::DateTime;
use lambda_common::record::StreamEvent;
use lambda_common::{Kind, Upstream};

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

/// The Personalize events API.
#[derive(Debug, Clone)]
pub struct PersonalizeSink {
    client: aws_sdk_personalizeevents::Client,
}

impl PersonalizeSink {
    /// A sink on `client`.
    pub fn new(client: aws_sdk_personalizeevents::Client) -> Self {
        Self { client }
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
            kind: Kind::Rejected,
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
