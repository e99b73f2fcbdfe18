#!/usr/bin/env python3
"""A strict parser of InfluxDB line protocol, for `virtplan metrics --format influx`.

Reads line protocol on stdin and fails (exit 1, naming each bad line and why)
unless every line is `measurement[,tag=value...] field=value[,field=value...]
[timestamp]` as InfluxDB's reference defines it: escaped commas, spaces and
equals signs in names, tags and field keys; no empty tag value; tags sorted by
key (InfluxDB's advice); unique field keys; integers with `i`, unsigned with
`u`, finite floats (no inf or nan), booleans, double-quoted strings; a nanosecond integer
timestamp. Expectations about the content come as arguments:
  --measurement NAME   every line's measurement is one of these (repeatable)
  --expect-tag K=V     some line has this tag (repeatable)
  --min-lines N        at least N lines
Prints the number of lines checked.
"""
import argparse
import re
import sys

# Unescaped, a name or tag key/value may hold no comma, space or equals sign
# (a measurement may hold '='); a backslash escapes one of them.
ESCAPED = r"(?:\\[ ,=\\]|[^ ,=\\\n])+"
MEASUREMENT = r"(?:\\[ ,\\]|[^ ,\\\n#])(?:\\[ ,\\]|[^ ,\\\n])*"
NUMBER_FLOAT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
FIELD_VALUE = r'(?:-?\d+i|\d+u|' + NUMBER_FLOAT + r'|t|T|true|True|TRUE|f|F|false|False|FALSE|"(?:\\["\\]|[^"\\])*")'
LINE = re.compile(
    rf"^(?P<measurement>{MEASUREMENT})"
    rf"(?P<tags>(?:,{ESCAPED}={ESCAPED})*)"
    rf" (?P<fields>{ESCAPED}={FIELD_VALUE}(?:,{ESCAPED}={FIELD_VALUE})*)"
    r"(?: (?P<timestamp>-?\d+))?$"
)
PAIR = re.compile(rf"({ESCAPED})=({ESCAPED}|{FIELD_VALUE})")


def unescape(text):
    return re.sub(r"\\([ ,=\\])", r"\1", text)


def pairs(text):
    """The key=value pairs of ',k=v,k=v' or 'k=v,k=v', in order."""
    return [(unescape(m.group(1)), m.group(2)) for m in PAIR.finditer(text)]


def check(line):
    match = LINE.match(line)
    if not match:
        return None, "not line protocol"
    tags = pairs(match.group("tags"))
    keys = [k for k, _ in tags]
    if keys != sorted(keys):
        return None, f"tags not sorted by key: {keys}"
    if len(set(keys)) != len(keys):
        return None, f"a tag key repeats: {keys}"
    if any(k.startswith("_") for k in keys):
        return None, "tag keys starting with '_' are reserved"
    fields = pairs(match.group("fields"))
    field_keys = [k for k, _ in fields]
    if len(set(field_keys)) != len(field_keys):
        return None, f"a field key repeats: {field_keys}"
    return (unescape(match.group("measurement")), dict((k, unescape(v)) for k, v in tags)), None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--measurement", action="append", default=[])
    parser.add_argument("--expect-tag", action="append", default=[])
    parser.add_argument("--min-lines", type=int, default=1)
    args = parser.parse_args()
    problems = []
    seen_tags = set()
    count = 0
    for number, line in enumerate(sys.stdin.read().split("\n"), 1):
        if line == "":
            continue
        count += 1
        parsed, why = check(line)
        if why:
            problems.append(f"line {number}: {why}: {line}")
            continue
        measurement, tags = parsed
        if args.measurement and measurement not in args.measurement:
            problems.append(f"line {number}: unexpected measurement {measurement}: {line}")
        seen_tags.update(f"{k}={v}" for k, v in tags.items())
    if count < args.min_lines:
        problems.append(f"{count} lines, expected at least {args.min_lines}")
    for tag in args.expect_tag:
        if tag not in seen_tags:
            problems.append(f"no line has the tag {tag}")
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print(f"influx: {count} lines of valid line protocol")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
