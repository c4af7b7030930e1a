"""The Celery beat process of wfq (`wfq beat`): periodic engine work."""
