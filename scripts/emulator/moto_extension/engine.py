"""Stack updates as CloudFormation documents them, in place of moto's.

moto updates only resources whose template text changed or that `Ref` a changed parameter
directly. CloudFormation instead compares each resource's resolved properties, in dependency
order: a change to a create-only property replaces the resource (a new physical resource now,
the old one deleted in the cleanup phase, after every other resource is updated), and any other
change updates it in place. Change sets list the same plan, each change with its Replacement.
Every resource operation is recorded as a stack event carrying the request's ClientRequestToken.

A resource that fails rolls the operation back, as CloudFormation does by default (User Guide,
"Stack failure options" and "Update behaviors of stack resources"): a failed create deletes what
was created and ends in ROLLBACK_COMPLETE; a failed update gives the resources updated in place
their previous properties back, points replaced resources at their old physical resources again,
deletes the new physical resources in UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS, and ends in
UPDATE_ROLLBACK_COMPLETE with the previous template and parameters. The stack's status moves
through the *_IN_PROGRESS states on the way, and an update is refused while one is in progress,
after a failed creation, and once the stack is deleted (refuse_update). An error that is no
resource's (internal_failure) rolls the operation back too, with the error as the reason.

CreateStack, UpdateStack and ExecuteChangeSet answer once the operation has started, as in AWS
(CloudFormation API Reference, CreateStack: "After the call completes successfully, the stack
creation starts. You can check the status of the stack through the DescribeStacks operation";
UpdateStack: "... the stack update starts"; ExecuteChangeSet: "After the call successfully
completes, CloudFormation starts updating the stack"). The call itself checks what it is given and
refuses with its error (a busy stack, no updates, an existing name, a bad template or parameter),
sets the stack *_IN_PROGRESS with its "User Initiated" event, and answers; the resources, custom
resources and any rollback follow on a thread of their own (_in_background).
"""
import contextlib
import contextvars
import copy
import json
import re
import sys
import threading
import time
import traceback

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.core.utils import utcnow

from . import timing
from .dynamic_references import UNKNOWN, resolve
from .schemas import create_only_properties

PROPERTIES = "_resolved_properties"  # kept on each model: what it was created or updated with
REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."

_token = contextvars.ContextVar("client_request_token", default=None)
_updating = contextvars.ContextVar("updating", default=False)
# Set while CreateStack, UpdateStack or ExecuteChangeSet is answered; unset inside a StackSet
# operation, which runs its stacks' operations itself and ends when they have ended.
_asynchronous = contextvars.ContextVar("asynchronous", default=False)
# Set while UpdateStack is answered when its RollbackConfiguration has a monitoring period.
_monitored = contextvars.ContextVar("monitored", default=False)
# CloudFormation's actions take turns. moto's server answers each request on a thread of its own,
# and moto is "not known to be thread safe" (getmoto/moto#5881): its models loop over dicts that
# another stack's operation adds to meanwhile, and "RuntimeError: dictionary changed size during
# iteration" fails a resource, so the stack rolls back. Seen in moto 5.2.5, stacks created at once
# in one account: iam/models.py IAMBackend.create_role (line 2164) and get_role_by_arn (2194, from
# awslambda/models.py put_function), apigateway/models.py create_api_key (2201), secretsmanager/
# models.py SecretsStore.__contains__ (366), cloudformation/models.py create_stack (1023). AWS runs
# stack operations side by side, so they still overlap while one waits (waiting_elsewhere).
_turn = threading.RLock()
_background_lock = threading.Lock()
_background = {"operations": 0}


# --- dependencies -----------------------------------------------------------------------------
def references(value) -> set:
    """Logical names that `value` refers to through Ref, Fn::GetAtt and Fn::Sub."""
    names = set()
    if isinstance(value, list):
        for item in value:
            names |= references(item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                names.add(inner)
            elif key == "Fn::GetAtt":
                names.add(inner[0] if isinstance(inner, list) else inner.split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (inner + [{}])[:2] if isinstance(inner, list) else (inner, {})
                for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                    if name.split(".")[0] not in variables:
                        names.add(name.split(".")[0])
                names |= references(variables)
            else:
                names |= references(inner)
    return names


def dependencies(resource: dict) -> set:
    """Logical names the resource refers to or DependsOn (parameters and pseudo parameters too)."""
    depends_on = resource.get("DependsOn", [])
    return references(resource) | set([depends_on] if isinstance(depends_on, str) else depends_on)


def dependency_order(resources: dict) -> list:
    """Logical IDs with each resource after everything it refers to or DependsOn."""
    order, visiting = [], set()

    def visit(name):
        if name in order or name in visiting:
            return
        visiting.add(name)
        for dependency in sorted(dependencies(resources[name])):
            if dependency in resources:
                visit(dependency)
        order.append(name)

    for name in resources:
        visit(name)
    return order


# --- resolution -------------------------------------------------------------------------------
def resolved_properties(logical_id: str, resource_json: dict, resources_map) -> dict:
    """The resource's properties with intrinsic functions and dynamic references resolved."""
    parsed = parsing.parse_resource(copy.deepcopy(resource_json), resources_map)
    return parsed[1].get("Properties", {}) if parsed else {}


def _parse_resource(original):
    def parse_resource(resource_json, resources_map):
        parsed = original(resource_json, resources_map)
        if parsed is None:
            return None
        resource_class, cleaned, resource_type = parsed
        cleaned["Properties"] = resolve(cleaned.get("Properties", {}), resources_map._account_id, resources_map._region_name)
        return resource_class, cleaned, resource_type

    return parse_resource


def _parse_and_create_resource(original):
    """Stack creation's events; an update records its own (see update)."""

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
        creating = not _updating.get() and not _skipped(resource_json, resources_map)
        if creating:
            # moto creates what a resource refers to on first reference; CloudFormation finishes it first.
            for dependency in sorted(dependencies(resource_json) & set(resources_map._resource_json_map)):
                resources_map[dependency]
            _event(resources_map, logical_id, resource_json["Type"], None, "CREATE_IN_PROGRESS")
        try:
            resource = original(logical_id, resource_json, resources_map, account_id, region_name)
        except ResourceFailed:
            raise
        except Exception as error:  # noqa: BLE001 - any failure fails the resource, as in AWS
            if not creating:
                raise
            if getattr(error, "resource", None) is not None:
                resources_map._parsed_resources[logical_id] = error.resource  # the rollback deletes it
            _event(resources_map, logical_id, resource_json["Type"], None, "CREATE_FAILED", reason_of(error))
            raise ResourceFailed(logical_id) from error
        if resource is not None:
            setattr(resource, PROPERTIES, resolved_properties(logical_id, resource_json, resources_map))
            if creating:
                _event(resources_map, logical_id, resource_json["Type"], resource, "CREATE_COMPLETE")
        return resource

    return parse_and_create_resource


def _skipped(resource_json, resources_map) -> bool:
    condition = resource_json.get("Condition")
    return bool(condition) and not resources_map.lazy_condition_map[condition]


class ResourceFailed(Exception):
    """A resource operation failed; its *_FAILED event is recorded. The operation rolls back."""

    def __init__(self, logical_id: str):
        super().__init__(logical_id)
        self.logical_id = logical_id


def reason_of(error: Exception) -> str:
    return getattr(error, "message", None) or str(error) or type(error).__name__


def internal_failure(error: Exception) -> str:
    """The status reason of an error that is no resource's: a bug of the emulator's or moto's, or
    input that CloudFormation would have refused (CreateStack with TemplateBody "{}" is refused by
    CloudFormation with "Template format error: At least one Resources member must be defined.";
    moto's engine raises KeyError 'Resources'). CloudFormation reports its own errors as "Internal
    Failure"; its traceback goes to the emulator's standard error, the launcher's log file."""
    traceback.print_exception(error, file=sys.stderr)
    return f"Internal Failure: {type(error).__name__}: {error}"


# --- events -----------------------------------------------------------------------------------
def _stack(resources_map):
    backend = cfn_models.cloudformation_backends[resources_map._account_id][resources_map._region_name]
    return backend.stacks.get(resources_map.stack_id)


def _event(resources_map, logical_id, resource_type, resource, status, reason=None):
    stack = _stack(resources_map)
    if stack is None:
        return
    physical_id = getattr(resource, "physical_resource_id", "") if resource is not None else ""
    stack.events.append(cfn_models.Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id=physical_id, resource_type=resource_type, resource_status=status,
        resource_status_reason=reason, resource_properties=None,
    ))


def _event_init(original):
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.client_request_token = _token.get()

    return __init__


def _keeping_capabilities(original):
    """CreateStack and UpdateStack: the stack keeps the operation's Capabilities, which
    DescribeStacks returns (CloudFormation API reference, Stack.Capabilities); moto drops them."""

    def handler(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.capabilities = self._get_param("Capabilities", [])
        return result

    return handler


def _starting_operation(original):
    """CreateStack, UpdateStack and ExecuteChangeSet: the operation's events carry the request's
    ClientRequestToken, and the operation goes on after the answer (_in_background)."""

    def handler(self, *args, **kwargs):
        token, asynchronous = _token.set(self._get_param("ClientRequestToken")), _asynchronous.set(True)
        try:
            return original(self, *args, **kwargs)
        finally:
            _asynchronous.reset(asynchronous)
            _token.reset(token)

    return handler


def _monitoring(original):
    """UpdateStack: whether the update has a monitoring period, RollbackConfiguration's
    MonitoringTimeInMinutes above 0 (0 is the default: "The default is 0 minutes", API Reference,
    RollbackConfiguration). moto ignores RollbackConfiguration. CloudFormation saves the triggers
    on the stack for later updates ("To use the rollback triggers previously specified for this
    stack, if any, don't specify this parameter", RollbackConfiguration.RollbackTriggers); the
    emulator saves nothing, so an update without a RollbackConfiguration does not wait."""

    def handler(self, *args, **kwargs):
        minutes = (self._get_param("RollbackConfiguration") or {}).get("MonitoringTimeInMinutes") or 0
        monitored = _monitored.set(int(minutes) > 0)
        try:
            return original(self, *args, **kwargs)
        finally:
            _monitored.reset(monitored)

    return handler


def _taking_turns(original):
    def call_action(self):
        with _turn:
            return original(self)

    return call_action


def _in_background(work, stack, failed_status: str) -> None:
    """The rest of a stack operation, once the call that started it has been checked: on a thread
    of its own with the request's context (its ClientRequestToken), taking its turn when the call,
    which holds it, has answered. Inside a StackSet operation, at once.

    A safety net: the operation fails its resources' and its own errors by rolling back, but an
    error that escapes even that (a rollback's) ends it in `failed_status` (ROLLBACK_FAILED,
    UPDATE_ROLLBACK_FAILED) with the error as the reason, rather than leaving the stack
    *_IN_PROGRESS for ever; the traceback goes to the emulator's log."""

    def guarded():
        try:
            work()
        except Exception as error:  # noqa: BLE001 - see above
            stack.status = failed_status
            stack._add_stack_event(failed_status, resource_status_reason=internal_failure(error))

    if not _asynchronous.get():
        guarded()
        return

    def run():
        try:
            with _turn:
                guarded()
        finally:
            with _background_lock:
                _background["operations"] -= 1

    # Counted before the thread starts, so that no moment shows the emulator idle in between.
    with _background_lock:
        _background["operations"] += 1
    threading.Thread(target=contextvars.copy_context().run, args=(run,), daemon=True).start()


def operations_running() -> int:
    """Stack operations still running on a thread of their own (reset.py waits for none)."""
    with _background_lock:
        return _background["operations"]


@contextlib.contextmanager
def turn():
    """Holds CloudFormation's turn: no stack operation runs meanwhile."""
    with _turn:
        yield


@contextlib.contextmanager
def waiting_elsewhere():
    """For a stack operation waiting on a custom resource's function: the function calls back
    (DescribeStacks), and other stacks' operations go on meanwhile, as in CloudFormation."""
    _turn.release()
    try:
        yield
    finally:
        _turn.acquire()


def waiting(seconds: float) -> None:
    """For a stack operation waiting on AWS's own time (a distribution's deployment, a monitoring
    period): other stacks' operations go on meanwhile, as they do in CloudFormation."""
    if seconds > 0:
        with waiting_elsewhere():
            time.sleep(seconds)


# --- the plan and the update ------------------------------------------------------------------
class _NotYetCreated:
    """Stands for a resource the plan would add or replace: its Ref and attributes are unknown."""

    def __init__(self, logical_id):
        self.physical_resource_id = f"{UNKNOWN}{logical_id}>>"

    def get_cfn_attribute(self, attribute):
        return f"{UNKNOWN}{self.physical_resource_id}.{attribute}>>"


def _live(resources_map, logical_id):
    resource = resources_map._parsed_resources.get(logical_id)
    return resource if isinstance(resource, CloudFormationModel) else None


def _changes(old_map, logical_id, resource_json, resources_map):
    """(action, replacement) for one resource against its live version, or None when unchanged.

    The replacement is the change set's: "True" when a changed create-only property's new value is
    known now, "Conditional" when every such value is known only during the update (it refers to
    a resource the plan adds or replaces), "False" otherwise. CloudFormation API reference,
    ResourceChange.Replacement: RequiresRecreation Always with Evaluation Static is True, with
    Evaluation Dynamic it is Conditional. An update, which resolves everything, gets True or False.
    """
    resource = _live(old_map, logical_id)
    if resource is None:
        return "Add", None
    before = getattr(resource, PROPERTIES, {})
    after = resolved_properties(logical_id, resource_json, resources_map)
    changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
    if not changed:
        return None
    recreating = changed & create_only_properties(resource_json["Type"])
    if not recreating:
        return "Modify", "False"
    dynamic = all(UNKNOWN in json.dumps(after.get(key)) for key in recreating)
    return "Modify", "Conditional" if dynamic else "True"


def _preview(resource_map, template: dict, parameters: dict):
    """A resource map of the stack with `template` and `parameters`, loaded: a template or
    parameter error raises here, before anything changes."""
    preview = parsing.ResourceMap(
        resource_map.stack_id, resource_map["AWS::StackName"], parameters, resource_map.tags,
        region_name=resource_map._region_name, account_id=resource_map._account_id,
        template=template, cross_stack_resources=resource_map.cross_stack_resources,
    )
    preview.load()
    return preview


def plan(resource_map, template: dict, parameters: dict) -> list:
    """What updating the stack to `template` and `parameters` would do, without doing it."""
    preview = _preview(resource_map, template, parameters)
    resources = template.get("Resources", {})
    for logical_id in resources:
        live = _live(resource_map, logical_id)
        preview._parsed_resources[logical_id] = live if live is not None else _NotYetCreated(logical_id)
    planned = []
    for logical_id in dependency_order(resources):
        resource_json = resources[logical_id]
        if _skipped(resource_json, preview):
            if _live(resource_map, logical_id) is not None:
                planned.append(("Remove", logical_id, resource_json["Type"], None))
            continue
        change = _changes(resource_map, logical_id, resource_json, preview)
        if change is None:
            continue
        action, replacement = change
        if action == "Add" or replacement != "False":
            preview._parsed_resources[logical_id] = _NotYetCreated(logical_id)
        planned.append((action, logical_id, resource_json["Type"], replacement))
    for logical_id, resource_json in resource_map._resource_json_map.items():
        if logical_id not in resources and _live(resource_map, logical_id) is not None:
            planned.append(("Remove", logical_id, resource_json["Type"], None))
    return planned


def update(self, template, parameters=None):
    """ResourceMap.update: create, replace or update in dependency order, then clean up. On a
    failure, raises ResourceFailed with `self._undo` holding what roll_back needs."""
    old_resources = self._resource_json_map
    # What a rollback undoes, in the order it was done: ("added", ID, new resource, JSON),
    # ("replaced", ID, old resource, new resource, new JSON), ("updated", ID, type, old properties).
    # Set first: an update that fails before its first step must not undo the previous update's.
    self._undo = undo = []
    self._template = template
    # An update's parameters are the stack's from then on, none included: a parameter the new
    # template drops is gone, and one it does not name takes its default (UpdateStack, "Parameters").
    if parameters is not None:
        self.input_parameters = parameters
    self.load_mapping()
    _load_parameters(self)
    self.load_conditions()
    resources = template["Resources"]
    self._resource_json_map = resources

    cleanup = []  # (logical ID, resource, resource JSON), deleted after everything else
    reset = _updating.set(True)
    try:
        for logical_id in dependency_order(resources):
            resource_json = resources[logical_id]
            resource_type = resource_json["Type"]
            live = _live(self, logical_id)
            if _skipped(resource_json, self):
                if live is not None:
                    cleanup.append((logical_id, live, old_resources[logical_id]))
                    del self._parsed_resources[logical_id]
                continue
            change = _changes(self, logical_id, resource_json, self)
            if change is None:
                continue
            action, replacement = change
            replaces = replacement == "True"
            if action == "Add":
                self._parsed_resources.pop(logical_id, None)
                _event(self, logical_id, resource_type, None, "CREATE_IN_PROGRESS")
                created = _attempt(self, logical_id, resource_type, "CREATE_FAILED", lambda: self[logical_id])
                undo.append(("added", logical_id, created, resource_json))
                _event(self, logical_id, resource_type, created, "CREATE_COMPLETE")
            elif replaces:
                _event(self, logical_id, resource_type, live, "UPDATE_IN_PROGRESS", REPLACING)
                created = _attempt(self, logical_id, resource_type, "UPDATE_FAILED", lambda: parsing.parse_and_create_resource(
                    logical_id, resource_json, self, self._account_id, self._region_name))
                self._parsed_resources[logical_id] = created
                undo.append(("replaced", logical_id, live, created, resource_json))
                cleanup.append((logical_id, live, old_resources[logical_id]))
                _event(self, logical_id, resource_type, created, "UPDATE_COMPLETE")
            else:
                _event(self, logical_id, resource_type, live, "UPDATE_IN_PROGRESS")
                # A failed in-place update is rolled back too: it may have changed something.
                undo.append(("updated", logical_id, resource_type, getattr(live, PROPERTIES, {})))
                updated = _attempt(self, logical_id, resource_type, "UPDATE_FAILED", lambda: parsing.parse_and_update_resource(
                    logical_id, resource_json, self, self._account_id, self._region_name)) or live
                setattr(updated, PROPERTIES, resolved_properties(logical_id, resource_json, self))
                self._parsed_resources[logical_id] = updated
                _event(self, logical_id, resource_type, updated, "UPDATE_COMPLETE")
        for logical_id, resource_json in old_resources.items():
            if logical_id not in resources and _live(self, logical_id) is not None:
                cleanup.append((logical_id, self._parsed_resources.pop(logical_id), resource_json))
    finally:
        _updating.reset(reset)

    # The monitoring period follows the deployment of every resource and comes before the cleanup
    # ("Roll back your CloudFormation stack on alarm breach with rollback triggers", User Guide:
    # "for update operations, if the monitoring period expires without any alarms going to ALARM
    # state, CloudFormation proceeds to dispose of old resources as usual"). The stack is
    # UPDATE_IN_PROGRESS meanwhile: the period is there to "manually cancel the stack creation or
    # update (using CancelUpdateStack, for example)" (API Reference, RollbackConfiguration), which
    # cancels "only stacks that are in the UPDATE_IN_PROGRESS state" (API Reference,
    # CancelUpdateStack). The triggers' alarms are not watched: nothing rolls the update back.
    if _monitored.get():
        waiting(timing.monitoring_seconds)
    _set_status(self, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    for logical_id, resource, resource_json in reversed(cleanup):
        _delete(self, logical_id, resource, resource_json)


def _attempt(resources_map, logical_id, resource_type, failed_status, operation):
    try:
        return operation()
    except Exception as error:  # noqa: BLE001 - any failure fails the resource, as in AWS
        _event(resources_map, logical_id, resource_type, _live(resources_map, logical_id), failed_status, reason_of(error))
        raise ResourceFailed(logical_id) from error


def _delete(resources_map, logical_id, resource, resource_json) -> bool:
    """Deletes one physical resource with its events; False when it failed (the resource stays)."""
    _event(resources_map, logical_id, resource_json["Type"], resource, "DELETE_IN_PROGRESS")
    try:
        resources_map._delete_resource(resource, resource_json)
    except Exception as error:  # noqa: BLE001 - any failure fails the resource, as in AWS
        _event(resources_map, logical_id, resource_json["Type"], resource, "DELETE_FAILED", reason_of(error))
        return False
    _event(resources_map, logical_id, resource_json["Type"], resource, "DELETE_COMPLETE")
    return True


def _set_status(resources_map, status: str, reason=None) -> None:
    stack = _stack(resources_map)
    if stack is not None:
        stack.status = status
        stack._add_stack_event(status, resource_status_reason=reason)


def _load_parameters(resource_map) -> None:
    """ResourceMap.load_parameters afresh: the stack's parameters are its template's from then on
    (DescribeStacks); moto adds to those of the template before."""
    resource_map.resolved_parameters = {}
    resource_map.load_parameters()


def roll_back(self, old_template, old_parameters, old_resources) -> bool:
    """Undoes a failed update (self._undo) in reverse order; False if a deletion failed."""
    self._template = old_template
    self.input_parameters = old_parameters
    self.load_mapping()
    _load_parameters(self)
    self.load_conditions()
    self._resource_json_map = old_resources
    new_physical = []  # (logical ID, resource, JSON), deleted in the rollback's cleanup
    reset = _updating.set(True)
    try:
        for step in reversed(self._undo):
            kind, logical_id = step[0], step[1]
            if kind == "added":
                new_physical.append((logical_id, self._parsed_resources.pop(logical_id), step[3]))
            elif kind == "replaced":
                old, created, resource_json = step[2], step[3], step[4]
                _event(self, logical_id, resource_json["Type"], old, "UPDATE_IN_PROGRESS")
                self._parsed_resources[logical_id] = old
                new_physical.append((logical_id, created, resource_json))
                _event(self, logical_id, resource_json["Type"], old, "UPDATE_COMPLETE")
            else:
                resource_type, previous = step[2], step[3]
                live = _live(self, logical_id)
                _event(self, logical_id, resource_type, live, "UPDATE_IN_PROGRESS")
                restored = parsing.parse_and_update_resource(
                    logical_id, {"Type": resource_type, "Properties": copy.deepcopy(previous)}, self, self._account_id, self._region_name,
                ) or live
                setattr(restored, PROPERTIES, previous)
                self._parsed_resources[logical_id] = restored
                _event(self, logical_id, resource_type, restored, "UPDATE_COMPLETE")
    finally:
        _updating.reset(reset)
    _set_status(self, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    return all([_delete(self, logical_id, resource, resource_json) for logical_id, resource, resource_json in new_physical])


def refuse_update(stack) -> None:
    """CloudFormation refuses to update a stack that is busy (*_IN_PROGRESS), one whose creation
    failed (ROLLBACK_COMPLETE: User Guide, "Stack status codes", such a stack can only be deleted)
    and a deleted one, reached by its stack ID (DELETE_COMPLETE), with this wording (aws-facts.md:
    "the same wording for other non-updatable states"; the rotation module recognises a busy stack
    by it). moto refused ROLLBACK_COMPLETE alone, and only after "No updates are to be performed.",
    and updated a deleted stack, which a StackSet update then brought back UPDATE_IN_PROGRESS."""
    if stack.status.endswith("_IN_PROGRESS") or stack.status in ("ROLLBACK_COMPLETE", "DELETE_COMPLETE"):
        raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")


def _refusing_first(original):
    """CloudFormationResponse._validate_different_update, which UpdateStack calls before it checks
    the stack's state: the state is checked first, as CloudFormation answers a stack it cannot
    update with refuse_update's message even when nothing would change."""

    def validate_different_update(self, incoming_params, stack_body, old_stack):
        refuse_update(old_stack)
        original(self, incoming_params, stack_body, old_stack)

    return validate_different_update


def stack_update(self, template, role_arn=None, parameters=None, tags=None):
    """Stack.update: the update's statuses and events, and its rollback when a resource fails.
    Refused, changing nothing, when the stack cannot be updated (refuse_update) or the template
    or parameters are wrong."""
    refuse_update(self)
    resource_map = self.resource_map
    template_dict = self.parse_template(template)
    _preview(resource_map, template_dict, resource_map.input_parameters if parameters is None else parameters)
    before = (self.template, self.template_dict, self.parameters, resource_map._template, resource_map.input_parameters, resource_map._resource_json_map)
    self.outputs  # noqa: B018 - evaluates moto's lazy outputs now: they show the old values until the update ends
    self.status = "UPDATE_IN_PROGRESS"
    # DescribeStacks and ListStacks give it as LastUpdatedTime, "the time the stack was last
    # updated" (API Reference, Stack and StackSummary); moto keeps no such time.
    self.last_updated_time = utcnow()
    self._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    self.template, self.template_dict = template, template_dict

    def update_resources():
        try:
            resource_map.update(self.template_dict, parameters)
        except Exception as failure:  # noqa: BLE001 - a resource's failure, or an internal one: both roll back
            reason = (f"The following resource(s) failed to update: [{failure.logical_id}]."
                      if isinstance(failure, ResourceFailed) else internal_failure(failure))
            _set_status(resource_map, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
            self.template, self.template_dict, self.parameters = before[:3]
            cleaned = roll_back(resource_map, *before[3:])
            self.output_map = self._create_output_map()
            _set_status(resource_map, "UPDATE_ROLLBACK_COMPLETE" if cleaned else "UPDATE_ROLLBACK_FAILED")
            return
        self.output_map = self._create_output_map()
        # An update without RoleARN keeps the stack's service role (UpdateStack, "RoleARN").
        self.role_arn = role_arn or self.role_arn
        if parameters is not None:
            self.parameters = parameters
        if tags is not None:
            self.tags = tags
        _set_status(resource_map, "UPDATE_COMPLETE")

    _in_background(update_resources, self, "UPDATE_ROLLBACK_FAILED")


def _outputs(original):
    """Stack.outputs: none until the stack is created, as in CloudFormation. moto evaluates outputs
    lazily, so a DescribeStacks during creation (a custom resource's function calls one) would
    otherwise create resources from the request's thread, out of order."""

    def outputs(self):
        # A stack whose create rolled back keeps no outputs, deleted since or not: its resources never were.
        uncreated = self.status in ("CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS") or getattr(self, "_create_rolled_back", False)
        return None if uncreated else original.fget(self)

    return property(outputs)


def _export(stack):
    """The created stack's exports, for other stacks' Fn::ImportValue. Read before its resources
    exist (moto's CreateStack does so), they would create them from the request's thread, out of
    order; a change set's stack is exported here only (change_sets.py)."""
    backend = cfn_models.cloudformation_backends[stack.account_id][stack.region_name]
    for export in stack.exports:
        backend.exports[export.name] = export


def create_resources(self):
    """Stack.create_resources: on a failed resource, delete what was created, newest first."""
    self.status = "CREATE_IN_PROGRESS"
    resource_map = self.resource_map

    def create():
        try:
            ready = resource_map.create(self.template_dict)
        except Exception as failure:  # noqa: BLE001 - a resource's failure, or an internal one: both roll back
            reason = (f"The following resource(s) failed to create: [{failure.logical_id}]. Rollback requested by user."
                      if isinstance(failure, ResourceFailed) else internal_failure(failure))
            self._create_rolled_back = True
            _set_status(resource_map, "ROLLBACK_IN_PROGRESS", reason)
            created = [(logical_id, resource) for logical_id, resource in resource_map._parsed_resources.items() if isinstance(resource, CloudFormationModel)]
            deleted = [_delete(resource_map, logical_id, resource, resource_map._resource_json_map[logical_id]) for logical_id, resource in reversed(created)]
            for logical_id, _ in created:
                del resource_map._parsed_resources[logical_id]
            _set_status(resource_map, "ROLLBACK_COMPLETE" if all(deleted) else "ROLLBACK_FAILED")
            return
        self.description = self.template_dict.get("Description")
        if ready:  # moto's own Custom:: resources finish later, through its verify_readiness
            _export(self)
            _set_status(resource_map, "CREATE_COMPLETE")

    _in_background(create, self, "ROLLBACK_FAILED")


def delete(self):
    """ResourceMap.delete: in reverse dependency order, as CloudFormation deletes (moto deletes
    in any order and retries, which calls a custom resource after its function is gone)."""
    for logical_id in reversed(dependency_order(self._resource_json_map)):
        resource_json = self._resource_json_map[logical_id]
        resource = _live(self, logical_id)
        if resource is None or resource_json.get("DeletionPolicy") == "Retain":
            continue
        self._delete_resource(resource, resource_json)
        del self._parsed_resources[logical_id]


def change_set_diff(self):
    """ChangeSet.diff: the plan, each change with its Replacement."""
    changes = []
    for action, logical_id, resource_type, replacement in plan(self.stack.resource_map, self.template_dict, self.parameters):
        change = cfn_models.Change(action=action, logical_resource_id=logical_id, resource_type=resource_type)
        change.replacement = replacement
        changes.append(change)
    return changes


def install() -> None:
    parsing.parse_resource = _parse_resource(parsing.parse_resource)
    parsing.parse_and_create_resource = _parse_and_create_resource(parsing.parse_and_create_resource)
    parsing.ResourceMap.update = update
    parsing.ResourceMap.delete = delete
    cfn_models.Stack.update = stack_update
    cfn_models.Stack.create_resources = create_resources
    cfn_models.Stack.outputs = _outputs(cfn_models.Stack.outputs)
    cfn_models.ChangeSet.diff = change_set_diff
    cfn_models.Event.__init__ = _event_init(cfn_models.Event.__init__)
    cfn_responses.CloudFormationResponse.call_action = _taking_turns(cfn_responses.CloudFormationResponse.call_action)
    cfn_responses.CloudFormationResponse._validate_different_update = _refusing_first(cfn_responses.CloudFormationResponse._validate_different_update)
    for action in ("create_stack", "update_stack"):
        setattr(cfn_responses.CloudFormationResponse, action, _keeping_capabilities(getattr(cfn_responses.CloudFormationResponse, action)))
    for action in ("create_stack", "update_stack", "execute_change_set"):
        setattr(cfn_responses.CloudFormationResponse, action, _starting_operation(getattr(cfn_responses.CloudFormationResponse, action)))
    cfn_responses.CloudFormationResponse.update_stack = _monitoring(cfn_responses.CloudFormationResponse.update_stack)
