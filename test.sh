#!/usr/bin/env bash
# Runs Ocular's whole test suite (installs the Debian packages it needs first).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test Ocular.slnx -c Release --nologo "$@"
