"""The staff desk's two bars: how fast a card comes back as the clerk types, and how often the right
item is among the first three cards.

Times `GET /staff/api/answers` through the real app (logged in, a real SQLite file with 2,000
generated cases, so the case half of each search does real work) for the development questions and
for the 2–3 character fragments a clerk types; prints medians and p95 in ms (server time, in-process).
Run by hand (`make bench`); asserts nothing.

    python bench/bench_desk.py [--set ../shared/eval/dev.jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import create_app  # noqa: E402
from assistant.accounts import create_user  # noqa: E402
from assistant.db import connection  # noqa: E402
from assistant.desk import answer_cards  # noqa: E402
from assistant.knowledge import load  # noqa: E402

FRAGMENTS = ["易地费", "验收", "车位", "警报", "备案", "罚款", "补正", "结建", "档案", "拆除", "电话", "进度", "5678", "QP-2"]
PASSWORD = "bench-password-123"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "eval" / "dev.jsonl")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]

    knowledge = load(ROOT / "knowledge")
    inscope = [r for r in rows if r["expected"]]
    top3 = 0
    for row in inscope:
        want = row["expected"] if isinstance(row["expected"], list) else [row["expected"]]
        top3 += any(c.item_id in want for c in answer_cards(knowledge, row["q"])[:3])
    print(f"right item among the first three cards: {100 * top3 / len(inscope):.1f}% ({top3}/{len(inscope)}) on {args.set.name}")

    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        app = create_app({"DB": str(db_path), "DEMO_DATA": False, "SECRET_KEY": "bench", "TESTING": True})
        rng = random.Random(7)
        items = list(knowledge.items)
        with connection(str(db_path)) as db:
            create_user(db, "bench", "staff", PASSWORD)
            db["cases"].insert_all(
                {
                    "case_no": f"QP-2026-{n:05d}",
                    "item_id": rng.choice(items),
                    "applicant": f"上海青浦第{n}建设有限公司",
                    "contact_phone": f"139{rng.randrange(10**8):08d}",
                    "phone_last4": f"{rng.randrange(10**4):04d}",
                    "submitted_at": (date(2026, 1, 1) + timedelta(days=n % 300)).isoformat(),
                    "status": rng.choice(["accepted", "in_review", "needs_supplement", "completed"]),
                }
                for n in range(2000)
            )
        client = app.test_client()
        page = client.get("/staff/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/staff/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token})
        for label, queries in (("questions", [r["q"] for r in rows]), ("fragments", FRAGMENTS * 10)):
            times = []
            for q in queries:
                started = time.perf_counter()
                response = client.get("/staff/api/answers", query_string={"q": q})
                times.append(1000 * (time.perf_counter() - started))
                assert response.status_code == 200, response.get_data(as_text=True)[:200]
            print(f"/staff/api/answers, {label}: median {statistics.median(times):.1f} ms, "
                  f"p95 {percentile(times, 0.95):.1f} ms over {len(times)} requests")


if __name__ == "__main__":
    main()
