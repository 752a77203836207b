//! The routes the HTTP functions serve are exactly the operations `api/openapi.yaml` assigns
//! to them (`x-personalize-realtime-handler`), and the query parameters recommend accepts are
//! exactly those the document lists, so API Gateway, the local stack and the handlers agree.
//! (Collect and recommend are checked together here, in the crate of cross-crate tests.)

use std::collections::BTreeSet;

use serde_json::Value;

fn documented(document: &Value, handler: &str) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            if operation["x-personalize-realtime-handler"] == handler {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

fn declared(routes: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    routes
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect()
}

#[test]
fn routes_match_the_openapi_document() {
    let document = testkit::openapi::document().unwrap();
    assert_eq!(
        declared(recommend::ROUTES),
        documented(&document, "recommend")
    );
    assert_eq!(declared(collect::ROUTES), documented(&document, "collect"));
}

/// Names of the query parameters of `GET <path>`, following `$ref`s into components.
fn documented_query_params(document: &Value, path: &str) -> BTreeSet<String> {
    let params = document["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap();
    params
        .iter()
        .map(|p| match p["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap();
                &document["components"]["parameters"][name]
            }
            None => p,
        })
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn query_parameters_match_the_openapi_document() {
    let document = testkit::openapi::document().unwrap();
    let accepted = |names: &[&str]| {
        names
            .iter()
            .map(|n| (*n).to_owned())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        accepted(recommend::query::RECOMMENDATIONS_PARAMS),
        documented_query_params(&document, "/recommendations")
    );
    assert_eq!(
        accepted(recommend::query::SEED_PARAMS),
        documented_query_params(&document, "/getRecommendations")
    );
    for (path, _) in recommend::ITEM_ROUTES {
        assert_eq!(
            accepted(recommend::query::ITEM_PARAMS),
            documented_query_params(&document, path),
            "{path}"
        );
    }
}

/// `itemId` is required on exactly the item-to-item routes, which the handler refuses without
/// it, and each of them documents the 404 of an unconfigured use case.
#[test]
fn item_routes_require_the_item_and_document_the_unconfigured_404() {
    let document = testkit::openapi::document().unwrap();
    for (path, operations) in document["paths"].as_object().unwrap() {
        let Some(get) = operations.get("get") else {
            continue;
        };
        let required_item = get["parameters"].as_array().unwrap().iter().any(|p| {
            p["$ref"] == "#/components/parameters/itemIdRequired"
                || (p["name"] == "itemId" && p["required"] == true)
        });
        let is_item_route = recommend::ITEM_ROUTES.iter().any(|(p, _)| p == path);
        assert_eq!(required_item, is_item_route, "{path}");
        if is_item_route {
            assert_eq!(
                get["responses"]["404"]["$ref"], "#/components/responses/NotConfigured",
                "{path}"
            );
        }
    }
}
