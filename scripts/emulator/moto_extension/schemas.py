"""Create-only properties from AWS's own CloudFormation resource schemas, as cfn-lint ships them.

A change to a create-only property makes CloudFormation replace the resource; any other change
updates it in place.
"""
import functools
import importlib.util
import json
from pathlib import Path

# Located, not imported: importing cfnlint loads its rules and sympy, half the emulator's start-up.
SCHEMAS = Path(importlib.util.find_spec("cfnlint").submodule_search_locations[0]) / "data" / "schemas"


@functools.lru_cache(maxsize=None)
def _index() -> dict:
    return json.loads((SCHEMAS / "providers" / "us-east-1.json").read_text())


@functools.lru_cache(maxsize=None)
def create_only_properties(resource_type: str) -> frozenset:
    """Top-level property names that are create-only, or all of them for an unknown type."""
    schema_id = _index().get(resource_type)
    if schema_id is None:
        return frozenset()
    schema = json.loads((SCHEMAS / "resources" / f"{schema_id}.json").read_text())
    return frozenset(
        pointer.split("/")[2]
        for pointer in schema.get("createOnlyProperties", [])
        if pointer.startswith("/properties/")
    )
