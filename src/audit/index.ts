// The audit log: who changed what. Core layer: features record explicit events through
// recordAudit; the generic row of every mutating request is written by withTx and the API router.
export { auditPages } from './pages';
export { isSecretKey, REDACTED, redact } from './redact';
export { type AuditEntry, type AuditRow, type AuditVia, listAudit, purgeAudit, recordAudit } from './repo';
export { auditRoutes } from './routes';
export { auditRead, auditRequests, currentAuditScope } from './scope';
