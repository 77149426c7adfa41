"""Runs a Lambda function's inline Node.js code in a Node subprocess: moto runs functions only in
Docker, which this project's machines do not have.

The function gets what the nodejs runtime gives it: its environment variables, AWS_REGION,
temporary credentials of its execution role (so it acts in the role's account), its timeout, its
ARN (the context's invokedFunctionArn), and `index.js` holding the template's inline code
(CloudFormation places `ZipFile` code in a file named index; moto names it index.py whatever the
runtime). Its AWS SDK clients reach this emulator through AWS_ENDPOINT_URL. The Node binary is
EMULATOR_NODE (the launcher's own Node by default).

scripts/emulator/function-runner.js does the invocations. Like a warm Lambda execution
environment, a runner is reused after an invocation ends and keeps the modules it loaded; unlike
one, it may next serve another function (with that function's own module and environment), since
starting Node and loading the AWS SDK is most of what an invocation costs here. A runner serves one
invocation at a time; at most IDLE_RUNNERS wait for the next.

No runner outlives its invocation's timeout or the emulator: one still running at the function's
timeout is killed (as Lambda ends an invocation that runs past it), all are killed when the
emulator stops (stop_all), and a runner ends by itself when its standard input closes (the
emulator died). The launcher also kills the emulator's process group, which the runners belong to.

Each function's invocations still running are counted (running()): a custom resource's answer may
come from a later invocation than the one CloudFormation started (custom_resources.py).
"""
import hashlib
import io
import json
import os
import queue
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
# Enough for the fleet tests' bursts of invocations at once: with 4, a test run started 71 runners,
# with 12, 36 (each starts Node and loads the AWS SDK: about 0.3 s of CPU).
IDLE_RUNNERS = 12

_endpoint = {"url": ""}
_lock = threading.Lock()
_idle: list = []  # runners waiting for an invocation, the most recently used last
_runners: set = set()  # every runner not yet ended
_code: dict = {}  # (function ARN, SHA-256 of its code and environment) -> the directory holding its index.js
_running: dict = {}  # (account, Region, function name) -> invocations started and not yet ended
_code_root = tempfile.TemporaryDirectory(prefix="lambda-")


def configure(endpoint: str) -> None:
    """The emulator's own URL, which the functions' SDK clients call."""
    _endpoint["url"] = endpoint


class FunctionError(Exception):
    pass


class _Runner:
    """One function-runner.js process; its log lines go to the emulator's log under the name of the function it last ran."""

    def __init__(self):
        outcomes, outcomes_writer = os.pipe()
        env = {"PATH": os.environ.get("PATH", ""), "NODE_PATH": str(NODE_MODULES)}
        self.process = subprocess.Popen(
            [os.environ.get("EMULATOR_NODE", "node"), str(RUNNER), str(outcomes_writer)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, pass_fds=(outcomes_writer,),
        )
        os.close(outcomes_writer)
        self.name = ""
        self.last_error_line = ""
        self._outcomes: queue.Queue = queue.Queue()
        threading.Thread(target=self._read_outcomes, args=(os.fdopen(outcomes),), daemon=True).start()
        threading.Thread(target=self._read_log, args=(self.process.stdout, False), daemon=True).start()
        threading.Thread(target=self._read_log, args=(self.process.stderr, True), daemon=True).start()

    def _read_outcomes(self, stream) -> None:
        for line in stream:
            self._outcomes.put(json.loads(line))
        self._outcomes.put(None)  # the runner ended

    def _read_log(self, stream, errors: bool) -> None:
        for line in stream:
            if errors and line.strip():
                self.last_error_line = line.strip()
            print(f"[{self.name}] {line.rstrip()}", file=sys.stderr, flush=True)

    def start(self, request: dict) -> None:
        self.name = request["env"]["AWS_LAMBDA_FUNCTION_NAME"]
        self.last_error_line = ""
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def outcome(self, timeout: float):
        """The invocation's outcome, None if the runner ended without one; raises queue.Empty at the timeout."""
        return self._outcomes.get(timeout=timeout)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def _take_runner() -> _Runner:
    with _lock:
        while _idle:
            runner = _idle.pop()
            if runner.process.poll() is None:
                return runner
            _runners.discard(runner)
        runner = _Runner()
        _runners.add(runner)
        return runner


def _give_back(runner: _Runner) -> None:
    with _lock:
        if runner.process.poll() is None and len(_idle) < IDLE_RUNNERS:
            _idle.append(runner)
            return
        _runners.discard(runner)
    runner.process.stdin.close()  # it ends by itself
    runner.process.wait()


def _end(runner: _Runner) -> None:
    runner.kill()
    with _lock:
        _runners.discard(runner)


def running(function) -> int:
    """How many invocations of `function` (a moto LambdaFunction: one function of one account and
    Region) have started and not yet ended."""
    with _lock:
        return _running.get(_key(function), 0)


def end_running() -> None:
    """Kills the runners of the invocations still running: each ends with an error, as an
    invocation whose execution environment died (reset.py, for the work a finished test file left)."""
    with _lock:
        busy = [runner for runner in _runners if runner not in _idle]
    for runner in busy:
        runner.kill()


def invocations_running() -> int:
    """Invocations of any function that have started and not yet ended (reset.py waits for none)."""
    with _lock:
        return sum(_running.values())


def _key(function) -> tuple:
    return function.account_id, function.region, function.function_name


class Invocation:
    """One running invocation: `wait()` returns the handler's result, or raises FunctionError.
    It counts as running (running()) until `wait()` has its outcome; every invocation is waited for."""

    def __init__(self, runner: _Runner, timeout: float, function):
        self._runner, self.timeout, self.function = runner, timeout, function
        with _lock:
            _running[_key(function)] = _running.get(_key(function), 0) + 1

    def wait(self):
        try:
            return self._outcome()
        finally:
            with _lock:
                _running[_key(self.function)] -= 1

    def _outcome(self):
        try:
            outcome = self._runner.outcome(self.timeout)
        except queue.Empty:
            _end(self._runner)
            raise FunctionError(f"Task timed out after {self.timeout:.2f} seconds")
        if outcome is None:
            _end(self._runner)
            raise FunctionError(self._runner.last_error_line or f"exit code {self._runner.process.returncode}")
        _give_back(self._runner)
        if "result" not in outcome:
            error = json.dumps(outcome, separators=(",", ":"))
            # As Lambda's runtime logs an invocation's error to the function's log.
            print(f"[{self._runner.name}] {error}", file=sys.stderr, flush=True)
            raise FunctionError(error)
        return outcome["result"]


def stop_all() -> None:
    """Kills every runner, for the emulator's shutdown: a function in the middle of a long wait
    (the key gate retries for up to its timeout) would otherwise go on as an orphan."""
    with _lock:
        runners = list(_runners)
        _runners.clear()
        _idle.clear()
    for runner in runners:
        runner.kill()
    _code_root.cleanup()


def _directory_of(function) -> str:
    """A directory holding the function's index.js: a module of its own, which an update of its code
    or environment variables replaces, as Lambda starts new execution environments then. Two
    functions never share one, even with the same code: a module may keep what it read of its
    function's environment when it loaded."""
    configuration = json.dumps(function.environment_vars, sort_keys=True).encode()
    key = (function.function_arn, hashlib.sha256(function.code_bytes + configuration).hexdigest())
    with _lock:
        if key not in _code:
            with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
                code = archive.read("index.py").decode("utf-8")
            directory = Path(_code_root.name, str(len(_code)))
            directory.mkdir()
            (directory / "index.js").write_text(code)
            _code[key] = str(directory)
        return _code[key]


def invoke(function_arn: str, event: dict, account_id: str, region_name: str) -> Invocation:
    """Starts the function with `event`, as an asynchronous invocation would."""
    function = lambda_backends[account_id][region_name].get_function(function_arn)
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
    timeout = float(function.timeout)
    runner = _take_runner()
    runner.start({
        "directory": _directory_of(function),
        "handler": function.handler.split(".", 1)[1],
        "timeoutMs": int(timeout * 1000),
        "invokedFunctionArn": function.function_arn,
        "env": env,
        "event": event,
    })
    return Invocation(runner, timeout, function)


def _role_credentials(role_arn: str, account_id: str, region_name: str) -> dict:
    """Lambda runs a function with its execution role's temporary credentials; moto's STS maps the
    access key it issues to the role's account, so the function's calls land in that account."""
    role = sts_backends[account_id][get_partition(region_name)].assume_role(region_name, "function", role_arn, None, 3600, None)
    return {
        "AWS_ACCESS_KEY_ID": role.access_key_id,
        "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
        "AWS_SESSION_TOKEN": role.session_token,
    }


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
