#!/usr/bin/env bash
# Filling 1 GiB of fresh memory on 4 kB pages against transparent huge pages (bench/huge_pages.cpp), and the
# kernel's settings that decide whether relml's advice is taken.
#   bench/huge_pages.sh
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BINARY=$(mktemp -d)/huge_pages
trap 'rm -rf "$(dirname "$BINARY")"' EXIT
g++ -O2 -std=c++17 "$HERE/huge_pages.cpp" -o "$BINARY"
echo "transparent_hugepage/enabled: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"
echo "transparent_hugepage/defrag:  $(cat /sys/kernel/mm/transparent_hugepage/defrag 2>/dev/null || echo unknown)"
"$BINARY"
