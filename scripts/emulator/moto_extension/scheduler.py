"""EventBridge Scheduler for CloudFormation, on moto's scheduler backend, and a stand-in for the
moment a schedule fires.

moto 5.2.5 models the Scheduler API (moto/scheduler/models.py) but no CloudFormation type for it:
its engine skips AWS::Scheduler::ScheduleGroup and AWS::Scheduler::Schedule ("No Moto
CloudFormation support"), and a GetAtt on one fails the stack. Ref and GetAtt follow the resource
schemas cfn-lint ships (schemas.py): Ref is the primaryIdentifier, Name; the GetAtt attributes
are the readOnlyProperties (a group's Arn, CreationDate, LastModificationDate and State; a
schedule's Arn). Name is create-only for both, so engine.py replaces either when it changes.

POST /moto-api/scheduler/fire fires a schedule as Scheduler does at a given scheduled time. Which
times a cron expression gives is scripts/emulator/scheduler-times.ts's work; nothing here invokes
anything by the clock.
"""
import copy
import json
import random
import re
import string
import uuid
from datetime import datetime, timezone

from moto.core.common_models import CloudFormationModel
from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import urls
from moto.scheduler.exceptions import ScheduleGroupNotFound, ScheduleNotFound
from moto.scheduler.models import scheduler_backends

from . import functions
from .resources import _Resource

NAME_LENGTH = 64  # both schemas: Name maxLength 64, pattern ^[0-9a-zA-Z-_.]+$


def generated_name(stack_id: str, logical_id: str) -> str:
    """The name CloudFormation gives a resource whose template names none, as the resource
    providers' IdentifierUtils.generateResourceIdentifier builds it
    (aws-cloudformation/cloudformation-cli-java-plugin): "<stack name>-<logical ID>-<12 letters
    and digits>", the first two cut to share what the maximum length leaves, each getting at most
    half unless the other needs less. moto's own generator does not cut, and a long stack name
    would exceed the 64 characters the schemas allow."""
    stack_name = stack_id.split("/")[1]  # arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>
    free = NAME_LENGTH - 13 - 1  # the suffix with its dash, and the dash between the two
    stack_part = min(len(stack_name), max(free // 2, free - len(logical_id)))
    logical_part = min(len(logical_id), free - stack_part)
    suffix = "".join(random.choices(string.ascii_letters + string.digits, k=12))
    return f"{stack_name[:stack_part]}-{logical_id[:logical_part]}-{suffix}"


def _iso(epoch_seconds) -> str:
    """The schema's date-time format (RFC 3339) for moto's Unix times."""
    return datetime.fromtimestamp(epoch_seconds, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ScheduleGroup(_Resource, CloudFormationModel):
    """Ref: the group's name. Only Tags can change in place."""

    TYPE = "AWS::Scheduler::ScheduleGroup"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Arn": "arn", "CreationDate": "creation_date", "LastModificationDate": "last_modification_date", "State": "state"}

    def __init__(self, group):
        self.group = group

    @property
    def physical_resource_id(self) -> str:
        return self.group.name

    @property
    def arn(self) -> str:
        return self.group.arn

    @property
    def creation_date(self) -> str:
        return _iso(self.group.created_on)

    @property
    def last_modification_date(self) -> str:
        return _iso(self.group.last_modified)

    @property
    def state(self) -> str:
        return "ACTIVE"

    @staticmethod
    def _tags(props):
        return [{"Key": tag["Key"], "Value": tag["Value"]} for tag in props.get("Tags", [])]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        name = props.get("Name") or generated_name(kwargs["StackId"], kwargs["LogicalId"])
        backend = scheduler_backends[account_id][region_name]
        # CreateScheduleGroup refuses an existing name with ConflictException (API Reference);
        # moto's would replace the group, and the schedules in it would be gone.
        if name in backend.schedule_groups:
            raise JsonRESTError("ConflictException", f"Schedule group {name} already exists.")
        return cls(backend.create_schedule_group(name, cls._tags(props)))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        tagger = scheduler_backends[account_id][region_name].tagger
        tagger.delete_all_tags_for_resource(original_resource.arn)
        tagger.tag_resource(original_resource.arn, cls._tags(cloudformation_json["Properties"]))
        return original_resource

    def delete(self, account_id, region_name):
        # DeleteScheduleGroup deletes the schedules in the group too (API Reference); so does moto's.
        scheduler_backends[account_id][region_name].delete_schedule_group(self.group.name)


class Schedule(_Resource, CloudFormationModel):
    """Ref: the schedule's name; GetAtt Arn: arn:aws:scheduler:<region>:<account>:schedule/<group>/<name>."""

    TYPE = "AWS::Scheduler::Schedule"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Arn": "arn"}
    # Refused rather than ignored: a schedule that silently lost its dates would fire when AWS's does not.
    NOT_MODELLED = ("StartDate", "EndDate")

    def __init__(self, schedule):
        self.schedule = schedule

    @property
    def physical_resource_id(self) -> str:
        return self.schedule.name

    @property
    def arn(self) -> str:
        return self.schedule.arn

    @classmethod
    def _settings(cls, props) -> dict:
        """UpdateSchedule's arguments, which CreateSchedule shares: every one is sent, as UpdateSchedule
        "uses all values, including empty values, specified in the request and overrides the
        existing schedule" (API Reference) and CloudFormation sends the whole model."""
        unmodelled = [key for key in cls.NOT_MODELLED if key in props]
        if unmodelled:
            raise NotImplementedError(f"{cls.TYPE}: {', '.join(unmodelled)} is not modelled by the emulator")
        return {
            "description": props.get("Description"),
            "flexible_time_window": copy.deepcopy(props["FlexibleTimeWindow"]),
            "kms_key_arn": props.get("KmsKeyArn"),
            "schedule_expression": props["ScheduleExpression"],
            "schedule_expression_timezone": props.get("ScheduleExpressionTimezone"),
            "state": props.get("State", "ENABLED"),
            "target": copy.deepcopy(props["Target"]),
            "start_date": None,
            "end_date": None,
        }

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = scheduler_backends[account_id][region_name]
        group = backend.get_schedule_group(props.get("GroupName"))  # moto's create_schedule fails a missing one with KeyError
        name = props.get("Name") or generated_name(kwargs["StackId"], kwargs["LogicalId"])
        return cls(backend.create_schedule(group_name=group.name, name=name, action_after_completion=None, **cls._settings(props)))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        schedule = original_resource.schedule
        # GroupName is not create-only in the schema, so CloudFormation updates in place, and
        # UpdateSchedule reads GroupName as where to find the schedule: moving a schedule to
        # another group fails, "Resource of type 'AWS::Scheduler::Schedule' with identifier
        # '<name>' was not found." (aws/aws-cdk#34216, reproduced by the CDK's maintainers;
        # aws-cloudformation/cloudformation-coverage-roadmap#1726). The update then rolls back.
        if (props.get("GroupName") or "default") != schedule.group_name:
            raise JsonRESTError("NotFound", f"Resource of type '{cls.TYPE}' with identifier '{schedule.name}' was not found.")
        scheduler_backends[account_id][region_name].update_schedule(group_name=schedule.group_name, name=schedule.name, **cls._settings(props))
        return original_resource

    def delete(self, account_id, region_name):
        try:
            scheduler_backends[account_id][region_name].delete_schedule(self.schedule.group_name, self.schedule.name)
        except (ScheduleNotFound, ScheduleGroupNotFound):
            pass  # gone with its group, which takes its schedules along: deleted is what CloudFormation asked for


# --- firing -------------------------------------------------------------------------------------
SCHEDULE_ARN = re.compile(r"^arn:[a-z-]+:scheduler:([a-z0-9-]+):(\d{12}):schedule/([0-9a-zA-Z-_.]+)/([0-9a-zA-Z-_.]+)$")
SCHEDULED_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")  # the form the User Guide shows: 2022-03-22T18:59:43Z


def _answer(status: int, body) -> tuple:
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def render_input(text: str, schedule_arn: str, scheduled_time: str) -> str:
    """The target's Input with the context attributes Scheduler replaces (User Guide, "Adding
    context attributes"). The execution ID has the form of the guide's example, d32c5kddcf5bb8c3;
    the attempt is the first, since the stand-in makes no retries."""
    values = {
        "schedule-arn": schedule_arn,
        "scheduled-time": scheduled_time,
        "execution-id": uuid.uuid4().hex[:16],
        "attempt-number": "1",
    }
    for key, value in values.items():
        text = text.replace(f"<aws.scheduler.{key}>", value)
    return text


def _fire(request, full_url, headers):
    """Body {"scheduleArn", "scheduledTime"}. Answers 200 with {"result": <the handler's result>}
    or {"error": {"errorType", "errorMessage", ...}}; 400 for a body, schedule or target it cannot
    fire, 404 for a schedule or function that does not exist, 409 for a disabled schedule."""
    try:
        body = json.loads(request.get_data() or b"{}")
        schedule_arn, scheduled_time = body["scheduleArn"], body["scheduledTime"]
    except (ValueError, KeyError, TypeError):
        return _answer(400, {"message": 'The body must be JSON {"scheduleArn": ..., "scheduledTime": "YYYY-MM-DDTHH:MM:SSZ"}'})
    arn = SCHEDULE_ARN.match(str(schedule_arn))
    if arn is None or not SCHEDULED_TIME.match(str(scheduled_time)):
        return _answer(400, {"message": f"Not a schedule ARN and a time of the form 2022-03-22T18:59:43Z: {schedule_arn}, {scheduled_time}"})
    region, account, group, name = arn.groups()
    try:
        schedule = scheduler_backends[account][region].get_schedule(group, name)
    except JsonRESTError as error:
        return error.code, {"Content-Type": "application/json"}, error.description
    if schedule.state != "ENABLED":
        return _answer(409, {"message": f"Schedule {name} is {schedule.state}: Scheduler does not invoke its target"})
    target = schedule.target
    if ":lambda:" not in target["Arn"] or "Input" not in target:
        # Other targets, and the "default notification" a target without Input gets, are not modelled.
        return _answer(400, {"message": "The stand-in fires only a Lambda function target with an Input"})
    try:
        # A templated Lambda target's Input must be well-formed JSON (schema, Target.Input).
        event = json.loads(render_input(target["Input"], schedule.arn, scheduled_time))
    except ValueError as error:
        return _answer(400, {"message": f"The target's Input is not JSON: {error}"})
    try:
        running = functions.invoke(target["Arn"], event, account, region)
    except JsonRESTError as error:
        return error.code, {"Content-Type": "application/json"}, error.description
    # Scheduler invokes a Lambda target asynchronously and waits for nothing. The stand-in waits
    # for the outcome and answers it, so that a test can follow what the invocation started (a
    # stack update) and see its result or error, which AWS shows only in the function's logs.
    try:
        return _answer(200, {"result": running.wait()})
    except functions.FunctionError as error:
        message = str(error)
        return _answer(200, {"error": json.loads(message) if message.startswith("{") else {"errorType": "Error", "errorMessage": message}})


def install() -> None:
    """moto builds its server's routes from this dict on the first request to /moto-api."""
    urls.url_paths["{0}/moto-api/scheduler/fire$"] = _fire
