/** The hosted pages' building blocks, without a browser: sealed sessions, limits, card form, signature, templates. */
import { readCardForm } from '../src/pages/card-form';
import { trialConversionConsent } from '../src/pages/checkout-routes';
import { describeIntervalIn, formatWon } from '../src/pages/format';
import { MESSAGES } from '../src/pages/i18n';
import { redactPagePath } from '../src/pages';
import { RateLimiter } from '../src/pages/rate-limit';
import { TokenSealer } from '../src/pages/sealed-token';
import { checkoutSessionRequestSchema, CHECKOUT, PORTAL } from '../src/pages/sessions';
import { pagesSettings, PagesSettingsError } from '../src/pages/settings';
import { successRedirectUrl, verifySuccessRedirect } from '../src/pages/success-signature';
import { renderPage } from '../src/pages/templates';
import { cardFieldViews } from '../src/pages/card-form';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';

describe('sealed session tokens', () => {
  const sealer = new TokenSealer(SECRET);
  const data = { id: 'cs_1', buyer: { email: 'gildong@example.com' } };

  it('open what was sealed until it expires; the buyer’s details are not readable in the token', () => {
    const token = sealer.seal(CHECKOUT, data, 2_000);
    expect(sealer.open(CHECKOUT, token, 1_999)).toEqual({ ok: true, value: data });
    // another replica, same secret
    expect(new TokenSealer(SECRET).open(CHECKOUT, token, 1_999)).toEqual({ ok: true, value: data });
    expect(sealer.open(CHECKOUT, token, 2_000)).toEqual({ ok: false, reason: 'expired' });
    expect(Buffer.from(token.slice(3), 'base64url').toString('latin1')).not.toContain('gildong');
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
  });

  it('refuses a token altered by one character, sealed with another secret, or for another purpose', () => {
    const token = sealer.seal(CHECKOUT, data, 10_000);
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    expect(sealer.open(CHECKOUT, flipped, 0)).toEqual({ ok: false, reason: 'invalid' });
    expect(new TokenSealer(`${SECRET}!`).open(CHECKOUT, token, 0)).toEqual({ ok: false, reason: 'invalid' });
    expect(sealer.open(PORTAL, token, 0)).toEqual({ ok: false, reason: 'invalid' });
    for (const junk of ['', 'v1.', 'v2.abc', 'v1.a.b', 'v1.%%%', 'v1.AAAA']) {
      expect(sealer.open(CHECKOUT, junk, 0)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('PAGES_SECRET must be long; without it the secret is derived from API_TOKEN', () => {
    expect(() => pagesSettings({ PAGES_SECRET: 'short' }, 'token')).toThrow(PagesSettingsError);
    expect(pagesSettings({ PAGES_SECRET: SECRET }, 'token').secret).toBe(SECRET);
    const derived = pagesSettings({}, 'token').secret;
    expect(derived).toHaveLength(64);
    expect(derived).not.toContain('token');
    expect(pagesSettings({}, 'other').secret).not.toBe(derived);
  });
});

describe('submit rate limit', () => {
  it('allows `limit` submits per window and key, then says when to come back', () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 2, windowMs: 60_000 }, () => now);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(true);
    now = 15_000;
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 45 });
    expect(limiter.take('b').allowed).toBe(true);
    now = 60_000;
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('stays bounded when many keys arrive', () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000 }, () => 0, 100);
    for (let i = 0; i < 1_000; i++) expect(limiter.take(`ip:${i}`).allowed).toBe(true);
    expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(100);
  });
});

describe('card form', () => {
  it('normalizes what people type into the API’s card format', () => {
    expect(
      readCardForm({ card_number: ' 4242 4242 4242 4242 ', expiry: '202807', birth: '900101', pwd_2digit: '12' }),
    ).toEqual({
      ok: true,
      card: { card_number: '4242424242424242', expiry: '2028-07', birth: '900101', pwd_2digit: '12' },
    });
    const mmYY = readCardForm({
      card_number: '4242-4242-4242-4242',
      expiry: '07/28',
      birth: '123-45-67890',
      pwd_2digit: '00',
    });
    expect(mmYY).toMatchObject({ ok: true, card: { expiry: '2028-07', birth: '1234567890' } });
  });

  it('names the wrong fields, never their values', () => {
    const result = readCardForm({ card_number: '4242-4242', expiry: '13/28', birth: '1', pwd_2digit: 5 });
    expect(result).toEqual({
      ok: false,
      errors: { card_number: true, expiry: true, birth: true, pwd_2digit: true },
    });
    expect(JSON.stringify(result)).not.toContain('4242');
  });

  it('renders the inputs without a value, with the seed’s names', () => {
    const html = renderPage(
      'changeCard',
      { m: MESSAGES.ko, title: 't', stylesheet: '/s.css', otherLangHref: '/x?lang=en' },
      { cardFields: cardFieldViews(MESSAGES.ko, { expiry: 'bad' }), action: '/a', csrf: 'c', backUrl: '/b' },
    );
    for (const name of ['card_number', 'expiry', 'birth', 'pwd_2digit']) expect(html).toContain(`name="${name}"`);
    const inputs = html.match(/<input[^>]*>/g) ?? [];
    const cardInputs = inputs.filter((tag) => /name="(card_number|expiry|birth|pwd_2digit)"/.test(tag));
    expect(cardInputs).toHaveLength(4);
    for (const tag of cardInputs) expect(tag).not.toContain('value=');
    expect(html).toContain('aria-describedby="expiry-hint expiry-error"');
  });
});

describe('templates', () => {
  it('escape whatever the merchant or iamport put in a field', () => {
    const html = renderPage(
      'message',
      { m: MESSAGES.en, title: '<title>', stylesheet: '/s.css', otherLangHref: '/x?lang=ko' },
      { heading: '<script>alert(1)</script>', text: '"><img src=x onerror=alert(1)>' },
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<html lang="en">');
  });
});

describe('success redirect signature', () => {
  it('verifies with API_TOKEN, keeps the merchant’s own query, fails for any other id or token', () => {
    const url = new URL(successRedirectUrl('https://shop.example/welcome?order=42', 'api-token', 'cs_1', 'sub-1'));
    expect(url.searchParams.get('order')).toBe('42');
    expect(verifySuccessRedirect('api-token', url)).toBe(true);
    expect(verifySuccessRedirect('other-token', url)).toBe(false);
    url.searchParams.set('subscription_id', 'sub-2');
    expect(verifySuccessRedirect('api-token', url)).toBe(false);
    url.searchParams.delete('signature');
    expect(verifySuccessRedirect('api-token', url)).toBe(false);
  });
});

describe('checkout session requests', () => {
  const now = () => Date.parse('2026-01-01T00:00:00Z');
  const base = {
    plan: { name: 'Basic', amount: 9900 },
    success_url: 'https://shop.example/ok',
    cancel_url: 'https://shop.example/cancel',
  };

  it('take the signup fields without card, customer_uid optional, 30 minutes by default', () => {
    const parsed = checkoutSessionRequestSchema(now).parse(base);
    expect(parsed).toMatchObject({ plan: { name: 'Basic', amount: 9900 }, expires_in: 1800 });
    expect(parsed.customer_uid).toBeUndefined();
  });

  it('refuse a card, a non-http or relative URL, and a too short lifetime', () => {
    const schema = checkoutSessionRequestSchema(now);
    expect(schema.safeParse({ ...base, card: {} }).success).toBe(false);
    expect(schema.safeParse({ ...base, success_url: 'javascript:alert(1)' }).success).toBe(false);
    expect(schema.safeParse({ ...base, cancel_url: '/relative' }).success).toBe(false);
    expect(schema.safeParse({ ...base, expires_in: 5 }).success).toBe(false);
  });
});

describe('words and paths', () => {
  it('describe prices and cycles in Korean and English', () => {
    expect(formatWon(8900, 'ko')).toBe('8,900원');
    expect(formatWon(8900, 'en')).toBe('₩8,900');
    expect(describeIntervalIn('P1M', 'ko')).toBe('매월');
    expect(describeIntervalIn('P3M', 'ko')).toBe('3개월마다');
    expect(describeIntervalIn('P1Y', 'en')).toBe('every year');
    expect(describeIntervalIn('PT1M', 'ko')).toBe('1분마다');
  });

  it('keeps session tokens out of the request log', () => {
    expect(redactPagePath('/checkout/v1.abc')).toBe('/checkout/[session]');
    expect(redactPagePath('/portal/v1.abc/card')).toBe('/portal/[session]/card');
    expect(redactPagePath('/subscriptions/sub-1')).toBe('/subscriptions/sub-1');
  });
});

describe('checkout: consent to a trial’s paid conversion', () => {
  const now = Date.parse('2027-01-01T00:00:00.000Z');
  it('counts the checkout’s consent tick for a trial ending within 30 days, not for a longer one', () => {
    expect(trialConversionConsent(new Date(now + 14 * 86_400_000).toISOString(), now)).toEqual({
      trial_conversion_consent: { granted_at: new Date(now).toISOString(), channel: 'checkout' },
    });
    expect(trialConversionConsent(new Date(now + 31 * 86_400_000).toISOString(), now)).toEqual({});
    expect(trialConversionConsent(undefined, now)).toEqual({});
  });
});
