#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the web page tests (tests/integration/test_web_ui.py).
# Playwright drives this browser; it never downloads one of its own (`playwright install` is not
# used). Does nothing when /usr/bin/chromium is already there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-browser: /usr/bin/chromium is missing and this user cannot install it" >&2
    echo "install-browser: run as root: apt-get update && apt-get install -y chromium" >&2
    exit 1
  fi
fi
echo "installing chromium (Debian package)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
/usr/bin/chromium --version
