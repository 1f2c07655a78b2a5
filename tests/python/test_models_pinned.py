"""The committed models/*.json must equal the stripped models of the pinned botocore.

Fails when botocore is upgraded (or the committed files are edited by hand) without
re-running `python3 models/refresh.py` and `cargo run -p trailrunner-codegen`.
"""

import importlib.util
import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "models")


def _load_refresh():
    spec = importlib.util.spec_from_file_location("models_refresh", os.path.join(MODELS, "refresh.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


refresh = _load_refresh()


def test_botocore_is_the_pinned_version():
    import botocore

    assert botocore.__version__ == refresh.BOTOCORE_VERSION


@pytest.mark.parametrize("service,version", refresh.SERVICES)
def test_committed_model_matches_pinned_botocore(service, version):
    expected = refresh.render(refresh.canonical_model(service, version))
    with open(os.path.join(MODELS, f"{service}.json"), encoding="utf-8") as fh:
        committed = fh.read()
    # Same content first (clear failure), then the exact bytes (layout drift).
    assert json.loads(committed) == json.loads(expected), f"models/{service}.json drifted from botocore"
    assert committed == expected, f"models/{service}.json layout differs; re-run models/refresh.py"


@pytest.mark.parametrize("service,version", refresh.SERVICES)
def test_no_documentation_left(service, version):
    def walk(node, names_here=False):
        if isinstance(node, dict):
            for key, value in node.items():
                if not names_here:
                    assert key not in refresh.TEXT_KEYS, f"{service}: text key {key} kept"
                walk(value, names_here=not names_here and key in refresh.NAME_MAPS)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    with open(os.path.join(MODELS, f"{service}.json"), encoding="utf-8") as fh:
        walk(json.load(fh))


def test_structure_members_keep_declaration_order():
    raw = refresh.load_raw("apprunner", "2020-05-15")
    with open(os.path.join(MODELS, "apprunner.json"), encoding="utf-8") as fh:
        committed = json.load(fh)
    for name, shape in raw["shapes"].items():
        if "members" in shape:
            assert list(committed["shapes"][name]["members"]) == list(shape["members"]), name
