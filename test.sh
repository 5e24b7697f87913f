#!/usr/bin/env bash
# Runs Ocular's whole test suite (installs the Debian packages it needs first). dataset-fashion-mnist is
# installed because the data-set tests read Debian's package itself, as `--data fashion-mnist` does.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh dataset-fashion-mnist
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test Ocular.slnx -c Release --nologo "$@"
