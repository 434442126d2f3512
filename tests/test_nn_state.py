"""state_dict, strict load_state_dict and atomic JSON save/load of nn modules."""

from __future__ import annotations

import json
import math
import os
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nn import MLP, Layer, Neuron
from nn import module as module_file


def _snapshot(model):
    return [(param.data, param.grad, param.label) for param in model.parameters()]


# ---- state_dict / load_state_dict ----


def test_state_dict_maps_names_to_floats_in_order():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    assert list(state) == [name for name, _param in model.named_parameters()]
    assert list(state.values()) == [param.data for param in model.parameters()]
    assert all(type(value) is float for value in state.values())


def test_state_dict_round_trip_between_models():
    source = MLP(2, [16, 16, 1], seed=1)
    target = MLP(2, [16, 16, 1], seed=2)
    assert target.state_dict() != source.state_dict()
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    x = [0.25, -0.5]
    assert target(x).data == source(x).data


def test_state_dict_is_a_copy():
    model = Neuron(1, seed=0)
    state = model.state_dict()
    state["b"] = 123.0
    assert model.b.data != 123.0


def test_load_state_dict_keeps_the_parameter_objects():
    model = Neuron(2, seed=0)
    params = model.parameters()
    model.load_state_dict({"w.0": 1.0, "w.1": 2.0, "b": 3.0})
    assert model.parameters() == params
    assert [param.data for param in params] == [1.0, 2.0, 3.0]


def test_load_state_dict_accepts_ints_and_numpy_numbers():
    model = Neuron(2, seed=0)
    model.load_state_dict({"w.0": 1, "w.1": np.float32(0.5), "b": np.int64(-2)})
    assert model.state_dict() == {"w.0": 1.0, "w.1": 0.5, "b": -2.0}
    assert all(type(value) is float for value in model.state_dict().values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda state: state.pop("b"), r"missing key 'b'$"),
        (lambda state: state.update(c=1.0), r"unexpected key 'c'$"),
        (
            lambda state: (state.pop("w.1"), state.update({"w.2": 0.0, "extra": 1.0})),
            r"missing key 'w.1'; unexpected keys 'w.2', 'extra'",
        ),
        (lambda state: state.update(b=math.nan), r"not finite numbers: 'b'=nan"),
        (lambda state: state.update({"w.0": math.inf}), r"not finite numbers: 'w.0'=inf"),
        (lambda state: state.update({"w.0": "1.0"}), r"not finite numbers: 'w.0'='1.0'"),
        (lambda state: state.update({"w.0": None}), r"not finite numbers: 'w.0'=None"),
        (lambda state: state.update({"w.0": True}), r"not finite numbers: 'w.0'=True"),
        (lambda state: state.update({"w.0": [1.0]}), r"not finite numbers: 'w.0'=\[1.0\]"),
    ],
)
def test_load_state_dict_rejects_and_changes_nothing(change, message):
    model = Neuron(2, seed=0)
    before = _snapshot(model)
    state = {"w.0": 10.0, "w.1": 20.0, "b": 30.0}
    change(state)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert _snapshot(model) == before


def test_a_bad_value_late_in_the_dict_changes_nothing():
    model = MLP(2, [4, 1], seed=0)
    before = _snapshot(model)
    state = {name: 0.5 for name in model.state_dict()}
    state["layers.1.neurons.0.b"] = math.nan
    with pytest.raises(ValueError, match=r"'layers\.1\.neurons\.0\.b'=nan"):
        model.load_state_dict(state)
    assert _snapshot(model) == before


def test_load_state_dict_from_another_architecture_names_the_keys():
    model = MLP(2, [4, 1], seed=0)
    other = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError) as caught:
        model.load_state_dict(other.state_dict())
    message = str(caught.value)
    assert "missing keys 'layers.0.neurons.3.w.0', 'layers.0.neurons.3.w.1'" in message
    assert "'layers.1.neurons.0.w.3'" in message
    assert "unexpected key" not in message


def test_long_lists_of_names_are_shortened():
    model = MLP(2, [16, 16, 1], seed=0)
    with pytest.raises(ValueError, match=r"missing keys 'layers.0.neurons.0.w.0', .* and 327 more"):
        model.load_state_dict({})


def test_load_state_dict_needs_a_mapping():
    with pytest.raises(TypeError, match="expected a mapping from names to numbers, got list"):
        Neuron(1, seed=0).load_state_dict([("w.0", 1.0), ("b", 2.0)])


# ---- save / load ----


def test_save_load_round_trip_is_exact(tmp_path):
    model = MLP(2, [16, 16, 1], seed=3)
    path = model.save(tmp_path / "model.json")
    assert path == tmp_path / "model.json"
    restored = MLP(2, [16, 16, 1], seed=4)
    restored.load(path)
    assert restored.state_dict() == model.state_dict()  # exact: JSON keeps every float digit


def test_save_accepts_a_string_path_and_writes_readable_json(tmp_path):
    model = Neuron(1, activation=None, seed=0)
    model.load_state_dict({"w.0": 2.0, "b": 1.0})
    model.save(str(tmp_path / "line.json"))
    document = json.loads((tmp_path / "line.json").read_text())
    assert document["format"] == "scalar-autograd state_dict"
    assert document["version"] == 1
    assert document["module"] == "Neuron(1, activation=None)"
    assert document["state_dict"] == {"w.0": 2.0, "b": 1.0}


def test_save_overwrites_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.json"
    model = Neuron(2, seed=0)
    model.save(path)
    model.load_state_dict({"w.0": 1.0, "w.1": 2.0, "b": 3.0})
    model.save(path)
    assert os.listdir(tmp_path) == ["model.json"]
    restored = Neuron(2, seed=1)
    restored.load(path)
    assert restored.state_dict() == {"w.0": 1.0, "w.1": 2.0, "b": 3.0}


def _crash_mid_write(monkeypatch):
    """Make json.dump write half its text, then fail like a crash or a full disk."""
    real_dump = json.dump

    def half_dump(document, file, **kwargs):
        text = json.dumps(document, **kwargs)
        file.write(text[: len(text) // 2])
        file.flush()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(module_file.json, "dump", half_dump)
    return real_dump


def test_crash_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    model = MLP(2, [4, 1], seed=0)
    model.save(path)
    old_text = path.read_text()
    model.load_state_dict({name: 0.0 for name in model.state_dict()})
    _crash_mid_write(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        model.save(path)
    assert path.read_text() == old_text
    assert os.listdir(tmp_path) == ["model.json"]


def test_crash_mid_write_creates_nothing_when_there_was_no_file(tmp_path, monkeypatch):
    _crash_mid_write(monkeypatch)
    with pytest.raises(OSError):
        Neuron(2, seed=0).save(tmp_path / "model.json")
    assert os.listdir(tmp_path) == []


def test_failing_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    model = Neuron(2, seed=0)
    model.save(path)
    old_text = path.read_text()

    def failing_replace(source, destination):
        raise KeyboardInterrupt  # interrupted between writing and renaming

    monkeypatch.setattr(module_file.os, "replace", failing_replace)
    model.load_state_dict({"w.0": 5.0, "w.1": 5.0, "b": 5.0})
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_text() == old_text
    assert os.listdir(tmp_path) == ["model.json"]


def test_save_flushes_to_disk(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(module_file.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    Neuron(1, seed=0).save(tmp_path / "model.json")
    assert synced  # the file (and, where possible, its directory) reached the disk


def test_save_refuses_non_finite_parameters(tmp_path):
    path = tmp_path / "model.json"
    model = Neuron(2, seed=0)
    model.save(path)
    old_text = path.read_text()
    model.w[1].data = math.nan
    with pytest.raises(ValueError, match=r"not finite numbers cannot be saved .*: 'w.1'"):
        model.save(path)
    assert path.read_text() == old_text


def test_save_into_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no-such-folder"):
        Neuron(1, seed=0).save(tmp_path / "no-such-folder" / "model.json")


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"absent\.json"):
        Neuron(1, seed=0).load(tmp_path / "absent.json")


# a saved file up to its "state_dict" value
HEAD = '{"format": "scalar-autograd state_dict", "version": 1, "state_dict": '


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not valid JSON"),
        (HEAD + '{"w.0": 1.0', "not valid JSON"),
        ("[1, 2]", "not a saved state_dict"),
        ('{"w.0": 1.0, "b": 2.0}', "not a saved state_dict"),
        (HEAD.replace('"version": 1', '"version": 2') + "{}}", "unsupported version 2"),
        (HEAD + "[1]}", '"state_dict" must be a JSON object'),
        (HEAD + '{"w.0": 1.0, "b": 2.0, "b": 3.0}}', "the key 'b' appears more than once"),
        (HEAD + '{"w.0": 1.0}}', "missing key 'b'"),
        (HEAD + '{"w.0": 1.0, "b": 1.0, "c": 1.0}}', "unexpected key 'c'"),
        (HEAD + '{"w.0": NaN, "b": 1.0}}', "'w.0'=nan"),
        (HEAD + '{"w.0": 1e999, "b": 1.0}}', "'w.0'=inf"),
        (HEAD + '{"w.0": "1", "b": 1.0}}', "'w.0'='1'"),
        (HEAD + '{"w.0": null, "b": 1.0}}', "'w.0'=None"),
    ],
)
def test_load_rejects_a_bad_file_and_changes_nothing(tmp_path, text, message):
    path = tmp_path / "model.json"
    path.write_text(text)
    model = Neuron(1, seed=0)
    before = _snapshot(model)
    with pytest.raises(ValueError, match=message) as caught:
        model.load(path)
    assert "model.json" in str(caught.value)
    assert _snapshot(model) == before


def test_load_rejects_a_binary_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    model = Neuron(1, seed=0)
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"model\.json': not a UTF-8 text file"):
        model.load(path)
    assert _snapshot(model) == before


def test_load_of_another_architecture_says_what_the_file_holds(tmp_path):
    path = MLP(2, [3, 1], seed=0).save(tmp_path / "small.json")
    model = Layer(2, 3, seed=0)
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"saved from MLP\(2 -> \[3\] -> 1\)") as caught:
        model.load(path)
    assert "missing keys 'neurons.0.w.0'" in str(caught.value)
    assert _snapshot(model) == before


@settings(deadline=None, max_examples=20)
@given(
    widths=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    seed=st.integers(0, 2**32),
    drop=st.integers(0, 1000),
)
def test_round_trips_and_strictness_for_any_shape(tmp_path_factory, widths, seed, drop):
    path = tmp_path_factory.mktemp("state") / "model.json"
    model = MLP(2, widths, seed=seed)
    model.save(path)
    restored = MLP(2, widths, seed=seed + 1)
    restored.load(path)
    assert restored.state_dict() == model.state_dict()

    # dropping any one name is caught by name, and nothing changes
    state = model.state_dict()
    names = list(state)
    dropped = names[drop % len(names)]
    del state[dropped]
    before = _snapshot(restored)
    with pytest.raises(ValueError, match=f"missing key '{re.escape(dropped)}'"):
        restored.load_state_dict(state)
    assert _snapshot(restored) == before
