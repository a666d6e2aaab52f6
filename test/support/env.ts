// Facts about the test machine, exported by scripts/test.sh before jest starts.
export const testEnv = {
  mysqlServer: process.env['TEST_MYSQL_SERVER'] ?? 'mysql://root@127.0.0.1:3306',
  ariUrl: process.env['ARI_URL'] ?? 'http://127.0.0.1:8088',
  ariUsername: process.env['ARI_USERNAME'] ?? 'switchboard',
  ariPassword: process.env['ARI_PASSWORD'] ?? '',
  sipPort: Number(process.env['SIP_PORT'] ?? 5060),
  sandboxDir: process.env['SANDBOX_DIR'] ?? '/var/cache/switchboard/asterisk-sid',
  asteriskConfigDir: process.env['ASTERISK_CONFIG_DIR'] ?? '',
  asteriskSpoolDir:
    process.env['ASTERISK_SPOOL_DIR'] ??
    `${process.env['SANDBOX_DIR'] ?? '/var/cache/switchboard/asterisk-sid'}/var/spool/asterisk`,
  asteriskSoundsDir:
    process.env['ASTERISK_SOUNDS_DIR'] ??
    `${process.env['SANDBOX_DIR'] ?? '/var/cache/switchboard/asterisk-sid'}/usr/share/asterisk/sounds`,
  asteriskLogDir:
    process.env['ASTERISK_LOG_DIR'] ??
    `${process.env['SANDBOX_DIR'] ?? '/var/cache/switchboard/asterisk-sid'}/var/log/asterisk`,
  sandboxScript: `${__dirname}/../../scripts/asterisk-sandbox.sh`,
};

export function requireAsterisk(): void {
  if (!testEnv.ariPassword || !testEnv.asteriskConfigDir) {
    throw new Error(
      'ARI_PASSWORD and ASTERISK_CONFIG_DIR are unset: run the suite with `npm test` (scripts/test.sh)',
    );
  }
}
