#!/usr/bin/env bash
# Runs Ocular's demo end to end on the embedded default data (installs what it needs first).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh dataset-fashion-mnist
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Ocular.Cli -c Release --nologo -v quiet
dotnet src/Ocular.Cli/bin/Release/net10.0/ocular.dll demo "$@"
