"""gunicorn settings, picked up from the repository root by `gunicorn wsgi:app`."""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 2
timeout = 30
accesslog = "-"
# Query strings never carry personal data here, but keep the log line short and free of bodies.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
