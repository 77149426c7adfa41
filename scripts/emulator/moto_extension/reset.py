"""POST /moto-api/extension/reset: the emulator as if just started, for the next test file.

The end-to-end tests share one emulator per jest worker (test/support/emulator-broker.ts): starting
one costs 2.3 s of CPU, most of it moto's imports. Between two files this answers with moto's own
reset (every backend emptied, as POST /moto-api/reset does) and the URL of the new file's "API
stage" stand-in, which the functions are given from then on (functions.py), once no stack
operation and no function invocation is running. What the previous file left running (a key gate
still retrying against its closed stand-in, say) is given GRACE_SECONDS to end; then its
invocations are ended, as stopping its own emulator would have ended them, and the stack
operations waiting on them fail and roll back, in the backends about to be emptied. The function
runners stay: like warm execution environments, they keep only the AWS SDK they loaded, and each
function's code has a directory of its own. After `waitSeconds` (30 by default) with work still
running, it answers 409 and changes nothing: the caller then starts an emulator of its own.

Body: {"executeApiUrl": "http://127.0.0.1:<port>", "waitSeconds": 30}.
"""
import json
import os
import time

from moto.moto_api._internal import urls
from moto.moto_api._internal.models import moto_api_backend

from . import engine, functions

WAIT_SECONDS = 30
GRACE_SECONDS = 1


def _answer(status: int, body) -> tuple:
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def _reset(request, full_url, headers):
    try:
        body = json.loads(request.get_data() or b"{}")
        url, wait = body["executeApiUrl"], body.get("waitSeconds", WAIT_SECONDS)
    except (ValueError, KeyError, TypeError, AttributeError):
        url, wait = None, None
    if not isinstance(url, str) or not url.startswith("http://127.0.0.1:") or not isinstance(wait, (int, float)) or wait < 0:
        return _answer(400, {"message": 'The body must be JSON {"executeApiUrl": "http://127.0.0.1:<port>", "waitSeconds": <0 or more, optional>}'})
    started = time.monotonic()
    while engine.operations_running() or functions.invocations_running():
        waited = time.monotonic() - started
        if waited >= wait:
            return _answer(409, {"message": f"Still running after {wait} s: {engine.operations_running()} stack operations, {functions.invocations_running()} invocations"})
        if waited >= GRACE_SECONDS:
            functions.end_running()
        time.sleep(0.05)
    with engine.turn():
        moto_api_backend.reset()
        os.environ["LOCAL_EXECUTE_API_URL"] = url
    return _answer(200, {})


def install() -> None:
    """moto builds its server's routes from this dict on the first request to /moto-api."""
    urls.url_paths["{0}/moto-api/extension/reset$"] = _reset
