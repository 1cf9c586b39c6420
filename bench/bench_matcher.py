"""Matcher speed: median time to answer one question, and the cost of (re)building the index.

Run by hand (`make bench`); prints figures, asserts nothing. Goal (issue 3): under 5 ms of matcher
time per question at this knowledge size.

    python bench/bench_matcher.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.chat import Thresholds, answer  # noqa: E402
from assistant.knowledge import load  # noqa: E402
from assistant.matcher import _INDEXES, build_index, match  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--set", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    args = parser.parse_args()
    questions = [json.loads(line)["q"] for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]

    started = time.perf_counter()
    knowledge = load(ROOT / "knowledge")
    loaded = time.perf_counter()
    build_index(knowledge)
    indexed = time.perf_counter()
    reload_times, cached_times = [], []
    for _ in range(3):
        t = time.perf_counter()
        build_index(load(ROOT / "knowledge"))  # unchanged files: the index of that content is reused
        cached_times.append(time.perf_counter() - t)
        _INDEXES.clear()  # an edited file: everything is indexed again
        t = time.perf_counter()
        build_index(load(ROOT / "knowledge"))
        reload_times.append(time.perf_counter() - t)

    match_times, reply_times = [], []
    for _ in range(args.repeat):
        for q in questions:
            t = time.perf_counter()
            match(knowledge, q)
            match_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            answer(knowledge, q, Thresholds())
            reply_times.append(time.perf_counter() - t)

    by_length = {}
    for q in questions:
        bucket = "short (≤10 chars)" if len(q) <= 10 else "long (>40 chars)" if len(q) > 40 else "medium"
        t = time.perf_counter()
        match(knowledge, q)
        by_length.setdefault(bucket, []).append(time.perf_counter() - t)

    ms = lambda xs: 1000 * statistics.median(xs)  # noqa: E731
    entries = [e for i in knowledge.items.values() for e in i.entries]
    print(f"items: {len(knowledge.items)}, example questions: {sum(len(i.questions) for i in knowledge.items.values())}, "
          f"entries: {len(entries)} with {sum(1 + len(e.variants) for e in entries)} questions and variants")
    print(f"first load: {1000 * (loaded - started):.0f} ms, first index (incl. jieba dictionary): {1000 * (indexed - loaded):.0f} ms")
    print(f"reload + re-index (median of 3): {ms(reload_times):.0f} ms; reload of unchanged files: {ms(cached_times):.0f} ms")
    print(f"match() per question: median {ms(match_times):.2f} ms, p95 {1000 * sorted(match_times)[int(0.95 * len(match_times))]:.2f} ms"
          f" over {len(match_times)} calls")
    print(f"match() + compose reply: median {ms(reply_times):.2f} ms")
    for bucket, xs in sorted(by_length.items()):
        print(f"  {bucket:<20} median {ms(xs):.2f} ms  (n={len(xs)})")


if __name__ == "__main__":
    main()
