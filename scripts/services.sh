#!/usr/bin/env bash
# Make sure the services the integration tests use are up on loopback: Redis, PostgreSQL and
# RabbitMQ (the broker test).
set -euo pipefail

if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "starting redis-server"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  echo "starting postgresql"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  echo "starting rabbitmq-server"
  service rabbitmq-server start || rabbitmq-server -detached
fi
for _ in $(seq 1 120); do
  if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null \
    && (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
    exit 0
  fi
  sleep 0.5
done
echo "redis, postgresql or rabbitmq did not come up" >&2
exit 1
