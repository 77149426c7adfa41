"""Fixes to moto's own models, where they reject what CloudFormation accepts or answer what AWS would not."""
import base64
import time

from moto.apigateway import models as apigateway_models
from moto.awslambda import models as lambda_models
from moto.cloudformation import models as cloudformation_models
from moto.cloudformation import parsing
from moto.cloudformation import responses as cloudformation_responses
from moto.cloudfront import models as cloudfront_models
from moto.core.utils import utcnow


def _method_without_http_method(original):
    """A MOCK integration has no IntegrationHttpMethod and no Uri (AWS::ApiGateway::Method docs:
    both are optional for MOCK); moto's model reads them unconditionally."""

    def create_from_cloudformation_json(resource_name, cloudformation_json, account_id, region_name, **kwargs):
        integration = cloudformation_json["Properties"].get("Integration", {})
        integration.setdefault("IntegrationHttpMethod", None)
        integration.setdefault("Uri", None)
        return original(resource_name, cloudformation_json, account_id, region_name, **kwargs)

    return create_from_cloudformation_json


def _previous_values_with_defaults(original):
    """UsePreviousValue keeps a parameter's current value even when that value came from the
    template's default; moto looks only among the values passed in when the stack was created."""

    def resolve_update_parameters(self, instance, incoming_params):
        resolved = getattr(getattr(instance, "resource_map", None), "resolved_parameters", {})
        current = {**resolved, **instance.parameters}
        incoming = [
            {"ParameterKey": p["ParameterKey"], "ParameterValue": current[p["ParameterKey"]]}
            if p.get("UsePreviousValue") and p["ParameterKey"] in current else p
            for p in incoming_params
        ]
        return original(self, instance, incoming)

    return resolve_update_parameters


def _lists_without_no_value(original):
    """AWS::NoValue as a list item removes the item (CloudFormation User Guide, "Pseudo
    parameters": AWS::NoValue "removes the corresponding resource property"), as in a role's
    Policies list under Fn::If; moto leaves None in the list."""

    def clean_json(resource_json, resources_map):
        if isinstance(resource_json, list):
            cleaned = (clean_json(value, resources_map) for value in resource_json)
            return [value for value in cleaned if value is not None]
        return original(resource_json, resources_map)

    return clean_json


def _condition_short_form(original):
    """`!Condition Name` is the short form of {"Condition": "Name"}, the reference to another
    condition inside Fn::And, Fn::Or and Fn::Not (User Guide, "Condition functions"); moto reads
    it as {"Fn::Condition": ...}, which no condition function knows, so the condition is false."""

    def yaml_tag_constructor(loader, tag, node):
        if tag == "!Condition":
            return {"Condition": node.value}
        return original(loader, tag, node)

    return yaml_tag_constructor


def _inline_code_on_update(original):
    """Code.ZipFile is the function's source as text, on update as on create
    (AWS::Lambda::Function Code: "the source code of your Lambda function"); moto zips it on
    create only, so an updated function's code is no zip archive and cannot be run."""

    def update_from_cloudformation_json(original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        code = cloudformation_json["Properties"].get("Code", {})
        if "ZipFile" in code:
            zipped = lambda_models.LambdaFunction._create_zipfile_from_plaintext_code(code["ZipFile"])
            code = {**code, "ZipFile": base64.b64encode(zipped)}
            cloudformation_json = {**cloudformation_json, "Properties": {**cloudformation_json["Properties"], "Code": code}}
        return original(original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    return update_from_cloudformation_json


def _resources_created(self):
    """Stack.stack_resources: a resource whose condition is false is not created (User Guide,
    "Conditions"), so DescribeStackResource(s) never list it; moto yields None for it, and the
    lookup by logical ID fails on it."""
    return [resource for resource in self.resource_map.values() if resource is not None]


def _status_while_deploying(original):
    """A distribution whose change is deploying reads InProgress, in GetDistribution and
    ListDistributions alike ("When the status is Deployed, the distribution's information is fully
    propagated to all CloudFront edge locations", CloudFront API Reference, Distribution and
    DistributionSummary): `deploying` is set by the CloudFormation resource while it waits,
    `deployed_at` (a time.monotonic() value) by a change made through the API (cloudfront.py).
    moto's state manager makes a distribution Deployed on its first read after creation, and never
    InProgress again."""

    def status(self):
        deploying = getattr(self, "deploying", False) or time.monotonic() < getattr(self, "deployed_at", 0.0)
        return "InProgress" if deploying else original.fget(self)

    return property(status, original.fset)


def _modified_now(original):
    """CreateDistribution and UpdateDistribution: LastModifiedTime is "the date and time when the
    distribution was last modified" (CloudFront API Reference, Distribution); moto gives every
    distribution 2021-11-27T10:34:26.802Z."""

    def modify(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        result[0].last_modified_time = utcnow()
        return result

    return modify


def install() -> None:
    # Recursive calls look clean_json up in the module, so nested lists are cleaned too.
    parsing.clean_json = _lists_without_no_value(parsing.clean_json)
    backend = cloudformation_models.CloudFormationBackend
    backend._resolve_update_parameters = _previous_values_with_defaults(backend._resolve_update_parameters)
    method = apigateway_models.Method
    method.create_from_cloudformation_json = staticmethod(_method_without_http_method(method.create_from_cloudformation_json))
    # models and responses import the constructor by name and register it on each YAML parse.
    fixed = _condition_short_form(cloudformation_models.yaml_tag_constructor)
    cloudformation_models.yaml_tag_constructor = fixed
    cloudformation_responses.yaml_tag_constructor = fixed
    cloudformation_models.Stack.stack_resources = property(_resources_created)
    function = lambda_models.LambdaFunction
    function.update_from_cloudformation_json = staticmethod(_inline_code_on_update(function.update_from_cloudformation_json))
    cloudfront_models.Distribution.status = _status_while_deploying(cloudfront_models.ManagedState.status)
    cloudfront = cloudfront_models.CloudFrontBackend
    # create_distribution calls create_distribution_with_tags.
    cloudfront.create_distribution_with_tags = _modified_now(cloudfront.create_distribution_with_tags)
    cloudfront.update_distribution = _modified_now(cloudfront.update_distribution)
