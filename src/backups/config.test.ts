import { loadConfig } from '../config';

// The backup settings as the process reads them: defaults, "off", and a clear refusal.
describe('backup settings', () => {
  const config = (env: Record<string, string>) =>
    loadConfig({ ARI_PASSWORD: 'x', SWITCHBOARD_STATE_DIR: '/srv/sb', ...env }).backup;

  it('default to a daily backup at 02:30 into the state folder, 14 kept, no recordings, no key', () => {
    expect(config({})).toEqual({
      dir: '/srv/sb/backups',
      schedule: '30 2 * * *',
      keep: 14,
      recordings: false,
      passphrase: null,
    });
  });

  it('turn the schedule off when BACKUP_SCHEDULE is empty', () => {
    expect(config({ BACKUP_SCHEDULE: '' }).schedule).toBeNull();
    expect(config({ BACKUP_SCHEDULE: '0 */6 * * *', BACKUP_DIR: '/mnt/b', BACKUP_KEEP: '3' })).toMatchObject({
      schedule: '0 */6 * * *',
      dir: '/mnt/b',
      keep: 3,
    });
  });

  it('refuse a schedule that is not a cron expression, a keep of 0 and a short passphrase, naming them', () => {
    expect(() => config({ BACKUP_SCHEDULE: 'every night' })).toThrow(
      /BACKUP_SCHEDULE: must be a cron expression/,
    );
    expect(() => config({ BACKUP_KEEP: '0' })).toThrow(/BACKUP_KEEP/);
    expect(() => config({ BACKUP_PASSPHRASE: 'short' })).toThrow(/BACKUP_PASSPHRASE: must be at least 12/);
  });
});
