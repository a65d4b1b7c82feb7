"""Contracts: the file's errors, each check, schema inference and the TOML it writes."""

from __future__ import annotations

import json
import tomllib

import pytest

from swapview.contracts.checks import Output, compile_contract
from swapview.contracts.infer import OldNew, infer_contracts, infer_schema
from swapview.contracts.model import Contract, parse_contracts
from swapview.contracts.promptfoo import promptfoo_assertions
from swapview.contracts.tomlfile import to_toml
from swapview.errors import InputError

SCHEMA = {
    "type": "object",
    "required": ["answer", "escalate"],
    "properties": {"answer": {"type": "string"}, "escalate": {"type": "boolean"}},
    "additionalProperties": False,
}


def _why(text: str | None, **checks) -> str | None:
    return compile_contract(Contract(name="c", **checks)).check(Output(text))


@pytest.mark.parametrize(
    ("text", "checks", "broken"),
    [
        ('{"answer": "Yes.", "escalate": false}', {"json_schema": SCHEMA}, None),
        ('  {"answer": "Yes.", "escalate": false}\n', {"json_schema": SCHEMA}, None),
        ('```json\n{"answer": "Yes.", "escalate": false}\n```', {"json_schema": SCHEMA}, "fence"),
        (
            '```json\n{"answer": "Yes.", "escalate": false}\n```',
            {"json_schema": SCHEMA, "fenced": "allowed"},
            None,
        ),
        ('Here it is: {"answer": "Yes.", "escalate": false}', {"json_schema": SCHEMA}, "not JSON"),
        ('{"response": "Yes.", "escalate": false}', {"json_schema": SCHEMA}, "required"),
        ('{"answer": "Yes.", "escalate": "no"}', {"json_schema": SCHEMA}, "$.escalate"),
        ('{"answer": "Yes.", "escalate": false, "x": 1}', {"json_schema": SCHEMA}, "Additional"),
        ("Order 12345 shipped.", {"regex": r"\d{5}"}, None),
        ("Order shipped.", {"regex": r"\d{5}"}, "does not match"),
        ("Call 555-1234 now", {"not_regex": r"\d{3}-\d{4}"}, "555-1234"),
        ("Summary: all fine.", {"starts_with": "Summary:"}, None),
        ("All fine.", {"starts_with": "Summary:"}, "start"),
        ("All fine. -- Bot", {"ends_with": "-- Bot"}, None),
        ("one two three", {"min_words": 3, "max_words": 3}, None),
        ("one two", {"min_words": 3}, "2 words, under 3"),
        ("one two three four", {"max_words": 3}, "4 words, over 3"),
        ("x" * 11, {"max_chars": 10}, "11 characters"),
        ("The invoice is paid and the customer has been told about it.", {"language": "en"}, None),
        (
            "La factura está pagada y el cliente ya lo sabe, no hay nada más.",
            {"language": "en"},
            "es",
        ),
        ("OK", {"language": "de"}, None),  # too little text: no evidence of a switch
        ("Plain text answer.", {"markdown": "none"}, None),
        ("Steps:\n\n1. Open it\n2. Close it", {"markdown": "none"}, "lists"),
        ('{"answer": "## Title\\n\\n- a\\n- b"}', {"markdown": "none"}, "markdown"),
        (None, {"min_words": 1}, "0 words"),
    ],
)
def test_each_check_flags_exactly_its_violation(text, checks, broken):
    why = _why(text, **checks)
    if broken is None:
        assert why is None
    else:
        assert why is not None and broken in why


def test_one_parse_serves_every_contract():
    out = Output('{"answer": "Yes.", "escalate": false}')
    first = out.whole_json()
    for checks in ({"json_schema": SCHEMA}, {"markdown": "none"}, {"language": "en"}):
        compile_contract(Contract(name="c", **checks)).check(out)
    assert out.whole_json() is first


@pytest.mark.parametrize(
    ("toml", "field", "words"),
    [
        ('[[contracts]]\nname = "a"\nmax_word = 3\n', "max_word", "unknown check"),
        ('[[contracts]]\nname = "a"\nregex = "(unclosed"\n', "regex", "invalid regex"),
        (
            '[[contracts]]\nname = "a"\njson_schema = { type = "objekt" }\n',
            "json_schema",
            "invalid JSON Schema",
        ),
        ('[[contracts]]\nname = "a"\npython = "no_such_mod_xyz:f"\n', "python", "no module"),
        ('[[contracts]]\nname = "a"\npython = "not a target"\n', "python", "module:function"),
        ('[[contracts]]\nname = "a"\njson_schema = "missing.json"\n', "json_schema", "cannot read"),
        ('[[contracts]]\nname = "a"\n', "name", "sets no check"),
        ('[[contracts]]\nname = "a b"\nmax_words = 3\n', "name", "letters"),
        (
            '[[contracts]]\nname = "a"\nmax_words = 3\n\n'
            '[[contracts]]\nname = "a"\nmax_words = 4\n',
            "name",
            "used twice",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_file_contract_and_field(tmp_path, toml, field, words):
    with pytest.raises(InputError) as info:
        parse_contracts(toml, "team.toml", tmp_path)
    message = str(info.value)
    assert "\n" not in message and message.startswith("team.toml:")
    assert f"field {field!r}" in message and words in message
    assert "contract 'a" in message


def test_bad_line_is_the_contracts_own(tmp_path):
    toml = '[[contracts]]\nname = "ok"\nmax_words = 3\n\n[[contracts]]\nname = "bad"\nregex = "("\n'
    with pytest.raises(InputError) as info:
        parse_contracts(toml, "team.toml", tmp_path)
    assert str(info.value).startswith("team.toml:6:")


def test_schema_from_a_file_beside_the_contracts(tmp_path):
    (tmp_path / "s.json").write_text(json.dumps(SCHEMA))
    cfile = parse_contracts('[[contracts]]\nname = "a"\njson_schema = "s.json"\n', "t", tmp_path)
    assert cfile.contracts[0].json_schema == SCHEMA


def test_inferred_schema_has_types_required_keys_enums_and_nesting():
    values = [
        {
            "id": i,
            "status": ["open", "closed", "waiting"][i % 3],
            "total": i * 1.5,
            "lines": [{"sku": f"A{i}", "qty": i % 4}],
            "note": None if i % 2 else f"note {i}",
            **({"rare": 1} if i == 7 else {}),
        }
        for i in range(200)
    ]
    schema = infer_schema(values, 0.99)
    assert schema["type"] == "object"
    assert schema["required"] == ["id", "status", "total", "lines", "note"]
    assert schema["additionalProperties"] is False  # one object in 200 has an extra key
    props = schema["properties"]
    assert props["id"] == {"type": "integer"} and props["total"] == {"type": "number"}
    assert props["status"]["enum"] == ["closed", "open", "waiting"]
    assert props["note"]["type"] == ["null", "string"] and "enum" not in props["note"]
    assert props["lines"]["items"]["required"] == ["sku", "qty"]
    assert "rare" not in props


def _pairs(n_json: int, n_prose: int) -> list[OldNew]:
    out = []
    for i in range(n_json):
        old = json.dumps({"label": ["spam", "ham"][i % 2], "score": i / 100})
        out.append(OldNew({"task": "classify", "n": i}, old, old))
    for i in range(n_prose):
        old = f"Dear customer, thank you for writing about order {i}. It ships on Monday."
        out.append(OldNew({"task": "reply", "n": i}, old, old + " Best wishes."))
    return out


def test_infer_slices_by_the_field_that_separates_shapes():
    result = infer_contracts(_pairs(60, 40))
    assert result.field == "task"  # not "n", which has a value per pair
    kinds = {(p.slice, p.kind) for p in result.proposals}
    assert ("classify", "json") in kinds and ("reply", "json") not in kinds
    assert ("reply", "opening") in kinds
    opening = next(p for p in result.proposals if p.kind == "opening")
    assert opening.contract.starts_with == "Dear customer, thank you for writing about order"
    for p in result.proposals:
        assert p.support >= 0.99 and p.contract.where == {"task": p.slice}


def test_infer_needs_support_and_slice_size():
    pairs = _pairs(60, 0)
    for i in range(0, 60, 20):  # 3 of 60 old outputs (95%) are prose
        pairs[i] = OldNew(pairs[i].metadata, "I could not classify this.", "x")
    assert not [p for p in infer_contracts(pairs).proposals if p.kind == "json"]
    kinds = [p.kind for p in infer_contracts(pairs, min_support=0.95).proposals]
    assert "json" in kinds
    small = infer_contracts(_pairs(20, 0), min_slice=30)
    assert small.proposals == [] and small.too_small == {"all": 20}


def test_written_toml_reads_back_as_the_same_contracts(tmp_path):
    result = infer_contracts(_pairs(60, 40))
    text = to_toml(result, "demo")
    cfile = parse_contracts(text, "inferred.toml", tmp_path)
    assert [c.definition() for c in cfile.contracts] == [
        p.contract.definition() for p in result.proposals
    ]
    assert "Kept by 100.0% of the old outputs" in text
    assert tomllib.loads(text)["contracts"][0]["name"] == "classify-json"


def test_promptfoo_assertions_from_a_contract():
    contract = Contract(
        name="c",
        json_schema={"$schema": "https://json-schema.org/draft/2020-12/schema", **SCHEMA},
        regex="^\\{",
        min_words=2,
        max_words=40,
        language="en",
    )
    found = promptfoo_assertions(contract)
    assert found[0] == {"type": "is-json", "value": SCHEMA, "metric": "contract:c"}
    assert {"type": "regex", "value": "^\\{", "metric": "contract:c"} in found
    words = [a["value"] for a in found if a["type"] == "javascript"]
    assert words == [
        "String(output).split(/\\s+/).filter(Boolean).length >= 2 && "
        "String(output).split(/\\s+/).filter(Boolean).length <= 40"
    ]


def test_a_broken_contract_is_a_feature_of_the_learned_order():
    from swapview.triage.features import FEATURE_INDEX, pair_features
    from swapview.triage.learner import prior_model

    column = FEATURE_INDEX["signal:contract"]
    broken = pair_features("p", "same words", "same words", signals=["contract:support-json"])
    clean = pair_features("p", "same words", "same words")
    assert broken[column] == 1.0 and clean[column] == 0.0
    assert prior_model().weights[column] > 0
