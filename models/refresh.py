#!/usr/bin/env python3
"""Refresh the committed service models from the pinned botocore.

Usage: python3 models/refresh.py            (writes models/<service>.json)
       python3 models/refresh.py --check    (exit 1 if a committed file differs)

The committed `models/*.json` are what `trailrunner-codegen` reads, so building the
Rust workspace never needs Python. Each file is botocore's `service-2.json` with every
human-language text key removed (documentation, documentationUrl, deprecatedMessage,
deprecatedSince) and everything structural kept: shapes, members, required, min/max,
pattern, enum, sensitive, exception/fault/error, timestampFormat, flattened, xmlName,
locationName, queryName, metadata, http, deprecated flags, ...

Layout is deterministic: pretty-printed (2 spaces), ASCII only, keys sorted - except
the keys of a structure's `members` map, which keep botocore's declaration order
(that order is the wire serialization order and the order in which validation
errors are reported, so it carries meaning).

`tests/python/test_models_pinned.py` imports `canonical_model` from here and fails when
the installed botocore and the committed files drift apart.
"""

from __future__ import annotations

import gzip
import json
import os
import sys

BOTOCORE_VERSION = "1.43.11"

# (service id used in file names, botocore api version directory)
SERVICES = (
    ("apprunner", "2020-05-15"),
    ("cloudtrail", "2013-11-01"),
    ("sts", "2011-06-15"),
    ("iam", "2010-05-08"),
)

# Free-text keys: prose for humans, never part of the wire contract.
TEXT_KEYS = frozenset({"documentation", "documentationUrl", "deprecatedMessage", "deprecatedSince"})

# Maps whose keys are names (operation, shape and member names), not properties:
# their keys are never stripped, whatever they are called.
NAME_MAPS = frozenset({"operations", "shapes", "members"})

MODELS_DIR = os.path.dirname(os.path.abspath(__file__))


def _canonical(node, *, names_here=False, keep_order=False):
    """Strip text keys and order keys canonically.

    names_here: the keys of this dict are names (from NAME_MAPS), keep them all.
    keep_order: keep the dict's own key order (structure members) instead of sorting.
    """
    if isinstance(node, dict):
        keys = list(node) if keep_order else sorted(node)
        out = {}
        for key in keys:
            if not names_here and key in TEXT_KEYS:
                continue
            child_is_name_map = not names_here and key in NAME_MAPS
            out[key] = _canonical(
                node[key],
                names_here=child_is_name_map,
                keep_order=child_is_name_map and key == "members",
            )
        return out
    if isinstance(node, list):
        return [_canonical(item) for item in node]
    return node


def botocore_data_dir() -> str:
    import botocore

    if botocore.__version__ != BOTOCORE_VERSION:
        raise SystemExit(
            f"botocore {botocore.__version__} is installed, the models are pinned to {BOTOCORE_VERSION}"
        )
    return os.path.join(os.path.dirname(botocore.__file__), "data")


def load_raw(service: str, version: str) -> dict:
    path = os.path.join(botocore_data_dir(), service, version, "service-2.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def canonical_model(service: str, version: str) -> dict:
    return _canonical(load_raw(service, version))


def render(model: dict) -> str:
    return json.dumps(model, indent=2, ensure_ascii=True) + "\n"


def rendered_models() -> dict[str, str]:
    """File name -> exact committed text, for every pinned service."""
    return {f"{svc}.json": render(canonical_model(svc, ver)) for svc, ver in SERVICES}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    drift = []
    for name, text in rendered_models().items():
        path = os.path.join(MODELS_DIR, name)
        if check:
            try:
                with open(path, encoding="utf-8") as fh:
                    if fh.read() != text:
                        drift.append(name)
            except FileNotFoundError:
                drift.append(name)
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            print(f"wrote models/{name}")
    if drift:
        print("models out of date: " + ", ".join(drift) + " (run python3 models/refresh.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
