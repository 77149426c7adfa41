"""Secrets Manager dynamic references, `{{resolve:secretsmanager:<id>:SecretString[:key[:stage[:version]]]}}`.

CloudFormation resolves them in resource properties (not in Outputs or Metadata) when it creates
or updates the resource, with the caller's credentials; moto leaves them as literal text.
"""
import json
import re

from moto.cloudformation.exceptions import ValidationError
from moto.secretsmanager.models import secretsmanager_backends

REFERENCE = re.compile(
    r"\{\{resolve:secretsmanager:(?P<id>.+?):SecretString"
    r"(?::(?P<key>[^:}]*))?(?::(?P<stage>[^:}]*))?(?::(?P<version>[^:}]*))?\}\}"
)
# Placed by the change-set planner for resources that do not exist yet: left unresolved.
UNKNOWN = "<<unknown:"


def resolve(value, account_id: str, region_name: str):
    """`value` with every secretsmanager reference in its strings replaced by the secret."""
    if isinstance(value, dict):
        return {key: resolve(inner, account_id, region_name) for key, inner in value.items()}
    if isinstance(value, list):
        return [resolve(inner, account_id, region_name) for inner in value]
    if not isinstance(value, str) or "{{resolve:secretsmanager:" not in value:
        return value

    def secret(match: re.Match) -> str:
        if UNKNOWN in match["id"]:
            return match[0]
        backend = secretsmanager_backends[account_id][region_name]
        try:
            result = backend.get_secret_value(match["id"], match["version"] or None, match["stage"] or None)
        except Exception as error:  # noqa: BLE001 - any lookup failure fails the resource, as in AWS
            raise ValidationError(message=f"Could not resolve {{{{resolve:secretsmanager:{match['id']}:...}}}}: {error}")
        text = result["SecretString"]
        return str(json.loads(text)[match["key"]]) if match["key"] else text

    return REFERENCE.sub(secret, value)
