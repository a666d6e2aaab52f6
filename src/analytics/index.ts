// The analytics feature's public face: what other features may use. Everything else in this
// folder is internal (the layering check in npm test enforces it).
export { BUCKET_MS, bucketOf, DAY_MS } from './buckets';
