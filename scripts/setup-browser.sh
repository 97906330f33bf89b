#!/usr/bin/env bash
# Headless Chromium for the operator-view browser test (driven by playwright-core). Playwright's own browser
# download is not used: Debian's chromium package works where only package registries are reachable.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then
  echo "[setup-browser] using CHROMIUM_PATH=$CHROMIUM_PATH"
  exit 0
fi
if command -v chromium >/dev/null 2>&1; then
  echo "[setup-browser] $(chromium --version 2>/dev/null || echo chromium) at $(command -v chromium)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "[setup-browser] no chromium found and no apt-get: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "[setup-browser] installing Debian's chromium…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
echo "[setup-browser] $(chromium --version)"
