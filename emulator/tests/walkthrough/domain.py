"""The walkthrough on a VIDEO_ON_DEMAND domain dataset group, with boto3 against
personalize-local: the walkthrough data in the domain's format (Watch and Click events; items
with GENRES and CREATION_TIMESTAMP, "VIDEO_ON_DEMAND datasets and schemas"), a "Top picks for
you" and a "Because you watched X" recommender, user 429's top picks before and after three
clicks on item 185, then every resource deleted. Every response body is checked against
botocore's output shapes (walkthrough.py's check).

Environment: PL_ENDPOINT (personalize-local), S3_ENDPOINT (moto), DATA_DIR (the walkthrough
CSVs). Prints one JSON summary line on success; any failure raises (non-zero exit).
"""

import csv
import io
import json
import os
import sys
from datetime import datetime, timezone

import boto3
from botocore.config import Config

from walkthrough import CHECKED, REGION, S3, DATA, client, wait, wait_gone

ROLE = "arn:aws:iam::123456789012:role/PersonalizeS3"
NS = "com.amazonaws.personalize.schema"


def domain_csvs():
    """The walkthrough CSVs in the VIDEO_ON_DEMAND format: event types capitalised, GENRE
    renamed GENRES, and the release year as CREATION_TIMESTAMP (1 January, UTC)."""
    interactions = io.StringIO()
    with open(os.path.join(DATA, "interactions.csv"), newline="") as f:
        rows = csv.DictReader(f)
        out = csv.writer(interactions, lineterminator="\n")
        out.writerow(["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"])
        for r in rows:
            out.writerow([r["USER_ID"], r["ITEM_ID"], r["TIMESTAMP"], r["EVENT_TYPE"].capitalize()])
    items = io.StringIO()
    with open(os.path.join(DATA, "item-meta.csv"), newline="") as f:
        rows = csv.DictReader(f)
        out = csv.writer(items, lineterminator="\n")
        out.writerow(["ITEM_ID", "GENRES", "CREATION_TIMESTAMP"])
        for r in rows:
            year = int(r["YEAR"]) if r["YEAR"].isdigit() else 1970
            created = int(datetime(year, 1, 1, tzinfo=timezone.utc).timestamp())
            out.writerow([r["ITEM_ID"], r["GENRE"], created])
    return interactions.getvalue(), items.getvalue()


def main():
    s3 = boto3.client("s3", endpoint_url=S3, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="domain")
    interactions, items = domain_csvs()
    s3.put_object(Bucket="domain", Key="input/interactions.csv", Body=interactions.encode())
    s3.put_object(Bucket="domain", Key="input/items.csv", Body=items.encode())

    p = client("personalize")
    events = client("personalize-events")
    runtime = client("personalize-runtime")

    vod = [r["name"] for r in p.list_recipes(domain="VIDEO_ON_DEMAND")["recipes"]]
    assert sorted(vod) == sorted(["aws-vod-top-picks", "aws-vod-because-you-watched-x",
                                  "aws-vod-more-like-x", "aws-vod-most-popular",
                                  "aws-vod-trending-now"]), vod

    # The algorithm behind a recipe publishes the defaults training uses, and the trending
    # recipe's feature transformation its discovery frequency.
    up = p.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-user-personalization")["recipe"]
    algorithm = p.describe_algorithm(algorithmArn=up["algorithmArn"])["algorithm"]
    assert algorithm["defaultHyperParameters"]["bptt"] == "32", algorithm
    trending = p.describe_recipe(recipeArn="arn:aws:personalize:::recipe/aws-trending-now")["recipe"]
    transformation = p.describe_feature_transformation(
        featureTransformationArn=trending["featureTransformationArn"])["featureTransformation"]
    assert transformation["defaultParameters"]["trend_discovery_frequency"] == "2 hours", transformation

    group = p.create_dataset_group(name="movies-domain", domain="VIDEO_ON_DEMAND")["datasetGroupArn"]
    wait(p.describe_dataset_group, "datasetGroup", "datasetGroupArn", group)
    assert p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["domain"] == "VIDEO_ON_DEMAND"
    fields = {
        "Interactions": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                         {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"}],
        "Items": [{"name": "ITEM_ID", "type": "string"},
                  {"name": "GENRES", "type": "string", "categorical": True},
                  {"name": "CREATION_TIMESTAMP", "type": "long"}],
    }
    schemas, datasets = {}, {}
    for kind, key in (("Interactions", "interactions.csv"), ("Items", "items.csv")):
        schemas[kind] = p.create_schema(
            name=f"movies-domain-{kind.lower()}", domain="VIDEO_ON_DEMAND",
            schema=json.dumps({"type": "record", "name": kind, "namespace": NS,
                               "fields": fields[kind], "version": "1.0"}))["schemaArn"]
        datasets[kind] = p.create_dataset(name=f"movies-domain-{kind.lower()}", datasetGroupArn=group,
                                          datasetType=kind, schemaArn=schemas[kind])["datasetArn"]
        wait(p.describe_dataset, "dataset", "datasetArn", datasets[kind])
        job = p.create_dataset_import_job(
            jobName=f"movies-domain-{kind.lower()}", datasetArn=datasets[kind], roleArn=ROLE,
            dataSource={"dataLocation": f"s3://domain/input/{key}"})["datasetImportJobArn"]
        wait(p.describe_dataset_import_job, "datasetImportJob", "datasetImportJobArn", job)

    recommenders = {}
    for use_case in ("aws-vod-top-picks", "aws-vod-because-you-watched-x"):
        arn = p.create_recommender(name=use_case, datasetGroupArn=group,
                                   recipeArn=f"arn:aws:personalize:::recipe/{use_case}")["recommenderArn"]
        wait(p.describe_recommender, "recommender", "recommenderArn", arn, timeout=600)
        recommenders[use_case] = arn
    described = p.describe_recommender(recommenderArn=recommenders["aws-vod-top-picks"])["recommender"]
    assert described["recommenderConfig"]["itemExplorationConfig"]["explorationWeight"] == "0.3", described
    assert described["modelMetrics"], described
    tracker = p.create_event_tracker(name="movies-domain", datasetGroupArn=group)
    wait(p.describe_event_tracker, "eventTracker", "eventTrackerArn", tracker["eventTrackerArn"])

    top_picks = recommenders["aws-vod-top-picks"]
    before = runtime.get_recommendations(recommenderArn=top_picks, userId="429")
    before_ids = [i["itemId"] for i in before["itemList"]]
    assert len(before_ids) == 25 and all("score" not in i for i in before["itemList"]), before
    events.put_events(trackingId=tracker["trackingId"], userId="429", sessionId="domain-429",
                      eventList=[{"eventId": f"click-185-{i}", "eventType": "Click", "itemId": "185",
                                  "sentAt": datetime.now(timezone.utc)} for i in range(3)])
    after_ids = [i["itemId"] for i in
                 runtime.get_recommendations(recommenderArn=top_picks, userId="429")["itemList"]]
    assert after_ids != before_ids, "three clicks on item 185 must change user 429's top picks"
    because = runtime.get_recommendations(recommenderArn=recommenders["aws-vod-because-you-watched-x"],
                                          userId="429", itemId="185", numResults=10)
    because_ids = [i["itemId"] for i in because["itemList"]]
    assert len(because_ids) == 10 and "185" not in because_ids, because_ids
    try:
        runtime.get_recommendations(recommenderArn=recommenders["aws-vod-because-you-watched-x"],
                                    userId="429")
        raise AssertionError("Because you watched X without an itemId must be refused")
    except runtime.exceptions.InvalidInputException:
        pass

    p.stop_recommender(recommenderArn=top_picks)
    wait(p.describe_recommender, "recommender", "recommenderArn", top_picks, want="INACTIVE")
    p.start_recommender(recommenderArn=top_picks)
    wait(p.describe_recommender, "recommender", "recommenderArn", top_picks)

    for arn in recommenders.values():
        p.delete_recommender(recommenderArn=arn)
        wait_gone(p.describe_recommender, "recommenderArn", arn, p)
    p.delete_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])
    wait_gone(p.describe_event_tracker, "eventTrackerArn", tracker["eventTrackerArn"], p)
    for arn in datasets.values():
        p.delete_dataset(datasetArn=arn)
        wait_gone(p.describe_dataset, "datasetArn", arn, p)
    p.delete_dataset_group(datasetGroupArn=group)
    wait_gone(p.describe_dataset_group, "datasetGroupArn", group, p)
    for arn in schemas.values():
        p.delete_schema(schemaArn=arn)
    assert not p.list_recommenders()["recommenders"]
    print(json.dumps({"checked_responses": CHECKED["responses"], "before": before_ids[:10],
                      "after": after_ids[:10], "because_you_watched_185": because_ids}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - the Rust test shows the message
        print(f"domain walkthrough failed: {e!r}", file=sys.stderr)
        raise
