# numaemu daemon image.
#
#   docker build -t numaemu .
#   docker run --rm -p 7070:7070 numaemu
#
# The default arguments bind 0.0.0.0 read-only, because the daemon refuses to listen
# off loopback unless writes are either disabled or guarded by a token. To allow
# writes, replace the default arguments (which drops --read-only) with a token:
#
#   docker run --rm -p 7070:7070 numaemu --host 0.0.0.0 --token "$TOKEN"
#   curl -X PUT -H "Authorization: Bearer $TOKEN" --data 2 http://127.0.0.1:7070/proc/sys/kernel/numa_balancing
#
# The token is then visible in `docker inspect` and `ps`; keep such containers on a
# trusted network. Change the port with -e PORT=..., not --port, so the health check
# follows it.

# ---- build: full dependency tree (TypeScript, type-only packages) to compile dist/
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY routes ./routes
COPY schemas ./schemas
RUN npm run build

# ---- deps: production dependencies only, installed apart so no dev package leaks in
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=7070
WORKDIR /app
# package.json is needed at runtime: its "type": "module" makes dist/*.js ESM.
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The dashboard's page is served from here; scenarios ship for `numaemu run`.
COPY public ./public
COPY scenarios ./scenarios
# Files stay root-owned; the daemon keeps all state in memory and needs no writable path.
USER node
EXPOSE 7070
# The slim image has no curl; Node 20's global fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 7070) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The CLI handles SIGTERM/SIGINT itself, so `docker stop` closes the server cleanly.
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["--host", "0.0.0.0", "--read-only"]
