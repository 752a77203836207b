"""Batch inference with boto3 against personalize-local, input and output in moto S3: the
walkthrough data trained with aws-user-personalization, a JSON Lines file of users (and one
bad line) answered by a batch inference job, its `.out` file read back from S3 and checked
line by line against GetRecommendations. Every response body is checked against botocore's
output shape (walkthrough.check_response).

Environment: PL_ENDPOINT, S3_ENDPOINT, DATA_DIR, as walkthrough.py. Prints one JSON summary
line on success; any failure raises (non-zero exit).
"""

import json
import os
import sys

import boto3
from botocore.config import Config

from walkthrough import CHECKED, DATA, REGION, S3, client, wait

USERS = ["1", "42", "429", "610", "not-a-user"]
NUM_RESULTS = 10


def main():
    s3 = boto3.client("s3", endpoint_url=S3, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="batch")
    s3.upload_file(os.path.join(DATA, "interactions.csv"), "batch", "input/interactions.csv")
    lines = [json.dumps({"userId": u}) for u in USERS] + ['{"userId": 7}']
    s3.put_object(Bucket="batch", Key="jobs/in/users.json", Body=("\n".join(lines) + "\n").encode())

    p = client("personalize")
    runtime = client("personalize-runtime")
    role = "arn:aws:iam::123456789012:role/PersonalizeS3"
    group = p.create_dataset_group(name="batch")["datasetGroupArn"]
    wait(p.describe_dataset_group, "datasetGroup", "datasetGroupArn", group)
    schema = p.create_schema(name="batch-interactions", schema=json.dumps({
        "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
        "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                   {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"}],
        "version": "1.0"}))["schemaArn"]
    dataset = p.create_dataset(name="batch-interactions", datasetGroupArn=group,
                               datasetType="Interactions", schemaArn=schema)["datasetArn"]
    wait(p.describe_dataset, "dataset", "datasetArn", dataset)
    job = p.create_dataset_import_job(
        jobName="batch-import", datasetArn=dataset, roleArn=role,
        dataSource={"dataLocation": "s3://batch/input/interactions.csv"})["datasetImportJobArn"]
    wait(p.describe_dataset_import_job, "datasetImportJob", "datasetImportJobArn", job)
    solution = p.create_solution(name="batch", datasetGroupArn=group,
                                 recipeArn="arn:aws:personalize:::recipe/aws-user-personalization")["solutionArn"]
    wait(p.describe_solution, "solution", "solutionArn", solution)
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    wait(p.describe_solution_version, "solutionVersion", "solutionVersionArn", version, timeout=600)
    campaign = p.create_campaign(name="batch", solutionVersionArn=version)["campaignArn"]
    wait(p.describe_campaign, "campaign", "campaignArn", campaign)

    arn = p.create_batch_inference_job(
        jobName="batch-users", solutionVersionArn=version, numResults=NUM_RESULTS, roleArn=role,
        jobInput={"s3DataSource": {"path": "s3://batch/jobs/in/users.json"}},
        jobOutput={"s3DataDestination": {"path": "s3://batch/jobs/out/"}})["batchInferenceJobArn"]
    wait(p.describe_batch_inference_job, "batchInferenceJob", "batchInferenceJobArn", arn)
    described = p.describe_batch_inference_job(batchInferenceJobArn=arn)["batchInferenceJob"]
    assert described["numResults"] == NUM_RESULTS, described
    assert described["jobOutput"]["s3DataDestination"]["path"] == "s3://batch/jobs/out/", described

    body = s3.get_object(Bucket="batch", Key="jobs/out/users.json.out")["Body"].read().decode()
    out = [json.loads(line) for line in body.splitlines()]
    assert len(out) == len(lines), out
    for user, line in zip(USERS, out):
        assert line["input"] == {"userId": user}, line
        assert line["error"] is None, line
        live = runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=NUM_RESULTS)
        assert line["output"]["recommendedItems"] == [i["itemId"] for i in live["itemList"]], (user, line)
        for got, want in zip(line["output"]["scores"], [i["score"] for i in live["itemList"]]):
            assert abs(got - want) < 1e-9, (user, got, want)
    assert out[-1]["input"] == {"userId": 7} and out[-1]["output"] is None, out[-1]
    assert "userId must be a string" in out[-1]["error"], out[-1]

    listed = p.list_batch_inference_jobs(solutionVersionArn=version)["batchInferenceJobs"]
    assert [j["batchInferenceJobArn"] for j in listed] == [arn], listed

    # A missing input object: the job fails with the reason, as AWS reports it.
    missing = p.create_batch_inference_job(
        jobName="batch-missing", solutionVersionArn=version, roleArn=role,
        jobInput={"s3DataSource": {"path": "s3://batch/jobs/in/absent.json"}},
        jobOutput={"s3DataDestination": {"path": "s3://batch/jobs/out/"}})["batchInferenceJobArn"]
    failed = p.describe_batch_inference_job(batchInferenceJobArn=missing)["batchInferenceJob"]
    assert failed["status"] == "CREATE FAILED", failed
    assert "absent.json" in failed["failureReason"], failed
    try:
        p.create_batch_inference_job(
            jobName="batch-themes", solutionVersionArn=version, roleArn=role,
            batchInferenceJobMode="THEME_GENERATION",
            jobInput={"s3DataSource": {"path": "s3://batch/jobs/in/users.json"}},
            jobOutput={"s3DataDestination": {"path": "s3://batch/jobs/out/"}})
        raise AssertionError("THEME_GENERATION must be refused")
    except p.exceptions.InvalidInputException as e:
        assert "THEME_GENERATION" in str(e), e

    print(json.dumps({"checked_responses": CHECKED["responses"], "lines": len(out),
                      "first": out[0]["output"]["recommendedItems"][:5]}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - the Rust test shows the message
        print(f"batch inference failed: {e!r}", file=sys.stderr)
        raise
