"""Next-Best-Action with boto3 against personalize-local: Actions and Action interactions
datasets imported from moto S3, the aws-next-best-action recipe trained and deployed,
GetActionRecommendations before and after PutActionInteractions and PutActions, every response
body checked against botocore's output shapes (walkthrough.py's check).

Environment: PL_ENDPOINT (personalize-local), S3_ENDPOINT (moto). Prints one JSON summary line
on success; any failure raises (non-zero exit).
"""

import json
import sys
from datetime import datetime, timezone

import boto3
from botocore.config import Config

from walkthrough import CHECKED, REGION, S3, client, wait

ROLE = "arn:aws:iam::123456789012:role/PersonalizeS3"
NS = "com.amazonaws.personalize.schema"
ACTIONS = "ACTION_ID,VALUE\nenroll,5\napp,1\ncard,9\n"


def action_interactions():
    """Everyone views the three actions; 0..59 take enroll, 40..99 card, 0..39 and 80..99 app."""
    rows = ["USER_ID,ACTION_ID,TIMESTAMP,EVENT_TYPE"]
    for u in range(100):
        t = 1_700_000_000 + u
        rows += [f"u{u},{a},{t},VIEWED" for a in ("enroll", "app", "card")]
        if u < 60:
            rows.append(f"u{u},enroll,{t},TAKEN")
        if u >= 40:
            rows.append(f"u{u},card,{t},TAKEN")
        if u < 40 or u >= 80:
            rows.append(f"u{u},app,{t},TAKEN")
    return "\n".join(rows) + "\n"


def main():
    s3 = boto3.client("s3", endpoint_url=S3, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="nba")
    s3.put_object(Bucket="nba", Key="actions.csv", Body=ACTIONS.encode())
    s3.put_object(Bucket="nba", Key="action_interactions.csv", Body=action_interactions().encode())

    p = client("personalize")
    events = client("personalize-events")
    runtime = client("personalize-runtime")
    recipe = "arn:aws:personalize:::recipe/aws-next-best-action"
    assert p.describe_recipe(recipeArn=recipe)["recipe"]["recipeType"] == "PERSONALIZED_ACTIONS"

    group = p.create_dataset_group(name="nba")["datasetGroupArn"]
    wait(p.describe_dataset_group, "datasetGroup", "datasetGroupArn", group)
    fields = {
        "Actions": [{"name": "ACTION_ID", "type": "string"}, {"name": "VALUE", "type": ["null", "long"]}],
        "Action_Interactions": [{"name": "USER_ID", "type": "string"}, {"name": "ACTION_ID", "type": "string"},
                                {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"}],
    }
    datasets = {}
    for kind, key in (("Actions", "actions.csv"), ("Action_Interactions", "action_interactions.csv")):
        schema = p.create_schema(name=f"nba-{kind.lower()}", schema=json.dumps(
            {"type": "record", "name": kind.replace("_", ""), "namespace": NS, "fields": fields[kind],
             "version": "1.0"}))["schemaArn"]
        datasets[kind] = p.create_dataset(name=f"nba-{kind.lower()}", datasetGroupArn=group,
                                          datasetType=kind, schemaArn=schema)["datasetArn"]
        wait(p.describe_dataset, "dataset", "datasetArn", datasets[kind])
        job = p.create_dataset_import_job(jobName=f"nba-{kind.lower()}", datasetArn=datasets[kind],
                                          roleArn=ROLE,
                                          dataSource={"dataLocation": f"s3://nba/{key}"})["datasetImportJobArn"]
        wait(p.describe_dataset_import_job, "datasetImportJob", "datasetImportJobArn", job)
    tracking_id = p.describe_dataset(datasetArn=datasets["Action_Interactions"])["dataset"]["trackingId"]

    solution = p.create_solution(name="nba", datasetGroupArn=group, recipeArn=recipe)["solutionArn"]
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait(p.describe_solution_version, "solutionVersion", "solutionVersionArn", version)
    campaign = p.create_campaign(name="nba", solutionVersionArn=version)["campaignArn"]
    wait(p.describe_campaign, "campaign", "campaignArn", campaign)

    before = runtime.get_action_recommendations(campaignArn=campaign, userId="u10", numResults=3)
    before_ids = [a["actionId"] for a in before["actionList"]]
    assert sorted(before_ids) == ["app", "card", "enroll"], before
    assert all(0.0 <= a["score"] <= 1.0 for a in before["actionList"]), before
    # u10 takes the first action it was offered; a new action joins without retraining.
    now = datetime.now(timezone.utc)
    events.put_action_interactions(trackingId=tracking_id, actionInteractions=[
        {"actionId": before_ids[0], "userId": "u10", "sessionId": "s10", "eventType": "NOT_TAKEN",
         "timestamp": now}])
    events.put_actions(datasetArn=datasets["Actions"], actions=[
        {"actionId": "loyalty", "properties": json.dumps({"value": 2})}])
    after = runtime.get_action_recommendations(campaignArn=campaign, userId="u10", numResults=4)
    after_ids = [a["actionId"] for a in after["actionList"]]
    assert "loyalty" in after_ids, after
    assert after_ids[:3] != before_ids, "a NOT_TAKEN must move the action down"
    try:
        runtime.get_recommendations(campaignArn=campaign, userId="u10")
        raise AssertionError("GetRecommendations on an action campaign must be refused")
    except runtime.exceptions.InvalidInputException:
        pass
    print(json.dumps({"checked_responses": CHECKED["responses"], "before": before_ids,
                      "after": after_ids}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - the Rust test shows the message
        print(f"actions flow failed: {e!r}", file=sys.stderr)
        raise
