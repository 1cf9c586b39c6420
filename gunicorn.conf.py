"""gunicorn settings, picked up from the repository root by `gunicorn wsgi:app`."""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 2
timeout = 30
accesslog = "-"
# The path without its query string (%(U)s, not the request line %(r)s): the staff desk searches by
# GET ?q=, which may hold an applicant's name or phone. Short lines, no bodies.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
