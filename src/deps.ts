import type { Knex } from 'knex';
import type { ApplyQueue } from './apply/queue';
import type { Ari } from './asterisk/ari';
import type { ContactDirectory } from './asterisk/contacts';
import type { AsteriskControl } from './asterisk/control';
import type { Config } from './config';
import type { OpenApiRegistry } from './http/openapi';
import type { Logger } from './lib/log';
import type { Metrics } from './ops/metrics';
import type { DesiredState } from './render/state';

// Work a feature must end before the HTTP server can close (open event streams, timers).
export interface Lifecycle {
  onStop(fn: () => Promise<void> | void): void;
}

export interface Deps {
  config: Config;
  db: Knex;
  log: Logger;
  ari: Ari;
  // Queue members, astdb, registration status: the CLI or the AMI (asterisk/control.ts).
  control: AsteriskControl;
  contacts: ContactDirectory;
  applyQueue: ApplyQueue;
  metrics: Metrics;
  openapi: OpenApiRegistry;
  lifecycle: Lifecycle;
  desiredState(): Promise<DesiredState>;
}
