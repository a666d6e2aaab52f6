// Which Asterisk module reads which generated file. Apply reloads exactly the modules whose
// file changed; features never name modules.
export const MODULE_FOR_FILE: Readonly<Record<string, string>> = {
  'extensions.conf': 'pbx_config.so',
  'pjsip.conf': 'res_pjsip.so',
  // Trunks change rarely and hold registration/identify objects ARI cannot push: reloaded.
  'pjsip_trunks.conf': 'res_pjsip.so',
  // Banned addresses (a PJSIP ACL object): a reload keeps calls and registrations.
  'pjsip_acl.conf': 'res_pjsip.so',
  'voicemail.conf': 'app_voicemail.so',
  'queues.conf': 'app_queue.so',
  'musiconhold.conf': 'res_musiconhold.so',
};

// Generated files whose objects Switchboard pushes through ARI push configuration.
export const PJSIP_FILE = 'pjsip.conf';

// Above this many object changes one reload is cheaper than pushing them one by one.
export const MAX_PUSHED_OBJECTS = 300;

export function moduleFor(file: string): string {
  const module = MODULE_FOR_FILE[file];
  if (!module) throw new Error(`no Asterisk module is known to read ${file}`);
  return module;
}
