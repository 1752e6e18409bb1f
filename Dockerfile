# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript in a builder, run the compiled server as a non-root user.
# Node 24 (LTS): omni360 runs on 20, 22 and 24, and 20 is past its end of life (README, Supported Node versions).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci: exactly the lockfile's versions, or fail.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=4000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The data directory (bootstrap key, embedded PostgreSQL when DATABASE_URL is unset) must be writable by
# the non-root user.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz').then(r => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))"
# V8 flags on the command line (not set at run time): SERVER_NODE_FLAGS in bench/bench-config.ts says why.
CMD ["node", "--no-allocation-site-pretenuring", "--max-semi-space-size=32", "dist/src/main.js"]
