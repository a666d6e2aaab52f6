import type { Knex } from 'knex';
import type { AuthUser } from '../../auth/middleware';
import { ForbiddenError, NotFoundError } from '../../http/errors';
import type { Logger } from '../../lib/log';
import { getBox } from '../boxes';
import { listMailbox, type SpoolMessage } from '../spool';
import type { TranscriptionState, VisualBox, VisualMessage } from './schema';
import { deleteMessage, findMessage, markHeard } from './spool-ops';
import { audioPathOf, createTranscriber, type Transcriber } from './transcribe';

// One transcriber per database handle, shared by the web UI, the API and the delivery job, so
// a message is never recognised twice at the same time.
const transcribers = new WeakMap<Knex, Transcriber>();
export function transcriberFor(db: Knex): Transcriber {
  let t = transcribers.get(db);
  if (!t) {
    t = createTranscriber(db);
    transcribers.set(db, t);
  }
  return t;
}

export interface VisualDeps {
  db: Knex;
  log: Logger;
  spoolDir: string;
}

// A user sees only the box of their own extension; admins see every box. Checked before the
// box is looked up, so a 403 says nothing about whether another box exists.
export function assertBoxAccess(user: AuthUser | undefined, number: string): void {
  if (user?.role === 'admin') return;
  if (user?.role === 'user' && user.extensionNumber === number) return;
  throw new ForbiddenError('you may only open the voicemail box of your own extension');
}

async function requireBox(db: Knex, number: string) {
  const box = await getBox(db, number);
  if (!box) throw new NotFoundError(`voicemail box ${number}`);
  return box;
}

const isNew = (m: SpoolMessage) => m.folder === 'INBOX' || m.folder === 'Urgent';

// Read from the spool on every call: what the phone changed shows at once.
export async function listMessages(deps: VisualDeps, number: string): Promise<VisualBox> {
  const box = await requireBox(deps.db, number);
  const messages = await listMailbox(deps.spoolDir, number);
  const transcriber = transcriberFor(deps.db);
  const texts = await transcriber.cached(messages.map((m) => m.msgId));
  const items: VisualMessage[] = messages
    .map((m) => {
      const text = texts.get(m.msgId) ?? null;
      let state: TranscriptionState = 'off';
      if (text !== null) state = 'done';
      else if (!audioPathOf(m)) state = 'no-audio';
      else if (box.transcribe) {
        state = 'pending';
        // Recognised in the background (serialised, cached); the next load shows the text.
        transcriber
          .transcribeMessage(m)
          .catch((err: unknown) => deps.log.warn({ err, msgId: m.msgId }, 'voicemail transcription failed'));
      }
      return {
        id: m.msgId,
        folder: m.folder,
        new: isNew(m),
        index: m.index,
        caller_id: m.callerId,
        caller_name: m.callerName,
        caller_number: m.callerNumber,
        received_at: m.receivedAt.toISOString(),
        duration_seconds: m.durationSeconds,
        formats: m.formats,
        transcription: text,
        transcription_state: state,
        audio_url: `/api/v1/voicemail-boxes/${number}/messages/${m.msgId}/audio`,
      };
    })
    // Newest first within new, then newest first within the rest.
    .sort((a, b) => Number(b.new) - Number(a.new) || b.received_at.localeCompare(a.received_at));
  return {
    box: number,
    transcribe: box.transcribe,
    counts: { new: items.filter((i) => i.new).length, old: items.filter((i) => !i.new).length },
    items,
  };
}

const CONTENT_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  WAV: 'audio/wav',
  gsm: 'audio/x-gsm',
  ulaw: 'audio/basic',
};

export async function messageAudio(
  deps: VisualDeps,
  number: string,
  msgId: string,
): Promise<{ path: string; contentType: string; filename: string }> {
  await requireBox(deps.db, number);
  const m = await findMessage(deps.spoolDir, number, msgId);
  if (!m) throw new NotFoundError(`message ${msgId}`);
  const path = audioPathOf(m);
  if (!path) throw new NotFoundError(`audio of message ${msgId}`);
  const ext = path.slice(path.lastIndexOf('.') + 1);
  return {
    path,
    contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
    filename: `voicemail-${number}-${msgId}.${ext.toLowerCase()}`,
  };
}

export async function heard(
  deps: VisualDeps,
  number: string,
  msgId: string,
): Promise<{ id: string; folder: string }> {
  await requireBox(deps.db, number);
  const m = await markHeard(deps.spoolDir, number, msgId);
  return { id: m.msgId, folder: m.folder };
}

export async function remove(deps: VisualDeps, number: string, msgId: string): Promise<void> {
  await requireBox(deps.db, number);
  await deleteMessage(deps.spoolDir, number, msgId);
}
