#!/usr/bin/env bash
# Copy the npm-installed front-end libraries into static/vendor (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf static/vendor
mkdir -p static/vendor/tabler/css static/vendor/tabler/js static/vendor/htmx static/vendor/echarts
cp node_modules/@tabler/core/dist/css/tabler.min.css static/vendor/tabler/css/
cp node_modules/@tabler/core/dist/js/tabler.min.js static/vendor/tabler/js/
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts/
