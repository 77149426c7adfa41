"""CloudFront's distribution API, as the CloudFront API Reference documents it, where moto differs.
Only the calls made to the API (CreateDistribution, CreateDistributionWithTags, UpdateDistribution)
are changed: the CloudFormation resource (resources.py) calls moto's backend directly, so a stack's
distribution is created and updated as before, but for the new ETag of each update.

- The configuration is kept as it was sent, and GetDistributionConfig, GetDistribution and
  ListDistributions return it. UpdateDistribution: "The new configuration replaces the existing
  configuration. The values that you specify in an UpdateDistribution request are not merged into
  your existing configuration." moto rebuilds it from the fields its models know and drops the
  rest: an S3 origin's S3OriginConfig, OriginAccessControlId, CustomOriginConfig.IpAddressType,
  every cache behaviour's FunctionAssociations, LambdaFunctionAssociations and GrpcConfig; and it
  adds fields that were not sent (ForwardedValues and TTLs beside a cache policy).
- UpdateDistribution with an IfMatch that is not the distribution's current ETag fails with
  PreconditionFailed (HTTP 412; UpdateDistribution, Errors), and each update gives the
  distribution a new ETag ("If you update the distribution again, you must get a new Etag
  header", UpdateDistribution). moto accepts any IfMatch and keeps the first ETag for ever.
- The distribution reads InProgress for timing.deployment_seconds after the call, then Deployed
  (Distribution.Status: "When the status is Deployed, the distribution's information is fully
  propagated to all CloudFront edge locations"; AWS takes minutes, aws-facts.md). moto reads
  Deployed from the first read after a creation, and never InProgress after an update. The status
  itself is moto_fixes._status_while_deploying's, which a stack's update also goes through.
"""
import copy
import threading
import time

from moto.cloudfront import models as cloudfront_models
from moto.cloudfront import responses as cloudfront_responses
from moto.cloudfront.exceptions import CloudFrontException

from . import timing

# moto's server answers each request on a thread of its own: two updates with the same IfMatch
# must not both pass the check before either changes the ETag, nor one keep the other's configuration.
_versions = threading.Lock()


class PreconditionFailed(CloudFrontException):
    def __init__(self) -> None:
        # AWS's wording, as its callers quote it (hashicorp/terraform-provider-aws#17841).
        super().__init__("PreconditionFailed", "The request failed because it didn't meet the preconditions in one or more request-header fields.")


def _as_sent(original, config_parameter: str, checks_version: bool = False):
    """A CloudFrontResponse handler that keeps the configuration as sent and starts its deployment."""

    def handler(self):
        # moto's models change the dictionary they are built from.
        sent = copy.deepcopy(self._get_param(config_parameter, {}))
        with _versions:
            if checks_version:
                distribution = self.backend.distributions.get(self._get_param("Id"))
                if_match = self._get_param("IfMatch")
                # No IfMatch, or no such distribution: moto's own errors (InvalidIfMatchVersion, NoSuchDistribution).
                if distribution is not None and if_match and if_match != distribution.etag:
                    raise PreconditionFailed()
            result = original(self)
            distribution = result.result["Distribution"]
            distribution.distribution_config.__dict__.update(sent)
            distribution.deployed_at = time.monotonic() + timing.deployment_seconds
        return result

    return handler


def _new_version(original):
    def update_distribution(self, dist_config, _id, if_match):
        distribution, location, _ = original(self, dist_config, _id, if_match)
        distribution.etag = cloudfront_models.random_id()
        return distribution, location, distribution.etag

    return update_distribution


def install() -> None:
    response = cloudfront_responses.CloudFrontResponse
    response.create_distribution = _as_sent(response.create_distribution, "DistributionConfig")
    response.create_distribution_with_tags = _as_sent(response.create_distribution_with_tags, "DistributionConfigWithTags.DistributionConfig")
    response.update_distribution = _as_sent(response.update_distribution, "DistributionConfig", checks_version=True)
    backend = cloudfront_models.CloudFrontBackend
    backend.update_distribution = _new_version(backend.update_distribution)
