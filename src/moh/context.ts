import type { Deps } from '../deps';
import { MohClasses } from './service';

const contexts = new WeakMap<Deps, MohClasses>();

// One service per app, shared by the API and the pages.
export function mohContext(deps: Deps): MohClasses {
  let ctx = contexts.get(deps);
  if (!ctx) {
    ctx = new MohClasses(deps.db, deps.config.asteriskMohDir);
    contexts.set(deps, ctx);
  }
  return ctx;
}
