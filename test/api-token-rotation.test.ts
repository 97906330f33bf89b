import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import { requireBearerToken } from '../src/server/auth';
import { HttpError } from '../src/server/errors';
import { loadConfig } from '../src/config';

/** A minimal app behind the real auth middleware: 200 when the token is accepted, the error status otherwise. */
async function serve(...tokens: (string | undefined)[]): Promise<{ url: string; server: Server }> {
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      ctx.status = error instanceof HttpError ? error.status : 500;
    }
  });
  app.use(requireBearerToken(...tokens) as Koa.Middleware);
  app.use((ctx) => {
    ctx.body = 'ok';
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const statusWith = async (url: string, token: string) =>
  (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status;

it('accepts API_TOKEN and, during a rotation, API_TOKEN_PREVIOUS; nothing else', async () => {
  const config = loadConfig({ API_TOKEN: 'new-token', API_TOKEN_PREVIOUS: 'old-token' });
  expect(config.http).toMatchObject({ apiToken: 'new-token', previousApiToken: 'old-token' });

  const rotating = await serve(config.http.apiToken, config.http.previousApiToken);
  const rotated = await serve('new-token', undefined);
  try {
    expect(await statusWith(rotating.url, 'new-token')).toBe(200);
    expect(await statusWith(rotating.url, 'old-token')).toBe(200);
    expect(await statusWith(rotating.url, 'other-token')).toBe(401);
    expect(await statusWith(rotated.url, 'new-token')).toBe(200);
    expect(await statusWith(rotated.url, 'old-token')).toBe(401);
  } finally {
    rotating.server.close();
    rotated.server.close();
  }
});

it('refuses to run with no token at all', () => {
  expect(() => requireBearerToken(undefined, '')).toThrow('must not be empty');
});
