# syntax=docker/dockerfile:1
# One image for every process role: `release` (migrations), `web`, `worker` and
# `scheduler` differ only by their command (see compose.yaml and docs/production.md).

ARG NODE_IMAGE=node:20-bookworm-slim

# Compiles the TypeScript with every dependency, dev ones included.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would compile before the sources are copied in.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json knexfile.ts ./
COPY src src
COPY workers workers
COPY migrations migrations
RUN npm run build

# Runs the compiled code with production dependencies only, as a non-root user.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs an install script (native add-ons are optional), and `prepare` needs TypeScript.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
# The error reference the server serves at /docs/errors.md (every Roster-only error_url links there).
COPY docs/errors.md docs/errors.md
USER node
EXPOSE 3000
# What Roster's graceful shutdown listens for; give it SHUTDOWN_GRACE_MS (25 s) plus a
# margin before the kill: `docker stop -t 30`, compose `stop_grace_period: 30s`.
STOPSIGNAL SIGTERM
# The slim image has no curl: the check is a small Node script. For `worker` and
# `scheduler`, which serve no HTTP, override it with `node dist/src/healthcheck.js backends`.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/src/healthcheck.js"]
# The role's command runs node itself, which gets the stop signal: never `npm start` here (it
# compiles at every start). Run with `--init` (compose: `init: true`) so that node is not PID 1.
CMD ["node", "dist/src/main.js", "web"]
