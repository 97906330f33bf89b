/**
 * The format checks iamport applies before asking the PG for a billing key. Failures are business errors
 * (HTTP 200, code -1), not malformed requests.
 */
export interface CardFields {
  card_number?: string;
  expiry?: string;
  birth?: string;
  pwd_2digit?: string;
  cvc?: string;
}

export type CardCheck = { ok: true; digits: string } | { ok: false; reason: string };

const DASHED_16 = /^\d{4}-\d{4}-\d{4}-\d{4}$/;
const PLAIN_15_16 = /^\d{15,16}$/;
const EXPIRY = /^(\d{4})-(\d{2})$/;
// Korean cards expire at the end of the month in Korea (UTC+9, no daylight saving).
const KST_OFFSET_MS = 9 * 3_600_000;

export function checkCardFields(card: CardFields, nowMs: number): CardCheck {
  const number = card.card_number?.trim() ?? '';
  if (!number) return { ok: false, reason: '카드번호(card_number)가 누락되었습니다.' };
  if (!DASHED_16.test(number) && !PLAIN_15_16.test(number)) {
    return { ok: false, reason: '카드번호 형식이 올바르지 않습니다. (dddd-dddd-dddd-dddd)' };
  }
  const expiry = card.expiry?.trim() ?? '';
  const match = EXPIRY.exec(expiry);
  if (!match) return { ok: false, reason: '유효기간(expiry) 형식이 올바르지 않습니다. (YYYY-MM)' };
  const month = Number(match[2]);
  if (month < 1 || month > 12) return { ok: false, reason: '유효기간(expiry)의 월이 올바르지 않습니다.' };
  const today = new Date(nowMs + KST_OFFSET_MS);
  const expiryIndex = Number(match[1]) * 12 + month;
  const currentIndex = today.getUTCFullYear() * 12 + today.getUTCMonth() + 1;
  if (expiryIndex < currentIndex) return { ok: false, reason: '유효기간이 지난 카드입니다.' };
  if (card.birth && !/^(\d{6}|\d{10})$/.test(card.birth)) {
    return { ok: false, reason: '생년월일(birth)은 6자리(YYMMDD) 또는 사업자번호 10자리여야 합니다.' };
  }
  if (card.pwd_2digit && !/^\d{2}$/.test(card.pwd_2digit)) {
    return { ok: false, reason: '카드 비밀번호 앞 2자리(pwd_2digit)가 올바르지 않습니다.' };
  }
  if (card.cvc && !/^\d{3,4}$/.test(card.cvc)) return { ok: false, reason: 'CVC 형식이 올바르지 않습니다.' };
  return { ok: true, digits: number.replace(/-/g, '') };
}
