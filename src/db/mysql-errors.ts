import { ConflictError, UnprocessableError } from '../http/errors';

interface MysqlError {
  code?: unknown;
  sqlMessage?: unknown;
}

// Mapped by error code, never by message text.
export function mapDbError(err: unknown, conflictField?: string): unknown {
  const code = (err as MysqlError | null)?.code;
  if (code === 'ER_DUP_ENTRY') {
    return new ConflictError(`${conflictField ?? 'value'} is already in use`, [
      { path: conflictField ?? '(body)', message: 'already in use' },
    ]);
  }
  if (code === 'ER_NO_REFERENCED_ROW_2' || code === 'ER_NO_REFERENCED_ROW') {
    return new UnprocessableError('a referenced object does not exist');
  }
  if (code === 'ER_ROW_IS_REFERENCED_2' || code === 'ER_ROW_IS_REFERENCED') {
    return new ConflictError('the object is still in use');
  }
  return err;
}

// The database is not there (stopped, restarting, network gone, or every pooled connection busy
// for longer than knex waits), as opposed to refusing a statement. Only errors of the database
// layer count: mysql2 marks a lost or refused connection `fatal`, the server's own errors carry
// an SQL state, knex names its pool timeout; a bare errno from anything else (a child process, an
// HTTP client) is not the database's.
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_GONE_ERROR',
]);

export function isDbUnavailable(err: unknown): boolean {
  const e = err as {
    code?: unknown;
    name?: unknown;
    errors?: unknown;
    fatal?: unknown;
    sqlState?: unknown;
  } | null;
  if (!e) return false;
  if (e.name === 'KnexTimeoutError') return true;
  const fromDb = e.fatal === true || typeof e.sqlState === 'string';
  if (fromDb && typeof e.code === 'string' && UNAVAILABLE.has(e.code)) return true;
  // mysql2 reports a refused dual-stack connect as an AggregateError of refused connects.
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isDbUnavailable);
}
