#!/usr/bin/env python3
"""Parses Prometheus text format from stdin with the reference Python parser (prometheus_client)
and prints its samples as JSON: {"families": {name: type}, "samples": [{name, labels, value}]}.

Used by MetricsEndToEndTests so `/metrics` is checked by a real parser, not by our own reading of
the format. A parse error exits 1 with the parser's message on stderr.
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    text = sys.stdin.read()
    families = {}
    samples = []
    try:
        for family in text_string_to_metric_families(text):
            families[family.name] = family.type
            for sample in family.samples:
                samples.append({"name": sample.name, "labels": dict(sample.labels), "value": sample.value})
    except Exception as error:  # the parser raises ValueError and others on malformed input
        print(f"prometheus_client could not parse /metrics: {error!r}", file=sys.stderr)
        return 1
    json.dump({"families": families, "samples": samples}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
