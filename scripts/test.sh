#!/usr/bin/env bash
# The README's test command: restore, build and run every xunit project in the solution.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet test EdgePrune.sln --configuration Release --logger "console;verbosity=minimal"
