"""Module.load on hostile files: every malformed file is a short ValueError naming the path.

Issue 7: a 401-digit integer raised a bare OverflowError, 5,000 digits and
100,000 nested ``[`` escaped as ValueError without the path and as
RecursionError, the ``module`` field was echoed raw (5 MB of escape
sequences), ``"version": 1.0`` and ``true`` were accepted, and a huge file
or /dev/zero was read until memory ran out.
"""

from __future__ import annotations

import json
import math
import os
import threading
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nn import MLP, Neuron
from nn import module as module_file
from nn.module import MAX_FILE_BYTES

HEAD = '{"format": "scalar-autograd state_dict", "version": 1, '
GOOD_STATE = '"state_dict": {"w.0": 0.5, "b": -0.25}}'

# Every message names the file and quotes at most short excerpts of it: up to
# ten names (each cut to 80 characters) and the path, so well under this.
MESSAGE_LIMIT = 1500


def _snapshot(model):
    return [(param.data, param.grad) for param in model.parameters()]


def _refused(path, model=None, limit=MESSAGE_LIMIT, **load_options) -> str:
    """Load ``path`` expecting a ValueError; check it is short, names the path, changes nothing."""
    model = model or Neuron(1, seed=0)
    before = _snapshot(model)
    with pytest.raises(ValueError) as caught:
        model.load(path, **load_options)
    message = str(caught.value)
    assert message.startswith(f"load {str(path)!r}: "), message
    assert len(message) < limit, message[:2000]
    assert "\x1b" not in message and "\x00" not in message
    assert _snapshot(model) == before
    return message


def _write(tmp_path, text: str):
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_well_formed_file_still_loads(tmp_path):
    model = Neuron(1, seed=0)
    model.load(_write(tmp_path, HEAD + GOOD_STATE))
    assert model.state_dict() == {"w.0": 0.5, "b": -0.25}


@pytest.mark.parametrize("sign", ["", "-"])
def test_an_integer_of_401_digits_is_not_a_finite_number(tmp_path, sign):
    huge = sign + "1" + "0" * 400
    path = _write(tmp_path, HEAD + f'"state_dict": {{"w.0": {huge}, "b": 1}}}}')
    message = _refused(path)
    assert f"'w.0'={huge[:12]}...(401 digits)" in message


def test_an_integer_past_pythons_4300_digit_limit_is_a_clear_error(tmp_path):
    path = _write(tmp_path, HEAD + '"state_dict": {"w.0": ' + "9" * 5000 + ', "b": 1}}')
    assert "'w.0'=999999999999...(5,000 digits)" in _refused(path)


def test_an_integer_that_overflows_a_float_by_a_little_is_not_finite(tmp_path):
    path = _write(tmp_path, HEAD + '"state_dict": {"w.0": ' + "9" * 320 + ', "b": 1}}')
    assert "values that are not finite numbers: 'w.0'=" in _refused(path)


def test_load_state_dict_refuses_a_python_int_too_large_for_a_float():
    with pytest.raises(ValueError, match=r"not finite numbers: 'b'=1000"):
        Neuron(1, seed=0).load_state_dict({"w.0": 1.0, "b": 10**400})


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "{" + '"a": {' * 100_000,
        HEAD + '"state_dict": ' + "[" * 100_000,
        HEAD + '"state_dict": {"w.0": ' + "[" * 100_000 + "]" * 100_000 + ', "b": 1}}',
    ],
    ids=["arrays", "objects", "in state_dict", "as a value"],
)
def test_deep_nesting_is_a_value_error_naming_the_path(tmp_path, text):
    assert "nested too deeply" in _refused(_write(tmp_path, text))


def test_a_nested_value_the_parser_accepts_is_quoted_shortly(tmp_path):
    nested = "[" * 500 + "]" * 500
    path = _write(tmp_path, HEAD + f'"state_dict": {{"w.0": {nested}, "b": 1}}}}')
    assert "'w.0'=[[[...]]]" in _refused(path, limit=200)


def test_the_module_field_is_quoted_short_and_escaped(tmp_path):
    module = "\\u001b[31m" * 10 + "x" * 5_000_000
    text = HEAD + f'"module": "{module}", "state_dict": {{"b": 1}}}}'
    message = _refused(_write(tmp_path, text), limit=300)
    assert "missing key 'w.0'" in message
    assert "saved from '\\x1b[31m" in message  # escaped, not a terminal colour code


def test_a_short_printable_module_field_is_shown_as_is(tmp_path):
    path = MLP(2, [3, 1], seed=0).save(tmp_path / "small.json")
    message = _refused(path)
    assert "(the file was saved from MLP(2 -> [3] -> 1))" in message


@pytest.mark.parametrize(
    ("version", "shown"),
    [
        ("1.0", "1.0"),
        ("true", "True"),
        ('"1"', "'1'"),
        ("null", "None"),
        ("2", "2"),
        ("1" + "0" * 5000, "100000000000...(5,001 digits)"),
        ('"' + "v" * 100_000 + '"', "'vvvvvvvv"),
    ],
)
def test_only_the_integer_1_is_a_version(tmp_path, version, shown):
    text = HEAD.replace('"version": 1', f'"version": {version}') + GOOD_STATE
    message = _refused(_write(tmp_path, text), limit=300)
    assert f"unsupported version {shown}" in message


def test_a_missing_version_is_refused(tmp_path):
    text = HEAD.replace('"version": 1, ', "") + GOOD_STATE
    assert "unsupported version None" in _refused(_write(tmp_path, text))


def test_the_version_written_is_the_int_1(tmp_path):
    path = Neuron(1, seed=0).save(tmp_path / "model.json")
    version = json.loads(path.read_text())["version"]
    assert type(version) is int and version == module_file.FILE_VERSION == 1


@pytest.mark.parametrize(
    "state",
    [
        '"' + "s" * 1_000_000 + '"',
        "[" + "1, " * 100_000 + "1]",
        '{"w.0": 1, "b": 1, "' + "k" * 1_000_000 + '": 1}',
        '{"w.0": "' + "\\u001b" * 1000 + '", "b": 1}',
        '{"w.0": 1, "b": 1, "w.0": 2, "' + "k" * 1_000_000 + '": 1, "' + "k" * 1_000_000 + '": 1}',
        '{"' + "k" * 1_000_000 + '": 1, "' + "k" * 1_000_000 + '": 1}',
        '{"w.0": "\\ud800", "b": 1}',
    ],
    ids=["long string", "long list", "long key", "escapes", "duplicate", "long duplicate", "lone"],
)
def test_large_or_strange_contents_are_quoted_in_a_few_characters(tmp_path, state):
    _refused(_write(tmp_path, HEAD + f'"state_dict": {state}}}'), limit=300)


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    tracemalloc.start()
    try:
        message = _refused(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert f"the file is {MAX_FILE_BYTES + 1:,} bytes" in message
    assert "max_bytes=" in message
    assert peak < 1_000_000  # nothing of the file was read


def test_a_file_of_exactly_max_bytes_loads_and_one_more_byte_is_refused(tmp_path):
    text = HEAD + GOOD_STATE
    path = _write(tmp_path, text)
    model = Neuron(1, seed=0)
    model.load(path, max_bytes=len(text))
    assert model.state_dict() == {"w.0": 0.5, "b": -0.25}
    assert f"more than the {len(text) - 1:,} bytes" in _refused(path, max_bytes=len(text) - 1)


def test_the_default_limit_is_documented():
    assert MAX_FILE_BYTES == 128 * 1024 * 1024
    assert "128" in module_file.Module.load.__doc__


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
@pytest.mark.parametrize("max_bytes", [1000, MAX_FILE_BYTES])
def test_dev_zero_is_read_only_up_to_the_limit(max_bytes):
    message = _refused("/dev/zero", max_bytes=max_bytes)
    assert f"more than the {max_bytes:,} bytes" in message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_an_endless_fifo_is_read_only_up_to_the_limit(tmp_path):
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)

    def write_forever():
        try:
            with open(fifo, "wb") as pipe:
                while True:
                    pipe.write(b"[" * 65536)
        except (BrokenPipeError, OSError):
            pass  # load() stopped reading and closed its end

    writer = threading.Thread(target=write_forever, daemon=True)
    writer.start()
    assert "more than the 100,000 bytes" in _refused(fifo, max_bytes=100_000)
    writer.join(timeout=10)
    assert not writer.is_alive()


@pytest.mark.parametrize("max_bytes", [-1, 1.5, "10", None, True])
def test_max_bytes_must_be_a_non_negative_int(tmp_path, max_bytes):
    path = _write(tmp_path, HEAD + GOOD_STATE)
    assert "max_bytes must be an int >= 0" in _refused(path, max_bytes=max_bytes)


def test_a_directory_or_a_missing_file_names_the_path(tmp_path):
    with pytest.raises(IsADirectoryError) as caught:
        Neuron(1, seed=0).load(tmp_path)
    assert str(tmp_path) in str(caught.value)
    with pytest.raises(FileNotFoundError, match=r"absent\.json"):
        Neuron(1, seed=0).load(tmp_path / "absent.json")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**450), 10**450)
    | st.floats()
    | st.text(max_size=200),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=30), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    where=st.sampled_from(["document", "format", "version", "module", "state_dict", "w.0"]),
    value=json_values,
)
def test_any_json_anywhere_loads_or_gives_a_short_value_error(tmp_path_factory, where, value):
    document = {
        "format": "scalar-autograd state_dict",
        "version": 1,
        "module": "Neuron(1)",
        "state_dict": {"w.0": 0.5, "b": -0.25},
    }
    if where == "document":
        document = value
    elif where == "w.0":
        document["state_dict"]["w.0"] = value
    else:
        document[where] = value
    path = tmp_path_factory.mktemp("load") / "model.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    model = Neuron(1, seed=0)
    try:
        model.load(path)
    except ValueError:
        _refused(path)
        return
    # loaded: then the file really was a good one
    assert type(document["version"]) is int and document["version"] == 1
    assert all(math.isfinite(value) for value in model.state_dict().values())
