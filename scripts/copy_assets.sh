#!/usr/bin/env bash
# Copy the npm-installed front-end libraries into static/vendor (ignored by git).
# Run by `make setup` after `npm ci`; nothing third-party is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules/@tabler/core ] || [ ! -d node_modules/htmx.org ] || [ ! -d node_modules/echarts ]; then
  echo "copy_assets.sh: node_modules is missing or incomplete; run 'npm ci' (or 'make setup') first" >&2
  exit 1
fi
rm -rf static/vendor
mkdir -p static/vendor/tabler/css static/vendor/tabler/js static/vendor/htmx static/vendor/echarts
cp node_modules/@tabler/core/dist/css/tabler.min.css static/vendor/tabler/css/
cp node_modules/@tabler/core/dist/js/tabler.min.js static/vendor/tabler/js/
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts/
