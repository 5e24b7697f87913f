#!/usr/bin/env bash
# Installs the Debian packages Ocular needs (idempotent; silent when everything is present).
# Extra package names given as arguments are installed too (e.g. dataset-fashion-mnist). make is named because
# cmake only recommends it, and a bare Debian 12 (no recommends) has no build program for the native shim.
set -euo pipefail

packages=(libtorch-dev libgloo-dev libopencv-imgcodecs-dev libopencv-imgproc-dev libopenblas0-pthread cmake make g++ "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "ocular: installing Debian packages: ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "ocular: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# libtorch's linear algebra goes through the system libblas.so.3: make sure it is OpenBLAS.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *) echo "ocular: warning: libblas.so.3 resolves to '${blas:-nothing}', not OpenBLAS; run: update-alternatives --config libblas.so.3-x86_64-linux-gnu" >&2 ;;
esac
