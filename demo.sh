#!/usr/bin/env bash
# Runs Ocular's demo end to end on the embedded default data (installs what it needs first; fasttext and
# wordnet-base make the default word vectors LaViSE explains filters with, docs/embeddings.md), then installs the
# `ocular` command (scripts/install-tool.sh: a .NET global tool) so that the README's commands work as written.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh dataset-fashion-mnist fasttext wordnet-base
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Ocular.Cli -c Release --nologo -v quiet
dotnet src/Ocular.Cli/bin/Release/net10.0/ocular.dll demo "$@"
scripts/install-tool.sh
