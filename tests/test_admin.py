"""The administrators' dashboard: admins only; questions, knowledge gaps, warnings, cases, audit log."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from assistant.db import connect


def page(response) -> str:
    return response.get_data(as_text=True)


def test_staff_get_a_chinese_403_on_admin_pages(auth):
    auth.create("wang", "staff")
    auth.login("wang")
    response = auth.client.get("/admin")
    assert response.status_code == 403
    assert "您没有访问这个页面的权限" in page(response)
    console = auth.client.get("/staff")
    assert console.status_code == 200 and 'class="staff-nav"' in page(console)  # logged in, with the nav
    assert "管理看板" not in page(console)  # and no link to it


def test_an_admin_may_use_the_staff_console_too(admin):
    html = page(admin.client.get("/staff"))
    assert "办件查询" in html and 'href="/admin"' in html


def test_the_dashboard_lists_declined_and_clarified_questions_as_knowledge_gaps(admin, ask):
    for _ in range(3):
        ask("社保卡丢了怎么办")  # not the office's business: declined
    ask("我的手机号13912345678，社保卡丢了怎么办")
    ask("人防工程")  # fits several items: the user is asked to choose
    ask("结建审批要多久")  # answered: not a gap

    response = admin.client.get("/admin")
    html = page(response)
    assert response.status_code == 200
    assert "知识库缺口" in html
    gaps = html[html.index("知识库缺口"):html.index("知识库警告")]
    assert "社保卡丢了怎么办" in gaps and "人防工程" in gaps
    assert gaps.index("社保卡丢了怎么办") < gaps.index("人防工程")  # most asked first
    assert "结建审批要多久" not in gaps
    assert "139****5678" in gaps and "13912345678" not in html  # stored masked, shown masked


def test_the_dashboard_counts_questions_of_the_last_7_and_30_days_and_how_they_were_handled(admin, ask, db_path):
    ask("结建审批要多久")
    ask("社保卡丢了怎么办")
    db = connect(db_path)
    long_ago = (datetime.now(UTC) - timedelta(days=20)).isoformat(timespec="seconds")
    db["questions"].insert({"asked_at": long_ago, "conversation_id": "x", "question": "早前的问题", "kind": "answer"})
    html = page(admin.client.get("/admin"))
    stats = html[html.index("咨询量"):html.index("知识库缺口")]
    assert '<span class="stat__number">2</span><span class="stat__label">近 7 天的提问</span>' in stats
    assert '<span class="stat__number">3</span><span class="stat__label">近 30 天的提问</span>' in stats
    assert "直接回答" in stats and "66.7%" in stats
    assert "婉拒（未能回答）" in stats and "33.3%" in stats


def test_the_dashboard_shows_the_current_knowledge_warnings(admin, knowledge_dir):
    assert "知识库正常，没有警告" in page(admin.client.get("/admin"))
    (knowledge_dir / "office.yaml").write_text("name: [\n", encoding="utf-8")
    time.sleep(0.01)
    html = page(admin.client.get("/admin"))
    assert "网站仍在使用上一版" in html and "office.yaml:" in html


def test_the_dashboard_counts_cases_per_status_and_shows_the_latest_audit_entries(admin, db_path, tmp_path, knowledge_dir):
    from assistant.importer import import_file
    from assistant.knowledge import load

    path = tmp_path / "cases.csv"
    path.write_text(
        "case_no,item_id,applicant,contact_phone,submitted_at,status\n"
        "RF-1,shelter-build-approval,甲公司,13900000001,2026-10-01,in_review\n"
        "RF-2,shelter-build-approval,乙公司,13900000002,2026-10-02,in_review\n"
        "RF-3,shelter-build-approval,丙公司,13900000003,2026-10-03,completed\n",
        encoding="utf-8",
    )
    import_file(connect(db_path), load(knowledge_dir), path)
    admin.client.get("/staff/cases/RF-3")

    html = page(admin.client.get("/admin"))
    statuses = html[html.index("办件状态"):html.index("最近的审计记录")]
    assert '<th scope="row">审查中</th><td class="num">2</td>' in statuses
    assert '<th scope="row">已办结</th><td class="num">1</td>' in statuses
    assert '<th scope="row">待补正</th><td class="num">0</td>' in statuses
    latest = html[html.index("最近的审计记录"):]
    assert "chen" in latest and "查看" in latest and "RF-3" in latest


def test_the_dashboard_tables_have_header_cells_with_scope(admin):
    html = page(admin.client.get("/admin"))
    assert '<th scope="col">' in html and "<th>" not in html


def test_admin_pages_are_never_cached(admin):
    assert admin.client.get("/admin").headers["Cache-Control"] == "no-store"
