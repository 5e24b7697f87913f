#!/usr/bin/env bash
# Runs Ocular's whole test suite (installs the Debian packages it needs first). dataset-fashion-mnist is
# installed because the data-set tests read Debian's package itself, as `--data fashion-mnist` does; fasttext and
# wordnet-base because the default word vectors' test trains them (docs/embeddings.md).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh dataset-fashion-mnist fasttext wordnet-base
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test Ocular.slnx -c Release --nologo "$@"
