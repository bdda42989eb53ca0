#!/usr/bin/env python3
"""Validates spec/openapi.json with openapi-spec-validator (an independent validator).

The document is kept as the API serves it, so two upstream quirks are expected and tolerated,
each reported on its own line; anything else fails the run:
- the duplicate operationIds GetAssistanceData and GetPredictedAssistanceData;
- defaults of non-string parameters written as strings ("10", "true", "false", "0").
"""
import json
import sys

from openapi_spec_validator import OpenAPIV30SpecValidator
from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError

KNOWN_DUPLICATES = {"GetAssistanceData", "GetPredictedAssistanceData"}
QUOTED_DEFAULTS = {"10", "true", "false", "0"}


def tolerated(err):
    if isinstance(err, DuplicateOperationIDError):
        return any(f"'{op}'" in str(err) for op in KNOWN_DUPLICATES)
    return getattr(err, "validator", None) in ("type", "anyOf") and getattr(err, "instance", None) in QUOTED_DEFAULTS


def main(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    errors = list(OpenAPIV30SpecValidator(doc).iter_errors())
    bad = [e for e in errors if not tolerated(e)]
    for e in errors:
        if tolerated(e):
            print(f"known upstream quirk: {str(e).splitlines()[0]}")
    for e in bad:
        print(f"INVALID: {str(e).splitlines()[0]}")
    print(f"{path}: {len(errors) - len(bad)} known quirks, {len(bad)} errors")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "spec/openapi.json"))
