# DeskChat node image (docker-compose.yml runs four of them around one Redis).
# Build: docker build -t deskchat .   Run one node: docker run -p 5222:5222 -p 5280:5280 deskchat
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig*.json ./
COPY packages ./packages
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV DESKCHAT_DATA_DIR=/var/lib/deskchat DESKCHAT_C2S_HOST=0.0.0.0 DESKCHAT_HTTP_HOST=0.0.0.0 DESKCHAT_ADMIN_HOST=0.0.0.0
VOLUME /var/lib/deskchat
EXPOSE 5222 5223 5280 5281
USER node
CMD ["node", "packages/server/dist/cli.js", "start"]
