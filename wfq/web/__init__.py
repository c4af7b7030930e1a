"""The web page's static files (HTML, CSS, vanilla JavaScript; no build step). No Python logic:
`wfq.api.web` serves this folder under `/ui/`."""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Where index.html, app.css and the scripts live."""
