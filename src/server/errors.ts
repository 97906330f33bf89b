import type { FieldProblem } from '../subscription-requests';

/**
 * An error answer: `{ "error": { "code", "message", "details"? } }` with a 4xx/5xx status. The message is written
 * for the caller and never holds request values (a card number in a body must not come back in an error).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: FieldProblem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: { code: string; message: string; details?: FieldProblem[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const invalidRequest = (message: string, details?: FieldProblem[]) =>
  new HttpError(400, 'invalid_request', message, details);

export const notFound = (message: string) => new HttpError(404, 'not_found', message);
