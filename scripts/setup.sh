#!/usr/bin/env bash
# Everything a fresh Debian machine with Node 20 needs: system packages, npm packages, and a check
# that the packages with native parts really work (npm 11 can hold install scripts back).
set -euo pipefail
cd "$(dirname "$0")/.."

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<6)) { console.error("reasonlab needs Node >= 20.6, this is "+process.version); process.exit(1) }'
bash scripts/system-deps.sh
if [ -z "${REASONLAB_SKIP_NPM_CI:-}" ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node scripts/check-install.mjs
