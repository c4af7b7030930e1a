"""Packaging of wfq: `pip install -e .` (add `[test]` for the test suite)."""

from setuptools import find_packages, setup

setup(
    name="wfq",
    version="0.1.0",
    description="A Mistral-compatible workflow service on Celery",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["wfq", "wfq.*", "workers", "workers.*", "beat", "beat.*"]),
    package_data={"wfq.persistence": ["migrations/*.py", "migrations/versions/*.py", "alembic.ini"]},
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
        "requests>=2.31",
        "croniter>=2.0",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-timeout>=2.3",
            "ruff>=0.5",
            "import-linter>=2.0",
        ],
    },
    entry_points={"console_scripts": ["wfq = wfq.cli.main:main"]},
)
