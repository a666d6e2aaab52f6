export interface ErrorDetail {
  path: string;
  message: string;
}

// Every error a client can see: status + API.md code + optional per-field details.
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  toBody(): { error: { code: string; message: string; details: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export class ValidationError extends AppError {
  constructor(details: ErrorDetail[], message = 'the request is not valid') {
    super(400, 'validation_failed', message, details);
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'authentication required') {
    super(401, 'unauthenticated', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'your role does not allow this') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(409, 'conflict', message, details);
  }
}

export class UnprocessableError extends AppError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(422, 'unprocessable', message, details);
  }
}

export class RateLimitedError extends AppError {
  constructor() {
    super(429, 'rate_limited', 'too many attempts, try again later');
  }
}

// A row read by id, or the 404 that names what was asked for.
export async function orNotFound<T>(row: Promise<T | undefined>, what: string): Promise<T> {
  const found = await row;
  if (found === undefined) throw new NotFoundError(what);
  return found;
}
