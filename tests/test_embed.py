"""Who may frame the chat: EMBED_ORIGINS feeds CSP `frame-ancestors` of the public pages, and nothing else.

The office's website shows the chat in a panel (static/widget.js) only when its origin is listed;
every other site is refused, and the staff and admin pages are never frameable at all.
"""

from __future__ import annotations

import pytest

from assistant import create_app
from assistant.security import embed_origins, frame_policy
from assistant.settings import from_environment

SITE = "https://www.qingpu.gov.cn"
TEST_SITE = "http://127.0.0.1:8123"


def ancestors(response) -> str:
    """The value of the frame-ancestors directive."""
    directives = dict(
        d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";") if d.strip()
    )
    return directives["frame-ancestors"]


@pytest.fixture
def embedding_app(db_path, knowledge_dir):
    return create_app(
        {
            "TESTING": True,
            "DB": str(db_path),
            "KNOWLEDGE": str(knowledge_dir),
            "SECRET_KEY": "test",
            "DEMO_DATA": False,
            "EMBED_ORIGINS": f"{SITE} {TEST_SITE}",
        }
    )


# ---- the setting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, origins",
    [
        ("", ()),
        (None, ()),
        ("   ", ()),
        (SITE, (SITE,)),
        (f"{SITE}  {TEST_SITE}", (SITE, TEST_SITE)),
        (
            f"HTTPS://WWW.Qingpu.gov.cn/ {SITE}",
            (SITE,),
        ),  # case and a trailing slash forgiven, duplicates dropped
        ([SITE, TEST_SITE], (SITE, TEST_SITE)),
        ("http://localhost:8000", ("http://localhost:8000",)),
    ],
)
def test_the_setting_is_a_space_separated_list_of_origins(value, origins):
    assert embed_origins(value) == origins


@pytest.mark.parametrize(
    "value",
    [
        "www.qingpu.gov.cn",  # no scheme
        "https://www.qingpu.gov.cn/rfb/index.html",  # a page, not an origin
        "*",
        "https:",
        "'self'",
        "'none'",
        "ftp://www.qingpu.gov.cn",
        "javascript:alert(1)",
        "https://www.qingpu.gov.cn;script-src",  # would smuggle a directive into the policy
        f"{SITE},{TEST_SITE}",  # commas: the setting is space-separated
    ],
)
def test_anything_but_an_origin_is_refused_with_a_message_naming_it(value):
    with pytest.raises(ValueError, match="EMBED_ORIGINS") as raised:
        embed_origins(value)
    assert value.split()[0] in str(raised.value)


def test_a_malformed_setting_stops_the_start(db_path, knowledge_dir):
    with pytest.raises(ValueError, match="不是网站来源"):
        create_app({"DB": str(db_path), "KNOWLEDGE": str(knowledge_dir), "EMBED_ORIGINS": "*"})


def test_the_environment_variable_sets_it_and_it_is_empty_by_default():
    assert from_environment({})["EMBED_ORIGINS"] == ""
    assert (
        from_environment({"ASSISTANT_EMBED_ORIGINS": f"{SITE} {TEST_SITE}"})["EMBED_ORIGINS"]
        == f"{SITE} {TEST_SITE}"
    )


def test_the_policy_keeps_every_other_directive():
    policy = frame_policy((SITE,))
    assert f"frame-ancestors {SITE};" in policy
    for directive in ("script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'"):
        assert directive in policy
    assert "frame-ancestors 'none'" in frame_policy(())


# ---- the headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/privacy", "/staff/login", "/healthz"])
def test_by_default_no_page_may_be_framed(client, path):
    response = client.get(path)
    assert ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/", "/privacy"])
def test_the_chat_and_privacy_pages_may_be_framed_by_the_listed_sites_only(embedding_app, path):
    response = embedding_app.test_client().get(path)
    assert response.status_code == 200
    assert ancestors(response) == f"{SITE} {TEST_SITE}"
    # X-Frame-Options: DENY would override frame-ancestors and refuse the listed sites too.
    assert "X-Frame-Options" not in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/staff/login",
        "/staff",
        "/staff/callbacks",
        "/admin",
        "/healthz",
        "/api/openapi.json",
        "/no-such-page",
    ],
)
def test_staff_admin_and_every_other_page_stay_unframeable_whatever_the_setting(embedding_app, path):
    response = embedding_app.test_client().get(path)
    assert ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_answers_themselves_stay_unframeable(embedding_app):
    response = embedding_app.test_client().post("/api/chat", json={"message": "结建审批要多久"})
    assert ancestors(response) == "'none'" and response.headers["X-Frame-Options"] == "DENY"


def test_the_widget_script_is_served_as_javascript(embedding_app):
    with embedding_app.test_client().get("/static/widget.js") as response:
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
        assert "在线咨询" in response.get_data(as_text=True)
