"""This project's extension of moto's CloudFormation engine: a test fixture, not a general emulator.

It closes the gaps this project's template meets in moto: the resource types moto skips
(resources.py), Secrets Manager dynamic references (dynamic_references.py), stack updates and
change sets that replace or update each resource as CloudFormation does (engine.py), and moto
models that reject valid properties (moto_fixes.py).
Import it before the first stack operation: moto lists resource types once, on first use.
"""
from . import engine, moto_fixes, resources  # noqa: F401 - importing resources registers the resource types

engine.install()
moto_fixes.install()
