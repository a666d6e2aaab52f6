import type { Deps } from '../deps';
import { NotFoundError } from '../http/errors';
import type { DesiredState } from '../render/state';
import { buildFlowGraph, type FlowGraph, type FlowRoot } from './diagram';
import type { TraceRequest } from './schema';
import { type TraceStep, traceCall, traceOutcome } from './trace';

// The same state the renderer reads, so the trace and the diagram show what Asterisk runs
// (once the last apply has gone through).
export function loadState(deps: Deps): Promise<DesiredState> {
  return deps.desiredState();
}

export async function trace(
  deps: Deps,
  input: TraceRequest,
): Promise<{ steps: TraceStep[]; outcome: TraceStep }> {
  const steps = traceCall(await loadState(deps), {
    did: input.did,
    callerId: input.caller_id === '' || input.caller_id === 'anonymous' ? null : input.caller_id,
    at: new Date(input.at),
    digits: input.digits,
  });
  return { steps, outcome: traceOutcome(steps) };
}

export async function graph(deps: Deps, root: FlowRoot): Promise<FlowGraph> {
  const g = buildFlowGraph(await loadState(deps), root);
  if (!g) throw new NotFoundError(root.type === 'ivr' ? 'IVR' : 'inbound route');
  return g;
}
