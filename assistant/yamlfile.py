"""Reading a hand-edited YAML file so that every mistake can be named as `PATH:LINE: message`.

`read_yaml` returns the data and a map from each key path to its line; `validate` checks the data
against a pydantic model and turns each error into a `Problem` on the right line, in Chinese.
Used for the knowledge files; nothing here knows what a knowledge item is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Problem:
    """One mistake in one file, printed as `PATH:LINE: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"





class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: faster
    """Safe loading, but dates stay text: the models check them, and 2027-02-30 must be a `Problem`,
    not a crash inside the YAML library."""


# YAML folds a line break inside a `>` block (or a long plain string) into a space. Between two
# Chinese characters that space is a mistake the administrator never typed: join such lines directly.
_CJK = "\u2014\u2018-\u201f\u2026\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_FOLDED_CJK_SPACE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def _construct_str(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    value = loader.construct_scalar(node)
    return value if node.style == "|" else _FOLDED_CJK_SPACE.sub("", value)


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path, problems: list[Problem], rel: str) -> tuple[object, dict[tuple, int]]:
    """Parse one file; return its data and a map from each key path to its 1-based line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        problems.append(Problem(rel, 1, f"文件不是 UTF-8 编码，请用 UTF-8 保存（{e.reason}）"))
        return None, {}
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problems.append(Problem(rel, line, f"YAML 格式错误：{getattr(e, 'problem', None) or e}（检查缩进、冒号和引号）"))
        return None, {}
    lines: dict[tuple, int] = {}
    if node is not None:
        _walk(node, (), lines, problems, rel)
    return data, lines


def _walk(node: yaml.Node, path: tuple, lines: dict[tuple, int], problems: list[Problem], rel: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            key = key_node.value
            key = int(key) if key.isdigit() else key  # years in holidays.yaml; pydantic reports them as ints
            if key in seen:
                problems.append(Problem(rel, key_node.start_mark.line + 1, f"字段“{key}”重复出现，后一个会覆盖前一个"))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines, problems, rel)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _walk(child, path + (i,), lines, problems, rel)


def line_for(lines: dict[tuple, int], loc: tuple) -> int:
    """The line of the deepest known prefix of `loc` (a missing field points at its parent)."""
    loc = tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in loc)
    for n in range(len(loc), -1, -1):
        for candidate in (loc[:n], tuple(str(p) for p in loc[:n])):
            if candidate in lines:
                return lines[candidate]
    return 1


_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段（是否拼写错误？可用字段见 knowledge/README.md）",
    "string_type": "应当是一段文字",
    "int_type": "应当是整数",
    "int_parsing": "应当是整数",
    "bool_type": "应当是 true 或 false",
    "bool_parsing": "应当是 true 或 false",
    "tuple_type": "应当是列表（每行以“- ”开头）",
    "list_type": "应当是列表（每行以“- ”开头）",
    "dict_type": "应当是“字段: 值”的形式",
    "model_type": "应当是“字段: 值”的形式",
    "literal_error": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不对：只能用小写字母、数字和连字符",
    "too_short": "内容太少",
    "too_long": "内容太长",
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "greater_than_equal": "数值太小",
}


def validate(model: type[BaseModel], data: object, lines: dict, rel: str, problems: list[Problem]):
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as e:
        for err in e.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            field = ".".join(str(p) for p in loc) or "文件"
            message = _MESSAGES.get(err["type"], err["msg"])
            if err["type"] == "literal_error" and err.get("ctx", {}).get("expected"):
                message += f"，只能是：{err['ctx']['expected']}"
            if err["type"] == "value_error":
                message = str(err.get("ctx", {}).get("error", err["msg"]))
            problems.append(Problem(rel, line_for(lines, loc), f"{field}：{message}"))
        return None
