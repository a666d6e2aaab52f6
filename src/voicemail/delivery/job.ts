import { readFile, unlink } from 'node:fs/promises';
import type { Knex } from 'knex';
import type { Logger } from '../../lib/log';
import { getBox } from '../boxes/repo';
import { listMailbox, listMailboxes, parseMessageInfo, type SpoolMessage, splitCallerId } from '../spool';
import { audioAttachment } from './audio';
import { sendVoicemailEmail, voicemailMessageId } from './mailer';
import * as repo from './repo';

// Voicemail-to-email, exactly once per message as far as SMTP allows.
//
// 1. Claim: every message in the spool (any folder: one heard on the phone before the email went
//    out is still emailed) gets one voicemail_deliveries row, keyed by Asterisk's msg_id, inserted
//    with INSERT IGNORE. Scans, overlapping runs and restarts cannot make a second row.
// 2. Send: pending → sending is a conditional UPDATE (only one run wins it), then SMTP, then
//    sending → sent. A failure puts the row back to pending with exponential backoff.
// 3. The window that remains is "the server accepted DATA but we crashed before recording
//    'sent'". We choose at-least-once there: after staleSendingSeconds the row is resent, with the
//    SAME Message-ID header (derived from msg_id), so stores and clients that deduplicate on it
//    show one email. The window is milliseconds wide; the alternative (at-most-once: mark it
//    failed) would silently lose a voicemail for every crash anywhere in a send, which is worse.

export type Transcribe = (message: SpoolMessage) => Promise<string | null>;

export interface DeliveryOptions {
  spoolDir: string;
  // First retry delay; doubles per attempt, capped at an hour.
  retrySeconds: number;
  maxAttempts?: number;
  staleSendingSeconds?: number;
  // Wired by the composition root to the transcription engine; none: emails go without text.
  transcribe?: Transcribe;
  // Called after messages were deleted from a mailbox (delete after email), e.g. to refresh MWI.
  onSpoolChanged?: (mailbox: string) => Promise<void>;
}

const BATCH = 20;
const MAX_BACKOFF_SECONDS = 3600;

export class VoicemailDelivery {
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Knex,
    private readonly log: Logger,
    private readonly opts: DeliveryOptions,
  ) {}

  // One scan + send pass. Overlapping calls in this process share the pass in flight; separate
  // processes are kept apart by the database claims.
  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  // Lets the pass in flight finish (its claims must be settled), then refuses new ones.
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<void> {
    const released = await repo.releaseStale(this.db, this.opts.staleSendingSeconds ?? 600);
    if (released > 0) this.log.warn({ released }, 'voicemail email: resending sends that never finished');
    await this.scan();
    for (const row of await repo.due(this.db, BATCH)) {
      if (this.stopped) break;
      await this.deliver(row);
    }
  }

  private async scan(): Promise<void> {
    for (const mailbox of await listMailboxes(this.opts.spoolDir)) {
      const messages = (await listMailbox(this.opts.spoolDir, mailbox)).filter((m) => m.msgId.length <= 64);
      if (messages.length === 0) continue;
      const known = new Map(
        (
          await repo.byMsgIds(
            this.db,
            messages.map((m) => m.msgId),
          )
        ).map((r) => [r.msg_id, r]),
      );
      const box = await getBox(this.db, mailbox);
      const fresh = messages.filter((m) => !known.has(m.msgId));
      await repo.claimNew(
        this.db,
        fresh.map((m) => ({
          msg_id: m.msgId,
          mailbox,
          email_to: box?.email ?? null,
          status: box?.email ? 'pending' : 'skipped',
          last_error: box ? (box.email ? null : 'the box has no email address') : 'no voicemail box',
          caller_id: m.callerId.replace(/\p{Cc}/gu, ' ').slice(0, 160),
          received_at: m.receivedAt,
          duration_seconds: Math.max(0, Math.trunc(m.durationSeconds) || 0),
        })),
      );
      // A crash between 'sent' and the deletion leaves the message behind: finish the job here.
      if (box?.delete_after_email) {
        const sent = messages.filter((m) => known.get(m.msgId)?.status === 'sent');
        if (sent.length > 0)
          await this.deleteFromSpool(
            mailbox,
            sent.map((m) => m.msgId),
          );
      }
    }
  }

  private async deliver(row: repo.DeliveryRow): Promise<void> {
    const [box, smtp] = await Promise.all([getBox(this.db, row.mailbox), repo.getSmtp(this.db)]);
    if (!smtp) return; // email is not set up yet: stays pending, sent once it is.
    const to = row.email_to ?? box?.email ?? null;
    if (!to) {
      await repo.markFinal(this.db, row.id, 'skipped', 'the box has no email address', 'pending');
      return;
    }
    const messageId = row.message_id ?? voicemailMessageId(row.mailbox, row.msg_id, smtp.from_address);
    if (!(await repo.markSending(this.db, row.id, messageId))) return; // another run has it
    try {
      // Found again by msg_id: since the scan the caller may have moved it to Old, or Asterisk
      // renumbered the folder.
      const message = await this.find(row.mailbox, row.msg_id);
      let transcription: string | null = null;
      if (message && box?.transcribe && this.opts.transcribe) {
        transcription = await this.opts.transcribe(message).catch((err: unknown) => {
          this.log.warn({ err, msgId: row.msg_id }, 'voicemail email: transcription failed; sending without');
          return null;
        });
      }
      const attachment = message && (box?.attach_audio ?? true) ? await audioAttachment(message) : null;
      const stored = splitCallerId(row.caller_id);
      const caller = message ?? { callerName: stored.name, callerNumber: stored.number };
      await sendVoicemailEmail(smtp, {
        to,
        messageId,
        mailbox: row.mailbox,
        callerName: caller.callerName,
        callerNumber: caller.callerNumber,
        receivedAt: message?.receivedAt ?? row.received_at ?? row.created_at,
        durationSeconds: message?.durationSeconds ?? row.duration_seconds,
        transcription,
        attachment,
        audioMissing: (box?.attach_audio ?? true) && !attachment,
      });
      await repo.markSent(this.db, row.id);
      this.log.info({ msgId: row.msg_id, mailbox: row.mailbox, to }, 'voicemail emailed');
    } catch (err) {
      const attempts = row.attempts + 1;
      const error = err instanceof Error ? err.message : String(err);
      if (attempts >= (this.opts.maxAttempts ?? 12)) {
        await repo.markFinal(this.db, row.id, 'failed', `gave up after ${attempts} attempts: ${error}`);
        this.log.error({ err, msgId: row.msg_id }, 'voicemail email failed for good');
      } else {
        const delay = Math.min(MAX_BACKOFF_SECONDS, this.opts.retrySeconds * 2 ** (attempts - 1));
        await repo.markRetry(this.db, row.id, error, delay);
        this.log.warn(
          { err, msgId: row.msg_id, attempts, retryInSeconds: delay },
          'voicemail email will be retried',
        );
      }
      return;
    }
    if (box?.delete_after_email) await this.deleteFromSpool(row.mailbox, [row.msg_id]);
  }

  private async find(mailbox: string, msgId: string): Promise<SpoolMessage | undefined> {
    return (await listMailbox(this.opts.spoolDir, mailbox)).find((m) => m.msgId === msgId);
  }

  // As app_voicemail's delete=yes does: every file of the message goes (msgNNNN.txt and each
  // msgNNNN.<format>). The msg_id is read again just before, so a folder Asterisk renumbered
  // meanwhile cannot make us delete another message. Gaps are fine: Asterisk closes them itself
  // the next time the box is opened.
  private async deleteFromSpool(mailbox: string, msgIds: string[]): Promise<void> {
    let changed = false;
    for (const m of await listMailbox(this.opts.spoolDir, mailbox)) {
      if (!msgIds.includes(m.msgId)) continue;
      try {
        const info = parseMessageInfo(await readFile(`${m.base}.txt`, 'utf8'));
        if (info['msg_id'] !== m.msgId) continue;
        await unlink(`${m.base}.txt`);
        for (const f of m.formats) await unlink(`${m.base}.${f}`).catch(() => undefined);
        changed = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    if (changed && this.opts.onSpoolChanged) await this.opts.onSpoolChanged(mailbox);
  }
}
