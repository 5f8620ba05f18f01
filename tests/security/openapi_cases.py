"""Requests made from the OpenAPI schema the API serves: every operation, with a body that passes
validation, so that what answers is the endpoint's own logic and not the validator."""

import functools
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from PIL import Image

from inspection.api import api

PARAM = re.compile(r"\{([^}]+)\}")


@functools.cache
def schema():
    # ninja builds the whole document (every pydantic model's JSON schema) on each call, ~0.2 s of
    # CPU; the API does not change within a test process, and callers here only read it.
    return api.get_openapi_schema()


def examples(strategy, count: int) -> list:
    """The `count` cases hypothesis draws from `strategy` (derandomized), drawn once and sent as every
    caller. Drawn inside each caller's own run, every caller got the very same cases (checked on every
    operation and mode of test_api and test_fuzz_edges: all alike), so drawing them again for each
    caller only repeated the generation, ~40 % of the fuzzing's time. A caller's failing case is
    reported as it is, not shrunk."""
    drawn = []

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def draw(case):
        drawn.append(case)

    try:
        draw()
    except Unsatisfiable:
        pass  # nothing in this operation can be made invalid (e.g. one free-text path part)
    return drawn


@dataclass
class Operation:
    method: str
    path: str  # with {placeholders}
    spec: dict

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    @property
    def authenticated(self) -> bool:
        return bool(self.spec.get("security"))

    def __str__(self):
        return f"{self.method.upper()} {self.path}"

    def url(self, values: dict) -> str:
        return PARAM.sub(lambda m: str(values[m.group(1)]), self.path)


def operations() -> list[Operation]:
    return [
        Operation(method, path, spec)
        for path, methods in schema()["paths"].items()
        for method, spec in methods.items()
    ]


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


class Example:
    """A minimal valid value for a JSON schema of the API (required fields only)."""

    def __init__(self, components):
        self.components = components

    def value(self, node, name=""):
        if "$ref" in node:
            return self.value(self.components[node["$ref"].rsplit("/", 1)[1]], name)
        for key in ("anyOf", "oneOf"):
            if key in node:
                options = [o for o in node[key] if o.get("type") != "null"] or node[key]
                return self.value(options[0], name)
        if "allOf" in node:
            return self.value(node["allOf"][0], name)
        if "enum" in node:
            return node["enum"][0]
        if "default" in node and node["default"] is not None:
            return node["default"]
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            props = node.get("properties", {})
            return {k: self.value(props[k], k) for k in node.get("required", []) if k in props}
        if kind == "array":
            return [self.value(node.get("items", {}), name) for _ in range(node.get("minItems", 0))]
        if kind == "integer":
            return max(node.get("minimum", 1), 1)
        if kind == "number":
            return max(node.get("minimum", 1), 1)
        if kind == "boolean":
            return False
        fmt = node.get("format")
        if fmt == "binary":
            return SimpleUploadedFile(f"{name or 'file'}.png", _png(), content_type="image/png")
        if fmt == "date":
            return date.today().isoformat()
        if fmt == "date-time":
            return datetime.now().astimezone().isoformat()
        if name == "week" or node.get("pattern", "").startswith("^[0-9]{4}-W"):
            return "2026-W49"
        return "矩阵测试" if node.get("minLength", 1) <= 4 else "矩阵测试" * node["minLength"]


def request_kwargs(operation: Operation) -> dict:
    """Keyword arguments for django.test.Client.<method>(url, **kwargs): body and required headers."""
    components = schema().get("components", {}).get("schemas", {})
    example = Example(components)
    kwargs = {}
    headers = {}
    for param in operation.spec.get("parameters", []):
        if param["in"] == "header" and param.get("required"):
            headers[param["name"]] = "matrix-key-0001"
    if headers:
        kwargs["headers"] = headers
    body = operation.spec.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        kwargs["data"] = example.value(body["application/json"]["schema"])
        kwargs["content_type"] = "application/json"
    elif "multipart/form-data" in body:
        value = example.value(body["multipart/form-data"]["schema"])
        kwargs["data"] = value
    return kwargs
