import type { TestApp } from './app';

// What Switchboard's trace (POST /api/v1/call-flow/trace) says about a call, in the terms the
// e2e tests observe from Asterisk: the channel a call finally dials, and the prompts on the way.

export interface TracedCall {
  did: string;
  callerId?: string | null;
  // Keys as the caller presses them; a space separates presses made after a pause, '' means the
  // caller presses nothing (timeouts), undefined stops at the first menu.
  digits?: string;
  at?: Date;
}

interface TraceStep {
  kind: string;
  text: string;
  ref?: { type: string; id: string };
  sound?: string;
  end?: boolean;
}

export async function trace(
  app: TestApp,
  call: TracedCall,
): Promise<{ steps: TraceStep[]; outcome: TraceStep }> {
  const res = await app.api('POST', '/api/v1/call-flow/trace', {
    body: {
      did: call.did,
      caller_id: call.callerId ?? null,
      at: (call.at ?? new Date()).toISOString(),
      ...(call.digits === undefined ? {} : { digits: call.digits }),
    },
  });
  if (res.status !== 200) throw new Error(`trace: ${res.status} ${res.text}`);
  return res.body as { steps: TraceStep[]; outcome: TraceStep };
}

// "PJSIP/1002" when the trace ends ringing extension 1002 (what Dial's first argument is in the
// dialplan); otherwise the outcome's kind, so a mismatch reads clearly in a failed assertion.
export async function tracedDial(app: TestApp, call: TracedCall): Promise<string> {
  const { outcome } = await trace(app, call);
  return outcome.kind === 'rings' && outcome.ref
    ? `PJSIP/${outcome.ref.id}`
    : `${outcome.kind}: ${outcome.text}`;
}

// The sounds the trace says the caller hears, in order.
export async function tracedSounds(app: TestApp, call: TracedCall): Promise<string[]> {
  const { steps } = await trace(app, call);
  return steps.flatMap((s) => (s.sound ? [s.sound] : []));
}
