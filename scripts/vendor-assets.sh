#!/usr/bin/env bash
# Builds the council stylesheet and copies pinned front-end packages from the npm registry
# (versions in frontend/package.json and its lock) into engage/static/vendor/.
# The app never loads anything from a CDN and needs no Node at run time: run this only
# to upgrade or re-brand, then commit the result.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here/frontend"
npm ci --no-audit --no-fund --ignore-scripts
dest="$here/engage/static/vendor"
rm -rf "$dest"
mkdir -p "$dest/govuk-frontend/assets" "$dest/htmx"
g=node_modules/govuk-frontend
npx --no-install sass --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
  --load-path=node_modules scss/council.scss "$dest/govuk-frontend/council.min.css"
cp "$g/dist/govuk/govuk-frontend.min.js" "$dest/govuk-frontend/"
cp -r "$g/dist/govuk/assets/images" "$dest/govuk-frontend/assets/"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/htmx.org/LICENSE "$dest/htmx/LICENSE"
# axe-core runs only in the browser tests, so it lives beside them, not in the app.
mkdir -p "$here/tests/browser/vendor"
cp node_modules/axe-core/axe.min.js "$here/tests/browser/vendor/"
cp node_modules/axe-core/LICENSE "$here/tests/browser/vendor/axe-core.LICENSE"
node -e 'for (const p of ["govuk-frontend","htmx.org","sass","axe-core"]) { const j=require("./node_modules/"+p+"/package.json"); console.log(j.name, j.version, j.license); }' > "$dest/VERSIONS"
cat "$dest/VERSIONS"
