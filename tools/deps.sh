#!/usr/bin/env bash
# Installs the Debian 12 packages csp's tiers need (or those named), when they are missing.
# As root it runs apt-get; as anyone else it prints the exact command and fails.
set -euo pipefail

packages=(
  cmake make g++ clang               # build; clang 14 proves the API compiles there too
  googletest libgtest-dev            # unit / conformance / stress
  librapidcheck-dev                  # properties
  relacy-dev                         # models and mutants
  libbenchmark-dev                   # bench/
  clang-format                       # make format
)
# Arguments name other packages to check instead (tools/bench_peers.sh: Go and crossbeam).
if [ $# -gt 0 ]; then packages=("$@"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} Debian packages present"
  exit 0
fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing Debian packages: ${missing[*]}" >&2
  echo "deps: run as root:  $cmd" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
