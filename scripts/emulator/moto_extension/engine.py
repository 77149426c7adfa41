"""Stack updates as CloudFormation documents them, in place of moto's.

moto updates only resources whose template text changed or that `Ref` a changed parameter
directly. CloudFormation instead compares each resource's resolved properties, in dependency
order: a change to a create-only property replaces the resource (a new physical resource now,
the old one deleted in the cleanup phase, after every other resource is updated), and any other
change updates it in place. Change sets list the same plan, each change with its Replacement.
Every resource operation is recorded as a stack event carrying the request's ClientRequestToken.
"""
import contextvars
import copy
import re

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation import responses as cfn_responses
from moto.core.common_models import CloudFormationModel

from .dynamic_references import UNKNOWN, resolve
from .schemas import create_only_properties

PROPERTIES = "_resolved_properties"  # kept on each model: what it was created or updated with
REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."

_token = contextvars.ContextVar("client_request_token", default=None)
_updating = contextvars.ContextVar("updating", default=False)


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


def dependency_order(resources: dict) -> list:
    """Logical IDs with each resource after everything it refers to or DependsOn."""
    order, visiting = [], set()

    def visit(name):
        if name in order or name in visiting:
            return
        visiting.add(name)
        resource = resources[name]
        depends_on = resource.get("DependsOn", [])
        for dependency in sorted(references(resource) | set([depends_on] if isinstance(depends_on, str) else depends_on)):
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
    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
        resource = original(logical_id, resource_json, resources_map, account_id, region_name)
        if resource is not None:
            setattr(resource, PROPERTIES, resolved_properties(logical_id, resource_json, resources_map))
            if not _updating.get():
                _event(resources_map, logical_id, resource_json["Type"], resource, "CREATE_IN_PROGRESS")
                _event(resources_map, logical_id, resource_json["Type"], resource, "CREATE_COMPLETE")
        return resource

    return parse_and_create_resource


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


def _with_request_token(original):
    def handler(self, *args, **kwargs):
        reset = _token.set(self._get_param("ClientRequestToken"))
        try:
            return original(self, *args, **kwargs)
        finally:
            _token.reset(reset)

    return handler


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
    """(action, replaces) for one resource against its live version, or None when unchanged."""
    resource = _live(old_map, logical_id)
    if resource is None:
        return "Add", False
    before = getattr(resource, PROPERTIES, {})
    after = resolved_properties(logical_id, resource_json, resources_map)
    changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
    if not changed:
        return None
    return "Modify", bool(changed & create_only_properties(resource_json["Type"]))


def plan(resource_map, template: dict, parameters: dict) -> list:
    """What updating the stack to `template` and `parameters` would do, without doing it."""
    preview = parsing.ResourceMap(
        resource_map.stack_id, resource_map["AWS::StackName"], parameters, resource_map.tags,
        region_name=resource_map._region_name, account_id=resource_map._account_id,
        template=template, cross_stack_resources=resource_map.cross_stack_resources,
    )
    preview.load()
    resources = template.get("Resources", {})
    for logical_id in resources:
        live = _live(resource_map, logical_id)
        preview._parsed_resources[logical_id] = live if live is not None else _NotYetCreated(logical_id)
    planned = []
    for logical_id in dependency_order(resources):
        resource_json = resources[logical_id]
        condition = resource_json.get("Condition")
        if condition and not preview.lazy_condition_map[condition]:
            if _live(resource_map, logical_id) is not None:
                planned.append(("Remove", logical_id, resource_json["Type"], None))
            continue
        change = _changes(resource_map, logical_id, resource_json, preview)
        if change is None:
            continue
        action, replaces = change
        if action == "Add" or replaces:
            preview._parsed_resources[logical_id] = _NotYetCreated(logical_id)
        planned.append((action, logical_id, resource_json["Type"], None if action == "Add" else str(replaces)))
    for logical_id, resource_json in resource_map._resource_json_map.items():
        if logical_id not in resources and _live(resource_map, logical_id) is not None:
            planned.append(("Remove", logical_id, resource_json["Type"], None))
    return planned


def update(self, template, parameters=None):
    """ResourceMap.update: create, replace or update in dependency order, then clean up."""
    old_resources = self._resource_json_map
    self._template = template
    if parameters:
        self.input_parameters = parameters
    self.load_mapping()
    self.load_parameters()
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
            condition = resource_json.get("Condition")
            if condition and not self.lazy_condition_map[condition]:
                if live is not None:
                    cleanup.append((logical_id, live, old_resources[logical_id]))
                    del self._parsed_resources[logical_id]
                continue
            change = _changes(self, logical_id, resource_json, self)
            if change is None:
                continue
            action, replaces = change
            if action == "Add":
                self._parsed_resources.pop(logical_id, None)
                _event(self, logical_id, resource_type, None, "CREATE_IN_PROGRESS")
                _event(self, logical_id, resource_type, self[logical_id], "CREATE_COMPLETE")
            elif replaces:
                _event(self, logical_id, resource_type, live, "UPDATE_IN_PROGRESS", REPLACING)
                del self._parsed_resources[logical_id]
                created = parsing.parse_and_create_resource(logical_id, resource_json, self, self._account_id, self._region_name)
                self._parsed_resources[logical_id] = created
                cleanup.append((logical_id, live, old_resources[logical_id]))
                _event(self, logical_id, resource_type, created, "UPDATE_COMPLETE")
            else:
                _event(self, logical_id, resource_type, live, "UPDATE_IN_PROGRESS")
                updated = parsing.parse_and_update_resource(logical_id, resource_json, self, self._account_id, self._region_name) or live
                setattr(updated, PROPERTIES, resolved_properties(logical_id, resource_json, self))
                self._parsed_resources[logical_id] = updated
                _event(self, logical_id, resource_type, updated, "UPDATE_COMPLETE")
        for logical_id, resource_json in old_resources.items():
            if logical_id not in resources and _live(self, logical_id) is not None:
                cleanup.append((logical_id, self._parsed_resources.pop(logical_id), resource_json))
    finally:
        _updating.reset(reset)

    stack = _stack(self)
    if stack is not None:
        stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    for logical_id, resource, resource_json in reversed(cleanup):
        _event(self, logical_id, resource_json["Type"], resource, "DELETE_IN_PROGRESS")
        self._delete_resource(resource, resource_json)
        _event(self, logical_id, resource_json["Type"], resource, "DELETE_COMPLETE")


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
    cfn_models.ChangeSet.diff = change_set_diff
    cfn_models.Event.__init__ = _event_init(cfn_models.Event.__init__)
    for action in ("create_stack", "update_stack", "execute_change_set"):
        setattr(cfn_responses.CloudFormationResponse, action, _with_request_token(getattr(cfn_responses.CloudFormationResponse, action)))
