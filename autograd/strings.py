"""Every sentence a learner reads in the explanations, one table per language.

The stepper page, ``print(step)``, ``--steps`` and the animation take their
words from here and only fill in names, numbers and formulas, which stay the
same in every language (``d out/d u = 1 - out²``, ``tanh(w·x + b)``). English
is the default; ``lang="zh"`` (``--lang zh``) speaks Chinese. A table that
misses a key another table has is caught by the test suite
(``tests/test_strings.py``), so the languages cannot drift apart.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

__all__ = ["LANGUAGES", "check_language", "default_language", "set_language", "strings", "text"]

ENGLISH: dict[str, str] = {
    # ---- explain.py: print(step), --steps and the page's panel ----
    "rule_constant": "{symbol} is a constant: not differentiated",
    "legend_out": "out is {name}",
    "legend_input": "{symbol} is {name}",
    "list_separator": ", ",
    "step_head": "{name}: out = {form}, upstream {upstream}",
    "step_input": "  {symbol} = {name}: {upstream} {times} {local} = {contribution}; {rule}",
    "step_constant": "  {symbol} = {name} is a constant: not differentiated",
    # ---- --steps ----
    "table_step": "step",
    "table_node": "node (out)",
    "table_op": "op",
    "table_upstream": "upstream",
    "table_input": "input {symbol}",
    "table_local": "local",
    "table_contribution": "contribution",
    "table_constant": "constant",
    "table_rules": (
        "rules (out is the node, u and v its inputs; contribution = upstream {times} local):"
    ),
    "table_no_steps": "(no backward steps: the expression is a single leaf)",
    "cli_wrote": "wrote {path}",
    # ---- python -m autograd --help ----
    "cli_usage": """\
usage: python -m autograd EXPR [NAME=NUMBER ...] [--steps] [--svg PATH] [--html PATH]
                         [--animate PATH] [--lang en|zh]
       python -m autograd --version

Evaluate EXPR at the given values of its variables, then print its value and
its gradient with respect to each variable (one backward pass).

EXPR is arithmetic over numbers and variable names: + - * / **, unary minus,
parentheses, and the functions exp log log1p tanh relu sigmoid abs sqrt sin
cos. It is parsed against that grammar and never run as Python. It may be up
to 1,000 characters long and nest parentheses and calls up to 64 deep. An
EXPR that starts with - works as is ("-x*2"); one that starts with -- goes
after a -- argument.

options:
  --steps      print the backward pass as a table, one row per operation
  --svg PATH   write the graph, with its gradients, as an SVG picture
  --html PATH  write an interactive page that steps through the backward pass
  --animate PATH
               write an animated SVG of the backward pass (no script; loops)
  --lang LANG  the language of --help, --steps, --html and --animate: en
               (default) or zh
  --version    print the version and exit
  -h, --help   show this message and exit

exit status: 0 done; 2 a bad command line, expression or output path (one line
on stderr says what); 1 the results could not be written to standard output.

example:
  python -m autograd "tanh(w*x + b)" w=0.5 x=2 b=-1 --steps
""",
    # ---- the stepper page, scalar level ----
    "page_title": "{title}: step through backprop",
    "default_title": "backward pass",
    "heading": (
        "Step {number} of {count}, the chain rule at {name} (op {op}): "
        "upstream = d root / d node = {upstream}"
    ),
    "heading_inside": (
        "Step {number} of {count} inside {group}, the chain rule at {name} (op {op}): "
        "upstream = d root / d node = {upstream}"
    ),
    "line_input": (
        "{symbol} = {name}: upstream {upstream} \u00d7 local {local} = {contribution}; "
        "its grad {before} + {contribution} = {after}"
    ),
    "line_constant": (
        "{symbol} = {name} is a constant: not differentiated "
        "(its local derivative is taken as 0, and it receives no gradient)"
    ),
    "parameter_suffix": " (parameter {full})",
    "counter": "step {current} of {count}",
    "counter_inside": "step {current} of {count} in {group}",
    "before_backward": (
        "Before backward: every grad is 0. Next applies the chain rule at the output."
    ),
    "before_inside": (
        "Inside {group}: its grads before this neuron's backward step. Next applies the chain "
        "rule at its output; Escape goes back to the network."
    ),
    "single_leaf": "This graph is a single leaf: there is no backward step.",
    "fit": "Fit",
    "fit_back": "100%",
    "nav_steps": "steps",
    "nav_view": "view",
    "button_start": "first: before backward (Home)",
    "button_prev": "previous step (left arrow)",
    "button_next": "next step (right arrow)",
    "button_end": "last step (End)",
    "button_zoom_out": "zoom out (-)",
    "button_zoom_in": "zoom in (+)",
    "button_fit": "the whole graph, or back to 100% (F)",
    "button_open": "open the current neuron's scalar ops (Enter)",
    "button_close": "back to the network (Escape)",
    "label_prev": "Prev",
    "label_next": "Next",
    "label_open": "Open",
    "label_close": "Network",
    "graph_label": "the graph: drag to pan, wheel to zoom",
    "help_keys": (
        "Next / Prev or the arrow keys walk the backward pass one node at a time, in the order "
        "backward() applies the chain rule; Home and End jump. Drag the graph to pan; the wheel, "
        "+ and - zoom; F fits the whole graph. The address ends in #step=N: link to a step with "
        "it."
    ),
    "help_colors": (
        "Red: the node whose chain rule is applied; orange: its inputs, and the edges the "
        "gradient flows back along, toward the inputs. Blue: parameters and other leaves you "
        "made; green (with a model): data; dashed grey: constants."
    ),
    "help_levels": (
        "This page opens at the network level: one box per neuron per sample, and the loss's "
        "own ops. Enter (or a click on the current neuron) opens its scalar ops; Escape comes "
        "back to the same step."
    ),
    "frame_title": "step through backprop",
    # ---- the network level ----
    "neuron_name": "{group}, sample {sample}",
    "sample": "sample {sample}",
    "net_reads": "It reads {what}.",
    "net_samples": "{title} (samples {samples})",
    "neuron": "neuron",
    "net_heading": (
        "Step {number} of {count}, {name}: out = {formula}; upstream = d root / d out = {upstream}"
    ),
    "net_heading_op": (
        "Step {number} of {count}, the chain rule at {name} (op {op}): "
        "upstream = d root / d node = {upstream}"
    ),
    "net_explain": (
        "The chain rule runs through the whole neuron at once: each weight, the bias and each "
        "input receives upstream \u00d7 (d out / d it). Enter opens its {ops} scalar ops."
    ),
    "net_receives": "receives",
    "net_grad": "grad after",
    "net_what": "what",
    "net_weight": "weight {name}",
    "net_bias": "bias {name}",
    "net_input": "input {name}",
    "net_data": "data {name} (constant, no gradient)",
    "net_data_box": "data",
    # ---- the animation ----
    "animation_title": "{title}: the backward pass, step by step",
    "animation_step": "step {number} of {count}: {name}",
    "animation_start": "before backward: every grad is 0",
    "animation_more": "(the first {shown} of {count} steps)",
}

CHINESE: dict[str, str] = {
    "rule_constant": "{symbol} 是常数：不求导",
    "legend_out": "out 是 {name}",
    "legend_input": "{symbol} 是 {name}",
    "list_separator": "，",
    "step_head": "{name}：out = {form}，上游梯度 {upstream}",
    "step_input": "  {symbol} = {name}：{upstream} {times} {local} = {contribution}；{rule}",
    "step_constant": "  {symbol} = {name} 是常数：不求导",
    "table_step": "步",
    "table_node": "节点 (out)",
    "table_op": "运算",
    "table_upstream": "上游梯度",
    "table_input": "输入 {symbol}",
    "table_local": "局部导数",
    "table_contribution": "贡献",
    "table_constant": "常数",
    "table_rules": (
        "求导法则（out 是该节点，u 和 v 是它的输入；贡献 = 上游梯度 {times} 局部导数）："
    ),
    "table_no_steps": "（没有反向传播步骤：这个表达式只是一个叶子节点）",
    "cli_wrote": "已写入 {path}",
    "cli_usage": """\
用法：python -m autograd EXPR [NAME=NUMBER ...] [--steps] [--svg PATH] [--html PATH]
                        [--animate PATH] [--lang en|zh]
      python -m autograd --version

在给定的变量值上计算表达式 EXPR，然后打印它的值，以及它对每个变量的梯度
（一次反向传播）。

EXPR 是由数字和变量名组成的算术式：+ - * / **、一元负号、括号，以及函数
exp log log1p tanh relu sigmoid abs sqrt sin cos。它只按这套语法解析，绝不会
被当作 Python 代码运行。它最长 1,000 个字符，括号和函数调用最多嵌套 64 层。
以 - 开头的 EXPR 可以直接写（"-x*2"）；以 -- 开头的 EXPR 要写在一个单独的 --
参数之后。

选项：
  --steps      把反向传播打印成表格，每个运算一行
  --svg PATH   把计算图连同梯度写成一张 SVG 图片
  --html PATH  写一个可以一步一步查看反向传播的交互页面
  --animate PATH
               写一张反向传播的 SVG 动画（不含脚本，循环播放）
  --lang LANG  --help、--steps、--html 和 --animate 使用的语言：en（默认）或 zh
  --version    打印版本号并退出
  -h, --help   显示这段说明并退出

退出状态：0 完成；2 命令行、表达式或输出路径有误（stderr 上有一行说明原因）；
1 结果无法写到标准输出。

示例：
  python -m autograd "tanh(w*x + b)" w=0.5 x=2 b=-1 --steps --lang zh
""",
    "page_title": "{title}：一步一步看反向传播",
    "default_title": "反向传播",
    "heading": (
        "第 {number} 步（共 {count} 步），在 {name} 处应用链式法则（运算 {op}）："
        "上游梯度 = d root / d node = {upstream}"
    ),
    "heading_inside": (
        "{group} 内部第 {number} 步（共 {count} 步），在 {name} 处应用链式法则（运算 {op}）："
        "上游梯度 = d root / d node = {upstream}"
    ),
    "line_input": (
        "{symbol} = {name}：上游梯度 {upstream} \u00d7 局部导数 {local} = {contribution}；"
        "它的 grad {before} + {contribution} = {after}"
    ),
    "line_constant": "{symbol} = {name} 是常数：不求导（它的局部导数记为 0，也不接收梯度）",
    "parameter_suffix": "（参数 {full}）",
    "counter": "第 {current} 步，共 {count} 步",
    "counter_inside": "{group} 内第 {current} 步，共 {count} 步",
    "before_backward": "反向传播之前：所有 grad 都是 0。点“下一步”在输出处应用链式法则。",
    "before_inside": (
        "{group} 内部：这个神经元的反向传播步骤之前的 grad。点“下一步”在它的输出处应用链式法则；"
        "按 Escape 回到网络。"
    ),
    "single_leaf": "这个图只有一个叶子节点：没有反向传播步骤。",
    "fit": "全图",
    "fit_back": "100%",
    "nav_steps": "步骤",
    "nav_view": "视图",
    "button_start": "第一步：反向传播之前（Home）",
    "button_prev": "上一步（左方向键）",
    "button_next": "下一步（右方向键）",
    "button_end": "最后一步（End）",
    "button_zoom_out": "缩小（-）",
    "button_zoom_in": "放大（+）",
    "button_fit": "显示整个图，或回到 100%（F）",
    "button_open": "展开当前神经元的标量运算（Enter）",
    "button_close": "回到网络（Escape）",
    "label_prev": "上一步",
    "label_next": "下一步",
    "label_open": "展开",
    "label_close": "网络",
    "graph_label": "计算图：拖动可平移，滚轮可缩放",
    "help_keys": (
        "“下一步”/“上一步”或左右方向键按 backward() 应用链式法则的顺序，一次走一个节点；"
        "Home 和 End 跳到开头和结尾。拖动图可以平移；滚轮、+ 和 - 缩放；F 显示整个图。"
        "地址以 #step=N 结尾：用它可以链接到某一步。"
    ),
    "help_colors": (
        "红色：正在应用链式法则的节点；橙色：它的输入，以及梯度流回输入所沿的边。"
        "蓝色：参数和你创建的其他叶子节点；绿色（有模型时）：数据；灰色虚线：常数。"
    ),
    "help_levels": (
        "这个页面从网络层级打开：每个样本的每个神经元一个方框，损失函数的运算各自一个节点。"
        "按 Enter（或点击当前神经元）展开它的标量运算；按 Escape 回到同一步。"
    ),
    "frame_title": "一步一步看反向传播",
    "neuron_name": "{group}，样本 {sample}",
    "sample": "样本 {sample}",
    "net_reads": "它读取 {what}。",
    "net_samples": "{title}（样本 {samples}）",
    "neuron": "神经元",
    "net_heading": (
        "第 {number} 步（共 {count} 步），{name}：out = {formula}；"
        "上游梯度 = d root / d out = {upstream}"
    ),
    "net_heading_op": (
        "第 {number} 步（共 {count} 步），在 {name} 处应用链式法则（运算 {op}）："
        "上游梯度 = d root / d node = {upstream}"
    ),
    "net_explain": (
        "链式法则一次穿过整个神经元：每个权重、偏置和每个输入都收到"
        " 上游梯度 \u00d7（d out / d 它）。按 Enter 展开它的 {ops} 个标量运算。"
    ),
    "net_receives": "收到",
    "net_grad": "之后的 grad",
    "net_what": "谁",
    "net_weight": "权重 {name}",
    "net_bias": "偏置 {name}",
    "net_input": "输入 {name}",
    "net_data": "数据 {name}（常数，不接收梯度）",
    "net_data_box": "数据",
    "animation_title": "{title}：反向传播，一步一步",
    "animation_step": "第 {number} 步（共 {count} 步）：{name}",
    "animation_start": "反向传播之前：所有 grad 都是 0",
    "animation_more": "（{count} 步中的前 {shown} 步）",
}

# The layer and neuron words of a model's module names ("layers.0" is "layer 0"):
# the Chinese table names them in its own words.
MODULE_WORDS: dict[str, dict[str, str]] = {
    "en": {},
    "zh": {"layer": "第 {index} 层", "neuron": "神经元 {index}", "sample": "样本 {index}"},
}

LANGUAGES: dict[str, dict[str, str]] = {"en": ENGLISH, "zh": CHINESE}

_setting = threading.local()


def check_language(lang: object, where: str = "lang") -> str:
    """``lang`` if it is a language the tables have, else a ValueError naming the choices."""
    if not isinstance(lang, str) or lang not in LANGUAGES:
        choices = ", ".join(repr(name) for name in LANGUAGES)
        raise ValueError(f"{where} must be one of {choices}, got {lang!r}")
    return lang


def set_language(lang: str) -> None:
    """The language of ``print(step)`` in this thread (``"en"`` unless set): ``"en"`` or ``"zh"``.

    >>> from autograd import Value
    >>> set_language("zh")
    >>> x = Value(0.5, label="x")
    >>> print(next((x * 4.0).backward_steps()))
    x*4：out = u*v，上游梯度 1
      u = x：1 × 4 = 4；d out/d u = v = 4
      v = 4 是常数：不求导
    >>> set_language("en")
    """
    _setting.lang = check_language(lang)


def default_language() -> str:
    """The language ``set_language`` chose for this thread, English unless it was called."""
    return getattr(_setting, "lang", "en")


def strings(lang: str) -> Mapping[str, str]:
    """The table of ``lang`` (checked)."""
    return LANGUAGES[check_language(lang)]


def text(lang: str, key: str, **fields: object) -> str:
    """The sentence ``key`` of ``lang``'s table with its fields filled in."""
    return strings(lang)[key].format(**fields)
