# One image for every cdn-lab role: cdn-origin, cdn-replica, cdn-balancer, cdn-client (and cdn-lab).
# The base is a build argument: an official Node image by default; where no image registry is
# reachable, scripts/build-base-image makes a local one (see docs/docker.md).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: install every dependency, compile TypeScript, then keep production dependencies only
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/report/package.json packages/report/
COPY packages/common/package.json packages/common/
COPY packages/origin/package.json packages/origin/
COPY packages/origin/bin packages/origin/bin
COPY packages/replica/package.json packages/replica/
COPY packages/replica/bin packages/replica/bin
COPY packages/balancer/package.json packages/balancer/
COPY packages/balancer/bin packages/balancer/bin
COPY packages/client/package.json packages/client/
COPY packages/client/bin packages/client/bin
COPY packages/lab/package.json packages/lab/
COPY packages/lab/bin packages/lab/bin
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY packages packages
RUN npx tsc -b packages/lab \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && rm -rf packages/*/src packages/*/test packages/*/dist/test packages/*/tsconfig*.json \
           packages/*/dist/*.tsbuildinfo packages/*/tsconfig.tsbuildinfo

# ---- runtime: node, the compiled workspace and its production dependencies
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    PATH=/app/node_modules/.bin:$PATH
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/packages packages
COPY docker/cdn-healthcheck docker/cdn-load docker/cdn-region-client /usr/local/bin/
# The worlds of regions (cdn-lab's default topology is found at /app/topologies/three-regions.yml).
COPY topologies topologies
# The regions lab's clients add an address with `ip` (busybox has it; Debian's slim images not).
RUN command -v ip >/dev/null || { apt-get update -q \
      && apt-get install -y -q --no-install-recommends iproute2 && rm -rf /var/lib/apt/lists/*; }
# The demo site and the JSON-lines logs live in volumes the non-root user can write.
RUN mkdir -p /site /var/log/cdn-lab \
 && chown node:node /site /var/log/cdn-lab \
 && chmod 0755 /usr/local/bin/cdn-healthcheck /usr/local/bin/cdn-load /usr/local/bin/cdn-region-client
USER node
# The role answers for itself: `cdn-<role> --healthcheck` with the running role's own arguments.
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 CMD ["cdn-healthcheck"]
CMD ["cdn-client", "--help"]
