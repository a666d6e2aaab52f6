// The battery every config-bound string must survive: each of these would change the structure
// of an Asterisk config file or a dialplan line if it got through.
export const HOSTILE: readonly string[] = [
  'a\nb',
  'a\rb',
  'x;comment',
  '[section]',
  'a]b',
  '#include /etc/passwd',
  '#exec /bin/sh',
  '${SHELL(id)}',
  '$[1+1]',
  'nul\0byte',
];
