#!/usr/bin/env python3
"""Validates a JSON document against one of docs/schema/*.schema.json (python3-jsonschema).

    check_json_schema.py SCHEMA DOCUMENT      (SCHEMA: doctor, plan, apply, validate, readiness, catalogue)

Exit 0 when it conforms; 1 with every violation printed (its path in the document and what is wrong); 2 when the
document is not JSON or the schema is unknown. The schemas refer to each other by file name.
"""
import json
import pathlib
import sys
import warnings

import jsonschema

schema_dir = pathlib.Path(__file__).resolve().parents[2] / "docs" / "schema"
schemas = {path.name: json.loads(path.read_text()) for path in schema_dir.glob("*.schema.json")}
name = sys.argv[1] + ".schema.json"
if name not in schemas:
    print(f"no schema {name} in {schema_dir}")
    sys.exit(2)
try:
    document = json.loads(pathlib.Path(sys.argv[2]).read_text())
except ValueError as error:
    print(f"not JSON: {error}")
    sys.exit(2)

schema = schemas[name]
validator_class = jsonschema.validators.validator_for(schema)
validator_class.check_schema(schema)
try:  # jsonschema >= 4.18 resolves references through `referencing`
    from referencing import Registry, Resource
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    validator = validator_class(schema, registry=registry)
except (ImportError, TypeError):  # an older jsonschema (Debian 12's 4.10, RHEL 9's 3.2), with or without referencing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver.from_schema(schema, store={s["$id"]: s for s in schemas.values()})
    validator = validator_class(schema, resolver=resolver)

errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
for error in errors:
    where = "/".join(str(part) for part in error.absolute_path) or "(the document)"
    print(f"{where}: {error.message}")
sys.exit(1 if errors else 0)
