//! Handler tests on real API Gateway payloads, the bad-input catalogue and the upstream error
//! mapping, with a fake recommender.

use std::sync::Mutex;

use async_trait::async_trait;
use lambda_common::identity::authenticated;
use lambda_common::{AuthMode, Failure, Upstream};
use lambda_http::http::{self, header};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};

use crate::upstream::{Item, RecommendationRequest, Recommendations, Recommender};
use crate::{Config, Recommend};

const CAMPAIGN: &str = "arn:aws:personalize:us-east-1:123456789012:campaign/movies";

#[derive(Debug, Default)]
struct FakeRecommender {
    asked: Mutex<Vec<RecommendationRequest>>,
    failure: Mutex<Option<(Failure, &'static str)>>,
}

#[async_trait]
impl Recommender for FakeRecommender {
    async fn recommend(&self, r: &RecommendationRequest) -> Result<Recommendations, Upstream> {
        self.asked.lock().unwrap().push(r.clone());
        if let Some((kind, code)) = *self.failure.lock().unwrap() {
            return Err(Upstream {
                service: "Personalize",
                kind,
                code: code.into(),
                detail: "arn:aws:personalize:secret RequestId: 1234".into(),
            });
        }
        Ok(Recommendations {
            recommendation_id: "RID-1".into(),
            item_list: (0..r.num_results)
                .map(|i| Item {
                    item_id: format!("{}", 100 + i),
                    score: Some(0.5 / f64::from(i + 1)),
                })
                .collect(),
        })
    }
}

/// Callers bound to their token's user (the default).
fn recommend() -> Recommend<FakeRecommender> {
    recommend_as(AuthMode::default())
}

fn recommend_as(auth: AuthMode) -> Recommend<FakeRecommender> {
    let mut config = Config::new(CAMPAIGN);
    config.auth = auth;
    config.filters.insert(
        "unwatched".into(),
        "arn:aws:personalize:us-east-1:123456789012:filter/unwatched".into(),
    );
    Recommend::new(config, FakeRecommender::default())
}

/// A request with no token.
fn anonymous(method: &str, uri: &str) -> Request {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::Empty)
        .unwrap()
}

/// A GET with a token for user 1.
fn get(uri: &str) -> Request {
    authenticated(anonymous("GET", uri), "1")
}

fn json_of(r: &Response<Body>) -> Value {
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    match r.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        other => panic!("body {other:?}"),
    }
}

#[tokio::test]
async fn rest_api_event_asks_the_configured_campaign() {
    let r = recommend();
    let req =
        lambda_http::request::from_str(include_str!("../tests/data/apigw_v1_recommendations.json"))
            .unwrap();
    let resp = r.handle(req).await;
    assert_eq!(resp.status(), 200);
    let body = json_of(&resp);
    assert_eq!(body["recommendationId"], "RID-1");
    assert_eq!(body["itemList"].as_array().unwrap().len(), 5);
    assert_eq!(body["itemList"][0], json!({"itemId": "100", "score": 0.5}));
    let asked = r.recommender().asked.lock().unwrap()[0].clone();
    assert_eq!(
        (
            asked.campaign_arn.as_deref().unwrap(),
            asked.user_id.as_str(),
            asked.num_results
        ),
        (CAMPAIGN, "429", 5)
    );
}

#[tokio::test]
async fn http_api_event_on_the_seed_route_with_the_default_count() {
    let r = recommend();
    let req = lambda_http::request::from_str(include_str!(
        "../tests/data/apigw_v2_get_recommendations.json"
    ))
    .unwrap();
    let resp = r.handle(req).await;
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    assert_eq!(json_of(&resp)["itemList"].as_array().unwrap().len(), 25);
}

#[tokio::test]
async fn filter_names_map_to_arns_and_values_and_context_pass_through() {
    let r = recommend();
    let values = "%7B%22GENRE%22%3A%22%5C%22Comedy%5C%22%22%7D"; // {"GENRE":"\"Comedy\""}
    let context = "%7B%22DEVICE%22%3A%22phone%22%7D";
    let resp = r
        .handle(get(&format!("/recommendations?userId=1&itemId=185&filter=unwatched&filterValues={values}&context={context}")))
        .await;
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    let asked = r.recommender().asked.lock().unwrap()[0].clone();
    assert_eq!(
        asked.filter_arn.as_deref(),
        Some("arn:aws:personalize:us-east-1:123456789012:filter/unwatched")
    );
    assert_eq!(asked.filter_values["GENRE"], "\"Comedy\"");
    assert_eq!(asked.context["DEVICE"], "phone");
    assert_eq!(asked.item_id.as_deref(), Some("185"));
}

#[tokio::test]
async fn upstream_failures_map_to_precise_statuses_without_sdk_detail() {
    for (kind, code, status) in [
        (Failure::NotFound, "ResourceNotFoundException", 404),
        (Failure::Throttled, "ThrottlingException", 429),
        (Failure::Unavailable, "InternalServerError", 502),
        (Failure::Rejected, "AccessDeniedException", 502),
        (Failure::Rejected, "InvalidInputException", 400),
    ] {
        let r = recommend();
        *r.recommender().failure.lock().unwrap() = Some((kind, code));
        let resp = r.handle(get("/recommendations?userId=1")).await;
        assert_eq!(resp.status().as_u16(), status, "{code}");
        if status == 429 {
            assert_eq!(resp.headers()[header::RETRY_AFTER], "1");
        }
        let text = json_of(&resp).to_string();
        assert!(
            !text.contains("secret") && !text.contains("RequestId"),
            "{text}"
        );
    }
}

/// Every kind of bad input is a 4xx with a JSON message; none reaches Personalize. Run as a
/// service caller (IAM), which must name the user; the user-bound rules have their own tests.
#[tokio::test]
async fn bad_input_catalogue() {
    let long = "u".repeat(257);
    let cases: Vec<(&str, String, u16, Option<&str>)> = vec![
        ("GET", "/recommendations".into(), 400, Some("userId")),
        (
            "GET",
            "/recommendations?userId=".into(),
            400,
            Some("userId"),
        ),
        (
            "GET",
            format!("/recommendations?userId={long}"),
            400,
            Some("userId"),
        ),
        (
            "GET",
            "/recommendations?userId=%00x".into(),
            400,
            Some("userId"),
        ),
        (
            "GET",
            "/recommendations?userId=1&userId=2".into(),
            400,
            Some("userId"),
        ),
        (
            "GET",
            "/recommendations?userId=1&numResults=0".into(),
            400,
            Some("numResults"),
        ),
        (
            "GET",
            "/recommendations?userId=1&numResults=-3".into(),
            400,
            Some("numResults"),
        ),
        (
            "GET",
            "/recommendations?userId=1&numResults=501".into(),
            400,
            Some("numResults"),
        ),
        (
            "GET",
            "/recommendations?userId=1&numResults=99999999999999999999999".into(),
            400,
            Some("numResults"),
        ),
        (
            "GET",
            "/recommendations?userId=1&numResults=ten".into(),
            400,
            Some("numResults"),
        ),
        (
            "GET",
            "/recommendations?userId=1&numResults=2.5".into(),
            400,
            Some("numResults"),
        ),
        (
            "GET",
            "/recommendations?userId=1&filter=nope".into(),
            400,
            Some("filter"),
        ),
        (
            "GET",
            "/recommendations?userId=1&filterValues=%7B%7D".into(),
            400,
            Some("filterValues"),
        ),
        (
            "GET",
            "/recommendations?userId=1&filter=unwatched&filterValues=%5B1%5D".into(),
            400,
            Some("filterValues"),
        ),
        (
            "GET",
            "/recommendations?userId=1&filter=unwatched&filterValues=%7B".into(),
            400,
            Some("filterValues"),
        ),
        (
            "GET",
            "/recommendations?userId=1&filter=unwatched&filterValues=%7B%22A%22%3A1%7D".into(),
            400,
            Some("filterValues.A"),
        ),
        (
            "GET",
            "/recommendations?userId=1&context=x".into(),
            400,
            Some("context"),
        ),
        (
            "GET",
            "/recommendations?userId=1&campaignArn=arn:x".into(),
            400,
            Some("campaignArn"),
        ),
        (
            "GET",
            "/recommendations?userid=1".into(),
            400,
            Some("userid"),
        ),
        (
            "GET",
            format!("/getRecommendations?userId=1&campaignArn={CAMPAIGN}x"),
            403,
            Some("campaignArn"),
        ),
        (
            "GET",
            "/getRecommendations?userId=1".into(),
            400,
            Some("campaignArn"),
        ),
        (
            "GET",
            format!("/getRecommendations?campaignArn={CAMPAIGN}"),
            400,
            Some("userId"),
        ),
        (
            "GET",
            format!("/getRecommendations?campaignArn={CAMPAIGN}&userId=1&numResults=1000"),
            400,
            Some("numResults"),
        ),
        ("POST", "/recommendations?userId=1".into(), 405, None),
        ("DELETE", "/getRecommendations".into(), 405, None),
        ("GET", "/events".into(), 404, None),
    ];
    for (method, uri, status, field) in cases {
        let r = recommend_as(AuthMode::Service);
        let resp = r.handle(anonymous(method, &uri)).await;
        assert_eq!(
            resp.status().as_u16(),
            status,
            "{method} {uri}: {:?}",
            resp.body()
        );
        let answer = json_of(&resp);
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
        if let Some(field) = field {
            assert_eq!(answer["field"], field, "{method} {uri}: {answer}");
        }
        assert!(
            r.recommender().asked.lock().unwrap().is_empty(),
            "{uri} reached Personalize"
        );
    }
}

#[test]
fn configuration_from_the_environment() {
    let env = |filters: Option<&'static str>| {
        lambda_common::Env::from_fn(move |n| match n {
            "CAMPAIGN_ARN" => Some(CAMPAIGN.into()),
            "FILTER_ARNS" => filters.map(str::to_owned),
            _ => None,
        })
    };
    assert!(Config::from_env(&env(None)).unwrap().filters.is_empty());
    let c = Config::from_env(&env(Some(
        r#"{"unwatched": "arn:aws:personalize:us-east-1:1:filter/u"}"#,
    )))
    .unwrap();
    assert_eq!(
        c.filters["unwatched"],
        "arn:aws:personalize:us-east-1:1:filter/u"
    );
    for bad in [r#"["x"]"#, r#"{"a": 1}"#, r#"{"a": "not-an-arn"}"#, "{"] {
        assert_eq!(
            Config::from_env(&env(Some(bad))).unwrap_err().name,
            "FILTER_ARNS",
            "{bad}"
        );
    }
    let wrong = lambda_common::Env::from_fn(|n| (n == "CAMPAIGN_ARN").then(|| "movies".to_owned()));
    assert_eq!(Config::from_env(&wrong).unwrap_err().name, "CAMPAIGN_ARN");
}

const TOP_PICKS: &str = "arn:aws:personalize:us-east-1:123456789012:recommender/top-picks";
const MORE_LIKE: &str = "arn:aws:personalize:us-east-1:123456789012:recommender/more-like";
const BECAUSE: &str = "arn:aws:personalize:us-east-1:123456789012:recommender/because";

/// A VIDEO_ON_DEMAND deployment: top picks, more like X and because you watched X.
fn vod(auth: AuthMode) -> Recommend<FakeRecommender> {
    let mut config = Config::with_recommenders(
        [
            ("top-picks", TOP_PICKS),
            ("more-like-x", MORE_LIKE),
            ("because-you-watched-x", BECAUSE),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    );
    config.auth = auth;
    config.filters.insert(
        "unwatched".into(),
        "arn:aws:personalize:us-east-1:123456789012:filter/unwatched".into(),
    );
    Recommend::new(config, FakeRecommender::default())
}

/// Without a campaign, `GET /recommendations` asks the top picks recommender and each
/// item-to-item route its use case's, with the item; no request names a campaign.
#[tokio::test]
async fn recommenders_serve_the_user_and_item_routes() {
    let r = vod(AuthMode::default());
    for uri in [
        "/recommendations?numResults=5",
        "/recommendations/more-like?itemId=185&numResults=3",
        "/recommendations/because-you-watched?itemId=185&userId=1&filter=unwatched",
    ] {
        let resp = r.handle(get(uri)).await;
        assert_eq!(resp.status(), 200, "{uri}: {:?}", resp.body());
        assert!(json_of(&resp)["itemList"].is_array());
    }
    let asked = r.recommender().asked.lock().unwrap().clone();
    type Seen<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        &'a str,
        i32,
    );
    let seen: Vec<Seen<'_>> = asked
        .iter()
        .map(|a| {
            (
                a.campaign_arn.as_deref(),
                a.recommender_arn.as_deref(),
                a.item_id.as_deref(),
                a.user_id.as_str(),
                a.num_results,
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (None, Some(TOP_PICKS), None, "1", 5),
            (None, Some(MORE_LIKE), Some("185"), "1", 3),
            (None, Some(BECAUSE), Some("185"), "1", 25),
        ]
    );
    assert_eq!(
        asked[2].filter_arn.as_deref(),
        Some("arn:aws:personalize:us-east-1:123456789012:filter/unwatched")
    );
}

/// The item routes' bad input and unconfigured routes: each a precise 4xx that never reaches
/// Personalize.
#[tokio::test]
async fn item_routes_refuse_bad_input_and_unconfigured_use_cases() {
    let cases: Vec<(&str, u16, Option<&str>, &str)> = vec![
        (
            "/recommendations/more-like?userId=1",
            400,
            Some("itemId"),
            "is required",
        ),
        (
            "/recommendations/more-like?userId=1&itemId=",
            400,
            Some("itemId"),
            "",
        ),
        (
            "/recommendations/because-you-watched?userId=1&itemId=1&itemId=2",
            400,
            Some("itemId"),
            "",
        ),
        (
            "/recommendations/more-like?itemId=185",
            400,
            Some("userId"),
            "",
        ),
        (
            "/recommendations/more-like?userId=1&itemId=185&context=%7B%7D",
            400,
            Some("context"),
            "unknown query parameter",
        ),
        (
            "/recommendations/more-like?userId=1&itemId=185&numResults=0",
            400,
            Some("numResults"),
            "",
        ),
        (
            "/recommendations/more-like?userId=1&itemId=185&filter=nope",
            400,
            Some("filter"),
            "",
        ),
        (
            "/recommendations/also-viewed?userId=1&itemId=185",
            404,
            None,
            "RECOMMENDER_ARNS has no customers-who-viewed-x-also-viewed recommender",
        ),
        (
            "/recommendations/bought-together?userId=1&itemId=185",
            404,
            None,
            "frequently-bought-together",
        ),
        (
            "/getRecommendations?userId=1&campaignArn=arn:x",
            404,
            None,
            "CAMPAIGN_ARN is not set",
        ),
        (
            "/recommendations/more-like/x?userId=1&itemId=185",
            404,
            None,
            "",
        ),
    ];
    for (uri, status, field, message) in cases {
        let r = vod(AuthMode::Service);
        let resp = r.handle(anonymous("GET", uri)).await;
        assert_eq!(resp.status().as_u16(), status, "{uri}: {:?}", resp.body());
        let answer = json_of(&resp);
        assert_eq!(
            answer.get("field").and_then(Value::as_str),
            field,
            "{uri}: {answer}"
        );
        assert!(
            answer["message"].as_str().unwrap().contains(message),
            "{uri}: {answer}"
        );
        assert!(r.recommender().asked.lock().unwrap().is_empty(), "{uri}");
    }
    // A campaign deployment has no item routes and GET /recommendations needs a user use case
    // in a recommender-only one.
    let campaign = recommend_as(AuthMode::Service);
    let resp = campaign
        .handle(anonymous(
            "GET",
            "/recommendations/because-you-watched?userId=1&itemId=185",
        ))
        .await;
    assert_eq!(resp.status(), 404);
    let only_items = Recommend::new(
        Config::with_recommenders([("more-like-x".to_owned(), MORE_LIKE.to_owned())].into()),
        FakeRecommender::default(),
    );
    let resp = only_items.handle(get("/recommendations")).await;
    assert_eq!(resp.status(), 404);
    assert!(json_of(&resp)["message"]
        .as_str()
        .unwrap()
        .contains("top-picks, recommended-for-you"));
    assert!(only_items.recommender().asked.lock().unwrap().is_empty());
}

/// The identity rules hold on the item routes: another user is a 403, no token a 401.
#[tokio::test]
async fn item_routes_keep_the_token_s_user() {
    let r = vod(AuthMode::default());
    let resp = r
        .handle(get(
            "/recommendations/because-you-watched?userId=2&itemId=185",
        ))
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(json_of(&resp)["field"], "userId");
    let resp = r
        .handle(anonymous("GET", "/recommendations/more-like?itemId=185"))
        .await;
    assert_eq!(resp.status(), 401);
    assert!(r.recommender().asked.lock().unwrap().is_empty());
}

#[test]
fn recommender_configuration_from_the_environment() {
    let env = |campaign: Option<&'static str>, recommenders: Option<&'static str>| {
        lambda_common::Env::from_fn(move |n| match n {
            "CAMPAIGN_ARN" => campaign.map(str::to_owned),
            "RECOMMENDER_ARNS" => recommenders.map(str::to_owned),
            _ => None,
        })
    };
    let c = Config::from_env(&env(
        None,
        Some(r#"{"top-picks": "arn:aws:personalize:us-east-1:1:recommender/t", "more-like-x": "arn:aws:personalize:us-east-1:1:recommender/m"}"#),
    ))
    .unwrap();
    assert_eq!(c.campaign_arn, None);
    assert_eq!(
        c.user_recommender(),
        Some(("top-picks", "arn:aws:personalize:us-east-1:1:recommender/t"))
    );
    // A campaign beside item-to-item recommenders is fine.
    let c = Config::from_env(&env(
        Some(CAMPAIGN),
        Some(r#"{"because-you-watched-x": "arn:aws:personalize:us-east-1:1:recommender/b"}"#),
    ))
    .unwrap();
    assert_eq!(c.campaign_arn.as_deref(), Some(CAMPAIGN));
    for (campaign, recommenders, name, message) in [
        (None, None, "CAMPAIGN_ARN", "unless RECOMMENDER_ARNS"),
        (None, Some("{}"), "CAMPAIGN_ARN", "unless RECOMMENDER_ARNS"),
        (None, Some("[1]"), "RECOMMENDER_ARNS", "JSON object"),
        (
            None,
            Some(r#"{"top-pick": "arn:aws:personalize:us-east-1:1:recommender/t"}"#),
            "RECOMMENDER_ARNS",
            "unknown use case \"top-pick\"",
        ),
        (
            None,
            Some(r#"{"top-picks": "arn:aws:personalize:us-east-1:1:campaign/t"}"#),
            "RECOMMENDER_ARNS",
            "recommender ARN",
        ),
        (
            None,
            Some(r#"{"top-picks": 3}"#),
            "RECOMMENDER_ARNS",
            "recommender ARN",
        ),
        (
            None,
            Some(
                r#"{"top-picks": "arn:aws:personalize:us-east-1:1:recommender/t", "recommended-for-you": "arn:aws:personalize:us-east-1:1:recommender/r"}"#,
            ),
            "RECOMMENDER_ARNS",
            "one domain",
        ),
        (
            Some(CAMPAIGN),
            Some(r#"{"top-picks": "arn:aws:personalize:us-east-1:1:recommender/t"}"#),
            "RECOMMENDER_ARNS",
            "both serve GET /recommendations",
        ),
    ] {
        let e = Config::from_env(&env(campaign, recommenders)).unwrap_err();
        assert_eq!(e.name, name, "{recommenders:?}");
        assert!(e.to_string().contains(message), "{recommenders:?}: {e}");
    }
}

/// A token for user 1 reads user 1's recommendations only: naming another user is a 403 that
/// never reaches Personalize, on both routes; omitting `userId` reads the token's user.
#[tokio::test]
async fn a_token_for_one_user_cannot_read_another_users_recommendations() {
    let r = recommend();
    for uri in [
        "/recommendations?userId=2".to_owned(),
        format!("/getRecommendations?campaignArn={CAMPAIGN}&userId=2"),
    ] {
        let resp = r.handle(get(&uri)).await;
        assert_eq!(resp.status(), 403, "{uri}");
        assert_eq!(json_of(&resp)["field"], "userId");
    }
    assert!(r.recommender().asked.lock().unwrap().is_empty());
    for uri in [
        "/recommendations".to_owned(),
        "/recommendations?userId=1".to_owned(),
        format!("/getRecommendations?campaignArn={CAMPAIGN}&userId=1"),
    ] {
        assert_eq!(r.handle(get(&uri)).await.status(), 200, "{uri}");
    }
    let asked = r.recommender().asked.lock().unwrap().clone();
    assert!(asked.iter().all(|a| a.user_id == "1"), "{asked:?}");
}

/// Without an authorizer's user the user-bound function answers 401 and asks nothing, whatever
/// the query names; the same request from an IAM service caller is served.
#[tokio::test]
async fn no_token_is_401_and_a_service_caller_names_any_user() {
    let r = recommend();
    let resp = r
        .handle(anonymous("GET", "/recommendations?userId=1"))
        .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(json_of(&resp)["field"], "Authorization");
    assert!(r.recommender().asked.lock().unwrap().is_empty());
    let service = recommend_as(AuthMode::Service);
    let resp = service
        .handle(anonymous("GET", "/recommendations?userId=2"))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(service.recommender().asked.lock().unwrap()[0].user_id, "2");
}

/// With `CORS_ALLOW_ORIGIN` set, answers (errors too) carry `Access-Control-Allow-Origin` for
/// the configured origin only; without it, none.
#[tokio::test]
async fn cors_headers_go_to_the_configured_origin_only() {
    let from = |origin: &str| {
        let mut req = get("/recommendations?userId=1");
        req.headers_mut()
            .insert(header::ORIGIN, origin.parse().unwrap());
        req
    };
    let plain = recommend();
    let r = plain.handle(from("https://shop.example.com")).await;
    assert!(!r.headers().contains_key("access-control-allow-origin"));

    let mut config = Config::new(CAMPAIGN);
    config.cors = Some(lambda_common::Cors::Origin(
        "https://shop.example.com".into(),
    ));
    let r = Recommend::new(config, FakeRecommender::default());
    let ok = r.handle(from("https://shop.example.com")).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );
    assert_eq!(ok.headers()[header::VARY], "Origin");
    let foreign = r.handle(from("https://evil.example.com")).await;
    assert_eq!(foreign.status(), 200);
    assert!(!foreign
        .headers()
        .contains_key("access-control-allow-origin"));
    // A refusal is readable by the allowed origin's script too.
    let mut refused = from("https://shop.example.com");
    *refused.uri_mut() = "/recommendations?userId=2".parse().unwrap();
    let refused = r.handle(refused).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.headers()["access-control-allow-origin"],
        "https://shop.example.com"
    );

    let env = lambda_common::Env::from_fn(|n| match n {
        "CAMPAIGN_ARN" => Some(CAMPAIGN.into()),
        "CORS_ALLOW_ORIGIN" => Some("https://shop.example.com/app".into()),
        _ => None,
    });
    assert_eq!(
        Config::from_env(&env).unwrap_err().name,
        "CORS_ALLOW_ORIGIN"
    );
}
