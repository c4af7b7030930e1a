"""Sending work to workers without importing workers/."""
