"""The original walkthrough, run with boto3 against personalize-local (a client nobody here
wrote). Every successful response body is checked against its output shape in botocore's
service model: no member the model does not declare, and every value of the declared type.

Environment: PL_ENDPOINT (personalize-local), S3_ENDPOINT (moto), DATA_DIR (the walkthrough
CSVs). Prints one JSON summary line on success; any failure raises (non-zero exit).
"""

import json
import os
import sys
import time
from datetime import datetime, timezone

import boto3
from botocore.config import Config

REGION = "us-east-1"
PL = os.environ["PL_ENDPOINT"]
S3 = os.environ["S3_ENDPOINT"]
DATA = os.environ.get("DATA_DIR", "")
CHECKED = {"responses": 0}


def shape_errors(model, shape, value, path):
    """Violations of `shape` (a botocore Shape) by the raw JSON `value`."""
    t = shape.type_name
    errors = []
    if t == "structure":
        if not isinstance(value, dict):
            return [f"{path}: expected object, got {type(value).__name__}"]
        for key, member in value.items():
            if key not in shape.members:
                errors.append(f"{path}.{key}: not in {shape.name}")
            else:
                errors += shape_errors(model, shape.members[key], member, f"{path}.{key}")
    elif t == "list":
        if not isinstance(value, list):
            return [f"{path}: expected list"]
        for i, item in enumerate(value):
            errors += shape_errors(model, shape.member, item, f"{path}[{i}]")
    elif t == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected map"]
        for k, v in value.items():
            errors += shape_errors(model, shape.key, k, f"{path}<key>")
            errors += shape_errors(model, shape.value, v, f"{path}.{k}")
    elif t == "string":
        if not isinstance(value, str):
            return [f"{path}: expected string, got {value!r}"]
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} not in enum {shape.enum}")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{path}: expected integer, got {value!r}")
    elif t in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{path}: expected number, got {value!r}")
    elif t == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected boolean, got {value!r}")
    elif t == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{path}: expected epoch seconds, got {value!r}")
    return errors


def check_response(operation_model, response_dict, **_):
    if response_dict["status_code"] >= 300:
        return
    body = response_dict["body"]
    output = operation_model.output_shape
    if output is None:
        return
    value = json.loads(body) if body.strip() else {}
    errors = shape_errors(operation_model.service_model, output, value, operation_model.name)
    if errors:
        raise AssertionError("response does not match the model:\n" + "\n".join(errors))
    CHECKED["responses"] += 1


def client(service):
    c = boto3.client(
        service,
        endpoint_url=PL,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    c.meta.events.register(f"before-parse.{c.meta.service_model.service_id.hyphenize()}.*", check_response)
    return c


def wait(describe, key, arn_key, arn, want="ACTIVE", timeout=300):
    deadline = time.time() + timeout
    while True:
        status = describe(**{arn_key: arn})[key]["status"]
        if status == want:
            return
        if "FAILED" in status:
            raise AssertionError(f"{arn} is {status}: {describe(**{arn_key: arn})[key].get('failureReason')}")
        if time.time() > deadline:
            raise AssertionError(f"{arn} still {status}")
        time.sleep(0.05)


def wait_gone(describe, arn_key, arn, personalize, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            describe(**{arn_key: arn})
        except personalize.exceptions.ResourceNotFoundException:
            return
        time.sleep(0.05)
    raise AssertionError(f"{arn} was not deleted")


def main():
    s3 = boto3.client("s3", endpoint_url=S3, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="walkthrough")
    s3.upload_file(os.path.join(DATA, "interactions.csv"), "walkthrough", "input/interactions.csv")
    s3.upload_file(os.path.join(DATA, "item-meta.csv"), "walkthrough", "input/item-meta.csv")

    p = client("personalize")
    events = client("personalize-events")
    runtime = client("personalize-runtime")
    role = "arn:aws:iam::123456789012:role/PersonalizeS3"

    group = p.create_dataset_group(name="movies")["datasetGroupArn"]
    wait(p.describe_dataset_group, "datasetGroup", "datasetGroupArn", group)
    interactions_schema = p.create_schema(name="movies-interactions", schema=json.dumps({
        "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
        "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                   {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"}],
        "version": "1.0"}))["schemaArn"]
    items_schema = p.create_schema(name="movies-items", schema=json.dumps({
        "type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema",
        "fields": [{"name": "ITEM_ID", "type": "string"},
                   {"name": "GENRE", "type": ["null", "string"], "categorical": True},
                   {"name": "YEAR", "type": ["null", "string"]}],
        "version": "1.0"}))["schemaArn"]
    datasets = {}
    for kind, schema in (("Interactions", interactions_schema), ("Items", items_schema)):
        arn = p.create_dataset(name=f"movies-{kind.lower()}", datasetGroupArn=group,
                               datasetType=kind, schemaArn=schema)["datasetArn"]
        wait(p.describe_dataset, "dataset", "datasetArn", arn)
        datasets[kind] = arn
    for kind, key in (("Interactions", "interactions.csv"), ("Items", "item-meta.csv")):
        job = p.create_dataset_import_job(
            jobName=f"movies-{kind.lower()}-import", datasetArn=datasets[kind], roleArn=role,
            dataSource={"dataLocation": f"s3://walkthrough/input/{key}"})["datasetImportJobArn"]
        wait(p.describe_dataset_import_job, "datasetImportJob", "datasetImportJobArn", job)

    recipes = [r["recipeArn"] for r in p.list_recipes()["recipes"]]
    assert "arn:aws:personalize:::recipe/aws-user-personalization" in recipes, recipes
    solution = p.create_solution(name="movies", datasetGroupArn=group,
                                 recipeArn="arn:aws:personalize:::recipe/aws-user-personalization")["solutionArn"]
    wait(p.describe_solution, "solution", "solutionArn", solution)
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait(p.describe_solution_version, "solutionVersion", "solutionVersionArn", version, timeout=600)
    metrics = p.get_solution_metrics(solutionVersionArn=version)["metrics"]
    campaign = p.create_campaign(name="movies", solutionVersionArn=version, minProvisionedTPS=1)["campaignArn"]
    wait(p.describe_campaign, "campaign", "campaignArn", campaign)
    tracker = p.create_event_tracker(name="movies", datasetGroupArn=group)
    wait(p.describe_event_tracker, "eventTracker", "eventTrackerArn", tracker["eventTrackerArn"])

    before = runtime.get_recommendations(campaignArn=campaign, userId="429")
    before_ids = [i["itemId"] for i in before["itemList"]]
    assert len(before_ids) == 25, before
    assert before["recommendationId"]
    now = datetime.now(timezone.utc)
    events.put_events(trackingId=tracker["trackingId"], userId="429", sessionId="walkthrough-429",
                      eventList=[{"eventId": f"click-185-{i}", "eventType": "click", "itemId": "185",
                                  "sentAt": now} for i in range(3)])
    after = runtime.get_recommendations(campaignArn=campaign, userId="429")
    after_ids = [i["itemId"] for i in after["itemList"]]
    assert after_ids != before_ids, "three clicks on item 185 must change user 429's recommendations"
    ranking = runtime.get_personalized_ranking(campaignArn=campaign, userId="429", inputList=before_ids[:5])
    assert sorted(i["itemId"] for i in ranking["personalizedRanking"]) == sorted(before_ids[:5])

    # Deletes in order, waiting for each to be gone, until every List is empty.
    p.delete_campaign(campaignArn=campaign)
    wait_gone(p.describe_campaign, "campaignArn", campaign, p)
    p.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])
    wait_gone(p.describe_event_tracker, "eventTrackerArn", tracker["eventTrackerArn"], p)
    p.delete_solution(solutionArn=solution)
    wait_gone(p.describe_solution, "solutionArn", solution, p)
    for arn in datasets.values():
        p.delete_dataset(datasetArn=arn)
        wait_gone(p.describe_dataset, "datasetArn", arn, p)
    p.delete_dataset_group(datasetGroupArn=group)
    wait_gone(p.describe_dataset_group, "datasetGroupArn", group, p)
    p.delete_schema(schemaArn=interactions_schema)
    p.delete_schema(schemaArn=items_schema)
    leftovers = {
        "datasetGroups": p.list_dataset_groups()["datasetGroups"],
        "schemas": p.list_schemas()["schemas"],
        "datasets": p.list_datasets()["datasets"],
        "datasetImportJobs": p.list_dataset_import_jobs()["datasetImportJobs"],
        "solutions": p.list_solutions()["solutions"],
        "solutionVersions": p.list_solution_versions()["solutionVersions"],
        "campaigns": p.list_campaigns()["campaigns"],
        "eventTrackers": p.list_event_trackers()["eventTrackers"],
        "filters": p.list_filters()["Filters"],
    }
    assert not any(leftovers.values()), leftovers
    print(json.dumps({"checked_responses": CHECKED["responses"], "metrics": metrics,
                      "before": before_ids[:10], "after": after_ids[:10]}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - the Rust test shows the message
        print(f"walkthrough failed: {e!r}", file=sys.stderr)
        raise
