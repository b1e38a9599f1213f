#!/usr/bin/env bash
# Everything before relml can run: Debian packages, build, install into PostgreSQL 15, and the private
# cluster started. Idempotent. Run as root (or with sudo).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
if [ "$(id -u)" -ne 0 ]; then
  echo "relml: scripts/setup.sh installs packages and a PostgreSQL cluster: run it as root or with sudo" >&2
  exit 1
fi
bash scripts/install-deps.sh
echo "relml: building"
make -s PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config >/dev/null
make -s PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config install >/dev/null
bash scripts/cluster.sh start
