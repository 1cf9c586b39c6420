"""Reading a hand-edited YAML file so that every mistake can be named as `PATH:LINE: message`.

`read_yaml` returns the data and a map from each key path to its line; `validate` checks the data
against a pydantic model and turns each error into a `Problem` on the right line, in Chinese.
`write_yaml` writes a changed value back into the file's own text with ruamel.yaml's round-trip
mode, keeping comments, key order and block styles wherever the value did not change.
Used for the knowledge files; nothing here knows what a knowledge item is.

A hand-edited file may be hostile or just wrong in a way that would exhaust the machine: nesting
deeper than any knowledge file needs, an alias bomb (a few lines that expand to billions of nodes),
a file of many megabytes. `read_yaml_text` measures those on the parser's event stream, which needs
no recursion and expands nothing, before anything is built, and reports them as `PATH:LINE`
problems like any other mistake: never a RecursionError, a hang or a silently ignored file.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString


@dataclass(frozen=True)
class Problem:
    """One mistake in one file, printed as `PATH:LINE: message`."""

    path: str
    line: int
    message: str
    field: str | None = None  # the key path ("entries.2.answer") when the problem is about one field

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


# Limits no real knowledge file comes near (items nest 4 deep and hold a few thousand nodes).
MAX_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_NODES = 100_000  # after expanding aliases

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


def keeps_as_written(text: str) -> bool:
    """Whether `text` reads back unchanged from a plain, quoted or folded scalar; if not (a space
    between two Chinese characters would be taken for a folded line break), write it as a `|` block."""
    return not _FOLDED_CJK_SPACE.search(text)


def folds_away(before: str, after: str) -> bool:
    """Whether a line break folded between these two characters reads back as nothing (two Chinese
    characters: see `_construct_str`), so a long text may be written over several lines."""
    return bool(_FOLDED_CJK_SPACE.search(f"{before} {after}"))


def read_yaml(path: Path, problems: list[Problem], rel: str) -> tuple[object, dict[tuple, int]]:
    """Parse one file; return its data and a map from each key path to its 1-based line."""
    with open(path, "rb") as f:
        return read_yaml_text(f.read(MAX_BYTES + 1), problems, rel)


def _within_limits(text: str, problems: list[Problem], rel: str) -> bool:
    """Check nesting depth and the size after alias expansion on the event stream, building nothing.

    Every node counts once, and an alias counts as many nodes as its anchor expands to, so a bomb
    (each level aliasing the previous one ten times) is caught at the alias that crosses the limit.
    """
    depth = expanded = 0
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, expanded count at its start)
    sizes: dict[str, int] = {}
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                problems.append(Problem(rel, line, f"嵌套层次太深（超过 {MAX_DEPTH} 层），请检查缩进和括号"))
                return False
            open_nodes.append((event.anchor, expanded))
            expanded += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, start = open_nodes.pop()
            if anchor:
                sizes[anchor] = expanded - start
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            expanded += sizes.get(event.anchor, 1)
        if expanded > MAX_NODES:
            problems.append(Problem(
                rel, line, f"内容太多（展开别名 * 后超过 {MAX_NODES} 项），知识文件不需要用 & 和 * 引用，请直接写出内容"
            ))
            return False
    return True


def read_yaml_text(raw: bytes, problems: list[Problem], rel: str) -> tuple[object, dict[tuple, int]]:
    """Parse one file's bytes; return its data and a map from each key path to its 1-based line.

    On any mistake, the problem is appended and `(None, {})` returned.
    """
    if len(raw) > MAX_BYTES:
        problems.append(Problem(rel, 1, f"文件太大（超过 {MAX_BYTES // 1000} KB），请检查是否粘贴了多余的内容"))
        return None, {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(Problem(rel, 1, f"文件不是 UTF-8 编码，请用 UTF-8 保存（{e.reason}）"))
        return None, {}
    try:
        if not _within_limits(text, problems, rel):
            return None, {}
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
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
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            key = int(key) if key.isdigit() else key  # years in holidays.yaml; pydantic reports them as ints
            if key in seen:
                problems.append(Problem(rel, key_node.start_mark.line + 1, f"字段“{key}”重复出现，后一个会覆盖前一个",
                                        ".".join(map(str, path + (key,)))))
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
            problems.append(Problem(rel, line_for(lines, loc), f"{field}：{message}", ".".join(map(str, loc))))
        return None


# ---------------------------------------------------------------- writing back, keeping comments


class _Representer(RoundTripRepresenter):
    """Writes None as `null`, as the knowledge files do (ruamel would leave the value empty)."""


_Representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))


def _yaml() -> YAML:
    yaml = YAML()
    yaml.Representer = _Representer
    yaml.width = 4096  # never fold a long line: the folding would change Chinese text
    yaml.indent(mapping=2, sequence=4, offset=2)  # the files' own style: "key:\n  - item"
    yaml.preserve_quotes = True
    return yaml


def _dump(tree) -> str:
    out = io.StringIO()
    _yaml().dump(tree, out)
    return out.getvalue()


def _fresh(value, like=None):
    """A value as ruamel writes it: several lines as a `|` block, a folded text stays folded."""
    if isinstance(value, dict):
        tree = CommentedMap()
        for key, child in value.items():
            tree[key] = _fresh(child)
        return tree
    if isinstance(value, list):
        seq = CommentedSeq(_fresh(v) for v in value)
        if isinstance(like, CommentedSeq) and like.fa.flow_style() and all(isinstance(v, str) for v in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str):
        if "\n" in value or not keeps_as_written(value):
            return LiteralScalarString(value)
        if isinstance(like, FoldedScalarString):
            return _folded(value)
    return value


FOLD_AFTER = "。！？"  # a folded text is written a sentence or so per line
FOLD_MIN_CHARS = 20


def _folded(value: str) -> FoldedScalarString:
    """A text for a `>-` block, broken after sentences as a person would write it: readable diffs,
    and the same text when read back (a fold between two Chinese characters reads as nothing)."""
    out, folds, line = [], [], 0
    for i, ch in enumerate(value):
        out.append(ch)
        line += 1
        after = value[i + 1] if i + 1 < len(value) else ""
        if ch in FOLD_AFTER and line >= FOLD_MIN_CHARS and after and folds_away(ch, after):
            folds.append(len(out))
            out.append(" ")  # ruamel folds the line at a space it is told of
            line = 0
    text = FoldedScalarString("".join(out))
    if folds:
        text.fold_pos = folds
    return text


def _pairs(old: list, new: list) -> dict[int, int]:
    """Which old element each new one continues: the same value, else the same id or name, else the
    same position. A continued element keeps its comments."""
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for i, value in enumerate(new):
        j = next((j for j, o in enumerate(old) if j not in used and o == value), None)
        if j is not None:
            pairs[i] = j
            used.add(j)
    for i, value in enumerate(new):
        if i in pairs or not isinstance(value, dict):
            continue
        for key in ("id", "name"):
            j = next((j for j, o in enumerate(old) if j not in used and isinstance(o, dict)
                      and key in value and o.get(key) == value[key]), None)
            if j is not None:
                pairs[i] = j
                used.add(j)
                break
    for i in range(min(len(old), len(new))):
        if i not in pairs and i not in used:
            pairs[i] = i
            used.add(i)
    return pairs


def _merge(node, old, new):
    """`node` (the round-trip tree of `old`) changed to hold `new`, reusing every unchanged part."""
    if old == new and type(old) is type(new):
        return node
    if isinstance(node, CommentedMap) and isinstance(old, dict) and isinstance(new, dict):
        for key in [k for k in node if k not in new]:
            del node[key]
        previous = None
        for key, value in new.items():
            if key in node:
                node[key] = _merge(node[key], old.get(key), value)
            else:  # a new field goes where the form has it: after the field before it
                keys = list(node)
                node.insert(keys.index(previous) + 1 if previous in keys else 0, key, _fresh(value))
            previous = key
        return node
    if isinstance(node, CommentedSeq) and isinstance(old, list) and isinstance(new, list):
        pairs = _pairs(old, new)
        values = [_merge(node[pairs[i]], old[pairs[i]], v) if i in pairs else _fresh(v) for i, v in enumerate(new)]
        comments = {i: node.ca.items[j] for i, j in pairs.items() if j in node.ca.items}
        list.clear(node)
        list.extend(node, values)
        node.ca.items.clear()
        node.ca.items.update(comments)
        return node
    return _fresh(new, like=node)


def _reads_back(text: str, expected: dict) -> bool:
    problems: list[Problem] = []
    data, _ = read_yaml_text(text.encode("utf-8"), problems, "draft")
    return not problems and data == expected


def write_yaml(old_text: str | None, old: object, new: dict) -> str:
    """The text of a file holding `new`: `old_text` (whose data, as `read_yaml_text` gives it, is
    `old`) changed only where `new` differs, so comments, key order and block styles of every
    unchanged part survive; a new key goes after the key before it in `new`.

    The text is read back with `read_yaml_text` and must give `new` exactly; if the edited text does
    not, `new` is written afresh (without the comments); if that fails too, ValueError.
    """
    if old_text is not None and isinstance(old, dict):
        try:
            tree = _yaml().load(old_text)
        except Exception:  # whatever ruamel makes of a hand-edited file, a fresh text still works
            tree = None
        if isinstance(tree, CommentedMap):
            text = _dump(_merge(tree, old, new))
            if _reads_back(text, new):
                return text
    text = _dump(_fresh(new))
    if _reads_back(text, new):
        return text
    raise ValueError("the value cannot be written so that it reads back the same")
