"""The Celery worker process of wfq: `celery -A workers.app worker` (or `wfq worker`)."""
