"""Runs a Lambda function's inline Node.js code in a Node subprocess: moto runs functions only in
Docker, which this project's machines do not have.

The function gets what the nodejs runtime gives it: its environment variables, AWS_REGION,
temporary credentials of its execution role (so it acts in the role's account), its timeout, and `index.js` holding the template's inline code (CloudFormation
places `ZipFile` code in a file named index; moto names it index.py whatever the runtime). Its AWS
SDK clients reach this emulator through AWS_ENDPOINT_URL. scripts/emulator/function-runner.js
does the invocation; the Node binary is EMULATOR_NODE (the launcher's own Node by default).

No runner outlives its invocation: each is waited for (killed at the function's timeout, as Lambda
ends an invocation that runs past it), and those still running when the emulator stops are killed
(stop_all). The launcher also kills the emulator's process group, which the runners belong to,
should the emulator itself be killed.
"""
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

from moto.awslambda.models import LambdaBackend, lambda_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import get_partition

RUNNER = Path(__file__).resolve().parent.parent / "function-runner.js"
NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"  # the runtime's AWS SDK v3

_endpoint = {"url": ""}
_running: set = set()  # the runners' processes not yet waited for
_running_lock = threading.Lock()


def configure(endpoint: str) -> None:
    """The emulator's own URL, which the functions' SDK clients call."""
    _endpoint["url"] = endpoint


class Invocation:
    """One running invocation: `wait()` returns the handler's result, or raises FunctionError."""

    def __init__(self, process: subprocess.Popen, timeout: float, name: str, directory: tempfile.TemporaryDirectory):
        self.process, self.timeout, self.name, self._directory = process, timeout, name, directory
        with _running_lock:
            _running.add(process)

    def wait(self):
        try:
            stdout, stderr = self.process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            stdout, stderr = self.process.communicate()
            _log(self.name, stderr)
            raise FunctionError(f"Task timed out after {self.timeout:.2f} seconds")
        finally:
            with _running_lock:
                _running.discard(self.process)
            self._directory.cleanup()
        _log(self.name, stdout.rsplit("\n", 2)[0] if self.process.returncode == 0 else stdout)
        _log(self.name, stderr)
        if self.process.returncode != 0:
            raise FunctionError(stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {self.process.returncode}")
        return json.loads(stdout.strip().splitlines()[-1])


class FunctionError(Exception):
    pass


def stop_all() -> None:
    """Kills the runners still running, for the emulator's shutdown: a function in the middle of
    a long wait (the key gate retries for up to its timeout) would otherwise go on as an orphan."""
    with _running_lock:
        for process in _running:
            process.kill()


def invoke(function_arn: str, event: dict, account_id: str, region_name: str) -> Invocation:
    """Starts the function with `event`, as an asynchronous invocation would."""
    function = lambda_backends[account_id][region_name].get_function(function_arn)
    with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
        code = archive.read("index.py").decode("utf-8")
    directory = tempfile.TemporaryDirectory(prefix="lambda-")
    Path(directory.name, "index.js").write_text(code)
    handler = function.handler.split(".", 1)[1]
    env = {
        "PATH": os.environ.get("PATH", ""),
        **function.environment_vars,
        "AWS_REGION": region_name,
        "AWS_DEFAULT_REGION": region_name,
        **_role_credentials(function.role, account_id, region_name),
        "AWS_ENDPOINT_URL": _endpoint["url"],
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_EC2_METADATA_DISABLED": "true",
        "NODE_PATH": str(NODE_MODULES),
        "LOCAL_EXECUTE_API_URL": os.environ.get("LOCAL_EXECUTE_API_URL", ""),
    }
    process = subprocess.Popen(
        [os.environ.get("EMULATOR_NODE", "node"), str(RUNNER), directory.name, handler, str(int(function.timeout) * 1000)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    process.stdin.write(json.dumps(event))
    process.stdin.close()
    process.stdin = None  # closed: communicate() must not flush it again
    return Invocation(process, float(function.timeout), function.function_name, directory)


def _role_credentials(role_arn: str, account_id: str, region_name: str) -> dict:
    """Lambda runs a function with its execution role's temporary credentials; moto's STS maps the
    access key it issues to the role's account, so the function's calls land in that account."""
    role = sts_backends[account_id][get_partition(region_name)].assume_role(region_name, "function", role_arn, None, 3600, None)
    return {
        "AWS_ACCESS_KEY_ID": role.access_key_id,
        "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
        "AWS_SESSION_TOKEN": role.session_token,
    }


def _log(name: str, text: str) -> None:
    """The function's log lines on the emulator's standard error, as CloudWatch Logs would hold them."""
    for line in text.strip().splitlines():
        print(f"[{name}] {line}", file=sys.stderr, flush=True)


def install() -> None:
    """Lambda's Invoke API runs a Node.js function here too (moto would start Docker), so the CLI
    can invoke the rotation function as EventBridge does and read its result or error."""
    original = LambdaBackend.invoke

    def invoke_here(self, function_name, qualifier, body, headers, response_headers):
        function = self.get_function(function_name, qualifier)
        if not str(function.run_time).startswith("nodejs"):
            return original(self, function_name, qualifier, body, headers, response_headers)
        running = invoke(function.function_arn, json.loads(body or "{}"), function.account_id, function.region)
        if headers.get("X-Amz-Invocation-Type") == "Event":
            threading.Thread(target=_finish, args=(running,), daemon=True).start()
            return "{}"
        try:
            payload = json.dumps(running.wait())
        except FunctionError as error:
            # Lambda's answer to a function error: the header, and the error as the payload.
            response_headers["x-amz-function-error"] = "Unhandled"
            payload = str(error) if str(error).startswith("{") else json.dumps({"errorType": "Error", "errorMessage": str(error)})
        response_headers["Content-Length"] = str(len(payload))
        return payload

    LambdaBackend.invoke = invoke_here


def _finish(running: Invocation) -> None:
    try:
        running.wait()
    except FunctionError:
        pass  # Logged by wait(); an asynchronous invocation's error reaches no caller.
