# One image for both processes: `node dist/src/worker.js` (the billing worker) and `node dist/src/server/main.js`
# (webhook receiver + subscription API). TypeScript is compiled once, in the build stage. Only production code is copied
# and compiled: the iamport sandbox (packages/iamport-sandbox, a dev-only workspace) and the local stack (tools/) stay
# out. `npm ci` still links the (absent) workspace and installs its dependencies; `npm prune --omit=dev` drops them,
# and the rm makes sure no link to it survives (test/production-image.test.ts).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
RUN npm run build && npm prune --omit=dev && rm -f node_modules/iamport-sandbox

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/src/worker.js"]
