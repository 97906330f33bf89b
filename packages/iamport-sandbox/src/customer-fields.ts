import { optionalText } from './request-parsing';

/** Card and customer fields of POST /subscribe/customers/{uid}, also accepted by POST .../schedule. */
export const cardFields = {
  card_number: optionalText(),
  expiry: optionalText(),
  birth: optionalText(),
  pwd_2digit: optionalText(),
  cvc: optionalText(),
};

export const customerFields = {
  ...cardFields,
  channel_key: optionalText(55),
  pg: optionalText(),
  customer_id: optionalText(),
  customer_name: optionalText(),
  customer_tel: optionalText(),
  customer_email: optionalText(),
  customer_addr: optionalText(),
  customer_postcode: optionalText(),
};
