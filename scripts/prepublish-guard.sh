#!/bin/sh
# prepublishOnly: this package is published only by .github/workflows/publish.yml, which signs it
# with an npm provenance statement (n8n verifies community packages only with one). Like
# `n8n-node prerelease`, refuse any other `npm publish`. The project's .npmrc skips lifecycle
# scripts (ignore-scripts=true), so this runs only where the workflow turns them back on; the guard
# that always holds is package.json "publishConfig": {"provenance": true}: npm then refuses to
# publish from anywhere but a CI with an OIDC identity, before anything is uploaded.
if [ "${GITHUB_ACTIONS:-}" != "true" ] || [ "${RELEASE_MODE:-}" != "true" ]; then
  echo "Refusing to publish: releases go through .github/workflows/publish.yml (push a version tag, see CONTRIBUTING.md)." >&2
  exit 1
fi
