"""OpenAPI documents per version, and the check that a new one does not break an old client.

``generate(version)`` renders the document the code produces now (the same bytes as
``manage.py spectacular --api-version <version>``). ``breaking_changes(old, new)`` lists every
change that can break a client written against ``old``:

- a path, a method, a 2xx response or a media type that disappeared;
- a response field removed, or no longer always present; a type, format or enum changed, or a
  field that became nullable, anywhere in a response;
- a request field or parameter removed, a new required one, one that became required, a type,
  format or nullability changed, an enum value no longer accepted, or a tighter limit
  (maxLength, minLength, maximum, minimum, maxItems, minItems).

Additions (new paths, optional fields, response fields, enum values accepted) are not breaking.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

OPENAPI_DIR = Path(settings.BASE_DIR) / "openapi"
VERSIONS = ("v1", "v2")
SUCCESS = ("200", "201", "202", "203", "204", "205", "206")

# Reviewed corrections of the frozen document: a change the comparison calls breaking, but which
# only makes the document say what the server has always answered (so no client can have relied
# on the old text). Each entry: a fragment of the comparison's line, and why it is the truth.
CORRECTIONS = {
    ".superseded_by: became nullable": "superseded_by has always been null on every current "
    "specification (only a superseded version points at its successor); the schema said "
    "non-nullable (found by the schema fuzzer, issue 18).",
}


def is_correction(line: str) -> bool:
    return any(fragment in line for fragment in CORRECTIONS)


# limit -> True when a larger new value is tighter (minimums), False when smaller is tighter.
_LIMITS = {
    "maxLength": False,
    "maximum": False,
    "maxItems": False,
    "maxProperties": False,
    "minLength": True,
    "minimum": True,
    "minItems": True,
    "minProperties": True,
}


def committed_path(version: str) -> Path:
    return OPENAPI_DIR / f"{version}.yaml"


def generate(version: str) -> str:
    """Return the OpenAPI document (YAML) the code produces for ``version``."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiYamlRenderer

    schema = SchemaGenerator(api_version=version).get_schema(request=None, public=True)
    return OpenApiYamlRenderer().render(schema, renderer_context={}).decode()


def load(text: str) -> dict:
    return yaml.safe_load(text)


class _Comparer:
    def __init__(self, old_doc: dict, new_doc: dict):
        self.old_doc = old_doc
        self.new_doc = new_doc
        self.problems: list[str] = []
        self._seen: set[tuple] = set()

    def report(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    @staticmethod
    def _resolve(doc: dict, schema):
        """Follow $ref and single-element allOf; return (schema, ref or None)."""
        ref = None
        for _ in range(32):
            if not isinstance(schema, dict):
                return schema or {}, ref
            if "$ref" in schema:
                ref = schema["$ref"]
                node = doc
                for part in ref.lstrip("#/").split("/"):
                    node = node.get(part, {})
                schema = node
            elif "allOf" in schema and len(schema["allOf"]) == 1:
                merged = {k: v for k, v in schema.items() if k != "allOf"}
                inner, inner_ref = _Comparer._resolve(doc, schema["allOf"][0])
                ref = ref or inner_ref
                schema = {**inner, **merged}
            else:
                return schema, ref
        return schema, ref

    def schema(self, old, new, where: str, direction: str) -> None:
        old, old_ref = self._resolve(self.old_doc, old)
        new, new_ref = self._resolve(self.new_doc, new)
        key = (old_ref, new_ref, direction, where if not (old_ref and new_ref) else "")
        if old_ref and new_ref:
            if key in self._seen:
                return
            self._seen.add(key)
        response = direction == "response"

        for field in ("type", "format"):
            if old.get(field) is not None and old.get(field) != new.get(field):
                self.report(where, f"{field} changed from {old.get(field)} to {new.get(field)}")

        old_null, new_null = bool(old.get("nullable")), bool(new.get("nullable"))
        if response and new_null and not old_null:
            self.report(where, "became nullable")
        if not response and old_null and not new_null:
            self.report(where, "no longer accepts null")

        if "enum" in old or "enum" in new:
            old_enum = {v for v in old.get("enum") or [] if v not in ("", None)}
            new_enum = {v for v in new.get("enum") or [] if v not in ("", None)}
            if response and "enum" in old and old_enum != new_enum:
                self.report(where, f"enum changed from {sorted(old_enum)} to {sorted(new_enum)}")
            if not response:
                lost = old_enum - new_enum if "enum" in new else set()
                if "enum" in new and "enum" not in old:
                    self.report(where, f"now restricted to {sorted(new_enum)}")
                elif lost:
                    self.report(where, f"no longer accepts {sorted(lost)}")

        if not response:
            self._limits(old, new, where)

        for combiner in ("oneOf", "anyOf"):
            if combiner in old or combiner in new:
                olds, news = old.get(combiner, []), new.get(combiner, [])
                if len(olds) != len(news):
                    self.report(where, f"{combiner} changed ({len(olds)} -> {len(news)} options)")
                for i, (o, n) in enumerate(zip(olds, news, strict=False)):
                    self.schema(o, n, f"{where}[{combiner} {i}]", direction)

        if "items" in old:
            self.schema(old["items"], new.get("items", {}), f"{where}[]", direction)
        if isinstance(old.get("additionalProperties"), dict):
            extra = new.get("additionalProperties")
            self.schema(
                old["additionalProperties"],
                extra if isinstance(extra, dict) else {},
                f"{where}{{*}}",
                direction,
            )
        self._properties(old, new, where, direction)

    def _limits(self, old: dict, new: dict, where: str) -> None:
        for limit, larger_is_tighter in _LIMITS.items():
            before, after = old.get(limit), new.get(limit)
            if after is None:
                continue
            tighter = before is None or (after > before if larger_is_tighter else after < before)
            if tighter:
                self.report(where, f"{limit} tightened from {before} to {after}")

    def _properties(self, old: dict, new: dict, where: str, direction: str) -> None:
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        response = direction == "response"
        for name, old_prop in old_props.items():
            here = f"{where}.{name}"
            if name not in new_props:
                self.report(here, f"{'response' if response else 'request'} field removed")
                continue
            if response and name in old_required and name not in new_required:
                self.report(here, "no longer always present")
            self.schema(old_prop, new_props[name], here, direction)
        if not response:
            for name in sorted(new_required - old_required):
                self.report(f"{where}.{name}", "new required request field")

    def operation(self, old: dict, new: dict, where: str) -> None:
        old_params = {(p["in"], p["name"]): p for p in old.get("parameters", [])}
        new_params = {(p["in"], p["name"]): p for p in new.get("parameters", [])}
        for key, param in old_params.items():
            here = f"{where} {key[0]} parameter {key[1]}"
            if key not in new_params:
                self.report(here, "removed")
                continue
            if new_params[key].get("required") and not param.get("required"):
                self.report(here, "became required")
            self.schema(param.get("schema", {}), new_params[key].get("schema", {}), here, "request")
        for key, param in new_params.items():
            if key not in old_params and param.get("required"):
                self.report(f"{where} {key[0]} parameter {key[1]}", "new required parameter")

        old_body, new_body = old.get("requestBody"), new.get("requestBody")
        if new_body and new_body.get("required") and not (old_body and old_body.get("required")):
            self.report(f"{where} request body", "became required")
        if old_body:
            new_content = (new_body or {}).get("content", {})
            for media, content in old_body.get("content", {}).items():
                here = f"{where} request {media}"
                if media not in new_content:
                    self.report(here, "media type no longer accepted")
                    continue
                self.schema(
                    content.get("schema", {}), new_content[media].get("schema", {}), here, "request"
                )

        new_responses = new.get("responses", {})
        for code, response in old.get("responses", {}).items():
            if str(code) not in SUCCESS:
                continue
            here = f"{where} {code}"
            if code not in new_responses:
                self.report(here, "response removed")
                continue
            new_content = new_responses[code].get("content", {})
            for media, content in (response.get("content") or {}).items():
                if media not in new_content:
                    self.report(f"{here} {media}", "media type no longer returned")
                    continue
                self.schema(
                    content.get("schema", {}),
                    new_content[media].get("schema", {}),
                    f"{here} {media}",
                    "response",
                )


def breaking_changes(old: dict, new: dict) -> list[str]:
    """Return a readable line per change in ``new`` that breaks a client of ``old``."""
    comparer = _Comparer(old, new)
    new_paths = new.get("paths") or {}
    for path, methods in (old.get("paths") or {}).items():
        if path not in new_paths:
            comparer.report(path, "path removed")
            continue
        for method, operation in methods.items():
            if method.startswith("x-") or method in ("parameters", "summary", "description"):
                continue
            where = f"{method.upper()} {path}"
            if method not in new_paths[path]:
                comparer.report(where, "method removed")
                continue
            comparer.operation(operation, new_paths[path][method], where)
    return comparer.problems
