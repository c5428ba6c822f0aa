#!/usr/bin/env bash
# Debian packages the Rust-to-wasm32 build (`minimal` template), the optional Binaryen pass (wasm-opt) and
# the browser e2e tests need.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  rustc libstd-rust-dev-wasm32 lld-16 chromium libkrb5-dev ripgrep binaryen >/dev/null
