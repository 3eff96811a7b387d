#!/usr/bin/env bash
# Rebuild publish/profiles/FOGRA39L-coated.icc from free characterization data (see its README).
# Needs Debian's argyll (colprof) and icc-profiles-free (FOGRA39L.ti3): apt-get install argyll icc-profiles-free
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
cp /usr/share/color/icc/FOGRA39L.ti3 "$work/"
cd "$work"
colprof -v -qm -kr -l330 \
  -D"Coated FOGRA39 (publish), from FOGRA39L characterization data" \
  -C"Characterization data: Fogra, via icc-profiles-free (Zlib licence, Kai-Uwe Behrmann). Profile made with ArgyllCMS colprof." \
  -O FOGRA39L-coated.icc FOGRA39L
cp FOGRA39L-coated.icc "$repo/publish/profiles/FOGRA39L-coated.icc"
echo "wrote publish/profiles/FOGRA39L-coated.icc"
