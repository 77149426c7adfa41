"""StackSet operations that reach their instances' stacks, as CloudFormation documents them.

moto 5.2.5 creates an instance's stack once, with the overrides alone as its parameters, and after
that changes only its own records: UpdateStackSet and UpdateStackInstances leave the stacks as they
were, and a service-managed instance's stack is hidden from DescribeStacks. Here:
- an instance is an ordinary stack in its account and Region, named StackSet-<set name>-<UUID>
  as in AWS's examples (User Guide, "Detecting unmanaged configuration changes in stack sets";
  AWS CLI reference, describe-stack-instance), with the set's parameters, the instance's
  overrides on top, and the set's Capabilities;
- UpdateStackSet updates every instance's stack (or those of the Accounts and Regions given) with
  the set's template and parameters, each instance keeping its overrides (User Guide, "Override
  parameter values on stack instances": overridden parameters "aren't updated, but retain their
  overridden value"); UpdateStackInstances sets overrides (API reference, UpdateStackInstances,
  ParameterOverrides: a listed parameter with UsePreviousValue keeps its override, one left out goes
  back to the set's value) and updates those stacks;
- a stack that cannot be updated (busy, rolled back, or deleted outside StackSets) fails its
  instance: the instance is OUTDATED with the reason (API reference, StackInstanceSummary.Status:
  OUTDATED when "the associated stack failed during a CreateStackSet or UpdateStackSet
  operation"), its DetailedStatus FAILED, the operation FAILED, and the instances after it are
  CANCELLED, as with the default FailureToleranceCount of 0. A deleted stack is refused as
  CloudFormation's UpdateStack refuses a stack ID in DELETE_COMPLETE (engine.refuse_update), and
  stays deleted. ListStackSetOperationResults reports each instance.
Operations run inside the call that starts them, each instance's stack operation to its end
before the next (engine._in_background runs it at once here), so that an operation has SUCCEEDED
or FAILED, as its stacks have ended, by the time the call answers.
"""
import uuid

from moto.cloudformation import models as cfn_models
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.exceptions import StackInstanceNotFound
from moto.cloudformation.models import cloudformation_backends


def _parameters(stack_set, overrides) -> dict:
    return {**stack_set.parameters, **{p["ParameterKey"]: p["ParameterValue"] for p in overrides}}


def _instance_init(self, account_id, region_name, stackset_id, stack_name, name, template, parameters, permission_model):
    self.account_id, self.region_name, self.stackset_id, self.name = account_id, region_name, stackset_id, name
    self.permission_model = permission_model
    # moto passes the set's parameters (a dict) when CreateStackInstances has no overrides.
    self.parameters = parameters if isinstance(parameters, list) else []
    self.status, self.reason, self.stack = "CURRENT", None, None


def _create_stack(stack_set, instance):
    backend = cloudformation_backends[instance.account_id][instance.region_name]
    instance.stack = backend.create_stack(
        name=f"StackSet-{stack_set.name}-{uuid.uuid4()}", template=stack_set.template, parameters=_parameters(stack_set, instance.parameters),
    )
    instance.stack.capabilities = getattr(stack_set, "capabilities", [])
    instance.stack_name = instance.stack.name
    if instance.stack.status == "CREATE_COMPLETE":
        return instance, "SUCCEEDED", None
    instance.status, instance.reason = "OUTDATED", f"Stack {instance.stack.stack_id} ended in {instance.stack.status}."
    return instance, "FAILED", instance.reason


def _set_create_instances(original):
    def create_stack_instances(self, *args, **kwargs):
        operation_id = original(self, *args, **kwargs)
        results = [_create_stack(self, instance) for instance in self.instances.stack_instances if instance.stack is None]
        _record(self.get_operation(operation_id), results)
        return operation_id

    return create_stack_instances


def _instance_delete(self) -> None:
    cloudformation_backends[self.account_id][self.region_name].delete_stack(self.stack.stack_id)


def _instance_to_dict(self) -> dict:
    # moto describes new instances before this extension creates their stacks: an instance without
    # a stack has no StackId, as in AWS (API Reference, StackInstanceSummary: StackId is optional).
    return {
        **({"StackId": self.stack.stack_id} if self.stack else {}), "StackSetId": self.stackset_id, "Region": self.region_name, "Account": self.account_id,
        "Status": self.status, **({"StatusReason": self.reason} if self.reason else {}),
        "ParameterOverrides": self.parameters, "StackInstanceStatus": {"DetailedStatus": "SUCCEEDED" if self.status == "CURRENT" else "FAILED"},
    }


def _update_stacks(stack_set, instances) -> list:
    """Updates each instance's stack in turn; after the first failure the rest are cancelled."""
    results, failed = [], False
    for instance in instances:
        if failed:
            results.append((instance, "CANCELLED", None))
            continue
        backend = cloudformation_backends[instance.account_id][instance.region_name]
        parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in _parameters(stack_set, instance.parameters).items()]
        try:
            backend.update_stack(instance.stack.stack_id, stack_set.template, None, parameters, None)
            reason = None if instance.stack.status == "UPDATE_COMPLETE" else f"Stack {instance.stack.stack_id} ended in {instance.stack.status}."
        except Exception as error:  # noqa: BLE001 - any refusal fails the instance, as in StackSets
            reason = getattr(error, "message", None) or str(error)
        instance.status, instance.reason = ("CURRENT", None) if reason is None else ("OUTDATED", reason)
        failed = reason is not None
        results.append((instance, "FAILED" if failed else "SUCCEEDED", reason))
    return results


def _record(operation: dict, results: list) -> dict:
    operation["Results"] = [
        {"Account": i.account_id, "Region": i.region_name, "Status": status, **({"StatusReason": reason} if reason else {})}
        for i, status, reason in results
    ]
    if any(status != "SUCCEEDED" for _, status, _ in results):
        operation["Status"] = "FAILED"
    return operation


def _selected(stack_set, accounts, regions) -> list:
    if not (accounts and regions):
        return list(stack_set.instances.stack_instances)
    instances = [stack_set.instances.get_instance(a, r) for a in accounts for r in regions]
    if None in instances:
        raise StackInstanceNotFound()
    return instances


def _set_update(original):
    def update(self, template, description, parameters, tags, admin_role, execution_role, accounts, regions, operation_id):
        # moto's own update_instances only rewrites its records; the stacks are updated below.
        operation = original(self, template, description, parameters, tags, admin_role, execution_role, [], [], operation_id)
        return _record(operation, _update_stacks(self, _selected(self, accounts, regions)))

    return update


def _overrides(current: list, given: list) -> list:
    """Given no ParameterOverrides, every override stays; otherwise a listed parameter with
    UsePreviousValue keeps its override, a listed value replaces it, and one left out goes back
    to the set's value."""
    if not given:
        return current
    kept = {p["ParameterKey"]: p for p in current}
    return [kept[p["ParameterKey"]] if p.get("UsePreviousValue") else p for p in given if not p.get("UsePreviousValue") or p["ParameterKey"] in kept]


def _update_instances(self, accounts, regions, parameters) -> dict:
    instances = _selected(self, accounts, regions)
    for instance in instances:
        instance.parameters = _overrides(instance.parameters, parameters)
    operation = self._create_operation(str(uuid.uuid4()), "UPDATE", "SUCCEEDED", accounts, regions)
    return _record(operation, _update_stacks(self, instances))


def _results(original):
    def list_stack_set_operation_results(self):
        operation = self.cloudformation_backend.list_stack_set_operation_results(self._get_param("StackSetName"), self._get_param("OperationId"))
        if "Results" not in operation:
            return original(self)
        return cfn_responses.ActionResult({"Summaries": operation["Results"]})

    return list_stack_set_operation_results


def _keeping_capabilities(original):
    """CreateStackSet and UpdateStackSet: the set keeps its Capabilities for its instances' stacks."""

    def handler(self):
        capabilities = self._get_param("Capabilities", [])
        result = original(self)
        self.cloudformation_backend.describe_stack_set(self._get_param("StackSetName")).capabilities = capabilities
        return result

    return handler


def install() -> None:
    cfn_models.StackInstance.__init__ = _instance_init
    cfn_models.StackInstance.delete = _instance_delete
    cfn_models.StackInstance.to_dict = _instance_to_dict
    cfn_models.StackSet.create_stack_instances = _set_create_instances(cfn_models.StackSet.create_stack_instances)
    cfn_models.StackSet.update = _set_update(cfn_models.StackSet.update)
    cfn_models.StackSet.update_instances = _update_instances
    response = cfn_responses.CloudFormationResponse
    response.list_stack_set_operation_results = _results(response.list_stack_set_operation_results)
    for action in ("create_stack_set", "update_stack_set"):
        setattr(response, action, _keeping_capabilities(getattr(response, action)))
