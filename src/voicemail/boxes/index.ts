export { type BoxRow, GREETING_KINDS, type GreetingKind, getBox, listBoxes, TABLE } from './repo';
export { syncWithFlag } from './service';
