"""Scripts with named keys, arguments and results (:mod:`sequere.redis.scripts`)."""

from __future__ import annotations

import pytest

from sequere.backends.redis import scripts as follow_scripts
from sequere.redis.scripts import Script, ScriptCall, ScriptError


def test_the_header_names_keys_args_and_results():
    script = Script("tests.redis", "pairs")
    assert (script.keys, script.args, script.returns) == (
        ["first", "rest..."],
        ["word", "numbers..."],
        script.returns,
    )
    assert script.returns == ["first", "count", "word", "total"]
    assert script.text.startswith("local first = KEYS[1]\nlocal rest = {unpack(KEYS, 2)}\n")
    call = ScriptCall(script, {"first": "k1", "rest": ["k2", "k3"]}, {"word": "hi", "numbers": [1, 2, 3]})
    assert (call.keys, call.args) == (["k1", "k2", "k3"], ["hi", 1, 2, 3])


@pytest.mark.parametrize(
    "keys, args",
    [
        ({"first": "k"}, {"word": "w", "numbers": []}),
        ({"first": "k", "rest": [], "extra": "x"}, {"word": "w", "numbers": []}),
        ({"first": "k", "rest": []}, {"wrod": "w", "numbers": []}),
    ],
)
def test_a_call_with_missing_or_unknown_names_is_refused(keys, args):
    with pytest.raises(
        ScriptError, match=r"pairs.lua takes keys \['first', 'rest'\] and args \['word', 'numbers'\]"
    ):
        ScriptCall(Script("tests.redis", "pairs"), keys, args)


@pytest.mark.parametrize("name, message", [("no_returns", "no '-- returns:' line"), ("bad_name", "'end'")])
def test_a_bad_header_is_refused(name, message):
    with pytest.raises(ScriptError, match=message):
        Script("tests.redis", name)


@pytest.mark.redis
def test_results_are_decoded_by_name(redis_client):
    script = Script("tests.redis", "pairs")
    raw = redis_client.eval(script.text, 3, "k1", "k2", "k3", "hi", 1, 2, 3)
    assert script.decode(raw) == {"first": "k1", "count": 3, "word": "hi", "total": 6}
    wrong = Script("tests.redis", "wrong_result")
    with pytest.raises(ScriptError, match="not the fields"):
        wrong.decode(redis_client.eval(wrong.text, 1, "k"))


def test_every_script_of_the_follow_backend_declares_its_protocol():
    for script in vars(follow_scripts).values():
        if isinstance(script, Script):
            assert script.keys and script.returns, script


@pytest.mark.redis
@pytest.mark.parametrize(
    "answer, decoded",
    [
        ("yes", {"yes": True, "no": False}),
        ("", {"yes": False, "no": False}),
        ("no yes", {"yes": True, "no": True}),
    ],
)
def test_yes_no_answers_are_decoded_by_name(redis_client, answer, decoded):
    script = Script("tests.redis", "which")
    assert script.decode(redis_client.eval(script.text, 0, answer)) == decoded


def test_an_answer_the_header_does_not_name_is_refused():
    with pytest.raises(ScriptError, match="not some of"):
        Script("tests.redis", "which").decode("maybe")
