import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOSTILE } from '../../test/support/hostile';
import { parseFileName, recordingPath } from './files';
import { policyKey, renderRecordingDialplan } from './render';
import { readWavInfo } from './wav';

describe('recording dialplan rendering', () => {
  it('renders each policy as a lookup extension <type><ref> returning its mode, in a stable order', () => {
    const text = renderRecordingDialplan({
      recordingPolicies: [
        { targetType: 'queue', targetRef: '705', mode: 'always' },
        { targetType: 'extension', targetRef: '1002', mode: 'on_demand' },
        { targetType: 'inbound_route', targetRef: '3', mode: 'never' },
      ],
    });
    const lookups = text.split('\n').filter((l) => l.startsWith('exten => ') && l.includes('Return('));
    expect(lookups).toEqual([
      'exten => extension1002,1,Return(on_demand)',
      'exten => inbound_route3,1,Return(never)',
      'exten => queue705,1,Return(always)',
    ]);
  });

  it('still renders sb-recording and an empty policy context for a state without policies', () => {
    const text = renderRecordingDialplan({});
    expect(text).toContain('[sb-recording]');
    expect(text).toContain('[sb-rec-policy]');
    expect(text).not.toMatch(/^exten => [a-z_]+[0-9]+,1,Return/m);
  });

  it('refuses every hostile target reference instead of rendering it', () => {
    for (const v of HOSTILE) {
      expect(() => policyKey('extension', v)).toThrow(/bad recording policy target/);
      expect(() =>
        renderRecordingDialplan({
          recordingPolicies: [{ targetType: 'queue', targetRef: v, mode: 'always' }],
        }),
      ).toThrow();
    }
    expect(() => policyKey('extension', '0123')).toThrow();
  });
});

describe('recording file names', () => {
  it('reads linkedid, uniqueid and on-demand target from the two names the dialplan writes', () => {
    expect(parseFileName('1796159962.4-1796159962.5.wav')).toEqual({
      linkedid: '1796159962.4',
      uniqueid: '1796159962.5',
      onDemand: null,
    });
    expect(parseFileName('od-1796160838-1796160837.28-1796160837.29-extension1002.wav')).toEqual({
      linkedid: '1796160837.28',
      uniqueid: '1796160837.29',
      onDemand: { type: 'extension', ref: '1002' },
    });
  });

  it('refuses any other name as a path, so nothing outside the recordings folder is served or deleted', () => {
    for (const name of [
      '../1796159962.4-1796159962.5.wav',
      '1796159962.4-1796159962.5.wav/..',
      '/etc/passwd',
      '-1796159962.4.wav',
      'od-1-1.1-1.1-voicemail1002.wav',
      ...HOSTILE,
    ]) {
      expect(parseFileName(name)).toBeNull();
      expect(() => recordingPath('/var/spool/asterisk/monitor', name)).toThrow(/refusing/);
    }
    expect(recordingPath('/m', '1.2-1.3.wav')).toBe('/m/switchboard/1.2-1.3.wav');
  });
});

describe('WAV header reading', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-wav-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function wav(sampleRate: number, seconds: number): Buffer {
    const data = Buffer.alloc(sampleRate * 2 * seconds);
    const h = Buffer.alloc(44);
    h.write('RIFF', 0, 'ascii');
    h.writeUInt32LE(36 + data.length, 4);
    h.write('WAVEfmt ', 8, 'ascii');
    h.writeUInt32LE(16, 16);
    h.writeUInt16LE(1, 20);
    h.writeUInt16LE(1, 22);
    h.writeUInt32LE(sampleRate, 24);
    h.writeUInt32LE(sampleRate * 2, 28);
    h.writeUInt16LE(2, 32);
    h.writeUInt16LE(16, 34);
    h.write('data', 36, 'ascii');
    h.writeUInt32LE(data.length, 40);
    return Buffer.concat([h, data]);
  }

  it('computes the duration from the data size and byte rate of 8 and 16 kHz files', async () => {
    for (const [rate, seconds] of [
      [8000, 3],
      [16000, 2],
    ] as const) {
      const path = join(dir, `${rate}.wav`);
      await writeFile(path, wav(rate, seconds));
      expect(await readWavInfo(path)).toEqual({
        sampleRate: rate,
        channels: 1,
        bitsPerSample: 16,
        dataBytes: rate * 2 * seconds,
        durationSeconds: seconds,
      });
    }
  });

  it('answers null for a file that is not a WAV', async () => {
    const path = join(dir, 'text.wav');
    await writeFile(path, 'not audio at all, just text pretending');
    expect(await readWavInfo(path)).toBeNull();
  });
});
