"""Batch jobs with boto3 against personalize-local, input and output in moto S3: the
walkthrough data trained with aws-user-personalization, a JSON Lines file of users (and one
bad line) answered by a batch inference job, its `.out` file read back from S3 and checked
line by line against GetRecommendations; then a dataset export, an Item-Affinity batch segment
job and a data deletion job, each read back or counted. Every response body is checked
against botocore's output shape (walkthrough.check_response).

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

    # A dataset export of the imported rows, read back from S3.
    export = p.create_dataset_export_job(
        jobName="batch-export", datasetArn=dataset, roleArn=role, ingestionMode="BULK",
        jobOutput={"s3DataDestination": {"path": "s3://batch/exports/"}})["datasetExportJobArn"]
    wait(p.describe_dataset_export_job, "datasetExportJob", "datasetExportJobArn", export)
    exported = s3.get_object(Bucket="batch", Key="exports/batch-export.csv")["Body"].read().decode()
    with open(os.path.join(DATA, "interactions.csv")) as f:
        imported = f.read().splitlines()
    exported = exported.splitlines()
    assert exported[0] == "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE", exported[:2]
    assert len(exported) == len(set(imported[1:])) + 1, (len(exported), len(imported))
    assert [j["datasetExportJobArn"] for j in p.list_dataset_export_jobs(datasetArn=dataset)["datasetExportJobs"]] == [export]

    # An Item-Affinity segment for item 185.
    affinity = p.create_solution(name="batch-affinity", datasetGroupArn=group,
                                 recipeArn="arn:aws:personalize:::recipe/aws-item-affinity")["solutionArn"]
    wait(p.describe_solution, "solution", "solutionArn", affinity)
    affinity_version = p.create_solution_version(solutionArn=affinity)["solutionVersionArn"]
    wait(p.describe_solution_version, "solutionVersion", "solutionVersionArn", affinity_version, timeout=600)
    s3.put_object(Bucket="batch", Key="segments/in/items.json", Body=b'{"itemId": "185"}\n')
    segment = p.create_batch_segment_job(
        jobName="batch-segment", solutionVersionArn=affinity_version, numResults=10, roleArn=role,
        jobInput={"s3DataSource": {"path": "s3://batch/segments/in/items.json"}},
        jobOutput={"s3DataDestination": {"path": "s3://batch/segments/out/"}})["batchSegmentJobArn"]
    wait(p.describe_batch_segment_job, "batchSegmentJob", "batchSegmentJobArn", segment)
    seg = json.loads(s3.get_object(Bucket="batch", Key="segments/out/items.json.out")["Body"].read())
    assert seg["input"] == {"itemId": "185"} and seg["error"] is None, seg
    assert len(seg["output"]["recommendedUsers"]) == 10, seg
    assert len(p.list_batch_segment_jobs(solutionVersionArn=affinity_version)["batchSegmentJobs"]) == 1

    # Deleting user 429: numDeleted is their interactions.
    s3.put_object(Bucket="batch", Key="deletions/users.csv", Body=b"USER_ID\n429\n")
    deletion = p.create_data_deletion_job(
        jobName="batch-deletion", datasetGroupArn=group, roleArn=role,
        dataSource={"dataLocation": "s3://batch/deletions/users.csv"})["dataDeletionJobArn"]
    wait(p.describe_data_deletion_job, "dataDeletionJob", "dataDeletionJobArn", deletion, want="COMPLETED")
    deleted = p.describe_data_deletion_job(dataDeletionJobArn=deletion)["dataDeletionJob"]["numDeleted"]
    assert deleted == sum(1 for line in imported[1:] if line.startswith("429,")), deleted
    assert len(p.list_data_deletion_jobs(datasetGroupArn=group)["dataDeletionJobs"]) == 1

    print(json.dumps({"checked_responses": CHECKED["responses"], "lines": len(out),
                      "first": out[0]["output"]["recommendedItems"][:5],
                      "exported_rows": len(exported) - 1, "segment": seg["output"]["recommendedUsers"][:3],
                      "num_deleted": deleted}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - the Rust test shows the message
        print(f"batch inference failed: {e!r}", file=sys.stderr)
        raise
