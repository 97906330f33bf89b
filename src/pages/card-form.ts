/**
 * The card fields of a posted form, with the seed's names. Values are normalized the way people type them (spaces
 * in the number, 202807 or 07/28 for the expiry) and checked with the API's own card schema; errors name fields,
 * never values.
 */
import type { CardDetails } from '../billing-key';
import { cardSchema } from '../server/schemas';
import type { Messages } from './i18n';

export const CARD_FIELDS = ['card_number', 'expiry', 'birth', 'pwd_2digit'] as const;
export type CardField = (typeof CARD_FIELDS)[number];

export type CardFormResult = { ok: true; card: CardDetails } | { ok: false; errors: Partial<Record<CardField, true>> };

const text = (value: unknown): string => (typeof value === 'string' ? value.trim().slice(0, 40) : '');

function normalizeExpiry(value: string): string {
  const compact = value.replace(/\s/g, '');
  let match = /^(\d{4})(\d{2})$/.exec(compact) ?? /^(\d{4})[-/.](\d{1,2})$/.exec(compact);
  if (match) return `${match[1]}-${match[2].padStart(2, '0')}`;
  match = /^(\d{1,2})[/-](\d{2})$/.exec(compact);
  if (match) return `20${match[2]}-${match[1].padStart(2, '0')}`;
  return compact;
}

export function readCardForm(body: Record<string, unknown>): CardFormResult {
  const candidate = {
    card_number: text(body.card_number).replace(/\s/g, ''),
    expiry: normalizeExpiry(text(body.expiry)),
    birth: text(body.birth).replace(/[\s-]/g, ''),
    pwd_2digit: text(body.pwd_2digit),
  };
  const result = cardSchema.safeParse(candidate);
  if (result.success) return { ok: true, card: result.data };
  const errors: Partial<Record<CardField, true>> = {};
  for (const issue of result.error.issues) {
    const field = issue.path[0];
    if (typeof field === 'string' && (CARD_FIELDS as readonly string[]).includes(field)) {
      errors[field as CardField] = true;
    }
  }
  return { ok: false, errors };
}

export interface CardFieldView {
  name: CardField;
  label: string;
  hint: string;
  type: 'text' | 'password';
  autocomplete: string;
  maxlength: number;
  error?: string;
}

/** The four inputs, never with a value: what the customer typed is not sent back. */
export function cardFieldViews(m: Messages, errors: Partial<Record<CardField, string>> = {}): CardFieldView[] {
  return [
    {
      name: 'card_number',
      label: m.cardNumber,
      hint: m.cardNumberHint,
      type: 'text',
      autocomplete: 'cc-number',
      maxlength: 23,
    },
    { name: 'expiry', label: m.expiry, hint: m.expiryHint, type: 'text', autocomplete: 'cc-exp', maxlength: 7 },
    { name: 'birth', label: m.birth, hint: m.birthHint, type: 'text', autocomplete: 'off', maxlength: 12 },
    { name: 'pwd_2digit', label: m.pwd2, hint: m.pwd2Hint, type: 'password', autocomplete: 'off', maxlength: 2 },
  ].map((field) => ({ ...field, error: errors[field.name as CardField] })) as CardFieldView[];
}
