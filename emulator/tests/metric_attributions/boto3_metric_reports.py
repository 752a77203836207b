"""boto3 creates a metric attribution whose reports go to moto S3, imports interactions with
publishAttributionMetricsToS3, and reads the report back from moto ("Publishing metric
attribution reports to Amazon S3": `AggregatedAttributionMetrics - ImportMethod -
Timestamp.csv` with METRIC_NAME,EVENT_TYPE,VALUE,MATH_FUNCTION,EVENT_ATTRIBUTION_SOURCE,
TIMESTAMP). Every response body is checked against botocore's output shape (the walkthrough's
checker).

Environment: PL_ENDPOINT (personalize-local on an instant clock), S3_ENDPOINT (moto). Prints
one JSON summary line on success; any failure raises (non-zero exit).
"""

import csv
import io
import json
import os
import sys

import boto3

os.environ.setdefault("DATA_DIR", "")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "walkthrough"))
from walkthrough import CHECKED, REGION, S3, client, wait  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/personalize"
INTERACTIONS = {
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
    "fields": [
        {"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"}, {"name": "EVENT_TYPE", "type": "string"},
        {"name": "EVENT_ATTRIBUTION_SOURCE", "type": ["null", "string"]},
    ], "version": "1.0",
}
ITEMS = {
    "type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema",
    "fields": [{"name": "ITEM_ID", "type": "string"}, {"name": "PRICE", "type": "double"}],
    "version": "1.0",
}


def main():
    s3 = boto3.client("s3", endpoint_url=S3, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    for bucket in ("ma-data", "ma-reports"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="ma-data", Key="interactions.csv", Body=(
        "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE,EVENT_ATTRIBUTION_SOURCE\n"
        "u1,i1,1700000100,purchase,email\n"
        "u2,i2,1700000200,purchase,email\n"
        "u3,i1,1700000300,purchase,\n"
        "u3,i2,1700000400,view,email\n").encode())
    s3.put_object(Bucket="ma-data", Key="items.csv", Body=b"ITEM_ID,PRICE\ni1,12.5\ni2,7.5\n")

    p = client("personalize")
    group = p.create_dataset_group(name="ma-boto3")["datasetGroupArn"]
    wait(p.describe_dataset_group, "datasetGroup", "datasetGroupArn", group)
    datasets = {}
    for ty, schema in (("Interactions", INTERACTIONS), ("Items", ITEMS)):
        schema_arn = p.create_schema(name=f"ma-{ty}", schema=json.dumps(schema))["schemaArn"]
        arn = p.create_dataset(name=f"ma-{ty}", datasetGroupArn=group, datasetType=ty,
                               schemaArn=schema_arn)["datasetArn"]
        wait(p.describe_dataset, "dataset", "datasetArn", arn)
        datasets[ty] = arn
    job = p.create_dataset_import_job(
        jobName="ma-items", datasetArn=datasets["Items"], roleArn=ROLE,
        dataSource={"dataLocation": "s3://ma-data/items.csv"})["datasetImportJobArn"]
    wait(p.describe_dataset_import_job, "datasetImportJob", "datasetImportJobArn", job)

    attribution = p.create_metric_attribution(
        name="ma-boto3", datasetGroupArn=group,
        metrics=[
            {"eventType": "purchase", "expression": "SUM(Items.PRICE)", "metricName": "REVENUE"},
            {"eventType": "purchase", "expression": "SAMPLECOUNT()", "metricName": "PURCHASES"},
        ],
        metricsOutputConfig={"roleArn": ROLE, "s3DataDestination": {"path": "s3://ma-reports/metrics/"}},
    )["metricAttributionArn"]
    wait(p.describe_metric_attribution, "metricAttribution", "metricAttributionArn", attribution)
    listed = p.list_metric_attribution_metrics(metricAttributionArn=attribution)["metrics"]
    assert [m["metricName"] for m in listed] == ["REVENUE", "PURCHASES"], listed
    summaries = p.list_metric_attributions(datasetGroupArn=group)["metricAttributions"]
    assert [s["metricAttributionArn"] for s in summaries] == [attribution], summaries

    job = p.create_dataset_import_job(
        jobName="ma-interactions", datasetArn=datasets["Interactions"], roleArn=ROLE,
        publishAttributionMetricsToS3=True,
        dataSource={"dataLocation": "s3://ma-data/interactions.csv"})["datasetImportJobArn"]
    wait(p.describe_dataset_import_job, "datasetImportJob", "datasetImportJobArn", job)

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="ma-reports", Prefix="metrics/")["Contents"]]
    assert len(keys) == 1, keys
    assert keys[0].startswith("metrics/AggregatedAttributionMetrics - FULL - "), keys
    assert keys[0].endswith(".csv"), keys
    text = s3.get_object(Bucket="ma-reports", Key=keys[0])["Body"].read().decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["METRIC_NAME", "EVENT_TYPE", "VALUE", "MATH_FUNCTION",
                       "EVENT_ATTRIBUTION_SOURCE", "TIMESTAMP"], rows
    want = [
        ["REVENUE", "purchase", "12.5", "sum", "SOURCE_NAME_UNDEFINED", "1700000100"],
        ["REVENUE", "purchase", "20.0", "sum", "email", "1700000100"],
        ["PURCHASES", "purchase", "1.0", "samplecount", "SOURCE_NAME_UNDEFINED", "1700000100"],
        ["PURCHASES", "purchase", "2.0", "samplecount", "email", "1700000100"],
    ]
    assert rows[1:] == want, rows

    p.delete_metric_attribution(metricAttributionArn=attribution)
    print(json.dumps({"checked_responses": CHECKED["responses"], "report": keys[0], "rows": len(rows) - 1}))


if __name__ == "__main__":
    main()
