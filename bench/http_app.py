"""The app as gunicorn serves it, plus two reference endpoints for bench/bench_http.py only.

`/bench/constant` returns a constant JSON body (what Flask and gunicorn cost by themselves) and
`/bench/match` runs the matcher on the posted question and nothing else (no database, no reply).
Never deployed: the production entry point is `wsgi:app`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import jsonify, request  # noqa: E402

from assistant import create_app, knowledge_service  # noqa: E402
from assistant.matcher import match  # noqa: E402

app = create_app({"DB": os.environ.get("ASSISTANT_DB", "instance/bench.db")})


@app.get("/bench/constant")
def constant():
    return jsonify({"status": "ok"})


@app.post("/bench/match")
def match_only():
    decision = match(knowledge_service.current(), (request.get_json(silent=True) or {}).get("message", ""))
    return jsonify({"kind": decision.kind, "item_id": decision.item_id})
