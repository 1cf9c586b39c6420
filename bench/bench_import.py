"""Case database at scale: import, re-import, look-up and reminders over 100,000 generated cases.

Run by hand; prints figures, asserts nothing. Everything happens in a temporary folder: a generated
export (`.jsonl`, and `.csv` with `--csv`) and a fresh SQLite file. Rough goals: the first import of
100k rows under 30 s, a look-up under 5 ms, the reminder list under 200 ms.

    python bench/bench_import.py [--rows 100000] [--csv] [--seed 7] [--profile import|reimport|lookup|reminders]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import logging
import pstats
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import cases, importer, reminders  # noqa: E402
from assistant.db import connect  # noqa: E402
from assistant.errors import NotFound  # noqa: E402
from assistant.knowledge import load  # noqa: E402
from assistant.workdays import office_today  # noqa: E402

LOOKUPS = 200
FAILED_LOOKUPS = 50
REMINDER_RUNS = 20

TOWNS = ["青浦", "朱家角", "徐泾", "华新", "赵巷", "白鹤", "练塘", "金泽", "重固", "香花桥", "盈浦", "夏阳"]
TRADES = ["置业", "房地产开发", "建设发展", "实业", "投资", "城市更新", "产业园发展", "物流", "商业管理"]
PROJECTS = ["住宅项目", "商业综合体", "地下车库", "产业园一期", "保障性住房", "学校新建工程", "医院扩建工程", "物流仓储项目"]
NOTES = ["申请人来电询问进度", "已电话告知补正要求", "现场踏勘已安排", "材料原件已核对", "专家评审意见已出具"]
GENERIC_MATERIALS = ["申请表", "营业执照复印件", "建设工程规划许可证", "人防工程设计图纸", "授权委托书"]
OPEN = ["pre_review", "accepted", "in_review", "needs_supplement"]
CLOSED = ["completed", "rejected", "withdrawn"]
NEXT = {"pre_review": "accepted", "accepted": "in_review", "in_review": "completed", "needs_supplement": "in_review"}


# ---------------------------------------------------------------- generating an export


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.85:
        return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
    return f"021-{rng.randrange(5000, 6999)} {rng.randrange(10**4):04d}"  # landline, as typed by staff


def _status(rng: random.Random, age: int) -> str:
    """Young cases are mostly open; a few stale ones stay open for months (as real exports have)."""
    open_share = 0.9 if age < 20 else 0.5 if age < 60 else 0.12 if age < 180 else 0.02
    if rng.random() < open_share:
        return rng.choices(OPEN, weights=[15, 20, 40, 25])[0]
    return rng.choices(CLOSED, weights=[80, 8, 12])[0]


def generate(path_jsonl: Path, path_csv: Path | None, n: int, knowledge, today: date, seed: int) -> list[tuple]:
    """Write `n` cases; returns (case_no, last four digits) of every case, for the look-ups."""
    rng = random.Random(seed)
    items = [i for i in knowledge.items.values() if i.category in ("licence", "service")]
    weights = [6 if i.category == "licence" else 1 for i in items]
    materials = {i.id: [m.name for m in i.materials] or GENERIC_MATERIALS for i in items}
    keys = []
    csv_file = path_csv.open("w", encoding="utf-8", newline="") if path_csv else None
    writer = csv.DictWriter(csv_file, fieldnames=importer.FIELDS) if csv_file else None
    if writer:
        writer.writeheader()
    with path_jsonl.open("w", encoding="utf-8") as out:
        for number in range(1, n + 1):
            item = rng.choices(items, weights)[0]
            age = int(rng.random() ** 1.5 * 730)  # more recent cases than old ones
            submitted = today - timedelta(days=age)
            status = _status(rng, age)
            phone = _phone(rng)
            row = {
                "case_no": f"QPRF-{submitted.year}-{number:06d}",
                "item_id": item.id,
                "applicant": f"上海{rng.choice(TOWNS)}{rng.choice(TRADES)}有限公司",
                "contact_phone": phone,
                "submitted_at": (
                    f"{submitted.isoformat()}T{rng.randrange(8, 17):02d}:{rng.randrange(60):02d}:00"
                    if rng.random() < 0.7
                    else submitted.isoformat()
                ),
                "status": status,
                "project_name": f"{rng.choice(TOWNS)}{rng.choice(PROJECTS)}",
            }
            if status != "pre_review":
                updated = min(today, submitted + timedelta(days=rng.randrange(0, 40)))
                row["updated_at"] = f"{updated.isoformat()}T{rng.randrange(8, 17):02d}:00:00"
            if status == "needs_supplement" or rng.random() < 0.05:
                pool = materials[item.id]
                row["missing_materials"] = rng.sample(pool, rng.randint(1, min(3, len(pool))))
            if status == "needs_supplement":
                row["supplement_due"] = max(submitted, today + timedelta(days=rng.randint(-10, 20))).isoformat()
            if rng.random() < 0.5:
                row["due_date"] = (submitted + timedelta(days=rng.randint(20, 45))).isoformat()
            if rng.random() < 0.2:
                row["notes"] = rng.choice(NOTES)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if writer:
                writer.writerow({**row, "missing_materials": ";".join(row.get("missing_materials", []))})
            keys.append((row["case_no"], "".join(c for c in phone if c.isdigit())[-4:]))
    if csv_file:
        csv_file.close()
    return keys


def with_changes(source: Path, target: Path, share: float, today: date, seed: int) -> int:
    """Copy the export with `share` of the statuses moved on (open cases first); returns how many.

    Streams the file twice rather than holding it, so that the peak RSS reported is the import's.
    """
    rng = random.Random(seed + 1)
    opened, total = [], 0
    with source.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            total += 1
            if any(f'"status": "{s}"' in line for s in OPEN):
                opened.append(i)
    wanted = int(share * total)
    chosen = set(rng.sample(opened, min(wanted, len(opened))))
    if len(chosen) < wanted:
        rest = [i for i in range(total) if i not in chosen]
        chosen |= set(rng.sample(rest, wanted - len(chosen)))
    stamp = f"{today.isoformat()}T09:00:00"
    with source.open(encoding="utf-8") as f, target.open("w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i in chosen:
                row = json.loads(line)
                row["status"] = NEXT.get(row["status"], "in_review")  # a closed case reopened, now and then
                row["updated_at"] = stamp
                line = json.dumps(row, ensure_ascii=False) + "\n"
            out.write(line)
    return len(chosen)


# ---------------------------------------------------------------- measuring


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed(fn, profile: bool = False):
    """(result, seconds); with `profile`, also prints the 20 costliest calls by cumulative time."""
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = fn()
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
    return result, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--csv", action="store_true", help="also write the export as CSV and time its import")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=["import", "reimport", "lookup", "reminders"])
    args = parser.parse_args()
    # Generated due dates reach into next year; the calendar says once if it does not know its holidays.
    logging.basicConfig(format="log: %(message)s")

    knowledge = load(ROOT / "knowledge")
    today = office_today()
    ms = lambda xs: 1000 * statistics.median(xs)  # noqa: E731
    p95 = lambda xs: 1000 * sorted(xs)[int(0.95 * len(xs))]  # noqa: E731
    table = []

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        tmp = Path(tmp)
        export = tmp / "cases.jsonl"
        export_csv = tmp / "cases.csv" if args.csv else None
        keys, gen_s = timed(lambda: generate(export, export_csv, args.rows, knowledge, today, args.seed))
        changed_export = tmp / "cases-changed.jsonl"
        changed = with_changes(export, changed_export, 0.10, today, args.seed)
        rss_before = peak_rss_mb()

        db_path = tmp / "db" / "assistant.db"
        db = connect(db_path)
        first, first_s = timed(lambda: importer.import_file(db, knowledge, export), args.profile == "import")
        table.append(("(a) first import, jsonl", f"{first_s:.2f} s", f"{args.rows / first_s:,.0f} rows/s",
                      f"{first.inserted:,} inserted"))
        rss_import = peak_rss_mb()
        again, again_s = timed(lambda: importer.import_file(db, knowledge, changed_export), args.profile == "reimport")
        rss_reimport = peak_rss_mb()
        history = db.execute("select count(*) from case_history").fetchone()[0]
        table.append(("(b) re-import, 10% changed", f"{again_s:.2f} s", f"{args.rows / again_s:,.0f} rows/s",
                      f"{again.status_changes:,} changes (of {changed:,}), history {history:,} rows"))

        rng = random.Random(args.seed + 2)
        sample = rng.sample(keys, LOOKUPS + FAILED_LOOKUPS)
        profiler = cProfile.Profile() if args.profile == "lookup" else None
        found_times = []
        for case_no, last4 in sample[:LOOKUPS]:
            t = time.perf_counter()
            if profiler:
                profiler.enable()
            cases.lookup(db, knowledge, case_no, last4, client="bench", today=today)
            if profiler:
                profiler.disable()
            found_times.append(time.perf_counter() - t)
        failed_times = []
        for n, (case_no, last4) in enumerate(sample[LOOKUPS:]):
            wrong = f"{(int(last4) + 1) % 10000:04d}"
            t = time.perf_counter()
            try:  # a fresh client and a different case each time: the failure limits never trigger
                cases.lookup(db, knowledge, case_no, wrong, client=f"bench-{n}", today=today)
            except NotFound:
                pass
            failed_times.append(time.perf_counter() - t)
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
        table.append(("(c) look-up, right digits", f"{ms(found_times):.2f} ms", f"p95 {p95(found_times):.2f} ms",
                      f"median of {LOOKUPS} cases"))
        table.append(("    look-up, wrong digits", f"{ms(failed_times):.2f} ms", f"p95 {p95(failed_times):.2f} ms",
                      f"median of {FAILED_LOOKUPS} (writes a failure row)"))

        reminder_times, found = [], []
        for run in range(REMINDER_RUNS):
            found, seconds = timed(lambda: reminders.due_within(db, knowledge, 3, today=today),
                                   args.profile == "reminders" and run == 0)
            reminder_times.append(seconds)
        kinds = {k: sum(r.kind == k for r in found) for k in ("supplement", "completion")}
        overdue = sum(r.working_days_left < 0 for r in found)
        table.append(("(d) reminders within 3 days", f"{ms(reminder_times):.1f} ms", f"p95 {p95(reminder_times):.1f} ms",
                      f"{len(found):,} reminders ({kinds['supplement']:,} supplement, "
                      f"{kinds['completion']:,} completion; {overdue:,} overdue)"))

        if export_csv:
            csv_db = connect(tmp / "db-csv" / "assistant.db")
            csv_first, csv_s = timed(lambda: importer.import_file(csv_db, knowledge, export_csv))
            table.append(("(a') first import, csv", f"{csv_s:.2f} s", f"{args.rows / csv_s:,.0f} rows/s",
                          f"{csv_first.inserted:,} inserted"))
            csv_db.conn.close()

        wal = db_path.with_name(db_path.name + "-wal")
        wal_mb = wal.stat().st_size / 2**20 if wal.exists() else 0
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db_mb = db_path.stat().st_size / 2**20
        db.conn.close()
        sizes = f"jsonl {export.stat().st_size / 2**20:.1f} MB" + (
            f", csv {export_csv.stat().st_size / 2**20:.1f} MB" if export_csv else "")

    print(f"cases: {args.rows:,} generated in {gen_s:.1f} s ({sizes}); today {today}")
    width = max(len(row[0]) for row in table)
    for label, value, rate, note in table:
        print(f"{label:<{width}}  {value:>10}  {rate:>18}  {note}")
    print(f"(e) peak RSS: {rss_before:.0f} MB before importing, {rss_import:.0f} MB after the first import, "
          f"{rss_reimport:.0f} MB after the re-import, {peak_rss_mb():.0f} MB at the end")
    print(f"    database file: {db_mb:.1f} MB after a checkpoint (the WAL had reached {wal_mb:.1f} MB)")


if __name__ == "__main__":
    main()
