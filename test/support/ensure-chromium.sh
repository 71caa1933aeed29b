#!/usr/bin/env bash
# Runs before `npm test`: the GraphiQL browser test needs Debian's chromium.
# As root on Debian/Ubuntu it is installed when missing; otherwise the test
# itself says how to install it.
set -euo pipefail
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium_path" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "pretest: installing chromium (for the GraphiQL browser test)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
