#!/usr/bin/env bash
# Installs the Debian 12 packages relml builds, tests and runs with. Idempotent; needs root.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl postgresql-15-cron
  libtorch-dev libgloo-dev libopenblas0-pthread libxgboost-dev nlohmann-json3-dev libgtest-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "relml: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian starts a default cluster on installation; relml uses its own private one.
