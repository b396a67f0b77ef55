#!/usr/bin/env bash
# Installs the test data if missing, builds, and runs every test project one after the other: two torch
# workloads at once on 2 cores slow each other down badly (torchsharp-tips.md, section 2). The end-to-end
# project runs its tests in two lanes of one thread each (tests/DnaNas.Tests/Lanes.cs).
set -euo pipefail
cd "$(dirname "$0")"
scripts/ensure-data.sh --with-digits
# Real colour icons for the small folder test (300 PNGs from Debian's oxygen-icon-theme, downloaded once).
scripts/make-icon-folder.sh --small
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
dotnet build DnaNas.slnx -c Release -v q -nologo
for project in tests/*/; do
  # One line per test with its time, so a suite that nears its 20 minutes shows where they go.
  dotnet test "$project" -c Release --no-build -v q -nologo --logger "console;verbosity=normal"
done
