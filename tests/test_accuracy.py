"""Accuracy is guarded: no change may answer worse than main does today.

Each labelled set is answered in-process, exactly as `assistant ask --jsonl` answers it (one question
at a time, no conversation), and judged as `../shared/eval/score.py` (is the right item chosen, are
out-of-scope questions declined) and `../shared/eval/answers.py` (does the direct reply hold the fact
asked, and never a forbidden one) judge it. `FLOORS` holds what main reached; raise a floor when a
change lifts a score, never lower one to let a change through.

The development sets are copies of the team's shared folder (`../shared/eval`, beside this
repository on the team's machines): `tests/eval/` keeps them so that a fresh clone tests the same,
and `test_copies_match_the_shared_folder` says when the shared ones have moved on. The other sets
are in `bench/`: written without the development set, some before the knowledge they test (README).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.chat import Thresholds, answer, check_message
from assistant.errors import AssistantError
from assistant.knowledge import load

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
SETS = {
    "dev": ROOT / "tests" / "eval" / "dev.jsonl",
    "answers-dev": ROOT / "tests" / "eval" / "answers-dev.jsonl",
    "probe": ROOT / "bench" / "probe.jsonl",
    "blind": ROOT / "bench" / "blind.jsonl",
    "blind2": ROOT / "bench" / "blind2.jsonl",
    "blind3-applicants": ROOT / "bench" / "blind3-applicants.jsonl",
    "blind3-public": ROOT / "bench" / "blind3-public.jsonl",
    "blind4": ROOT / "bench" / "blind4.jsonl",
}
# What main reached (percent): right item among in-scope questions, out-of-scope declined, and for
# the answer sets, replies holding every asked fact. False declines may not rise above their ceiling.
FLOORS = {
    "dev": {"top1": 100.0, "oos": 100.0, "false_declines": 0.0},
    "answers-dev": {"top1": 100.0, "oos": 100.0, "false_declines": 0.0, "answered": 99.0},
    "probe": {"top1": 99.4, "oos": 95.1, "false_declines": 0.4},
    "blind": {"top1": 97.5, "oos": 97.2, "false_declines": 1.0},
    "blind2": {"top1": 88.9, "oos": 100.0, "false_declines": 5.6},
    "blind3-applicants": {"top1": 93.7, "oos": 86.7, "false_declines": 2.1, "answered": 86.4},
    "blind3-public": {"top1": 93.0, "oos": 95.0, "false_declines": 2.0, "answered": 82.5},
    "blind4": {"top1": 96.7, "oos": 100.0, "false_declines": 0.8, "answered": 91.3},
}
_SPACE = re.compile(r"\s+")


@dataclass
class Result:
    top1: float
    oos: float
    false_declines: float
    answered: float
    forbidden: int
    misses: list[str]


def _pct(a: int, b: int) -> float:
    return round(100.0 * a / b, 1) if b else 100.0


@pytest.fixture(scope="module")
def knowledge():
    return load(ROOT / "knowledge")


def judge(knowledge, path: Path) -> Result:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    inscope = correct = oos = declined = false_declines = answered = forbidden = 0
    misses = []
    for row in rows:
        try:
            reply, _ = answer(knowledge, check_message(row["q"].replace("\n", " "), 1000), Thresholds())
            got, text = reply.item_id, _SPACE.sub("", reply.text)
        except AssistantError:
            got, text = None, ""
        want = row["expected"]
        ok = got in want if isinstance(want, list) else got == want
        if want is None:
            oos += 1
            declined += ok
        else:
            inscope += 1
            correct += ok
            false_declines += got is None
        missing = [g for g in row.get("must") or [] if not any(_SPACE.sub("", alt) in text for alt in g)]
        said = [s for s in row.get("must_not") or [] if _SPACE.sub("", s) in text]
        forbidden += bool(said)
        answered += ok and not missing and not said
        if not ok or missing or said:
            misses.append(f"{row['q']} → {got} (expected {want}); missing {missing}; says {said}")
    return Result(
        _pct(correct, inscope), _pct(declined, oos), _pct(false_declines, inscope), _pct(answered, len(rows)),
        forbidden, misses,
    )


@pytest.mark.parametrize("name", list(SETS))
def test_no_set_is_answered_worse_than_main_answers_it(knowledge, name):
    result = judge(knowledge, SETS[name])
    floors = FLOORS[name]
    shown = "\n".join(result.misses[:15])
    for measure in ("top1", "oos", "answered"):
        if measure in floors:
            assert getattr(result, measure) >= floors[measure], f"{name} {measure} {getattr(result, measure)}%:\n{shown}"
    if "false_declines" in floors:
        assert result.false_declines <= floors["false_declines"], f"{name} false declines {result.false_declines}%"
    assert result.forbidden == 0, f"{name}: a reply states something it must not:\n{shown}"


def test_copies_match_the_shared_folder():
    if not SHARED.is_dir():
        pytest.skip("the team's shared folder ../shared is not beside this clone")
    for name in ("dev.jsonl", "answers-dev.jsonl"):
        assert (ROOT / "tests" / "eval" / name).read_bytes() == (SHARED / name).read_bytes(), (
            f"../shared/eval/{name} has changed: copy it to tests/eval/ and check FLOORS"
        )
