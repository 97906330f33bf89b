/** A buyer whose values are found nowhere else, so a hit in a database can only be this buyer's personal data. */
export const BUYER = { name: '남궁다혜', email: 'dahye.namgung.7731@example.org', tel: '010-7731-2468' };
export const BUYER_FORMS = [BUYER.name, BUYER.email, BUYER.tel, 'dahye.namgung', '01077312468', '7731-2468'];

/** Each form of the buyer's data that `haystack` holds, in UTF-8 or UTF-16 (what a database scan would find). */
export function buyerFormsIn(haystack: Buffer): string[] {
  return BUYER_FORMS.filter((form) => haystack.includes(form) || haystack.includes(Buffer.from(form, 'utf16le')));
}
