"""gunicorn settings for production: `gunicorn pingan.wsgi -c deploy/gunicorn.conf.py`."""

import multiprocessing
import os

bind = os.environ.get("PINGAN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PINGAN_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("PINGAN_WEB_THREADS", "2"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 30
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
forwarded_allow_ips = os.environ.get("PINGAN_FORWARDED_ALLOW_IPS", "127.0.0.1")
