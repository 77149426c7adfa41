"""GET /moto-api/rest-apis: where each REST API lives, for the "API stage" stand-in
(scripts/emulator/stand-ins.ts).

API Gateway serves https://<api-id>.execute-api.<region>.amazonaws.com from the account that owns
the API, whoever calls it. moto serves no such URL, and its API answers one account at a time (the
caller's, or the one named by x-moto-account-id): nothing in it says which account holds an API
ID. Its backends do, keyed by account and Region, so this lists them as moto's own
get_account_id_from scans the accounts it holds; the stand-in then reads that account's usage
plans and keys through moto's API with x-moto-account-id.
"""
import json

from moto.apigateway.models import apigateway_backends
from moto.moto_api._internal import urls


def _rest_apis(request, full_url, headers):
    # list(), as in get_account_id_from (moto issue #5881): other requests add backends meanwhile.
    found = [
        {"id": api_id, "account": account, "region": region}
        for account, regions in list(apigateway_backends.items())
        for region, backend in list(regions.items())
        for api_id in list(backend.apis)
    ]
    return 200, {"Content-Type": "application/json"}, json.dumps(found)


def install() -> None:
    """moto builds its server's routes from this dict on the first request to /moto-api."""
    urls.url_paths["{0}/moto-api/rest-apis$"] = _rest_apis
