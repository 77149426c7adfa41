"""CloudFormation resource types that moto's engine skips, built on moto's own service backends.

Each returns the `Ref` and `GetAtt` values AWS documents for the type. Only the properties this
project's template uses are modelled.
"""
import copy
import json
import uuid

from moto.apigateway.models import apigateway_backends
from moto.awslambda.models import lambda_backends
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.cloudfront.models import cloudfront_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.route53 import models as route53_models  # noqa: F401 - registers AWS::Route53::RecordSet, which moto lists on first use
from moto.secretsmanager.models import secretsmanager_backends

from . import engine, timing


class _Resource:
    """Shared plumbing. Each model lists CloudFormationModel among its own bases: moto finds
    resource types through CloudFormationModel.__subclasses__(), which lists direct subclasses only."""

    TYPE = ""
    NAME_PROPERTY = ""
    ATTRIBUTES: dict = {}

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str):
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.ATTRIBUTES[attribute_name])

    def is_created(self) -> bool:
        return True

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        raise NotImplementedError(f"{cls.TYPE} is deleted through its model")


class ApiKey(_Resource, CloudFormationModel):
    """Ref and GetAtt APIKeyId: the key ID (not its value)."""

    TYPE = "AWS::ApiGateway::ApiKey"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"APIKeyId": "physical_resource_id"}

    def __init__(self, key):
        self.key = key

    @property
    def physical_resource_id(self) -> str:
        return self.key.id

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        payload = {
            "name": props.get("Name", resource_name),
            "description": props.get("Description"),
            "enabled": str(props.get("Enabled", False)).lower() == "true",  # AWS's default: disabled
            "value": props.get("Value"),
            "customerId": props.get("CustomerId"),
        }
        return cls(apigateway_backends[account_id][region_name].create_api_key(payload))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        original_resource.key.description = props.get("Description")
        original_resource.key.enabled = str(props.get("Enabled", False)).lower() == "true"
        return original_resource

    def delete(self, account_id, region_name):
        apigateway_backends[account_id][region_name].delete_api_key(self.key.id)


class UsagePlan(_Resource, CloudFormationModel):
    """Ref and GetAtt Id: the usage plan ID."""

    TYPE = "AWS::ApiGateway::UsagePlan"
    NAME_PROPERTY = "UsagePlanName"
    ATTRIBUTES = {"Id": "physical_resource_id"}

    def __init__(self, plan):
        self.plan = plan

    @property
    def physical_resource_id(self) -> str:
        return self.plan.id

    @staticmethod
    def _stages(props):
        return [{"apiId": s["ApiId"], "stage": s["Stage"]} for s in props.get("ApiStages", [])]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        payload = {
            "name": props.get("UsagePlanName", resource_name),
            "description": props.get("Description"),
            "apiStages": cls._stages(props),
        }
        return cls(apigateway_backends[account_id][region_name].create_usage_plan(payload))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        original_resource.plan.name = props.get("UsagePlanName", original_resource.plan.name)
        original_resource.plan.description = props.get("Description")
        original_resource.plan.api_stages = cls._stages(props)
        return original_resource

    def delete(self, account_id, region_name):
        apigateway_backends[account_id][region_name].delete_usage_plan(self.plan.id)


class UsagePlanKey(_Resource, CloudFormationModel):
    """Ref and GetAtt Id: the usage-plan key ID, which is the API key's ID. Every property is
    create-only, so it is never updated in place."""

    TYPE = "AWS::ApiGateway::UsagePlanKey"
    ATTRIBUTES = {"Id": "physical_resource_id"}

    def __init__(self, usage_plan_id, key_id):
        self.usage_plan_id = usage_plan_id
        self.key_id = key_id

    @property
    def physical_resource_id(self) -> str:
        return self.key_id

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = apigateway_backends[account_id][region_name]
        backend.create_usage_plan_key(props["UsagePlanId"], {"keyId": props["KeyId"], "keyType": props["KeyType"]})
        return cls(props["UsagePlanId"], props["KeyId"])

    def delete(self, account_id, region_name):
        apigateway_backends[account_id][region_name].delete_usage_plan_key(self.usage_plan_id, self.key_id)


class Stage(_Resource, CloudFormationModel):
    """Ref: the stage name."""

    TYPE = "AWS::ApiGateway::Stage"
    NAME_PROPERTY = "StageName"

    def __init__(self, rest_api_id, name):
        self.rest_api_id = rest_api_id
        self.name = name

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        apigateway_backends[account_id][region_name].create_stage(
            props["RestApiId"], props.get("StageName", resource_name), props["DeploymentId"],
            variables=props.get("Variables"), description=props.get("Description", ""),
        )
        return cls(props["RestApiId"], props.get("StageName", resource_name))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        api = apigateway_backends[account_id][region_name].get_rest_api(original_resource.rest_api_id)
        api.stages[original_resource.name].deployment_id = props["DeploymentId"]
        return original_resource

    def delete(self, account_id, region_name):
        apigateway_backends[account_id][region_name].delete_stage(self.rest_api_id, self.name)


class Secret(_Resource, CloudFormationModel):
    """Ref and GetAtt Id: the secret's ARN."""

    TYPE = "AWS::SecretsManager::Secret"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Id": "physical_resource_id"}

    def __init__(self, arn):
        self.arn = arn

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = secretsmanager_backends[account_id][region_name]
        value = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if generate is not None:
            # A bare password: SecretStringTemplate and GenerateStringKey are not modelled.
            value = json.loads(backend.get_random_password(
                password_length=int(generate.get("PasswordLength", 32)),
                exclude_characters=generate.get("ExcludeCharacters", ""),
                exclude_numbers=bool(generate.get("ExcludeNumbers", False)),
                exclude_punctuation=bool(generate.get("ExcludePunctuation", False)),
                exclude_uppercase=bool(generate.get("ExcludeUppercase", False)),
                exclude_lowercase=bool(generate.get("ExcludeLowercase", False)),
                include_space=bool(generate.get("IncludeSpace", False)),
                require_each_included_type=bool(generate.get("RequireEachIncludedType", True)),
            ))["RandomPassword"]
        created = backend.create_secret(
            name=props.get("Name", resource_name), secret_string=value, secret_binary=None,
            description=props.get("Description"), tags=props.get("Tags"), kms_key_id=props.get("KmsKeyId"),
            client_request_token=None, replica_regions=[], force_overwrite=False,
        )
        return cls(json.loads(created)["ARN"])

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        secretsmanager_backends[account_id][region_name].secrets[original_resource.arn].description = props.get("Description")
        return original_resource

    def delete(self, account_id, region_name):
        # CloudFormation deletes a secret without a recovery window.
        secretsmanager_backends[account_id][region_name].delete_secret(self.arn, None, True)


def _distribution_config(props, caller_reference):
    """CloudFormation's DistributionConfig in the CloudFront API's shape (Quantity/Items lists)."""
    config = props["DistributionConfig"]
    listed = lambda items: {"Quantity": len(items), "Items": items}  # noqa: E731
    origins = []
    for origin in config.get("Origins", []):
        item = {"Id": origin["Id"], "DomainName": origin["DomainName"], "OriginPath": origin.get("OriginPath", "")}
        custom = origin.get("CustomOriginConfig")
        if custom is not None:
            item["CustomOriginConfig"] = {
                "HTTPPort": custom.get("HTTPPort", 80),
                "HTTPSPort": custom.get("HTTPSPort", 443),
                "OriginProtocolPolicy": custom["OriginProtocolPolicy"],
                # The resource schema's default.
                "OriginSslProtocols": listed(custom.get("OriginSSLProtocols", ["TLSv1", "SSLv3"])),
            }
        headers = origin.get("OriginCustomHeaders", [])
        item["CustomHeaders"] = listed([{"HeaderName": h["HeaderName"], "HeaderValue": h["HeaderValue"]} for h in headers])
        origins.append(item)
    behaviour = config.get("DefaultCacheBehavior", {})
    methods = behaviour.get("AllowedMethods", ["GET", "HEAD"])
    return {
        "CallerReference": caller_reference,
        "Comment": config.get("Comment", ""),
        "Enabled": config["Enabled"],
        "HttpVersion": config.get("HttpVersion", "http1.1"),
        "PriceClass": config.get("PriceClass", "PriceClass_All"),
        "WebACLId": config.get("WebACLId", ""),
        "Origins": listed(origins),
        "DefaultCacheBehavior": {
            "TargetOriginId": behaviour["TargetOriginId"],
            "ViewerProtocolPolicy": behaviour["ViewerProtocolPolicy"],
            "AllowedMethods": {**listed(methods), "CachedMethods": listed(behaviour.get("CachedMethods", ["GET", "HEAD"]))},
            "Compress": behaviour.get("Compress", False),
            "CachePolicyId": behaviour.get("CachePolicyId", ""),
            "OriginRequestPolicyId": behaviour.get("OriginRequestPolicyId", ""),
            "ResponseHeadersPolicyId": behaviour.get("ResponseHeadersPolicyId", ""),
        },
        "Aliases": listed(config.get("Aliases", [])),
        "ViewerCertificate": _viewer_certificate(config.get("ViewerCertificate")),
        "Logging": {"Enabled": "Logging" in config, "IncludeCookies": False, "Bucket": "", "Prefix": "", **config.get("Logging", {})},
    }


def _viewer_certificate(certificate):
    """CloudFormation's spelling (AcmCertificateArn, SslSupportMethod) in the API's (ACMCertificateArn,
    SSLSupportMethod); none is the default *.cloudfront.net certificate."""
    if certificate is None:
        return {"CloudFrontDefaultCertificate": True}
    return {
        "CloudFrontDefaultCertificate": False,
        "ACMCertificateArn": certificate["AcmCertificateArn"],
        "SSLSupportMethod": certificate["SslSupportMethod"],
        "MinimumProtocolVersion": certificate["MinimumProtocolVersion"],
    }


class Distribution(_Resource, CloudFormationModel):
    """Ref and GetAtt Id: the distribution ID; GetAtt DomainName: its *.cloudfront.net name.
    No property is create-only: every change updates the distribution in place."""

    TYPE = "AWS::CloudFront::Distribution"
    ATTRIBUTES = {"Id": "physical_resource_id", "DomainName": "domain_name"}

    def __init__(self, distribution, caller_reference):
        self.distribution = distribution
        self.caller_reference = caller_reference

    @property
    def physical_resource_id(self) -> str:
        return self.distribution.id

    @property
    def domain_name(self) -> str:
        return self.distribution.domain_name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        reference = str(uuid.uuid4())
        config = _distribution_config(copy.deepcopy(cloudformation_json["Properties"]), reference)
        distribution, _, _ = cloudfront_backends[account_id]["global"].create_distribution(config, tags=[])
        return cls(distribution, reference)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        config = _distribution_config(copy.deepcopy(cloudformation_json["Properties"]), original_resource.caller_reference)
        distribution, _, _ = cloudfront_backends[account_id]["global"].update_distribution(config, original_resource.physical_resource_id, if_match=True)
        # CloudFormation completes the update only once the distribution is Deployed, minutes later
        # (aws-facts.md); until then it reads InProgress ("When the status is Deployed, the
        # distribution's information is fully propagated to all CloudFront edge locations", CloudFront
        # API Reference, Distribution and DistributionSummary). timing.deployment_seconds stands for
        # it: requests that read the old configuration finish before the old key's cleanup, as they
        # do at real edges.
        distribution.deploying = True
        try:
            engine.waiting(timing.deployment_seconds)
        finally:
            distribution.deploying = False
            distribution.status = "Deployed"
        return original_resource

    def delete(self, account_id, region_name):
        cloudfront_backends[account_id]["global"].delete_distribution(self.physical_resource_id, if_match=True)


class Alarm(_Resource, CloudFormationModel):
    """Ref: the alarm's name; GetAtt Arn: its ARN."""

    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = {"Arn": "arn"}

    def __init__(self, alarm):
        self.alarm = alarm

    @property
    def physical_resource_id(self) -> str:
        return self.alarm.name

    @property
    def arn(self) -> str:
        return self.alarm.alarm_arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=props.get("AlarmName", resource_name),
            namespace=props.get("Namespace"),
            metric_name=props.get("MetricName"),
            comparison_operator=props["ComparisonOperator"],
            evaluation_periods=int(props["EvaluationPeriods"]),
            period=int(props.get("Period", 60)),
            threshold=float(props["Threshold"]),
            statistic=props.get("Statistic"),
            description=props.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in props.get("Dimensions", [])],
            alarm_actions=props.get("AlarmActions", []),
            treat_missing_data=props.get("TreatMissingData"),
        )
        return cls(alarm)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        cloudformation_json["Properties"].setdefault("AlarmName", original_resource.alarm.name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id, region_name):
        cloudwatch_backends[account_id][region_name].delete_alarms([self.alarm.name])


class EventInvokeConfig(_Resource, CloudFormationModel):
    """A function's asynchronous invocation settings: retries, event age, destinations."""

    TYPE = "AWS::Lambda::EventInvokeConfig"

    def __init__(self, function_name, qualifier):
        self.function_name = function_name
        self.qualifier = qualifier

    @property
    def physical_resource_id(self) -> str:
        return f"{self.function_name}|{self.qualifier}"

    @staticmethod
    def _config(props):
        return {key: props[key] for key in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig") if key in props}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        lambda_backends[account_id][region_name].put_function_event_invoke_config(props["FunctionName"], cls._config(props))
        return cls(props["FunctionName"], props["Qualifier"])

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        lambda_backends[account_id][region_name].update_function_event_invoke_config(props["FunctionName"], cls._config(props))
        return original_resource

    def delete(self, account_id, region_name):
        lambda_backends[account_id][region_name].delete_function_event_invoke_config(self.function_name)
