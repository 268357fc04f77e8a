#!/usr/bin/env bash
# Runs a command with another Node.js line first on PATH: `tools/node-lts/run-on.sh 24 npm test`.
# Node comes from the npm registry (the node-linux-<arch> package ships bin/node), so this needs nothing but
# npm; it is unpacked once into a cache outside the repository and reused. The pins below are the lines
# `engines` in package.json promises; bump them together with a full run on each.
set -euo pipefail
line="${1:?usage: run-on.sh <20|22|24> <command...>}"
shift
case "$line" in
  22) version=22.23.5 ;;
  24) version=24.22.3 ;;
  20) version=20.20.2 ;;
  *) echo "run-on.sh: no pinned Node $line (have 20, 22, 24)" >&2; exit 2 ;;
esac
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "run-on.sh: no Node package for $(uname -m)" >&2; exit 2 ;;
esac
cache="${CONCLAVE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/conclave-node}"
dir="$cache/$version-linux-$arch"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.unpack.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # npm pack fetches the tarball without running any install script of the package.
  tgz="$(cd "$tmp" && npm pack --silent "node-linux-$arch@$version")"
  tar -xzf "$tmp/$tgz" -C "$tmp"
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
# npm and npx stay the ones installed beside the system node; they run under whichever node is first on PATH.
export PATH="$dir/bin:$PATH"
if [ "$(node --version)" != "v$version" ]; then
  echo "run-on.sh: expected node v$version on PATH, got $(node --version)" >&2
  exit 1
fi
[ $# -eq 0 ] && exec node --version
exec "$@"
