"""Change sets as CloudFormation runs them, for `cdk deploy` (the AWS CDK's toolkit deploys with
change sets named cdk-deploy-change-set, one per stack).

- A change set's name is its stack's: "If you specified the name of a change set, specify the
  stack name or ID (ARN) of the change set" (API reference, DescribeChangeSet, DeleteChangeSet,
  ExecuteChangeSet). moto looks names up across all stacks, so two stacks' change sets of one name
  were taken for each other.
- "When you execute a change set, CloudFormation deletes all other change sets associated with the
  stack" (ExecuteChangeSet).
- A change set keeps its Capabilities, and its stack has them once it is executed (DescribeStacks'
  Stack.Capabilities); moto drops them, and a rotation passes the stack's Capabilities on.
- Executing a CREATE change set creates the stack as CreateStack does, with this extension's
  engine: its events, custom resources, outputs and rollback. moto created the resources alone,
  and the stack had no outputs. An UPDATE change set updates the stack as UpdateStack does.
"""
from moto.cloudformation import responses as cfn_responses
from moto.cloudformation.exceptions import CloudFormationError
from moto.core.responses import ActionResult, EmptyResult


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFoundException"
    # moto's serializer takes an error's service from its class's module, "moto.<service>...".
    __module__ = CloudFormationError.__module__

    def __init__(self):
        # The error's description in the API reference (DescribeChangeSet, Errors).
        super().__init__("The specified change set name or ID doesn't exit. To view valid change sets for a stack, use the ListChangeSets operation.")


def find(backend, name_or_arn, stack_name):
    if name_or_arn in backend.change_sets:
        return backend.change_sets[name_or_arn]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name == name_or_arn and stack_name in (change_set.stack.name, change_set.stack.stack_id):
            return change_set
    raise ChangeSetNotFound()


def _keeping_capabilities(original):
    def create_change_set(self):
        result = original(self)
        change_set = find(self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
        change_set.capabilities = self._get_param("Capabilities", [])
        return result

    return create_change_set


def describe_change_set(self):
    return ActionResult(find(self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName")))


def delete_change_set(self):
    """Succeeds for a change set that does not exist, as the CDK's toolkit relies on before each deploy
    (cleanupOldChangeset: "The delete request is successful as long as the stack exists (even if
    the change set does not exist)")."""
    try:
        change_set = find(self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    except ChangeSetNotFound:
        return EmptyResult()
    del self.cloudformation_backend.change_sets[change_set.change_set_id]
    return EmptyResult()


def execute_change_set(self):
    backend = self.cloudformation_backend
    change_set = find(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    stack = change_set.stack
    for other in [c for c in backend.change_sets.values() if c.stack is stack and c is not change_set]:
        del backend.change_sets[other.change_set_id]
    stack.capabilities = getattr(change_set, "capabilities", [])
    change_set.execution_status = "EXECUTE_COMPLETE"
    if change_set.change_set_type == "UPDATE":
        stack.update(change_set.template, change_set.role_arn, change_set.parameters, change_set.tags or None)
        return EmptyResult()
    # What CloudFormationBackend.create_stack does, on the stack CreateChangeSet made; its exports
    # once it is created (engine._export).
    stack.template, stack.parameters, stack.cross_stack_resources = change_set.template, change_set.parameters, backend.exports
    stack._parse_template()
    stack.resource_map = stack._create_resource_map()
    stack.output_map = stack._create_output_map()
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.create_resources()
    return EmptyResult()


def install() -> None:
    """Before engine.install, which makes ExecuteChangeSet answer once the operation has started."""
    response = cfn_responses.CloudFormationResponse
    response.create_change_set = _keeping_capabilities(response.create_change_set)
    response.describe_change_set = describe_change_set
    response.delete_change_set = delete_change_set
    response.execute_change_set = execute_change_set
