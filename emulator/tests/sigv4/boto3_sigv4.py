"""boto3 against a personalize-local started with --verify-sigv4: the accepted pair passes the
signature check on all three planes, a wrong secret is InvalidSignatureException (HTTP 403).
Prints one JSON summary line."""

import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

PL = os.environ["PL_ENDPOINT"]
ID = os.environ["PL_ACCESS_KEY_ID"]
SECRET = os.environ["PL_SECRET"]


def client(service, secret):
    return boto3.client(
        service,
        endpoint_url=PL,
        region_name="eu-west-1",
        aws_access_key_id=ID,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


CALLS = {
    "personalize": lambda c: c.list_recipes(),
    "personalize-events": lambda c: c.put_events(
        trackingId="00000000-0000-0000-0000-000000000000",
        sessionId="s",
        eventList=[{"eventType": "watch", "itemId": "i1", "sentAt": 1700000000}],
    ),
    "personalize-runtime": lambda c: c.get_recommendations(
        campaignArn="arn:aws:personalize:eu-west-1:123456789012:campaign/none", userId="u1"
    ),
}


def outcome(service, secret):
    try:
        CALLS[service](client(service, secret))
        return "ok", 200
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]


summary = {"right": {}, "wrong_secret": {}, "wrong_status": {}}
for service in CALLS:
    summary["right"][service] = outcome(service, SECRET)[0]
    code, status = outcome(service, SECRET + "x")
    summary["wrong_secret"][service] = code
    summary["wrong_status"][service] = status
print(json.dumps(summary))
