"""Runs AWS's own SAM transform (samtranslator, installed with cfn-lint) over a SAM template,
offline, and prints the CloudFormation template it gives as JSON on stdout.

Usage: python3 sam_translate.py template.yaml

As cfn-lint's own local transform (cfnlint/template/transforms/_sam.py): the managed-policy
map is a stub (the template names no managed policy by name, and SAM asks IAM only for a name
missing from the map), CodeUri is replaced by a fake S3 URI (SAM takes no local path), and the
region comes from AWS_DEFAULT_REGION, which this script sets, so no AWS call is made.
"""

import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# No credentials or config are ever read: the transform is offline.
os.environ["AWS_ACCESS_KEY_ID"] = "offline"
os.environ["AWS_SECRET_ACCESS_KEY"] = "offline"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

from samtranslator.parser.parser import Parser  # noqa: E402
from samtranslator.translator.translator import Translator  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

# The managed policies SAM adds itself (basic execution, stream reading), by name -> ARN.
MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "AWSLambdaDynamoDBExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
    "AWSXrayWriteOnlyAccess": "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


def main(path):
    with open(path, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = "s3://bucket/value"
    translator = Translator(managed_policy_map=MANAGED_POLICIES, sam_parser=Parser())
    out = translator.translate(
        sam_template=template,
        parameter_values={},
        passthrough_metadata=True,
        get_managed_policy_map=lambda: MANAGED_POLICIES,
    )
    json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: sam_translate.py template.yaml")
    main(sys.argv[1])
