//! The walkthrough's data (158,371 interactions): the one test on the full data set. It
//! checks the walkthrough's PutEvents story and that the offline metrics beat the figures
//! Personalize published for this data.

use personalize_recommender::{
    evaluate, train, Interaction, Query, Scored, TrainOptions, TrainingData,
};

#[path = "support/movies.rs"]
mod movies;

fn options(recipe: &str) -> TrainOptions {
    TrainOptions {
        recipe: recipe.into(),
        seed: 42,
        ..TrainOptions::default()
    }
}

fn query<'a>(user: Option<&'a str>, item: Option<&'a str>, recent: &'a [Interaction]) -> Query<'a> {
    Query {
        user_id: user,
        item_id: item,
        num_results: 25,
        recent,
        new_items: &[],
        exploration: None,
        filter: None,
        now: 1_700_000_000,
        trend: None,
    }
}

fn ids(s: &[Scored]) -> Vec<String> {
    s.iter().map(|x| x.item_id.clone()).collect()
}

fn click(item: &str, timestamp: i64) -> Interaction {
    Interaction {
        user_id: "429".into(),
        item_id: item.into(),
        timestamp,
        event_type: "click".into(),
        event_value: None,
        session_id: Some("walkthrough".into()),
        attributes: Default::default(),
    }
}

#[test]
fn walkthrough_data_put_events_and_metrics() {
    let data: TrainingData = movies::load(&movies::default_dir());
    assert_eq!(data.interactions.len(), 158_371);

    // User 429 clicks item 185 three times: the next recommendations change, towards the
    // items related to 185, without retraining.
    let model = train(&data, &options("aws-user-personalization")).unwrap();
    let before = ids(&model.recommend(&query(Some("429"), None, &[])).unwrap());
    let clicks: Vec<Interaction> = (0..3).map(|k| click("185", 1_700_000_000 + k)).collect();
    let after = ids(&model.recommend(&query(Some("429"), None, &clicks)).unwrap());
    assert_ne!(before, after);
    let sims = train(&data, &options("aws-sims")).unwrap();
    let related = ids(&sims.recommend(&query(None, Some("185"), &[])).unwrap());
    let near = |list: &[String]| list.iter().filter(|id| related.contains(id)).count();
    assert!(
        near(&after) > near(&before),
        "before {before:?}\nafter {after:?}\nrelated {related:?}"
    );

    // GetSolutionMetrics beats Personalize's published User-Personalization figures, and
    // popularity, on a split the seed fixes.
    let up = evaluate(&data, &options("aws-user-personalization")).unwrap();
    let pop = evaluate(&data, &options("aws-popularity-count")).unwrap();
    for (metric, published) in [
        ("precision_at_10", 0.0571),
        ("mean_reciprocal_rank_at_25", 0.269),
        ("normalized_discounted_cumulative_gain_at_10", 0.2687),
    ] {
        assert!(
            up[metric] > published,
            "{metric}: {} <= {published}",
            up[metric]
        );
        assert!(
            up[metric] > pop[metric],
            "{metric}: {} <= popularity {}",
            up[metric],
            pop[metric]
        );
    }
}
