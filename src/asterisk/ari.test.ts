import { randomBytes } from 'node:crypto';
import { waitFor } from '../../test/support/asterisk';
import { requireAsterisk, testEnv } from '../../test/support/env';
import { createLogger } from '../lib/log';
import { Ari, AriError, ariPath, withQuery } from './ari';

// The typed REST methods: paths escaped in one place, ARI's 404 as a plain "not found" answer
// where callers need one, every other error as an AriError with its status.

const ari = new Ari(
  {
    url: testEnv.ariUrl,
    username: testEnv.ariUsername,
    password: testEnv.ariPassword,
    app: 'sb-test-ari',
  },
  createLogger('silent'),
);

describe('paths and queries', () => {
  it('escapes every interpolated value as one path segment', () => {
    expect(ariPath`/channels/${'abc'}/play/${'p-1'}`).toBe('/channels/abc/play/p-1');
    expect(ariPath`/channels/${'../bridges/x'}`).toBe('/channels/..%2Fbridges%2Fx');
    expect(ariPath`/recordings/stored/${'a b?c#d'}/file`).toBe('/recordings/stored/a%20b%3Fc%23d/file');
    expect(ariPath`/asterisk/info`).toBe('/asterisk/info');
  });

  it('leaves out undefined parameters and repeats arrays', () => {
    expect(withQuery('/channels/x', { reason: undefined })).toBe('/channels/x');
    expect(withQuery('/p', { media: ['sound:a', 'digits:12&x'], lang: 'en' })).toBe(
      '/p?media=sound%3Aa&media=digits%3A12%26x&lang=en',
    );
  });
});

describe('typed ARI calls against Asterisk', () => {
  beforeAll(() => requireAsterisk());

  it('answers "not found" for missing resources, also for ids that look like other paths', async () => {
    const missing = `sb-test-missing-${randomBytes(4).toString('hex')}`;
    expect(await ari.getChannel(missing)).toBeNull();
    expect(await ari.getChannel(`${missing}/../../bridges`)).toBeNull();
    expect(await ari.hangup(missing)).toBe(false);
    expect(await ari.stopPlayback(missing)).toBe(false);
    expect(await ari.destroyBridge(missing)).toBe(false);
    expect(await ari.deleteStoredRecording(missing)).toBe(false);
    expect(await ari.getEndpoint('PJSIP', missing)).toBeNull();
    expect(await ari.objectExists('res_pjsip', 'endpoint', missing)).toBe(false);
  });

  it('throws an AriError with the status for other failures', async () => {
    const err = await ari
      .answer(`sb-test-missing-${randomBytes(4).toString('hex')}`)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AriError);
    expect((err as AriError).status).toBe(404);
    const unregistered = await ari.application('sb-test-no-such-app').catch((e: unknown) => e);
    expect((unregistered as AriError).status).toBe(404);
  });

  it('creates, lists and destroys a bridge', async () => {
    const id = `sb-test-bridge-${randomBytes(4).toString('hex')}`;
    const bridge = await ari.createBridge(id, 'mixing');
    try {
      expect(bridge.id).toBe(id);
      expect((await ari.listBridges()).map((b) => b.id)).toContain(id);
    } finally {
      expect(await ari.destroyBridge(id)).toBe(true);
    }
    // The bridge list is read from Stasis's cache, which the destroy updates a moment later
    // (seen under load): wait for it to go rather than read it once.
    await waitFor('the destroyed bridge to leave the list', async () =>
      (await ari.listBridges()).every((b) => b.id !== id),
    );
  });

  it('reads a module and the channel list', async () => {
    expect((await ari.getModule('res_pjsip.so')).status).toBe('Running');
    expect(Array.isArray(await ari.listChannels())).toBe(true);
  });
});
