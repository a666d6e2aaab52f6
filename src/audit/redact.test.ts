import { isSecretKey, REDACTED, redact } from './redact';

describe('audit redaction', () => {
  it('hides every secret-named value, at any depth, and keeps the rest as it was', () => {
    const body = {
      number: '1001',
      sip_secret: 'Sip-Secret-111111',
      smtpPassword: 'smtp-pass-2',
      voicemail: { pin: '918273', email: 'a@example.com' },
      steps: [{ target: '1002', auth_username: 'u-1' }, { api_token: 'tok-3' }],
      totp_secret: 'JBSWY3DPEHPK3PXP',
      recovery_codes: ['rc-1', 'rc-2'],
      password_hash: '$argon2id$…',
      private_key: 'PEM',
      csrf: 'c',
    };
    const out = redact(body) as Record<string, unknown>;
    expect(out).toEqual({
      number: '1001',
      sip_secret: REDACTED,
      smtpPassword: REDACTED,
      voicemail: { pin: REDACTED, email: 'a@example.com' },
      steps: [{ target: '1002', auth_username: REDACTED }, { api_token: REDACTED }],
      totp_secret: REDACTED,
      recovery_codes: REDACTED,
      password_hash: REDACTED,
      private_key: REDACTED,
      csrf: REDACTED,
    });
    expect(body.sip_secret).toBe('Sip-Secret-111111');
  });

  it('keeps words that merely contain a secret word, an IVR key, booleans and nulls', () => {
    expect(
      ['ping', 'keypad', 'spin', 'key', 'sort_key', 'passthrough', 'pinned_by'].filter(isSecretKey),
    ).toEqual([]);
    expect(redact({ key: '1', skip_pin_from_own_phone: true, pin: null, password: undefined })).toEqual({
      key: '1',
      skip_pin_from_own_phone: true,
      pin: null,
      password: undefined,
    });
  });

  it('describes a raw body (a CSV import) instead of copying lines that may carry secrets', () => {
    expect(redact('number,sip_secret\n1001,Sip-Secret-111111\n')).toBe('[text, 41 characters]');
    expect(redact(Buffer.from('abc'))).toBe('[binary, 3 bytes]');
  });

  it('describes a multi-line or long text under any key (the CSV pasted into the import form)', () => {
    const csv = 'number,display_name,sip_secret\n1001,Ann,Sip-Secret-222222222\n';
    expect(redact({ csv, dry_run: 'on', name: 'Ann' })).toEqual({
      csv: `[text, ${csv.length} characters]`,
      dry_run: 'on',
      name: 'Ann',
    });
    expect(redact({ note: 'x'.repeat(501) })).toEqual({ note: '[text, 501 characters]' });
  });
});
