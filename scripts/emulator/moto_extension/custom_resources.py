"""AWS::CloudFormation::CustomResource backed by a Lambda function, run for real.

moto's own custom resource model runs the function in Docker, handles Create only, and leaves the
stack in CREATE_IN_PROGRESS until the answer comes. Here, as CloudFormation documents it
(User Guide, "Custom resource request objects" and "response objects"), each Create, Update and
Delete invokes the function named by ServiceToken asynchronously with the request (RequestType,
ResourceProperties, OldResourceProperties on Update, PhysicalResourceId on Update and Delete,
and a ResponseURL that this emulator serves), then waits for the JSON answer PUT to that URL, by
whichever invocation sends it, for at most ServiceTimeout seconds (default 3600). A FAILED answer
fails the resource with CloudFormation's wording. A different PhysicalResourceId on Update (a
replacement) is not modelled: this project's custom resource keeps its ID.
"""
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from moto.core.common_models import CloudFormationModel

from . import engine, functions

DEFAULT_SERVICE_TIMEOUT = 3600
# Once no invocation of the function is running (this one, and any it or another caller started
# since, such as its own asynchronous Invoke to go on after its 900 s) and none has answered,
# CloudFormation would still wait out ServiceTimeout; the emulator waits this long for a late
# answer, then fails as CloudFormation would.
GRACE_AFTER_EXIT = 2.0


class _Answers(BaseHTTPRequestHandler):
    """The pre-signed ResponseURLs: PUT /<request ID> with the JSON answer."""

    waiting: dict = {}  # request ID -> (threading.Event, answer holder)

    def do_PUT(self):  # noqa: N802 - http.server's naming
        entry = self.waiting.get(self.path.lstrip("/"))
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if entry is None:
            self.send_response(403)  # S3 refuses a URL that is not (or no longer) valid
        else:
            entry[1]["answer"] = json.loads(body)
            entry[0].set()
            self.send_response(200)
        self.end_headers()

    def log_message(self, *_):
        pass


_server = {}


def _answer_url(request_id: str) -> str:
    if "server" not in _server:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        _server["server"] = server
    return f"http://127.0.0.1:{_server['server'].server_address[1]}/{request_id}"


def _as_strings(value):
    """CloudFormation passes every scalar property value as a string
    (aws-cloudformation/cloudformation-coverage-roadmap#1037)."""
    if isinstance(value, dict):
        return {key: _as_strings(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_as_strings(inner) for inner in value]
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


class CustomResourceFailed(Exception):
    """The function answered FAILED, or never answered. `resource` is what a rollback must delete:
    CloudFormation sends Delete for a custom resource whose Create failed."""

    def __init__(self, message: str, resource=None):
        super().__init__(message)
        self.message = message
        self.resource = resource


def _request(request_type: str, properties: dict, account_id: str, region_name: str, stack_id: str, logical_id: str,
             physical_id: str | None = None, old_properties: dict | None = None) -> dict:
    request_id = str(uuid.uuid4())
    event = {
        "RequestType": request_type,
        "ServiceToken": properties["ServiceToken"],
        "ResponseURL": _answer_url(request_id),
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": CustomResource.TYPE,
        "ResourceProperties": _as_strings(properties),
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if old_properties is not None:
        event["OldResourceProperties"] = _as_strings(old_properties)
    answered, holder = threading.Event(), {}
    _Answers.waiting[request_id] = (answered, holder)
    try:
        invocation = functions.invoke(properties["ServiceToken"], event, account_id, region_name)
        # A function error is not an answer: CloudFormation only reads the ResponseURL.
        threading.Thread(target=lambda: _ignore_errors(invocation.wait), daemon=True).start()
        deadline = time.monotonic() + float(properties.get("ServiceTimeout", DEFAULT_SERVICE_TIMEOUT))
        with engine.waiting_elsewhere():
            while not answered.wait(0.05) and time.monotonic() < deadline:
                if not functions.running(invocation.function):
                    answered.wait(GRACE_AFTER_EXIT)
                    break
        if not answered.is_set():
            raise CustomResourceFailed(
                "CloudFormation did not receive a response from your Custom Resource. "
                f"Please check your logs for requestId [{request_id}]."
            )
    finally:
        del _Answers.waiting[request_id]
    answer = holder["answer"]
    if answer.get("Status") != "SUCCESS":
        raise CustomResourceFailed(
            f"Received response status [{answer.get('Status')}] from custom resource. "
            f"Message returned: {answer.get('Reason', '')} (RequestId: {request_id})",
            resource=CustomResource(answer.get("PhysicalResourceId") or request_id, stack_id, logical_id, properties),
        )
    return answer


def _ignore_errors(call):
    try:
        call()
    except functions.FunctionError:
        pass


class CustomResource(CloudFormationModel):
    """Ref: the PhysicalResourceId the function answered; GetAtt: the keys of its Data."""

    TYPE = "AWS::CloudFormation::CustomResource"

    def __init__(self, physical_id: str, stack_id: str, logical_id: str, properties: dict, data: dict | None = None):
        self.physical_id, self.stack_id, self.logical_id = physical_id, stack_id, logical_id
        self.properties, self.data = properties, data or {}

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @staticmethod
    def cloudformation_type() -> str:
        return CustomResource.TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str):
        return self.data.get(attribute_name)

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        answer = _request("Create", properties, account_id, region_name, kwargs["StackId"], kwargs["LogicalId"])
        return cls(answer["PhysicalResourceId"], kwargs["StackId"], kwargs["LogicalId"], properties, answer.get("Data"))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        properties = cloudformation_json["Properties"]
        answer = _request(
            "Update", properties, account_id, region_name, original_resource.stack_id, original_resource.logical_id,
            physical_id=original_resource.physical_id, old_properties=original_resource.properties,
        )
        return cls(answer["PhysicalResourceId"], original_resource.stack_id, original_resource.logical_id, properties, answer.get("Data"))

    def delete(self, account_id, region_name):
        _request("Delete", self.properties, account_id, region_name, self.stack_id, self.logical_id, physical_id=self.physical_id)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        raise NotImplementedError(f"{cls.TYPE} is deleted through its model")

