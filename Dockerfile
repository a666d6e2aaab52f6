# syntax=docker/dockerfile:1
# Production image of Switchboard: the web UI, the REST API and the apply pipeline.
# Asterisk and MariaDB are not in this image; see docs/operations/install.md.
#
#   docker build -t switchboard .
#   docker run -d --name switchboard -p 3000:3000 \
#     -e DATABASE_URL=mysql://switchboard:...@db-host:3306/switchboard \
#     -e ARI_URL=http://asterisk-host:8088 -e ARI_PASSWORD=... \
#     -e AMI_URL=tls://asterisk-host:5039 -e AMI_SECRET=... -e AMI_TLS_CA=/run/ami/manager.crt \
#     -v /srv/switchboard/manager.crt:/run/ami/manager.crt:ro \
#     -v /srv/asterisk-switchboard:/etc/asterisk/switchboard \
#     -v /usr/share/asterisk/sounds:/usr/share/asterisk/sounds \
#     switchboard
# (the sounds mount is where greetings are written; share it with the Asterisk host.)
# The image has no Asterisk CLI: queue agents, the wallboard's queues, trunk registration status
# and the astdb mirror go through the AMI (AMI_*; docs/operations/install.md).

# ---- build: all dependencies, TypeScript → dist/ (dist/src and dist/migrations)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm install honours package-lock.json; this npm's `ci` refuses lock files that leave out
# optional platform binaries the registry does not serve (biome, swc).
RUN npm install --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npx tsc -p tsconfig.build.json

# ---- runtime: production dependencies only, non-root
FROM node:20-bookworm-slim AS runtime

# The uid/gid that writes ASTERISK_CONFIG_DIR: give the mounted directory to this uid, or build
# with the gid of a group Asterisk reads through (--build-arg APP_GID=...).
ARG APP_UID=10001
ARG APP_GID=10001
# Greetings are converted with sox (mp3 through libsox-fmt-mp3) and spoken by espeak-ng.
RUN apt-get update \
  && apt-get install -y --no-install-recommends sox libsox-fmt-mp3 espeak-ng \
  && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid "${APP_GID}" switchboard \
  && useradd --system --uid "${APP_UID}" --gid switchboard --home-dir /app --no-create-home \
     --shell /usr/sbin/nologin switchboard \
  && mkdir -p /etc/asterisk/switchboard /var/lib/switchboard \
  && chown switchboard:switchboard /etc/asterisk/switchboard /var/lib/switchboard \
  && chmod 700 /var/lib/switchboard
# secrets.key (made on first start) seals the stored SIP secrets and passwords: keep it on a
# volume, backed up apart from the database dump.
VOLUME /var/lib/switchboard

WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# argon2 ships prebuilt binaries for linux x64/arm64, so no compiler is needed here.
RUN npm install --omit=dev --no-audit --no-fund --loglevel=error && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY templates ./templates
COPY asterisk-config ./asterisk-config

# HOST defaults to 127.0.0.1 (src/config.ts), which is unreachable from outside a container.
ENV HOST=0.0.0.0 \
    PORT=3000 \
    ASTERISK_CONFIG_DIR=/etc/asterisk/switchboard

USER switchboard
EXPOSE 3000

# /healthz: process alive (unauthenticated, no secrets). The slim image has no curl: use node.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Migrations run on start (forward-only). SIGTERM drains the running apply before exiting.
CMD ["node", "dist/src/main.js"]
