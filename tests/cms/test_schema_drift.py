"""The editor's field schemas and the project's validators say the same thing.

The field names are read from the validators' source (every metadata key they look up), and
files made from the schemas' examples are run through the validators themselves: a field
added to a validator, a required flag or a pattern that differs makes one of these fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from plugins.campaigns.model import parse_campaign
from plugins.cms.fields import BODY, DATE_OR_TIME
from plugins.cms.types import article, campaign, event, portrait
from plugins.events.model import parse_event
from plugins.portraits import REQUIRED_FIELDS as PORTRAIT_REQUIRED
from plugins.region.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = load_registry()


def looked_up_keys(source: Path, function: str | None = None) -> set[str]:
    """Metadata keys a validator reads: _text(metadata, "k"), text("k"), metadata.get("k"),
    metadata["k"], "k" in metadata, and ("k", default, low, high) rows of number fields."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    if function:
        tree = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    keys: set[str] = set()

    def literal(node) -> str | None:
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            args = node.args
            if name == "_text" and len(args) >= 2 and literal(args[1]):
                keys.add(literal(args[1]))
            elif name in {"text", "get"} and args and literal(args[0]) and (
                    name == "text" or "metadata" in ast.unparse(node.func)):
                keys.add(literal(args[0]))
        elif isinstance(node, ast.Subscript) and "metadata" in ast.unparse(node.value) and literal(node.slice):
            keys.add(literal(node.slice))
        elif isinstance(node, ast.Compare) and literal(node.left) and "metadata" in ast.unparse(node.comparators[0]):
            keys.add(literal(node.left))
        elif isinstance(node, ast.Tuple) and len(node.elts) == 4 and literal(node.elts[0]) and all(
                isinstance(e, (ast.Constant, ast.Name)) for e in node.elts[1:]):
            keys.add(literal(node.elts[0]))
    return keys


def example_metadata(content_type) -> dict[str, str]:
    return {f.name: f.example for f in content_type.fields if f.example and f.name != BODY}


def event_problems(metadata: dict[str, str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    parse_event("content/events/x.md", "x", metadata, "", REGISTRY, lambda _p, field, message: found.append((field, message)))
    return found


def campaign_problems(metadata: dict[str, str]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    parse_campaign("content/kampagnen/test-kampagne.md", "test-kampagne", metadata, "", REGISTRY,
                   lambda _p, field, message: found.append((field, message)), event_slugs=set())
    return found


CASES = [
    (event, event_problems, looked_up_keys(ROOT / "plugins/events/model.py", "parse_event")
     | looked_up_keys(ROOT / "plugins/events/generator.py")),
    (campaign, campaign_problems, looked_up_keys(ROOT / "plugins/campaigns/model.py", "parse_campaign")),
]


@pytest.mark.parametrize("make, _problems, validator_keys", CASES, ids=["events", "campaigns"])
def test_every_key_a_validator_reads_is_a_field_of_the_editor_and_no_other(make, _problems, validator_keys):
    schema = make(REGISTRY)
    assert validator_keys, "no keys found: the extraction no longer understands the validator"
    assert schema.metadata_names - {"slug"} == validator_keys - {"slug"}, (
        f"only in the editor: {sorted(schema.metadata_names - validator_keys)}; "
        f"only in the validator: {sorted(validator_keys - schema.metadata_names)}")


@pytest.mark.parametrize("make, problems, _keys", CASES, ids=["events", "campaigns"])
def test_a_file_made_of_the_examples_passes_the_validator(make, problems, _keys):
    assert problems(example_metadata(make(REGISTRY))) == []


@pytest.mark.parametrize("make, problems, _keys", CASES, ids=["events", "campaigns"])
def test_required_in_the_editor_exactly_when_the_validator_requires_it(make, problems, _keys):
    schema = make(REGISTRY)
    complete = example_metadata(schema)
    for field in schema.fields:
        if field.name not in complete or field.required_with or field.alternative:
            continue  # conditional: checked below
        reported = {name for name, _message in problems({k: v for k, v in complete.items() if k != field.name})}
        if field.required:
            assert field.name in reported, f"{field.name} is required in the editor, the validator accepts it missing"
        else:
            assert reported == set(), f"{field.name} is optional in the editor, the validator reports {reported}"
    for field in (f for f in schema.fields if f.required_with and f.name in complete):
        reported = {name for name, _ in problems({k: v for k, v in complete.items() if k != field.name})}
        assert (field.name in reported) == bool(complete.get(field.required_with)), field.name
    for field in (f for f in schema.fields if f.alternative and f.name in complete):
        without = {k: v for k, v in complete.items() if k not in (field.name, field.alternative)}
        assert field.name in {name for name, _ in problems(without)}, f"{field.name}: neither it nor {field.alternative}"
        assert problems({**without, field.alternative: "2h"}) == []


@pytest.mark.parametrize("make, problems, _keys", CASES, ids=["events", "campaigns"])
def test_a_value_the_editor_refuses_is_refused_by_the_validator(make, problems, _keys):
    """Every pattern rejects a wrong value, and the validator reports that same value."""
    schema = make(REGISTRY)
    complete = example_metadata(schema)
    for field in (f for f in schema.fields if f.pattern and f.name in complete):
        wrong = "12.03.2027 kaputt!"
        assert not re.search(field.pattern.replace("(?<", "(?P<"), wrong), field.name
        reported = {name for name, _ in problems({**complete, field.name: wrong})}
        assert field.name in reported, (field.name, reported)


def test_event_selects_offer_exactly_the_validators_values():
    from plugins.events.categories import CATEGORIES, STATUSES

    schema = event(REGISTRY)
    assert [o.value for o in schema.field("category").options] == list(CATEGORIES)
    assert [o.value for o in schema.field("status").options] == list(STATUSES)
    for option in schema.field("category").options:
        assert event_problems({**example_metadata(schema), "category": option.value}) == []


def test_municipality_select_offers_all_179_and_each_is_accepted():
    options = event(REGISTRY).field("municipality").options
    assert len(options) == 179 == len({o.value for o in options})
    assert {o.value for o in options} == {m.slug for m in REGISTRY}
    slugs = ", ".join(o.value for o in options)
    assert event_problems({**example_metadata(event(REGISTRY)), "municipality": slugs}) == []


def test_portrait_requires_what_the_portrait_check_requires():
    schema = portrait(REGISTRY)
    required = {f.name for f in schema.fields if f.required}
    assert required - {"title", "date"} == set(PORTRAIT_REQUIRED)
    assert schema.field("category").default == "Menschen in der Region"


def test_every_collection_folder_exists_and_articles_exclude_portraits():
    from plugins.cms.types import content_types

    for content_type in content_types(REGISTRY):
        assert (ROOT / "content" / content_type.folder).is_dir(), content_type.folder
    assert article(REGISTRY).folder == "articles" and portrait(REGISTRY).folder == "articles/menschen"


def test_fields_the_system_keeps_are_filled_by_the_editor_script():
    """uid, revision, Geändert am and the allday counter-check are not shown to editors; the
    validator still requires the uid, so the editor's script must write every one of them."""
    script = (ROOT / "plugins/cms/static/soists-editor.js").read_text(encoding="utf-8")
    system = {f.name for f in event(REGISTRY).fields if f.system}
    assert system == {"uid", "sequence", "modified", "allday"}
    for name in system:
        assert f'set("{name}"' in script, name
    assert event(REGISTRY).field("uid").required  # the validator's rule stays in the schema


def test_date_fields_use_the_date_picker_and_keep_the_validators_format():
    for make in (article, portrait, event, campaign):
        for field in make(REGISTRY).fields:
            if field.pattern == DATE_OR_TIME and not field.system:
                assert field.widget == "zeitpunkt", (make.__name__, field.name)
