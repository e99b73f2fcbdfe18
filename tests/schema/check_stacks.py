#!/usr/bin/env python3
"""Validates stacks against schema/virtplan-stack.schema.json with an
independent validator (python3-jsonschema, Debian's), as an editor would:

- every example (examples/*.yaml) is valid, and so is every domain body the
  kvm tests read (tests/kvm/stacks/*.yaml: one domain's settings, checked
  against the schema of a profile, which holds a domain's settings);
- every broken stack the loader refuses for a reason of shape (an unknown
  key, a wrong type, a bad enum value, name or size, a missing or doubled
  placement; tests/stacks/broken) is refused by the schema too.

The broken stacks the loader refuses for reasons a schema cannot see (an
undeclared reference, overlapping subnets, YAML syntax and structure) are
listed as such, so that a new broken stack must be put on one list.

Usage: check_stacks.py SOURCE_DIR
"""

import json
import pathlib
import re
import sys

import jsonschema
import yaml

# Refused by the loader for their shape: the schema must refuse them too.
SHAPE = {
    "host-bad-enums", "invalid-host-name", "invalid-object-name", "invalid-size-fraction",
    "invalid-size-negative", "invalid-size-unit", "invalid-stack-name", "missing-stack",
    "not-a-map", "placement-both", "placement-missing", "placement-wrong-type", "profile-bad-key",
    "profile-sets-host", "unknown-key-domain", "unknown-key-host", "unknown-key-nested",
    "unknown-key-network-deep", "unknown-section", "wait-invalid", "wrong-type-autostart",
    "wrong-type-host", "wrong-type-section", "wrong-type-vcpus",
}
# Refused for what a schema cannot see: references across objects, values
# checked against each other, sizes past 2^64, and YAML itself (syntax,
# aliases, duplicate keys, depth, encoding, documents).
BEYOND = {
    "alias", "backing-cycle", "comments-only", "deep-nesting-block", "deep-nesting-flow",
    "dhcp-host-at-gateway", "dhcp-host-outside-subnet", "dhcp-range-outside-subnet",
    "duplicate-key-deep", "duplicate-key-nested", "duplicate-key-top", "duplicate-mac",
    "duplicate-name-directory", "duplicate-name-same-file", "empty",
    "external-volume-without-pool", "host-bad-address", "invalid-size-overflow",
    "non-scalar-key", "not-utf8", "nul-byte", "overlapping-subnets",
    "placement-all-without-hosts", "pool-system-directory", "shared-writable-volume",
    "stack-name-differs", "stray-comma", "syntax-bad-indent", "syntax-error", "syntax-tab",
    "two-documents", "undeclared-host", "undeclared-network", "undeclared-pool",
    "undeclared-volume", "unknown-profile",
}


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2's core schema, as yaml-cpp (so virtplan) and the YAML language
    server read a file: only true and false are booleans (`yes`, `on` are
    text), no sexagesimal numbers (a MAC address is text), no timestamps.
    PyYAML alone reads YAML 1.1, where `autostart: yes` would pass."""


_DROPPED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:timestamp"}
Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def errors_of(validator, path):
    try:
        document = yaml.load(path.read_text(), Loader=Yaml12Loader)
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as e:
        return [f"not YAML: {e}"]
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


def main():
    source = pathlib.Path(sys.argv[1])
    schema = json.loads((source / "schema/virtplan-stack.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures = []
    valid = sorted((source / "examples").glob("*.yaml"))
    for path in valid:
        for error in errors_of(validator, path):
            failures.append(f"{path.relative_to(source)}: valid, but the schema says {error}")
    domain_schema = dict(schema["properties"]["profiles"]["additionalProperties"])
    domain_schema["$schema"] = schema["$schema"]
    domain_validator = jsonschema.Draft202012Validator(domain_schema)
    bodies = sorted((source / "tests/kvm/stacks").glob("*.yaml"))
    for path in bodies:
        for error in errors_of(domain_validator, path):
            failures.append(f"{path.relative_to(source)}: valid, but the schema says {error}")
    valid += bodies
    broken = sorted(p for p in (source / "tests/stacks/broken").iterdir() if p.suffix != ".expected")
    for path in broken:
        name = path.stem if path.is_file() else path.name
        if name in BEYOND:
            continue
        if name not in SHAPE:
            failures.append(f"{path.relative_to(source)}: on neither list of check_stacks.py")
        elif not errors_of(validator, path):
            failures.append(f"{path.relative_to(source)}: broken, but the schema takes it")
    for failure in failures:
        print(failure)
    print(f"{len(valid)} valid stacks, {len(SHAPE)} broken by shape: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
