# The wfq image: every process of docker-compose.yml (API, worker, beat, migrate, Flower).
ARG BASE=python:3.11-slim
FROM ${BASE}
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PATH=/opt/wfq/bin:$PATH
WORKDIR /src
COPY . /src
# A virtualenv (works on python:*-slim and on a Debian image whose Python refuses system-wide
# pip installs); the production API server (granian) and Flower come with it.
RUN python3 -m venv /opt/wfq \
 && /opt/wfq/bin/pip install --quiet '.[server,flower]' \
 && useradd --uid 10001 --home-dir /var/lib/wfq --create-home --shell /usr/sbin/nologin wfq
# Not root: the processes can write only their home (the SQLite file of a bare `wfq server`).
USER wfq
WORKDIR /var/lib/wfq
EXPOSE 8989
CMD ["wfq", "server", "--host", "0.0.0.0"]
