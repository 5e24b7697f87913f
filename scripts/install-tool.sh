#!/usr/bin/env bash
# Installs the `ocular` command as a .NET global tool from this checkout: packs Ocular into artifacts/packages (the four
# libraries and the tool, at the version of Directory.Build.props), then runs
#   dotnet tool install --global ocular
# with that folder as the only package source (scripts/local-feed.nuget.config), replacing an `ocular` installed
# before. demo.sh runs it at its end; run it alone after `bash test.sh`. When the tools folder (~/.dotnet/tools) is not
# on the PATH, it prints the line that puts it there. The Debian packages Ocular links come from scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet pack Ocular.Packages.slnf -c Release --nologo -v quiet
version=$(dotnet msbuild src/Ocular.Cli/Ocular.Cli.csproj -getProperty:PackageVersion)
# An earlier build of the same version would stay installed (a tool is not reinstalled at its installed version).
dotnet tool uninstall --global ocular >/dev/null 2>&1 || true
dotnet tool install --global ocular --version "$version" --configfile scripts/local-feed.nuget.config

tools="${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools"
case ":$PATH:" in
  *":$tools:"*) ;;
  *) echo "ocular: $tools is not on your PATH; to run the README's commands, put it there (and in ~/.profile for later shells):"
     echo "  export PATH=\"\$PATH:$tools\"" ;;
esac
