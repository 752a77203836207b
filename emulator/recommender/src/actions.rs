//! Next-Best-Action (`aws-next-best-action`): the actions a user is most likely to take, with
//! a propensity score from 0 to 1 (developer guide, Next-Best-Action recipe, and "How action
//! recommendation scoring works").
//!
//! What AWS documents, and this model does:
//! - Actions come from the Actions dataset; action interactions (`TAKEN`, `NOT_TAKEN`,
//!   `VIEWED`) are the training signal.
//! - "An action will have a score after the action has the following: At least 50 action
//!   interactions with the TAKEN event type. At least 50 action interactions with the
//!   NOT_TAKEN or VIEWED event type", counted in training and "within 6 weeks of the latest
//!   interaction timestamp"; until then its score is 0.0 (and before any action interaction
//!   every score is 0.0).
//! - "If a user is equally likely to take two different actions, Amazon Personalize ranks the
//!   action with the greater value higher" (the Actions `VALUE` column).
//! - An action whose `EXPIRATION_TIMESTAMP` has passed is not recommended ("If an action has
//!   expired, Amazon Personalize won't include it in recommendations", Actions dataset).
//!
//! The propensity itself is this model's (AWS does not publish its algorithm): the action's
//! take rate, TAKEN over all its interactions in the window, personalised by the actions the
//! user took: among the users who took those, the share who also took this one, shrunk
//! towards the take rate (`SHRINKAGE` pseudo-users), and lowered by each deliberate
//! `NOT_TAKEN` of the user for this action (`p / (1 + n)`). `REPEAT_FREQUENCY` (days) keeps
//! an action the user took from being recommended again before that many days have passed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::filter::{BoundFilter, Context, Subject};
use crate::{Error, Interaction, Item, Value};

/// Interactions an action needs of each kind (TAKEN; NOT_TAKEN or VIEWED) before it is scored.
pub const MIN_INTERACTIONS: usize = 50;
/// The window before the latest interaction whose interactions count: 6 weeks.
pub const WINDOW_SECS: i64 = 42 * 24 * 3600;
/// Pseudo-users pulling a user's neighbourhood estimate towards the action's take rate.
pub const SHRINKAGE: f64 = 5.0;
/// Bytes that start a serialised [`ActionModel`] (and no item model).
pub const MAGIC: &[u8; 4] = b"NBA1";

/// The kind of an action interaction (EVENT_TYPE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActionEvent {
    /// The user took the action.
    Taken,
    /// The user deliberately did not take it.
    NotTaken,
    /// The user was shown it.
    Viewed,
}

impl ActionEvent {
    /// Reads an event type: "You can specify Viewed, Taken, and Not Taken event types"
    /// (API_UBS_ActionInteraction), which the developer guide also writes `TAKEN`,
    /// `NOT_TAKEN`, `VIEWED`; case, spaces and underscores do not matter.
    pub fn parse(text: &str) -> Option<Self> {
        let folded: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '_'))
            .flat_map(char::to_lowercase)
            .collect();
        match folded.as_str() {
            "taken" => Some(Self::Taken),
            "nottaken" => Some(Self::NotTaken),
            "viewed" => Some(Self::Viewed),
            _ => None,
        }
    }
}

/// One action of the catalogue.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Action {
    id: String,
    attributes: BTreeMap<String, Value>,
}

/// A trained Next-Best-Action model.
#[derive(Debug, Serialize, Deserialize)]
pub struct ActionModel {
    actions: Vec<Action>,
    /// TAKEN share of each action's interactions in the window; 0 when not scored.
    rate: Vec<f64>,
    /// Whether the action has the interactions AWS requires for a score.
    scored: Vec<bool>,
    /// Users who took each action (in the window).
    takers: Vec<f64>,
    /// For each action, the actions also taken by its takers and how many took both, by
    /// action index.
    together: Vec<Vec<(u32, f64)>>,
    /// Each user's training interactions: (action index, kind, timestamp).
    history: BTreeMap<String, Vec<(u32, ActionEvent, i64)>>,
}

/// One recommended action.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoredAction {
    /// ACTION_ID.
    pub action_id: String,
    /// The propensity, 0 to 1.
    pub score: f64,
}

/// A request for action recommendations.
#[derive(Debug)]
pub struct ActionQuery<'a> {
    /// The user (none: the take rates alone).
    pub user_id: Option<&'a str>,
    /// The user's action interactions since training (PutActionInteractions), oldest first.
    pub recent: &'a [Interaction],
    /// Actions put since training (PutActions): new ones, or new metadata for known ones.
    pub new_actions: &'a [Item],
    /// Epoch seconds now (expiration and repeat frequency).
    pub now: i64,
    /// How many to return.
    pub num_results: usize,
    /// A filter (`ActionID` / `Actions.X` / `Action_Interactions.EVENT_TYPE`).
    pub filter: Option<&'a BoundFilter>,
}

fn number(attributes: &BTreeMap<String, Value>, name: &str) -> Option<f64> {
    match attributes.get(name)? {
        Value::Num(n) => Some(*n),
        Value::Str(s) => s.trim().parse().ok(),
        Value::Bool(_) => None,
    }
}

/// Trains on `actions` (later entries replace earlier ones with the same id) and
/// `interactions` (`item_id` is the ACTION_ID; interactions of unknown actions or event types
/// are left out).
///
/// # Errors
/// NotEnoughData when there is no action.
pub fn train_actions(actions: &[Item], interactions: &[Interaction]) -> Result<ActionModel, Error> {
    let mut by_id: BTreeMap<&str, &Item> = BTreeMap::new();
    for a in actions {
        by_id.insert(&a.item_id, a);
    }
    if by_id.is_empty() {
        return Err(Error::NotEnoughData(
            "aws-next-best-action needs actions: import an Actions dataset or send PutActions"
                .into(),
        ));
    }
    let actions: Vec<Action> = by_id
        .values()
        .map(|a| Action {
            id: a.item_id.clone(),
            attributes: a.attributes.clone(),
        })
        .collect();
    let index: HashMap<&str, u32> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i as u32))
        .collect();
    let n = actions.len();
    let known: Vec<(&Interaction, u32, ActionEvent)> = interactions
        .iter()
        .filter_map(|i| {
            Some((
                i,
                *index.get(i.item_id.as_str())?,
                ActionEvent::parse(&i.event_type)?,
            ))
        })
        .collect();
    let latest = known.iter().map(|(i, ..)| i.timestamp).max().unwrap_or(0);
    let mut taken = vec![0usize; n];
    let mut other = vec![0usize; n];
    let mut took: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    let mut history: BTreeMap<String, Vec<(u32, ActionEvent, i64)>> = BTreeMap::new();
    for (i, a, kind) in &known {
        history
            .entry(i.user_id.clone())
            .or_default()
            .push((*a, *kind, i.timestamp));
        if i.timestamp < latest.saturating_sub(WINDOW_SECS) {
            continue;
        }
        match kind {
            ActionEvent::Taken => {
                taken[*a as usize] += 1;
                took.entry(&i.user_id).or_default().insert(*a);
            }
            ActionEvent::NotTaken | ActionEvent::Viewed => other[*a as usize] += 1,
        }
    }
    let scored: Vec<bool> = (0..n)
        .map(|a| taken[a] >= MIN_INTERACTIONS && other[a] >= MIN_INTERACTIONS)
        .collect();
    let rate = (0..n)
        .map(|a| match scored[a] {
            true => taken[a] as f64 / (taken[a] + other[a]) as f64,
            false => 0.0,
        })
        .collect();
    let mut takers = vec![0.0; n];
    let mut pairs: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    for set in took.values() {
        for &a in set {
            takers[a as usize] += 1.0;
            for &b in set {
                if a != b {
                    *pairs.entry((a, b)).or_default() += 1.0;
                }
            }
        }
    }
    let mut together = vec![Vec::new(); n];
    for ((a, b), c) in pairs {
        together[a as usize].push((b, c));
    }
    Ok(ActionModel {
        actions,
        rate,
        scored,
        takers,
        together,
        history,
    })
}

impl ActionModel {
    /// Serialises the model: [`MAGIC`], then postcard.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(postcard::to_stdvec(self).expect("an action model always serialises"));
        out
    }

    /// Whether `bytes` hold an action model (rather than an item model).
    pub fn is_action_model(bytes: &[u8]) -> bool {
        bytes.starts_with(MAGIC)
    }

    /// Reads a model written by [`ActionModel::to_bytes`].
    ///
    /// # Errors
    /// When the bytes are not such a model, or are inconsistent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| Error::InvalidInput("not a serialised action model".into()))?;
        let model: Self = postcard::from_bytes(body)
            .map_err(|e| Error::InvalidInput(format!("not a serialised action model: {e}")))?;
        let n = model.actions.len();
        let ok = model.rate.len() == n
            && model.scored.len() == n
            && model.takers.len() == n
            && model.together.len() == n
            && model
                .together
                .iter()
                .flatten()
                .all(|&(b, _)| (b as usize) < n)
            && model
                .history
                .values()
                .flatten()
                .all(|&(a, ..)| (a as usize) < n);
        if !ok {
            return Err(Error::InvalidInput("inconsistent action model".into()));
        }
        Ok(model)
    }

    /// The number of actions it knows.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether it knows no action.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The best `num_results` actions for the query, by score, then VALUE, then id.
    pub fn recommend(&self, q: &ActionQuery<'_>) -> Vec<ScoredAction> {
        // The catalogue: trained actions, with metadata put since replacing theirs, and
        // actions new since training (unscored).
        let mut catalogue: BTreeMap<&str, (Option<usize>, &BTreeMap<String, Value>)> = self
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.as_str(), (Some(i), &a.attributes)))
            .collect();
        for a in q.new_actions {
            let known = catalogue.get(a.item_id.as_str()).and_then(|c| c.0);
            catalogue.insert(&a.item_id, (known, &a.attributes));
        }
        // The user's interactions by action id: training history, then recent events.
        let mut events: HashMap<&str, Vec<(ActionEvent, i64)>> = HashMap::new();
        if let Some(user) = q.user_id {
            for &(a, kind, ts) in self.history.get(user).into_iter().flatten() {
                events
                    .entry(self.actions[a as usize].id.as_str())
                    .or_default()
                    .push((kind, ts));
            }
            for i in q.recent {
                if let Some(kind) = ActionEvent::parse(&i.event_type) {
                    events
                        .entry(&i.item_id)
                        .or_default()
                        .push((kind, i.timestamp));
                }
            }
        }
        let taken: Vec<usize> = events
            .iter()
            .filter(|(_, e)| e.iter().any(|(k, _)| *k == ActionEvent::Taken))
            .filter_map(|(id, _)| catalogue.get(id).and_then(|c| c.0))
            .collect();
        // For each action, the users who took it and one of the user's actions, summed over
        // those actions, and the takers of those actions (the neighbourhood's size).
        let mut together: HashMap<u32, f64> = HashMap::new();
        for &b in &taken {
            for &(a, c) in &self.together[b] {
                *together.entry(a).or_default() += c;
            }
        }
        let takers_of_taken: f64 = taken.iter().map(|&b| self.takers[b]).sum();
        let no_events = Vec::new();
        let mut out: Vec<(ScoredAction, f64)> = Vec::new();
        for (id, (trained, attributes)) in &catalogue {
            if number(attributes, "EXPIRATION_TIMESTAMP").is_some_and(|t| t <= q.now as f64) {
                continue;
            }
            let mine = events.get(id).unwrap_or(&no_events);
            let last_taken = mine
                .iter()
                .filter(|(k, _)| *k == ActionEvent::Taken)
                .map(|(_, ts)| *ts)
                .max();
            if let (Some(days), Some(last)) = (number(attributes, "REPEAT_FREQUENCY"), last_taken) {
                if q.now.saturating_sub(last) as f64 <= days * 86_400.0 {
                    continue;
                }
            }
            if let Some(filter) = q.filter {
                let types: Vec<String> = mine
                    .iter()
                    .map(|(k, _)| {
                        match k {
                            ActionEvent::Taken => "TAKEN",
                            ActionEvent::NotTaken => "NOT_TAKEN",
                            ActionEvent::Viewed => "VIEWED",
                        }
                        .to_owned()
                    })
                    .collect();
                let subject = Subject {
                    item_id: id,
                    attributes,
                    event_types: &types,
                };
                if !filter.allows(&Context::default(), &subject) {
                    continue;
                }
            }
            let score = match trained {
                Some(a) if self.scored[*a] => {
                    let rate = self.rate[*a];
                    // The action itself is not its own neighbour (pairs never join an action
                    // with itself, so only the takers need leaving out).
                    let num = together.get(&(*a as u32)).copied().unwrap_or(0.0);
                    let own = if taken.contains(a) {
                        self.takers[*a]
                    } else {
                        0.0
                    };
                    let den = takers_of_taken - own;
                    let p = (num + SHRINKAGE * rate) / (den + SHRINKAGE);
                    let refused = mine
                        .iter()
                        .filter(|(k, _)| *k == ActionEvent::NotTaken)
                        .count();
                    (p / (1.0 + refused as f64)).clamp(0.0, 1.0)
                }
                _ => 0.0,
            };
            let value = number(attributes, "VALUE").unwrap_or(f64::NEG_INFINITY);
            out.push((
                ScoredAction {
                    action_id: (*id).to_owned(),
                    score,
                },
                value,
            ));
        }
        out.sort_by(|(a, va), (b, vb)| {
            b.score
                .total_cmp(&a.score)
                .then(vb.total_cmp(va))
                .then_with(|| a.action_id.cmp(&b.action_id))
        });
        out.into_iter()
            .take(q.num_results)
            .map(|(s, _)| s)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(id: &str, attrs: &[(&str, f64)]) -> Item {
        Item {
            item_id: id.into(),
            attributes: attrs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::Num(*v)))
                .collect(),
        }
    }

    fn event(user: &str, action: &str, kind: &str, ts: i64) -> Interaction {
        Interaction {
            user_id: user.into(),
            item_id: action.into(),
            timestamp: ts,
            event_type: kind.into(),
            event_value: None,
            session_id: None,
            attributes: BTreeMap::new(),
        }
    }

    fn query<'a>(user: Option<&'a str>, recent: &'a [Interaction], now: i64) -> ActionQuery<'a> {
        ActionQuery {
            user_id: user,
            recent,
            new_actions: &[],
            now,
            num_results: 10,
            filter: None,
        }
    }

    /// Everyone views the three actions; users 0..60 take "enroll", users 0..40 and 80..100
    /// "app", users 40..100 "card": 60 TAKEN and 100 VIEWED each. Of the app takers, 40 also
    /// took enroll and 20 card.
    fn data() -> Vec<Interaction> {
        let mut out = Vec::new();
        for u in 0..100 {
            let user = format!("u{u}");
            let t = 1_000_000 + u;
            for a in ["enroll", "app", "card"] {
                out.push(event(&user, a, "Viewed", t));
            }
            if u < 60 {
                out.push(event(&user, "enroll", "TAKEN", t));
            }
            if !(40..80).contains(&u) {
                out.push(event(&user, "app", "Taken", t));
            }
            if u >= 40 {
                out.push(event(&user, "card", "taken", t));
            }
        }
        out
    }

    fn actions() -> Vec<Item> {
        vec![
            action("enroll", &[("VALUE", 5.0)]),
            action("app", &[("VALUE", 1.0)]),
            action("card", &[("VALUE", 9.0)]),
            action("quiet", &[("VALUE", 100.0)]),
        ]
    }

    #[test]
    fn event_types_read_as_aws_writes_them() {
        assert_eq!(ActionEvent::parse("Not Taken"), Some(ActionEvent::NotTaken));
        assert_eq!(ActionEvent::parse("NOT_TAKEN"), Some(ActionEvent::NotTaken));
        assert_eq!(ActionEvent::parse("viewed"), Some(ActionEvent::Viewed));
        assert_eq!(ActionEvent::parse("Taken"), Some(ActionEvent::Taken));
        assert_eq!(ActionEvent::parse("click"), None);
        assert_eq!(ActionEvent::parse(""), None);
    }

    #[test]
    fn scores_are_propensities_personalised_by_what_the_user_took() {
        let model = train_actions(&actions(), &data()).unwrap();
        let now = 2_000_000;
        let anonymous = model.recommend(&query(None, &[], now));
        let ids: Vec<&str> = anonymous.iter().map(|s| s.action_id.as_str()).collect();
        // Take rates: enroll 60/160, card 60/160, app 60/160: equal, so VALUE decides
        // (card 9 > enroll 5 > app 1); "quiet" has no interactions and scores 0.0.
        assert_eq!(ids, ["card", "enroll", "app", "quiet"]);
        assert!(anonymous.iter().all(|s| (0.0..=1.0).contains(&s.score)));
        assert_eq!(anonymous[3].score, 0.0);
        // A user who took "app" (users 0..30 took it with "enroll"): enroll rises above card.
        let recent = [event("new", "app", "TAKEN", now - 10)];
        let personal = model.recommend(&query(Some("new"), &recent, now));
        let p = |id: &str| personal.iter().find(|s| s.action_id == id).unwrap().score;
        assert!(p("enroll") > p("card"), "{personal:?}");
        assert!(p("enroll") > anonymous[1].score);
        // Refusing an action lowers it.
        let refused = [
            event("new", "app", "TAKEN", now - 10),
            event("new", "enroll", "Not Taken", now - 5),
        ];
        let after = model.recommend(&query(Some("new"), &refused, now));
        let q = |id: &str| after.iter().find(|s| s.action_id == id).unwrap().score;
        assert!(q("enroll") < p("enroll") / 1.5, "{after:?}");
    }

    #[test]
    fn an_action_needs_fifty_of_each_kind_in_six_weeks_to_be_scored() {
        let mut few = data();
        few.retain(|i| {
            !(i.item_id == "card" && i.event_type == "taken" && i.user_id.as_str() < "u5")
        });
        // card: taken by u40..u99 minus u40..u49 ("u4x" < "u5"): 50 left, still scored.
        let model = train_actions(&actions(), &few).unwrap();
        assert!(model.scored[model.actions.iter().position(|a| a.id == "card").unwrap()]);
        few.retain(|i| !(i.item_id == "card" && i.user_id == "u50" && i.event_type == "taken"));
        let model = train_actions(&actions(), &few).unwrap();
        let card = model.actions.iter().position(|a| a.id == "card").unwrap();
        assert!(!model.scored[card], "49 TAKEN");
        // Interactions older than 6 weeks before the latest do not count.
        let mut old = data();
        old.push(event(
            "late",
            "enroll",
            "Viewed",
            1_000_000 + WINDOW_SECS + 200,
        ));
        let model = train_actions(&actions(), &old).unwrap();
        assert!(model.scored.iter().all(|s| !s));
        assert!(train_actions(&[], &data()).is_err());
    }

    #[test]
    fn expired_actions_and_actions_taken_within_their_repeat_frequency_are_left_out() {
        let now = 2_000_000;
        let list = vec![
            action("enroll", &[("EXPIRATION_TIMESTAMP", (now - 1) as f64)]),
            action("app", &[("REPEAT_FREQUENCY", 2.0)]),
            action("card", &[("EXPIRATION_TIMESTAMP", (now + 100) as f64)]),
        ];
        let model = train_actions(&list, &data()).unwrap();
        let ids = |recent: &[Interaction]| -> Vec<String> {
            model
                .recommend(&query(Some("x"), recent, now))
                .into_iter()
                .map(|s| s.action_id)
                .collect()
        };
        assert_eq!(ids(&[]), ["app", "card"]);
        // Taken a day ago: app waits for its 2 days; three days ago: back.
        assert_eq!(ids(&[event("x", "app", "TAKEN", now - 86_400)]), ["card"]);
        assert_eq!(
            ids(&[event("x", "app", "TAKEN", now - 3 * 86_400)]),
            ["app", "card"]
        );
        // An action put after training joins, unscored; new metadata can expire one.
        let put = [
            action("fresh", &[]),
            action("card", &[("EXPIRATION_TIMESTAMP", 1.0)]),
        ];
        let out = model.recommend(&ActionQuery {
            new_actions: &put,
            ..query(None, &[], now)
        });
        let got: Vec<(&str, f64)> = out
            .iter()
            .map(|s| (s.action_id.as_str(), s.score))
            .collect();
        assert_eq!(got[got.len() - 1], ("fresh", 0.0));
        assert!(!got.iter().any(|(id, _)| *id == "card"));
    }

    #[test]
    fn models_round_trip_and_bad_bytes_are_refused() {
        let model = train_actions(&actions(), &data()).unwrap();
        let bytes = model.to_bytes();
        assert!(ActionModel::is_action_model(&bytes));
        let back = ActionModel::from_bytes(&bytes).unwrap();
        let q = query(Some("u1"), &[], 2_000_000);
        assert_eq!(back.recommend(&q), model.recommend(&q));
        assert!(ActionModel::from_bytes(&bytes[4..]).is_err());
        assert!(ActionModel::from_bytes(b"NBA1\xff\xff").is_err());
    }

    #[test]
    fn extreme_timestamps_and_values_do_not_break_anything() {
        let mut events = data();
        events.push(event("edge", "enroll", "TAKEN", i64::MIN));
        events.push(event("edge", "app", "Viewed", i64::MAX));
        let list = vec![
            action("enroll", &[("REPEAT_FREQUENCY", f64::MAX)]),
            action("app", &[("EXPIRATION_TIMESTAMP", f64::MIN)]),
        ];
        let model = train_actions(&list, &events).unwrap();
        for now in [i64::MIN, 0, i64::MAX] {
            let out = model.recommend(&query(Some("edge"), &events[..2], now));
            assert!(out.iter().all(|s| s.score.is_finite()));
        }
    }
}
