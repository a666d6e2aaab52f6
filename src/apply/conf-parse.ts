export interface ConfSection {
  name: string;
  vars: Array<[string, string]>;
}

// Reads back the files Switchboard generated (not arbitrary Asterisk config): sections and
// `key = value` lines, comments and blank lines skipped.
export function parseConf(content: string): ConfSection[] {
  const sections: ConfSection[] = [];
  let current: ConfSection | null = null;
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]/.exec(line);
    if (header) {
      current = { name: header[1]!, vars: [] };
      sections.push(current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0) current.vars.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}
