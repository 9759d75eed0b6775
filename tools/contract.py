"""The API's contract: the served OpenAPI document, kept in docs/openapi.json, so that every
change of contract is a reviewed diff, and the changes that break clients, which need a new
API version (the version in pyproject.toml).

`python -m tools.contract` (`make openapi`) writes the document as a deployment with the
default settings serves it from the project's seeds (SQLite, migrated to head). It refuses to
write a breaking change unless the version has been bumped: a new major version (SemVer; a new
minor one below 1.0). The tests check that the served document is the one written here.

Breaking: a path, an operation, a 2xx answer or one of its media types removed; a parameter
removed or newly required; a schema or a field removed, or a field no longer always present;
an enum value removed, or a parameter newly limited to an enum (an answer's field that newly
lists its values breaks nothing: it tells clients what they may be sent); a type narrowed (a
type no longer allowed, a bound tightened).
"""

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio

from app.config import ROOT, Settings
from app.db import migrate
from app.main import create_app

DOCUMENT = ROOT / "docs" / "openapi.json"
REGENERATE = "make openapi"
Schema = dict[str, Any]
# Bounds that a smaller value (upper) or a larger one (lower) tightens, and the types they bound.
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
BOUNDED = {
    "maximum": {"integer", "number"},
    "exclusiveMaximum": {"integer", "number"},
    "minimum": {"integer", "number"},
    "exclusiveMinimum": {"integer", "number"},
    "maxLength": {"string"},
    "minLength": {"string"},
    "maxItems": {"array"},
    "minItems": {"array"},
    "maxProperties": {"object"},
    "minProperties": {"object"},
}


def contract_settings(database_url: str) -> Settings:
    """The settings the checked-in document is served with: the defaults, whatever the
    environment says, on the given database."""
    defaults = {name: field.get_default() for name, field in Settings.model_fields.items()}
    return Settings(**{**defaults, "database_url": database_url})


async def _serve(settings: Settings) -> Schema:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        document: Schema = await anyio.to_thread.run_sync(app.openapi)
    return document


def document_of(database_url: str) -> Schema:
    """The document a deployment with the default settings serves from this database."""
    return anyio.run(_serve, contract_settings(database_url))


def served_document() -> Schema:
    """The document a deployment with the default settings serves from the project's seeds."""
    with tempfile.TemporaryDirectory() as directory:
        return document_of(migrate(f"sqlite:///{Path(directory) / 'knowledge.db'}"))


# Where the API's description starts naming the sources it serves (see app/openapi.py).
SOURCES_SERVED = "\n**Sources served.**"


def without_knowledge(node: Any) -> Any:
    """The contract less what only shows the knowledge served: the response examples and the
    sources named in the description. New knowledge changes those, not what clients rely on
    (a new vocabulary term does change the contract: it is a value a parameter may take)."""
    if isinstance(node, dict):
        kept = {key: without_knowledge(value) for key, value in node.items() if key != "example"}
        description = kept.get("description")
        if isinstance(description, str) and SOURCES_SERVED in description:
            kept["description"] = description.split(SOURCES_SERVED)[0]
        return kept
    if isinstance(node, list):
        return [without_knowledge(value) for value in node]
    return node


def dumps(document: Schema) -> str:
    """The document as it is kept: indented, keys in the served order, one line at the end."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read_document(path: Path = DOCUMENT) -> Schema | None:
    if not path.exists():
        return None
    document: Schema = json.loads(path.read_text(encoding="utf-8"))
    return document


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """What `new` takes away from a client written against `old`, one line per change."""
    found: list[str] = []
    for path, item in old.get("paths", {}).items():
        if path not in new.get("paths", {}):
            found.append(f"path {path} removed")
            continue
        for method, operation in item.items():
            other = new["paths"][path].get(method)
            where = f"{method.upper()} {path}"
            if other is None:
                found.append(f"{where} removed")
            else:
                found += _operation_changes(where, operation, other)
    new_schemas = new.get("components", {}).get("schemas", {})
    for name, schema in old.get("components", {}).get("schemas", {}).items():
        if name not in new_schemas:
            found.append(f"schema {name} removed")
        else:
            found += _schema_changes(f"schema {name}", schema, new_schemas[name])
    return found


def _operation_changes(where: str, old: Schema, new: Schema) -> list[str]:
    found: list[str] = []
    old_parameters = {(p["in"], p["name"]): p for p in old.get("parameters", [])}
    new_parameters = {(p["in"], p["name"]): p for p in new.get("parameters", [])}
    for key, parameter in old_parameters.items():
        label = f"{where} parameter {key[1]}"
        if key not in new_parameters:
            found.append(f"{label} removed")
            continue
        if new_parameters[key].get("required") and not parameter.get("required"):
            found.append(f"{label} now required")
        found += _schema_changes(
            label, parameter["schema"], new_parameters[key]["schema"], sent=True
        )
    for key, parameter in new_parameters.items():
        if key not in old_parameters and parameter.get("required"):
            found.append(f"{where} parameter {key[1]} added as required")
    for status, response in old.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        other = new.get("responses", {}).get(status)
        if other is None:
            found.append(f"{where} answer {status} removed")
            continue
        for media_type, content in response.get("content", {}).items():
            label = f"{where} answer {status} {media_type}"
            if media_type not in other.get("content", {}):
                found.append(f"{label} removed")
            elif "schema" in content:
                schema = other["content"][media_type].get("schema", {})
                found += _schema_changes(label, content["schema"], schema)
    return found


def _schema_changes(where: str, old: Schema, new: Schema, *, sent: bool = False) -> list[str]:
    """What `new` takes away from clients of `old`: `sent` for what a client sends (a
    parameter), else what it is answered (the schemas of the answers)."""
    found: list[str] = []
    lost = _lost_types(_types(old), _types(new))
    if lost:
        found.append(f"{where}: type narrowed, no longer {' or '.join(sorted(lost))}")
    old_values, new_values = _enum(old), _enum(new)
    if new_values is not None and old_values is None and sent:
        # An answer's field that now lists its values tells a client what it may be sent;
        # a parameter that now does refuses values a client may send.
        found.append(f"{where}: now limited to {', '.join(sorted(new_values))}")
    elif new_values is not None and old_values is not None and old_values - new_values:
        found.append(f"{where}: enum values removed: {', '.join(sorted(old_values - new_values))}")
    for key in UPPER_BOUNDS + LOWER_BOUNDS:
        before, after = _bound(old, key), _bound(new, key)
        if after is not None and (before is None or _tighter(key, before, after)):
            found.append(f"{where}: {key} tightened to {after}")
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    for name, field in old_fields.items():
        if name not in new_fields:
            found.append(f"{where}: field {name} removed")
        else:
            found += _schema_changes(f"{where}.{name}", field, new_fields[name], sent=sent)
    for name in set(old.get("required", [])) - set(new.get("required", [])):
        if name in new_fields:
            found.append(f"{where}: field {name} no longer always present")
    for key, label in (("items", "[]"), ("additionalProperties", "{}")):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            found += _schema_changes(f"{where}{label}", old[key], new[key], sent=sent)
    for branch_key in ("anyOf", "oneOf"):
        # Branches of the same type are compared with each other (e.g. an array, or null).
        new_branches = {_branch_type(b): b for b in new.get(branch_key, [])}
        for branch in old.get(branch_key, []):
            match = new_branches.get(_branch_type(branch))
            if match is not None:
                found += _schema_changes(where, branch, match, sent=sent)
    return list(dict.fromkeys(found))


def _types(schema: Schema) -> set[str]:
    """The JSON types (and referenced schemas) a value may have; "any" when unconstrained."""
    if "$ref" in schema:
        return {schema["$ref"].rsplit("/", 1)[-1]}
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        return set().union(*(_types(branch) for branch in branches))
    declared = schema.get("type")
    if declared is not None:
        return {declared} if isinstance(declared, str) else set(declared)
    values = _listed(schema)
    if values is not None:
        return {_json_type(value) for value in values}
    return {"any"}


def _listed(schema: Schema) -> list[Any] | None:
    """The values the schema itself lists (`enum`, or `const`); None if it lists none."""
    return schema.get("enum", [schema["const"]] if "const" in schema else None)


def _lost_types(old: set[str], new: set[str]) -> set[str]:
    if "any" in new:
        return set()
    return {t for t in old if t not in new and not (t == "integer" and "number" in new)}


def _branch_type(schema: Schema) -> str:
    return ",".join(sorted(_types(schema)))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "string"


def _enum(schema: Schema) -> set[str] | None:
    """The values an enum allows (as JSON), or None if the schema lists none."""
    values: set[str] | None = None
    for part in [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]:
        listed = _listed(part)
        if listed is not None:
            values = (values or set()) | {json.dumps(value) for value in listed}
    return values


def _bound(schema: Schema, key: str) -> Any:
    """The bound `key` a value of the schema keeps, wherever the schema says it; None if none.

    Of several branches (anyOf), the loosest holds; a branch of another type bounds nothing.
    """
    if key in schema:
        return schema[key]
    branches = [
        branch
        for branch in schema.get("anyOf", []) + schema.get("oneOf", [])
        if _types(branch) & (BOUNDED[key] | {"any"})
    ]
    bounds = [_bound(branch, key) for branch in branches]
    if not bounds or None in bounds:
        return None
    return max(bounds) if key in UPPER_BOUNDS else min(bounds)


def _tighter(key: str, old: Any, new: Any) -> bool:
    if not isinstance(old, int | float) or not isinstance(new, int | float):
        return False
    return bool(new < old) if key in UPPER_BOUNDS else bool(new > old)


def _version(text: str) -> tuple[int, ...]:
    parts = [int(part) for part in re.findall(r"\d+", text)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def is_new_major_version(old: str, new: str) -> bool:
    """Whether `new` may break clients of `old`: a new major version (a new minor below 1.0)."""
    before, after = _version(old), _version(new)
    return after[:2] > before[:2] if before[0] == 0 else after[0] > before[0]


def unversioned_breaks(old: Schema, new: Schema) -> list[str]:
    """The breaking changes from `old` to `new`, unless `new` has a new major version."""
    if is_new_major_version(old["info"]["version"], new["info"]["version"]):
        return []
    return breaking_changes(old, new)


def main() -> int:
    new = served_document()
    old = read_document()
    breaks = unversioned_breaks(old, new) if old is not None else []
    if old is not None and breaks:
        version = old["info"]["version"]
        print(
            f"Not written: these changes break clients of API version {version}, so they need "
            "a new major version (in pyproject.toml):\n  " + "\n  ".join(breaks),
            file=sys.stderr,
        )
        return 1
    DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
    DOCUMENT.write_text(dumps(new), encoding="utf-8")
    print(f"Wrote {DOCUMENT.relative_to(ROOT)}: review its diff before committing.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
