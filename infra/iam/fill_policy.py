#!/usr/bin/env python3
"""Fill the ${Placeholders} of prenv-policy.json, refusing to write anything while one has no value.

    python3 infra/iam/fill_policy.py infra/iam/prenv-policy.json Region=eu-west-1 Account=123456789012 ... > filled.json

A plain `envsubst` would turn an unknown variable into an empty string, so `project/${Prefix}*`
would silently become `project/*`. `--drop Sid` removes a statement you do not need (e.g.
`PassSourceConnection` when the template pipeline has no CodeStar-connection source). The same
code fills the policy in the tests (infra/local/tests, Tests/PrenvTests), so what is tested is what
this script writes.
"""

from __future__ import annotations

import json
import re
import sys

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


class MissingValues(ValueError):
    pass


def fill(text: str, values: dict[str, str], drop: tuple[str, ...] = ()) -> str:
    document = json.loads(text)
    unknown = set(drop) - {s.get("Sid") for s in document["Statement"]}
    if unknown:
        raise MissingValues("no statement with Sid " + ", ".join(sorted(unknown)))
    document["Statement"] = [s for s in document["Statement"] if s.get("Sid") not in drop]
    kept = json.dumps(document, indent=2)
    missing = sorted(set(PLACEHOLDER.findall(kept)) - values.keys())
    if missing:
        raise MissingValues("no value for: " + ", ".join(missing))
    empty = sorted(k for k in set(PLACEHOLDER.findall(kept)) if not values[k])
    if empty:
        raise MissingValues("empty value for: " + ", ".join(empty))
    filled = PLACEHOLDER.sub(lambda m: values[m.group(1)], kept)
    json.loads(filled)  # a value with a quote in it must not break the document
    return filled + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    values: dict[str, str] = {}
    drop: list[str] = []
    args = iter(argv[2:])
    for arg in args:
        if arg == "--drop":
            drop.append(next(args, ""))
        elif "=" in arg:
            name, value = arg.split("=", 1)
            values[name] = value
        else:
            print(f"not Name=value: {arg}", file=sys.stderr)
            return 2
    try:
        with open(argv[1], encoding="utf-8") as handle:
            sys.stdout.write(fill(handle.read(), values, tuple(drop)))
    except MissingValues as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
