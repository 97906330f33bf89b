/**
 * Test cards: the card number decides how the sandbox "PG" behaves. Every valid number not listed here is
 * approved. See README.md for the table.
 */
export type DeclineReason = 'insufficient_balance' | 'over_limit' | 'expired_card' | 'lost_or_stolen';

export type CardBehaviour =
  | { kind: 'approve' }
  | { kind: 'decline'; reason: DeclineReason }
  /** declines the first `count` charges on the billing key (잔액부족), then approves */
  | { kind: 'decline_first'; count: number }
  /** approves the first `count` charges on the billing key, then declines every later one (한도초과) */
  | { kind: 'approve_first'; count: number };

export type CardClassification = { issuable: true; behaviour: CardBehaviour } | { issuable: false; reason: string };

export const TEST_CARDS = {
  alwaysApprove: '4242-4242-4242-4242',
  issuanceFails: '4000-0000-0000-0001',
  insufficientBalance: '4000-0000-0000-0002',
  overLimit: '4000-0000-0000-0003',
  expiredCard: '4000-0000-0000-0004',
  lostOrStolen: '4000-0000-0000-0005',
  /** `4000-0000-0000-01N0`: declines the first N (1..9) charges, then approves. */
  declineFirst: (n: number) => `4000-0000-0000-01${n}0`,
  /** `4000-0000-0000-02N0`: approves the first N (1..9) charges, then declines. */
  approveFirst: (n: number) => `4000-0000-0000-02${n}0`,
} as const;

export const FAIL_REASONS: Record<DeclineReason, string> = {
  insufficient_balance: '카드 잔액이 부족합니다. (잔액부족)',
  over_limit: '카드 한도를 초과하였습니다. (한도초과)',
  expired_card: '카드 유효기간이 만료되었습니다. (유효기간 만료)',
  lost_or_stolen: '분실 또는 도난 신고된 카드입니다. (분실/도난 카드)',
};

const ALWAYS_DECLINE: Record<string, DeclineReason> = {
  '4000000000000002': 'insufficient_balance',
  '4000000000000003': 'over_limit',
  '4000000000000004': 'expired_card',
  '4000000000000005': 'lost_or_stolen',
};

/** `digits`: the card number without separators. */
export function classifyCard(digits: string): CardClassification {
  if (digits === '4000000000000001') {
    return { issuable: false, reason: '카드사에서 빌링키 발급을 거절하였습니다. (테스트 카드)' };
  }
  const decline = ALWAYS_DECLINE[digits];
  if (decline) return { issuable: true, behaviour: { kind: 'decline', reason: decline } };
  const counted = /^400000000000(0[12])([1-9])0$/.exec(digits);
  if (counted) {
    const count = Number(counted[2]);
    const kind = counted[1] === '01' ? 'decline_first' : 'approve_first';
    return { issuable: true, behaviour: { kind, count } };
  }
  return { issuable: true, behaviour: { kind: 'approve' } };
}

export type ChargeDecision = { status: 'paid' } | { status: 'failed'; fail_reason: string };

/** `previousCharges`: how many charges this billing key has seen before this one. */
export function decideCharge(behaviour: CardBehaviour, previousCharges: number): ChargeDecision {
  switch (behaviour.kind) {
    case 'approve':
      return { status: 'paid' };
    case 'decline':
      return { status: 'failed', fail_reason: FAIL_REASONS[behaviour.reason] };
    case 'decline_first':
      return previousCharges < behaviour.count
        ? { status: 'failed', fail_reason: FAIL_REASONS.insufficient_balance }
        : { status: 'paid' };
    case 'approve_first':
      return previousCharges < behaviour.count
        ? { status: 'paid' }
        : { status: 'failed', fail_reason: FAIL_REASONS.over_limit };
  }
}

/** A plausible card company for the number, so responses carry card_name/card_code like real ones. */
export function cardCompany(digits: string): { card_name: string; card_code: string } {
  switch (digits[0]) {
    case '3':
      return { card_name: 'BC카드', card_code: '361' };
    case '5':
      return { card_name: 'KB국민카드', card_code: '381' };
    case '6':
      return { card_name: '현대카드', card_code: '367' };
    default:
      return { card_name: '신한카드', card_code: '366' };
  }
}
