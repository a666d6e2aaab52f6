import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  applies: Counter<'status'>;
  applyDuration: Histogram<'status'>;
  ariConnected: Gauge;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  calldataLag: Gauge<'source'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  return {
    registry,
    applies: new Counter({
      name: 'switchboard_applies_total',
      help: 'Config applies by result',
      labelNames: ['status'],
      registers: [registry],
    }),
    applyDuration: new Histogram({
      name: 'switchboard_apply_duration_seconds',
      help: 'Duration of config applies',
      labelNames: ['status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    ariConnected: new Gauge({
      name: 'switchboard_ari_connected',
      help: '1 when the ARI event websocket is connected',
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    calldataLag: new Gauge({
      name: 'switchboard_calldata_lag_bytes',
      help: 'Bytes of an Asterisk call-data file (cdr, cel, queue_log) not yet ingested',
      labelNames: ['source'],
      registers: [registry],
    }),
  };
}
