"""This project's extension of moto's CloudFormation engine: a test fixture, not a general emulator.

It closes the gaps this project's template meets in moto: the resource types moto skips
(resources.py), Lambda-backed custom resources run for real (custom_resources.py, with the
functions' inline code run by functions.py), Secrets Manager dynamic references
(dynamic_references.py), Lambda's Invoke for Node.js functions (functions.py), stack operations
that replace, update and roll back each resource as CloudFormation does (engine.py), change sets
scoped to their stack, as `cdk deploy` uses them (change_sets.py), StackSet
operations that reach their instances' stacks (stack_sets.py), moto models that reject valid
properties (moto_fixes.py), where each REST API lives, for the "API stage" stand-in
(execute_api.py), S3's bucket owner condition, which deploy's template bucket relies on
(bucket_owner_condition.py), EventBridge Scheduler's schedule groups and schedules, with a
route that fires a schedule at a given time (scheduler.py), and CloudFront's distribution API for
distributions made outside a stack (cloudfront.py). How long a distribution's deployment
and a rollback monitoring period take is set in timing.py; fast_paths.py makes two of moto's
internals cheaper, and regions.py its start; reset.py readies a running emulator for the next test file.
Import it before the first stack operation: moto lists resource types once, on first use.
"""
from . import regions

regions.install()  # before moto's first import (regions.py)

# Importing resources, custom_resources and scheduler registers their resource types.
from . import bucket_owner_condition, change_sets, cloudfront, custom_resources, engine, execute_api, fast_paths, functions, moto_fixes, reset, resources, scheduler, stack_sets, timing  # noqa: F401

change_sets.install()  # before engine.install (change_sets.py)
engine.install()
cloudfront.install()
execute_api.install()
functions.install()
scheduler.install()
moto_fixes.install()
stack_sets.install()
bucket_owner_condition.install()
fast_paths.install()
reset.install()
