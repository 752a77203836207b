//! The walkthrough's data (158,371 interactions): the one test on the full data set. It
//! checks the walkthrough's PutEvents story and that the model beats popularity and the
//! no-model baseline where that means something: on the discovery protocol.

use personalize_recommender::metrics::{model_query, score, split, Cohort, Protocol};
use personalize_recommender::{
    baselines, evaluate, train, Interaction, Query, Scored, TrainOptions, TrainingData,
};

use personalize_recommender::testing::movies;

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

    // On the discovery protocol (truth limited to items the user has not met, seen items
    // removed from the ranking) the model beats popularity and the no-model baseline; on
    // Personalize's protocol it beats popularity. Nothing here compares with Personalize's
    // published figures: on Personalize's protocol even the no-model baseline passes them
    // (BENCHMARKS.md), so such a comparison says nothing about the model.
    // Judged on the reporting cohort only: the hyperparameter defaults were chosen on the
    // tuning cohort's held-out users (`metrics::Cohort`, BENCHMARKS.md).
    let options = options("aws-user-personalization");
    let all = split(&data, &options).unwrap();
    let split = all.clone().judged_by(Cohort::Reporting);
    let model = train(&split.train, &options).unwrap();
    let catalogue = model.catalogue_len();
    let of_model = |protocol| {
        score(&split, protocol, catalogue, |held, n| {
            model.top(&model_query(&model, held, n))
        })
        .unwrap()
    };
    let no_model = baselines::no_model(&split);
    let of_no_model =
        |protocol| score(&split, protocol, catalogue, |held, n| Ok(no_model(held, n))).unwrap();
    let pop = train(&split.train, &self::options("aws-popularity-count")).unwrap();
    let of_popularity = |protocol| {
        score(&split, protocol, catalogue, |held, n| {
            pop.top(&model_query(&pop, held, n))
        })
        .unwrap()
    };
    const MRR: &str = "mean_reciprocal_rank_at_25";
    let discovery = of_model(Protocol::Discovery);
    for (name, other) in [
        ("popularity", of_popularity(Protocol::Discovery)),
        ("the no-model baseline", of_no_model(Protocol::Discovery)),
    ] {
        for metric in [MRR, "standard_ndcg_at_10", "precision_at_10"] {
            assert!(
                discovery[metric] > other[metric],
                "discovery {metric}: model {} <= {name} {}",
                discovery[metric],
                other[metric]
            );
        }
    }
    let personalize = of_model(Protocol::Personalize);
    let popularity = of_popularity(Protocol::Personalize);
    assert!(
        personalize[MRR] > popularity[MRR],
        "model {} <= popularity {}",
        personalize[MRR],
        popularity[MRR]
    );
    // GetSolutionMetrics is Personalize's protocol on the same split, every held-out user.
    let metrics = evaluate(&data, &options).unwrap();
    let every = score(&all, Protocol::Personalize, catalogue, |held, n| {
        model.top(&model_query(&model, held, n))
    })
    .unwrap();
    assert_eq!(metrics[MRR], every[MRR]);
}
