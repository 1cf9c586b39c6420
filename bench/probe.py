#!/usr/bin/env python3
"""Score the assistant on bench/probe.jsonl, the hand-written probe of unseen-style questions.

Mirrors ../shared/eval/score.py (same figures, same rules: `expected` is an item id, a list of
equally right ids, or null for a question to decline) but on a set written from the reference
documents and from how citizens write to 12345, not from the development set. Run by hand:

    python bench/probe.py [--set bench/probe.jsonl] [--cmd ".venv/bin/assistant ask --jsonl"] [--show 50]

Prints top-1 on in-scope questions, out-of-scope declined, false declines, a row per tag and the misses.
"""

import argparse
import json
import pathlib
import shlex
import subprocess
import sys
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=pathlib.Path, default=ROOT / "bench" / "probe.jsonl")
    parser.add_argument("--cmd", default=f"{ROOT / '.venv' / 'bin' / 'assistant'} ask --jsonl")
    parser.add_argument("--show", type=int, default=100, help="misses to list")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    proc = subprocess.run(
        shlex.split(args.cmd),
        input="".join(r["q"].replace("\n", " ") + "\n" for r in rows),
        capture_output=True, text=True, encoding="utf-8", cwd=ROOT,
    )
    if proc.returncode != 0:
        sys.exit(f"probe: `{args.cmd}` exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(answers) != len(rows):
        sys.exit(f"probe: asked {len(rows)} questions, got {len(answers)} answers")

    by_tag = defaultdict(lambda: [0, 0])
    inscope = correct = oos = declined = false_declines = 0
    misses = []
    for n, (row, ans) in enumerate(zip(rows, answers, strict=True), 1):
        got, want = ans.get("item_id"), row["expected"]
        ok = got in want if isinstance(want, list) else got == want
        if want is None:
            oos += 1
            declined += ok
        else:
            inscope += 1
            correct += ok
            false_declines += got is None and not ok  # null may be one of several right answers
        for tag in row.get("tags") or ["untagged"]:
            by_tag[tag][0] += ok
            by_tag[tag][1] += 1
        if not ok:
            misses.append((n, row["q"], want, got, ans.get("kind"), ans.get("score")))

    def pct(a: int, b: int) -> float:
        return 100.0 * a / b if b else 0.0

    print(f"set: {args.set.name}  questions: {len(rows)}")
    for tag, (ok, n) in sorted(by_tag.items()):
        print(f"  {tag:<14} {ok:>4}/{n:<4} {pct(ok, n):5.1f}%")
    for n, q, want, got, kind, score in misses[: args.show]:
        print(f"  miss line {n}: {q!r} expected {want} got {got} ({kind}, score {score})")
    print(
        f"top1 {pct(correct, inscope):.1f}% ({correct}/{inscope})  "
        f"oos_declined {pct(declined, oos):.1f}% ({declined}/{oos})  "
        f"false_declines {pct(false_declines, inscope):.1f}% ({false_declines}/{inscope})"
    )


if __name__ == "__main__":
    main()
