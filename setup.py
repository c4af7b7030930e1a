"""Packaging of wfq: `pip install -e .` runs wfq (what `make example` installs); add `[test]`
for the test suite (`make test`). The build backend is named in pyproject.toml."""

from setuptools import find_namespace_packages, setup

setup(
    name="wfq",
    version="0.1.0",
    description="A Mistral-compatible workflow service on Celery",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    # The packages live at the top of the repository: `pip install -e .` then adds it to sys.path
    # with a plain .pth file (setuptools prints no warning about that layout).
    package_dir={"": "."},
    # Namespace packages too: the migrations and the web page's static files are folders
    # without __init__.py that must ship (as data) with the code.
    packages=find_namespace_packages(
        include=["wfq", "wfq.*", "workers", "workers.*", "beat", "beat.*", "listener", "listener.*"],
        exclude=["*.__pycache__"],
    ),
    package_data={
        "wfq.persistence.migrations": ["*.py", "script.py.mako"],
        "wfq.persistence.migrations.versions": ["*.py"],
        "wfq.web.static": ["**/*"],
        "": ["README.md"],
    },
    include_package_data=True,
    install_requires=[
        "celery[redis]>=5.4,<6",
        "SQLAlchemy>=2.0,<3",
        "alembic>=1.13",
        "psycopg[binary]>=3.1",
        "Flask>=3.0",
        "flask-restx>=1.3",
        "yaql>=3.0",
        "Jinja2>=3.1",
        "jsonschema>=4.0",
        "PyYAML>=6.0",
        "click>=8.1",
        "requests>=2.32.3",  # std.http pins connections via HTTPAdapter hooks of 2.32.3
        "paramiko>=3.4",  # std.ssh, std.ssh_proxied, std.wait_ssh
        "croniter>=2.0",
        "prometheus_client>=0.20",  # /metrics
        "regex>=2022.1",  # regular expressions in YAQL with a timeout, releasing the GIL
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-timeout>=2.3",
            "ruff>=0.5",
            "import-linter>=2.0",
            "mypy>=1.10",  # `make lint` type-checks the pure core (files and flags: pyproject.toml)
            "types-PyYAML",  # type stubs of yaml, jsonschema and regex, which the pure core imports
            "types-jsonschema",
            "types-regex",
            "types-requests",  # ... and of what the actions and services import, for when mypy covers them
            "types-paramiko",
            "types-croniter",
            "aiosmtpd>=1.4",  # the SMTP server std.email is tested against
            "cryptography>=42",  # throw-away TLS certificates and SSH keys for the action tests
            "mistral-lib>=2.0",  # actions written for Mistral, run unchanged
            "playwright>=1.40",  # drives Debian's chromium in tests/integration/test_web_ui.py
            "flower>=2.0",  # `wfq flower` is tested
            "granian>=2.0",  # the production API server, which the benchmark runs by default
            "gunicorn>=22",  # the other WSGI server the benchmark can run (`--api gunicorn`)
            "hypothesis>=6.100",  # property tests of the DSL parser and expressions
            "schemathesis>=4.0,<5",  # fuzzes the API from its Swagger 2.0 document (4.x API)
        ],
        # The production WSGI server of the API: `granian --interface wsgi wfq.api.wsgi:app`.
        "server": ["granian>=2.0"],
        # Flower, Celery's monitoring web UI: `wfq flower`.
        "flower": ["flower>=2.0"],
        # Custom actions written for OpenStack Mistral (mistral_lib.actions.Action, Result).
        "mistral": ["mistral-lib>=2.0"],
    },
    entry_points={"console_scripts": ["wfq = wfq.cli.main:main"]},
)
