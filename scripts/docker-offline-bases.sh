#!/usr/bin/env bash
# Build stand-ins for the three Docker Hub images docker-compose.yml and Dockerfile use
# (python:3.11-slim, redis:7, postgres:15) from Debian packages, for a machine that reaches a
# Debian mirror and PyPI but not Docker Hub. See docs/operations.md, "Without Docker Hub".
#
#   sudo scripts/docker-offline-bases.sh                # mirror taken from /etc/apt/sources.list*
#   sudo MIRROR=http://deb.example.org/debian scripts/docker-offline-bases.sh
#
# Steps: debootstrap a minimal Debian into $ROOTFS, import it as $BASE_TAG, then build each
# stand-in on it with `docker build --network host` (apt must reach the mirror; a daemon started
# with --bridge=none has no network for builds otherwise). Each stand-in carries the label
# org.wfq.offline-base; an image of the same tag without that label (a real one) is left alone
# unless FORCE=1.
#
# Settings (environment): SUITE (bookworm), MIRROR, ROOTFS (/tmp/rootfs), BASE_TAG
# (wfq-offline/debian:<suite>), EXTRA_CA_DIR (/usr/local/share/ca-certificates: certificates of
# this machine's TLS proxy, if any, so pip in the image trusts what pip on the host trusts),
# KEEP_ROOTFS=1 keeps the unpacked tree.
set -euo pipefail

SUITE=${SUITE:-bookworm}
ROOTFS=${ROOTFS:-/tmp/rootfs}
BASE_TAG=${BASE_TAG:-wfq-offline/debian:$SUITE}
EXTRA_CA_DIR=${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}
LABEL=org.wfq.offline-base
# The classic builder: it honours --network host, and Compose v1 builds with it too.
export DOCKER_BUILDKIT=0

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'docker-offline-bases: %s\n' "$*" >&2; exit 1; }

apt_mirror() {
  # The first Debian archive URI this machine's apt uses (one-line or deb822 sources).
  local uri
  uri=$(grep -hoE '(https?://[^ ]*/debian)/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* \
    2>/dev/null | grep -v -- '-security' | head -n1 | tr -d ' ') || true
  echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR=${MIRROR:-$(apt_mirror)}

check_tools() {
  [ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"
  command -v debootstrap >/dev/null || die "debootstrap missing: apt-get install debootstrap"
  docker info >/dev/null 2>&1 || die "no Docker daemon answers (start dockerd first)"
}

# --- the Debian base --------------------------------------------------------------------

make_rootfs() {
  say "debootstrap --variant=minbase $SUITE $ROOTFS $MIRROR"
  rm -rf "$ROOTFS"
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$ROOTFS" "$MIRROR" >&2
  # Services installed by apt must not try to start inside a build.
  printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
  chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
  # Keep images small, as Docker's Debian images do.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$ROOTFS/etc/apt/apt.conf.d/90wfq-no-recommends"
  add_extra_cas
  chroot "$ROOTFS" apt-get clean
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin
}

add_extra_cas() {
  local found=0 crt
  for crt in "$EXTRA_CA_DIR"/*.crt; do
    [ -f "$crt" ] || continue
    cp "$crt" "$ROOTFS/usr/local/share/ca-certificates/"
    found=1
  done
  if [ "$found" = 1 ]; then
    say "adding this machine's extra CA certificates from $EXTRA_CA_DIR"
    chroot "$ROOTFS" update-ca-certificates >&2
  fi
}

import_rootfs() {
  say "importing $ROOTFS as $BASE_TAG"
  tar --numeric-owner -C "$ROOTFS" -c . | docker import \
    --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' --change "LABEL $LABEL=debian" \
    - "$BASE_TAG" >/dev/null
}

# --- the stand-ins ----------------------------------------------------------------------

ours_or_absent() {
  # True when the tag is free or holds one of our stand-ins.
  local tag=$1 label
  docker image inspect "$tag" >/dev/null 2>&1 || return 0
  label=$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$tag" 2>/dev/null)
  [ -n "$label" ] || [ "${FORCE:-0}" = 1 ]
}

build_image() {
  # build_image TAG DIR: DIR holds the Dockerfile and the files it copies.
  local tag=$1 dir=$2
  if ! ours_or_absent "$tag"; then
    say "$tag exists and is not a stand-in: left alone (FORCE=1 replaces it)"
    return 0
  fi
  say "building $tag"
  docker build --network host --label "$LABEL=$tag" -t "$tag" "$dir" >&2
}

write_python() {
  local dir=$1
  cat >"$dir/Dockerfile" <<EOF
FROM $BASE_TAG
# Debian's Python 3.11 where python:3.11-slim has its own build: python, python3, python3.11
# and pip on /usr/local/bin, venv and ensurepip available.
RUN apt-get update \\
 && apt-get install -y python3 python3-venv python3-pip \\
 && rm -rf /var/lib/apt/lists/* \\
 && ln -s /usr/bin/python3 /usr/local/bin/python \\
 && ln -s /usr/bin/python3 /usr/local/bin/python3 \\
 && ln -s /usr/bin/python3.11 /usr/local/bin/python3.11 \\
 && ln -s /usr/bin/pip3 /usr/local/bin/pip
# pip's own certificate list lacks any CA added to the system store above.
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
EOF
}

write_redis() {
  local dir=$1
  cat >"$dir/Dockerfile" <<EOF
FROM $BASE_TAG
RUN apt-get update && apt-get install -y redis-server && rm -rf /var/lib/apt/lists/* \\
 && mkdir -p /data && chown redis:redis /data
COPY docker-entrypoint.sh /usr/local/bin/
VOLUME /data
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
EOF
  # As the official image: options alone mean redis-server; it runs as user redis in /data and
  # accepts connections from other containers (the official build turns protected mode off).
  cat >"$dir/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server "$@" --protected-mode no
  if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
EOF
  chmod 755 "$dir/docker-entrypoint.sh"
}

write_postgres() {
  local dir=$1
  cat >"$dir/Dockerfile" <<EOF
FROM $BASE_TAG
# Debian's PostgreSQL 15 without the packaged "main" cluster: the entrypoint makes one in
# \$PGDATA on the first start, as the official image does.
RUN mkdir -p /etc/postgresql-common/createcluster.d \\
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/wfq.conf \\
 && apt-get update && apt-get install -y postgresql-15 && rm -rf /var/lib/apt/lists/* \\
 && mkdir -p /var/run/postgresql /var/lib/postgresql/data \\
 && chown -R postgres:postgres /var/run/postgresql /var/lib/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:\$PATH PGDATA=/var/lib/postgresql/data
COPY docker-entrypoint.sh /usr/local/bin/
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
EOF
  cat >"$dir/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# The parts of the official postgres entrypoint docker-compose.yml relies on: POSTGRES_USER
# (default postgres), POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
# POSTGRES_DB (default: the user's name), *.sql and *.sh in /docker-entrypoint-initdb.d.
set -e
if [ "${1#-}" != "$1" ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    echo "postgres: set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  # shellcheck disable=SC2086
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host="$auth" \
    -D "$PGDATA" ${POSTGRES_INITDB_ARGS:-} >/dev/null
  rm -f "$pwfile"
  echo "host all all all $auth" >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$db" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) psql -v ON_ERROR_STOP=1 -U "$user" -d "$db" -f "$f" ;;
      *.sh) . "$f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres: initialised $PGDATA (user $user, database $db)"
fi
exec "$@"
EOF
  chmod 755 "$dir/docker-entrypoint.sh"
}

build_standins() {
  local work=$1
  mkdir "$work/python" "$work/redis" "$work/postgres"
  write_python "$work/python"
  write_redis "$work/redis"
  write_postgres "$work/postgres"
  build_image python:3.11-slim "$work/python"
  build_image redis:7 "$work/redis"
  build_image postgres:15 "$work/postgres"
}

main() {
  check_tools
  make_rootfs
  import_rootfs
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  build_standins "$WORK"
  if [ "${KEEP_ROOTFS:-0}" != 1 ]; then
    rm -rf "$ROOTFS"
  fi
  local tag
  for tag in "$BASE_TAG" python:3.11-slim redis:7 postgres:15; do
    docker image inspect -f "$tag {{ .Id }} {{ index .Config.Labels \"$LABEL\" }}" "$tag"
  done
}

main "$@"
