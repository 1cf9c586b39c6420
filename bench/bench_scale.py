"""The matcher at catalogue scale: the shipped knowledge, and generated catalogues of 1,000 and 10,000 items.

For each size: index build time and the memory it takes (RSS growth; and the whole process's RSS
after it, which is what a gunicorn worker holding that catalogue needs), then `match()` p50/p99 over
10 questions per generated item sampled (phrasings not among the item's examples), and how many of
them find their item. Generated items are plausible 办事 items built from pools of places, facilities
and procedures, each with a name, aliases, keywords and 10 example questions. Run by hand; prints one
table, asserts nothing.

    python bench/bench_scale.py [--sizes 0 1000 10000] [--sample 100]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.knowledge import Item, load  # noqa: E402
from assistant.matcher import _INDEXES, build_index, match  # noqa: E402

PLACES = "朱家角 金泽 练塘 白鹤 华新 重固 赵巷 徐泾 夏阳 盈浦 香花桥 淀山湖 西岑 商榻 莲盛 沈巷 凤溪 蟠龙 崧泽 章堰".split()
FACILITIES = ("码头 泵站 变电站 加油站 仓储 冷库 停车场 物流园 学校 医院 养老院 菜场 农贸市场 体育馆 图书馆 剧院 商场 酒店 "
              "厂房 研发楼 数据中心 隧道 桥梁 管廊 水厂 污水厂 垃圾站 公交站 地铁站 综合体").split()
PROCEDURES = ("新建审批 改建审批 扩建备案 拆除审批 竣工验收 使用备案 年度检查 安全评估 规划核验 消防衔接 "
              "档案移交 质量监督 登记变更 注销手续 延期申请 补正材料 资金补助 费用减免 信息公开 投诉处理").split()
TEMPLATES = ["{name}怎么办理", "{name}需要什么材料", "{short}要多久能办好", "办{short}去哪里", "{alias}收费吗",
             "{alias}的条件是什么", "我想咨询{name}", "{kw}有什么要求", "{short}在网上能办吗", "{name}的法律依据"]
# Phrasings not among the examples, each naming the item unambiguously (its name or alias).
PROBES = ["请问{name}的申请条件", "{alias}大概多长时间", "我们要办{name}，材料清单发一下", "{alias}找哪个部门"]


def generated_items(n: int, seed: int = 7) -> dict[str, Item]:
    rng = random.Random(seed)
    combos = [(p, f, d) for p in PLACES for f in FACILITIES for d in PROCEDURES]
    rng.shuffle(combos)
    items = {}
    for i, (place, facility, procedure) in enumerate(combos[:n]):
        name = f"{place}{facility}{procedure}"
        short = f"{facility}{procedure}"[:12]
        alias = f"{place}{facility}{procedure[:2]}"
        keywords = [f"{place}{facility}", f"{facility}{procedure[:2]}", procedure, f"{place}{procedure[2:]}"]
        questions = [t.format(name=name, short=short, alias=alias, kw=rng.choice(keywords)) for t in TEMPLATES]
        items[f"gen-{i:05d}"] = Item(
            id=f"gen-{i:05d}", name=name, short_name=short, category="service", aliases=(alias,),
            keywords=tuple(keywords), summary=f"{name}的办理说明。", questions=tuple(questions), sources=("generated",),
        )
    return items


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1000, 10000])
    parser.add_argument("--sample", type=int, default=100, help="generated items whose probe questions are asked")
    args = parser.parse_args()
    shipped = load(ROOT / "knowledge")
    build_index(shipped)  # jieba's dictionary and the shipped words, loaded once before measuring
    rows = []
    for size in args.sizes:
        extra = generated_items(size)
        knowledge = replace(shipped, items={**shipped.items, **extra}) if size else shipped
        _INDEXES.clear()  # measure a real build, not the cached one
        before, started = rss_mb(), time.perf_counter()
        build_index(knowledge)
        built, grown, process = time.perf_counter() - started, rss_mb() - before, rss_mb()
        rng = random.Random(size)
        sample = rng.sample(sorted(extra), min(args.sample, len(extra))) if extra else []
        asked = [(t.format(name=extra[i].name, short=extra[i].short_name, alias=extra[i].aliases[0],
                           kw=extra[i].keywords[0]), i) for i in sample for t in PROBES]
        if not asked:  # the shipped size: the items' own example questions
            asked = [(q, item.id) for item in shipped.items.values() for q in item.questions[:4]]
        for question, _want in asked[:20]:  # warm the per-character caches before timing
            match(knowledge, question)
        times, right = [], 0
        for question, want in asked:
            t = time.perf_counter()
            decision = match(knowledge, question)
            times.append(1000 * (time.perf_counter() - t))
            right += decision.item_id == want
        times.sort()
        rows.append((len(knowledge.items), built, grown, process, statistics.median(times),
                     times[int(0.99 * (len(times) - 1))], right, len(asked)))
    print(f"{'items':>7} {'index build':>12} {'index RSS':>10} {'process RSS':>12} {'match p50':>10} {'match p99':>10} "
          f"{'right item':>12}")
    for items, built, grown, process, p50, p99, right, total in rows:
        print(f"{items:>7} {built:>10.1f} s {grown:>7.0f} MB {process:>9.0f} MB {p50:>7.2f} ms {p99:>7.2f} ms "
              f"{right:>5}/{total:<5}")


if __name__ == "__main__":
    main()
