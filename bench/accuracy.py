"""Accuracy of the matcher against three simple baselines fed the same knowledge, per tag.

Run by hand (`make bench`); prints a table, asserts nothing. The baselines see exactly what the
matcher sees: every item's name, short name, aliases, keywords and example questions, and the
same cleaning (width, case, traditional → simplified). Each baseline gets the decline threshold
that is best *for it* on the set, so the comparison flatters them, not us.

    python bench/accuracy.py [--set ../shared/eval/dev.jsonl]

Baselines: rapidfuzz WRatio to the nearest text; TF-IDF over character 1–3-grams (scikit-learn),
nearest text by cosine; BM25 (rank-bm25) over jieba words, one document per item.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.chat import Thresholds, answer  # noqa: E402
from assistant.knowledge import load  # noqa: E402
from assistant.normalise import clean  # noqa: E402


def texts_by_item(knowledge):
    out = []
    for item in knowledge.items.values():
        for text in (item.name, item.short_name, *item.aliases, *item.keywords, *item.questions):
            out.append((item.id, clean(text)))
    return out


def wratio_baseline(knowledge):
    from rapidfuzz import fuzz, process

    docs = texts_by_item(knowledge)
    choices = [t for _, t in docs]

    def predict(question):
        _, score, i = process.extractOne(clean(question), choices, scorer=fuzz.WRatio)
        return docs[i][0], score

    return predict


def tfidf_baseline(knowledge):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    docs = texts_by_item(knowledge)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
    matrix = vectorizer.fit_transform([t for _, t in docs])

    def predict(question):
        sims = linear_kernel(vectorizer.transform([clean(question)]), matrix)[0]
        i = int(sims.argmax())
        return docs[i][0], 100 * float(sims[i])

    return predict


def bm25_baseline(knowledge):
    import jieba
    from rank_bm25 import BM25Okapi

    ids = list(knowledge.items)
    corpus = []
    for item in knowledge.items.values():
        text = " ".join(clean(t) for t in (item.name, item.short_name, *item.aliases, *item.keywords, *item.questions))
        corpus.append([w for w in jieba.lcut(text) if w.strip()])
    bm25 = BM25Okapi(corpus)

    def predict(question):
        scores = bm25.get_scores([w for w in jieba.lcut(clean(question)) if w.strip()])
        i = int(scores.argmax())
        return ids[i], float(scores[i])

    return predict


def matcher_system(knowledge):
    thresholds = Thresholds()

    def predict(question):
        reply, _ = answer(knowledge, question, thresholds)
        return reply.item_id, reply.score

    return predict


def is_right(got, want):
    return got in want if isinstance(want, list) else got == want


def best_threshold(predictions, rows):
    """The decline threshold that maximises this system's overall accuracy on the set."""
    candidates = sorted({score for _, score in predictions}) + [float("inf")]
    best = (-1, 0.0)
    for t in [0.0, *candidates]:
        right = sum(is_right(item if score >= t else None, r["expected"]) for (item, score), r in zip(predictions, rows, strict=True))
        best = max(best, (right, t))
    return best[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT.parent / "shared" / "eval" / "dev.jsonl")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    knowledge = load(ROOT / "knowledge")

    systems = {
        "matcher": matcher_system(knowledge),
        "wratio": wratio_baseline(knowledge),
        "tfidf-char": tfidf_baseline(knowledge),
        "bm25-jieba": bm25_baseline(knowledge),
    }
    results = {}
    for name, predict in systems.items():
        predictions = [predict(r["q"]) for r in rows]
        if name == "matcher":  # the matcher decides for itself (item_id None = declined)
            results[name] = [item for item, _ in predictions]
        else:
            t = best_threshold(predictions, rows)
            results[name] = [item if score >= t else None for item, score in predictions]

    tags = defaultdict(list)
    for i, r in enumerate(rows):
        for tag in r.get("tags") or ["untagged"]:
            tags[tag].append(i)
        tags["in-scope top-1" if r["expected"] is not None else "out-of-scope declined"].append(i)
        tags["OVERALL"].append(i)

    names = list(systems)
    print(f"{'tag':<24}{'n':>5}" + "".join(f"{n:>13}" for n in names))
    for tag in sorted(tags, key=lambda t: (t == "OVERALL", t)):
        idx = tags[tag]
        cells = [100 * sum(is_right(results[n][i], rows[i]["expected"]) for i in idx) / len(idx) for n in names]
        print(f"{tag:<24}{len(idx):>5}" + "".join(f"{c:>12.1f}%" for c in cells))
    best_baseline = max(names[1:], key=lambda n: sum(is_right(results[n][i], rows[i]["expected"]) for i in tags["OVERALL"]))
    gap = [sum(is_right(results[n][i], rows[i]["expected"]) for i in tags["OVERALL"]) for n in ("matcher", best_baseline)]
    print(f"\nmatcher vs best baseline ({best_baseline}): {100 * (gap[0] - gap[1]) / len(rows):+.1f} points overall")


if __name__ == "__main__":
    main()
