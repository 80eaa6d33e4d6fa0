# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# The explorer is built by the install script (web/build.ts), so its sources come first.
COPY web ./web
# Dev dependencies stay: the Prisma client is generated at install time and tsx runs the sources.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY openapi ./openapi
USER node
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "src/server.ts"]
