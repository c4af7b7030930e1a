"""wfq: a Mistral-compatible workflow service on Celery."""

__version__ = "0.1.0"
