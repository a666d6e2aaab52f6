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
