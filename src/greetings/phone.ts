import { randomBytes } from 'node:crypto';
import type { Actor } from '../apply/trigger';
import type { Ari } from '../asterisk/ari';
import { AppError } from '../http/errors';
import type { Logger } from '../lib/log';
import { soundName } from './files';
import type { Greetings } from './service';

// Greetings by phone, through ARI: Switchboard calls an extension into its Stasis app, then
// records (beep, record until # or the time limit) or plays a greeting, and hangs up. Jobs live
// in memory: they are minutes long and a restart simply ends them.

export const RECORD_ARG = 'greeting-record';
export const PLAY_ARG = 'greeting-play';
const RING_SECONDS = 30;
const KEEP_FINISHED_MS = 60 * 60 * 1000;

export type JobState = 'calling' | 'recording' | 'playing' | 'saving' | 'done' | 'failed';

export interface PhoneJob {
  id: string;
  kind: 'record' | 'play';
  greetingId: number;
  language: string | null;
  extension: string;
  state: JobState;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  // Asterisk's own account of the playback (play jobs): its media and final state.
  playback: { media: string; state: string } | null;
}

interface Internal extends PhoneJob {
  channelId: string;
  maxSeconds: number;
  recordingName: string;
  playbackId: string;
  actor: Actor;
  watchdog: NodeJS.Timeout;
}

interface StasisEvent {
  args?: string[];
  channel?: { id?: string };
  recording?: { name?: string; cause?: string };
  playback?: { id?: string; state?: string; media_uri?: string };
}

export class PhoneJobs {
  private readonly jobs = new Map<string, Internal>();

  constructor(
    private readonly ari: Ari,
    private readonly app: string,
    private readonly greetings: Greetings,
    private readonly log: Logger,
  ) {
    ari.onEvent((name, data) => {
      void this.onEvent(name, data as StasisEvent).catch((err: unknown) =>
        this.log.error({ err, event: name }, 'greeting phone job event failed'),
      );
    });
  }

  get(id: string): PhoneJob | null {
    const job = this.jobs.get(id);
    return job ? publicView(job) : null;
  }

  async record(greetingId: number, extension: string, language: string, maxSeconds: number, actor: Actor) {
    return this.start({ kind: 'record', greetingId, extension, language, maxSeconds, actor });
  }

  async play(greetingId: number, extension: string, language: string | null, actor: Actor) {
    return this.start({ kind: 'play', greetingId, extension, language, maxSeconds: 0, actor });
  }

  private async start(spec: {
    kind: 'record' | 'play';
    greetingId: number;
    extension: string;
    language: string | null;
    maxSeconds: number;
    actor: Actor;
  }): Promise<PhoneJob> {
    if (!this.ari.connected) {
      throw new AppError(503, 'asterisk_unavailable', 'Asterisk is not connected: cannot call a phone now');
    }
    this.prune();
    const id = randomBytes(8).toString('hex');
    const deadlineMs = (RING_SECONDS + spec.maxSeconds + 60) * 1000;
    const job: Internal = {
      ...spec,
      id,
      state: 'calling',
      error: null,
      createdAt: new Date(),
      finishedAt: null,
      playback: null,
      channelId: `sb-greeting-${id}`,
      recordingName: `switchboard-greeting-${id}`,
      playbackId: `sb-greeting-play-${id}`,
      watchdog: setTimeout(() => void this.fail(job, 'took too long'), deadlineMs),
    };
    job.watchdog.unref();
    this.jobs.set(id, job);
    // The answer describes the job as it was accepted: a phone that answers at once may move it
    // on before the originate returns, and that progress is for GET /greetings/jobs/:id to show.
    const accepted = publicView(job);
    try {
      await this.ari.originate({
        endpoint: `PJSIP/${spec.extension}`,
        app: this.app,
        appArgs: `${spec.kind === 'record' ? RECORD_ARG : PLAY_ARG},${id}`,
        callerId: spec.kind === 'record' ? 'Record greeting <0>' : 'Greeting <0>',
        timeoutSeconds: RING_SECONDS,
        channelId: job.channelId,
      });
    } catch (err) {
      this.finish(job, 'failed', `could not call extension ${spec.extension}: ${(err as Error).message}`);
      throw new AppError(502, 'call_failed', `could not call extension ${spec.extension}`);
    }
    return accepted;
  }

  private async onEvent(name: string, event: StasisEvent): Promise<void> {
    if (name === 'StasisStart') {
      const [kind, id] = event.args ?? [];
      // Other features use the same Stasis app: only calls started here are ours.
      if ((kind !== RECORD_ARG && kind !== PLAY_ARG) || !id) return;
      const job = this.jobs.get(id);
      if (job?.state !== 'calling') return;
      if (job.kind === 'record') await this.startRecording(job);
      else await this.startPlayback(job);
      return;
    }
    const job = this.findByEvent(event);
    if (!job) return;
    switch (name) {
      case 'RecordingFinished':
        if (job.state === 'recording') await this.save(job);
        break;
      case 'RecordingFailed':
        await this.fail(
          job,
          `the recording failed${event.recording?.cause ? `: ${event.recording.cause}` : ''}`,
        );
        break;
      case 'PlaybackStarted':
        job.playback = { media: event.playback?.media_uri ?? '', state: event.playback?.state ?? 'playing' };
        break;
      case 'PlaybackFinished':
        job.playback = { media: event.playback?.media_uri ?? '', state: event.playback?.state ?? 'done' };
        // Finished before hanging up: the hang-up's own events must not read as "hung up early".
        if (event.playback?.state === 'failed')
          this.finish(job, 'failed', 'Asterisk could not play the greeting');
        else this.finish(job, 'done', null);
        await this.hangUp(job);
        break;
      case 'StasisEnd':
      case 'ChannelDestroyed':
        if (job.state === 'calling') this.finish(job, 'failed', `extension ${job.extension} did not answer`);
        else if (job.state === 'playing') this.finish(job, 'failed', 'the phone hung up during the greeting');
        // A recording ends with RecordingFinished even when the phone hangs up first.
        break;
    }
  }

  private findByEvent(event: StasisEvent): Internal | undefined {
    for (const job of this.jobs.values()) {
      if (job.finishedAt) continue;
      if (event.recording?.name === job.recordingName) return job;
      if (event.playback?.id === job.playbackId) return job;
      if (event.channel?.id === job.channelId && !event.recording && !event.playback) return job;
    }
    return undefined;
  }

  private async startRecording(job: Internal): Promise<void> {
    job.state = 'recording';
    try {
      await this.ari.record(job.channelId, {
        name: job.recordingName,
        format: 'wav',
        maxDurationSeconds: job.maxSeconds,
        beep: true,
        terminateOn: '#',
        ifExists: 'overwrite',
      });
    } catch (err) {
      await this.fail(job, `could not start recording: ${(err as Error).message}`);
    }
  }

  private async startPlayback(job: Internal): Promise<void> {
    job.state = 'playing';
    try {
      if (job.language) {
        await this.ari.setChannelVar(job.channelId, 'CHANNEL(language)', job.language);
      }
      await this.ari.play(job.channelId, job.playbackId, [`sound:${soundName(job.greetingId)}`]);
    } catch (err) {
      await this.fail(job, `could not play the greeting: ${(err as Error).message}`);
    }
  }

  private async save(job: Internal): Promise<void> {
    job.state = 'saving';
    await this.hangUp(job);
    try {
      const audio = await this.ari.storedRecordingFile(job.recordingName);
      await this.greetings.putVariant(
        job.greetingId,
        job.language ?? 'en',
        { kind: 'phone', data: audio },
        job.actor,
      );
      this.finish(job, 'done', null);
    } catch (err) {
      this.finish(job, 'failed', `the recording could not be saved: ${(err as Error).message}`);
    } finally {
      await this.ari.deleteStoredRecording(job.recordingName).catch(() => undefined);
    }
  }

  private async fail(job: Internal, why: string): Promise<void> {
    if (job.finishedAt) return;
    this.finish(job, 'failed', why);
    await this.hangUp(job);
    if (job.kind === 'record') {
      await this.ari.deleteStoredRecording(job.recordingName).catch(() => undefined);
    }
  }

  private finish(job: Internal, state: 'done' | 'failed', error: string | null): void {
    if (job.finishedAt) return;
    clearTimeout(job.watchdog);
    job.state = state;
    job.error = error;
    job.finishedAt = new Date();
    if (error) this.log.warn({ job: job.id, kind: job.kind, error }, 'greeting phone job failed');
  }

  private async hangUp(job: Internal): Promise<void> {
    await this.ari.hangup(job.channelId).catch(() => undefined);
  }

  private prune(): void {
    const before = Date.now() - KEEP_FINISHED_MS;
    for (const [id, job] of this.jobs) {
      if (job.finishedAt && job.finishedAt.getTime() < before) this.jobs.delete(id);
    }
  }
}

function publicView(job: Internal): PhoneJob {
  return {
    id: job.id,
    kind: job.kind,
    greetingId: job.greetingId,
    language: job.language,
    extension: job.extension,
    state: job.state,
    error: job.error,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    playback: job.playback,
  };
}
