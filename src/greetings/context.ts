import type { Deps } from '../deps';
import { republishGreeting } from '../voicemail';
import { PhoneJobs } from './phone';
import { Greetings } from './service';

export interface GreetingContext {
  greetings: Greetings;
  phone: PhoneJobs;
}

const contexts = new WeakMap<Deps, GreetingContext>();

// One service and one set of phone jobs per app: the API and the pages share them, and the ARI
// listener is registered once.
export function greetingContext(deps: Deps): GreetingContext {
  let ctx = contexts.get(deps);
  if (!ctx) {
    const greetings = new Greetings(deps.db, deps.config.asteriskSoundsDir, (id) => {
      republishGreeting(
        deps.db,
        { soundsDir: deps.config.asteriskSoundsDir, spoolDir: deps.config.asteriskSpoolDir },
        id,
      ).catch((err: unknown) =>
        deps.log.error({ err, greeting: id }, 'refreshing voicemail greeting copies failed'),
      );
    });
    ctx = { greetings, phone: new PhoneJobs(deps.ari, deps.config.ari.app, greetings, deps.log) };
    contexts.set(deps, ctx);
  }
  return ctx;
}
