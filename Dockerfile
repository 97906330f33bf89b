# One image for both processes: `node dist/src/worker.js` (the billing worker) and `node dist/src/server/main.js`
# (webhook receiver + subscription API). TypeScript is compiled once, in the build stage.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
# Only production code in the image: dev dependencies go, and so do the compiled dev tools (the local stack that
# `npm start` runs, and the iamport sandbox), which no production entry point imports.
RUN npm run build && npm prune --omit=dev && rm -rf dist/src/local-stack dist/src/sandbox

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/src/worker.js"]
