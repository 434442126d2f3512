"""Habits people bring from micrograd and PyTorch code, run as it is with only its imports changed.

Each test is named for the habit it keeps working: micrograd's ``draw_dot``
signature, forgiving CLI errors, and a clear sentence when HIPS autograd (which
installs the same import name) is installed beside this package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograd import Value, draw_dot
from autograd.cli import main
from autograd.installation import hips_autograd_folders

ROOT = Path(__file__).resolve().parents[1]


class TestMicrogradDrawDot:
    def test_micrograds_positional_signature(self) -> None:
        a = Value(2.0, label="a")
        graph = draw_dot((a * a).tanh(), "svg", "TB")
        assert graph.format == "svg"
        assert "rankdir=TB" in graph.source

    def test_the_format_keyword_and_svg_by_default(self) -> None:
        a = Value(2.0, label="a")
        assert draw_dot(a * a).format == "svg"
        assert draw_dot(a * a, format="png").format == "png"

    def test_render_writes_an_svg_not_a_pdf(self, tmp_path: Path) -> None:
        a = Value(2.0, label="a")
        written = draw_dot((a * a).tanh()).render(str(tmp_path / "gout"))
        assert Path(written) == tmp_path / "gout.svg"
        assert (tmp_path / "gout.svg").read_text().lstrip().startswith("<?xml")
        assert not (tmp_path / "gout.pdf").exists()

    def test_render_needs_no_system_graphviz_for_svg(self, tmp_path: Path) -> None:
        script = textwrap.dedent(
            f"""
            import os, shutil
            os.environ["PATH"] = {str(tmp_path / "empty")!r}
            assert shutil.which("dot") is None
            from autograd import Value, draw_dot
            a = Value(2.0, label="a")
            print(draw_dot((a * a).tanh()).render({str(tmp_path / "gout")!r}, cleanup=True))
            """
        )
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(tmp_path / "gout.svg")
        assert "<svg" in (tmp_path / "gout.svg").read_text()
        assert not (tmp_path / "gout").exists()  # cleanup removed the DOT source

    def test_a_bad_format_is_a_clear_error(self) -> None:
        with pytest.raises(ValueError, match="format must be a Graphviz output format"):
            draw_dot(Value(1.0), format="")


def cli_error(*argv: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(list(argv)) == 2
    return capsys.readouterr().err.strip()


class TestForgivingCli:
    def test_a_misspelt_function_gets_did_you_mean(self, capsys) -> None:
        message = cli_error("tahn(x)", "x=1", capsys=capsys)
        assert "unknown function tahn (did you mean tanh?)" in message
        assert "(did you mean sigmoid?)" in cli_error("sigmod(x)", "x=1", capsys=capsys)
        assert "(did you mean tanh?)" in cli_error("Tanh(x)", "x=1", capsys=capsys)

    def test_an_unknown_function_far_from_any_gets_no_guess(self, capsys) -> None:
        message = cli_error("foo(x)", "x=1", capsys=capsys)
        assert "unknown function foo:" in message
        assert "did you mean" not in message

    @pytest.mark.parametrize(
        ("expression", "suggestion"),
        [("2x + 1", "2*x"), ("3.5w", "3.5*w"), ("1e3x", "1e3*x"), ("tanh(2x)", "2*x")],
    )
    def test_a_product_written_as_on_paper_gets_the_star(self, expression, suggestion, capsys):
        message = cli_error(expression, "x=1", "w=1", capsys=capsys)
        assert message.count("\n") == 0
        assert f"did you mean {suggestion}?" in message

    def test_other_syntax_errors_get_no_product_hint(self, capsys) -> None:
        message = cli_error("tanh(x", "x=1", capsys=capsys)
        assert "did you mean" not in message


class TestHipsAutogradBeside:
    def fake_hips(self, folder: Path) -> Path:
        package = folder / "autograd"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("def grad(fun):\n    return fun\n")
        (package / "tracer.py").write_text("")
        return folder

    def run_python(self, code: str, path: list[Path]) -> subprocess.CompletedProcess[str]:
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, path)))
        return subprocess.run(
            [sys.executable, "-W", "always", "-c", code],
            capture_output=True,
            text=True,
            cwd=path[0],
            env=environment,
            timeout=120,
        )

    def test_importing_ours_with_hips_on_the_path_warns_in_one_sentence(self, tmp_path) -> None:
        hips = self.fake_hips(tmp_path / "site")
        result = self.run_python("import autograd; print(autograd.Value)", [ROOT, hips])
        assert result.returncode == 0, result.stderr
        assert "RuntimeWarning: HIPS autograd (the pip package 'autograd') is installed" in (
            result.stderr
        )
        assert "separate virtual environments" in result.stderr

    def test_importing_nn_when_hips_answers_import_autograd_says_why(self, tmp_path) -> None:
        hips = self.fake_hips(tmp_path / "site")
        result = self.run_python("import nn", [hips, ROOT])
        assert result.returncode == 1
        last_line = result.stderr.strip().splitlines()[-1]
        assert last_line.startswith("ImportError: nn is scalar-autograd's, but `import autograd`")
        assert "HIPS autograd" in last_line

    def test_without_hips_there_is_no_warning(self, tmp_path) -> None:
        result = self.run_python("import autograd, nn", [ROOT])
        assert result.returncode == 0
        assert "HIPS" not in result.stderr
        assert hips_autograd_folders() == []


class TestUserAttributesOnValues:
    """micrograd-style code keeps its own state on Values (p.m, v._vis_color), as on tensors."""

    def test_optimizer_state_kept_on_parameters_drives_a_fit(self) -> None:
        w, b = Value(0.0, label="w"), Value(0.0, label="b")
        for p in (w, b):
            p.m = 0.0  # momentum, micrograd-demo style
        for _ in range(200):
            loss = sum(((w * x + b) - (2 * x + 1)) ** 2 for x in (0.0, 1.0, 2.0)) / 3
            for p in (w, b):
                p.grad = 0.0
            loss.backward()
            for p in (w, b):
                p.m = 0.9 * p.m + p.grad
                p.data -= 0.02 * p.m
        assert w.data == pytest.approx(2.0, abs=1e-3)
        assert b.data == pytest.approx(1.0, abs=1e-3)
        assert isinstance(w.m, float)

    def test_a_colour_on_an_op_node_survives_backward_and_drawing(self) -> None:
        a = Value(2.0, label="a")
        node = (a * a).tanh()
        node.inputs[0]._vis_color = "red"
        node.backward()
        assert node.inputs[0]._vis_color == "red"
        assert "<svg" in draw_dot(node).pipe(format="svg").decode()

    def test_attributes_travel_through_pickle_and_deepcopy(self) -> None:
        import copy
        import pickle

        a = Value(3.0, label="a")
        a.m = 0.5
        node = a * 2.0
        node.colour = "blue"
        for copied in (pickle.loads(pickle.dumps(node)), copy.deepcopy(node), copy.copy(node)):
            assert copied.colour == "blue"
            assert copied.inputs[0].m == 0.5
            assert copied.inputs[0].label == "a"
            assert copied.label == ""

    def test_constants_and_labels_set_later_behave(self) -> None:
        from autograd import Constant

        c = Constant(1.5)
        c.note = "bias"
        assert c.note == "bias"
        node = Value(1.0) + c
        node.label = "sum"
        assert repr(node).startswith("Value(label='sum'")
        assert not hasattr(Value(1.0), "m")  # one Value's attribute is not another's
