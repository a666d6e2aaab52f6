// Wall-clock arithmetic in IANA time zones, on Intl's zone data (DST rules included).

// Whether Intl knows the zone (it also takes offsets such as "+01:00"; callers that want names
// only check the form first).
export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

// One formatter per zone: Intl construction costs far more than formatting.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

// What the wall clock in tz shows at an instant.
export function localParts(at: Date, tz: string): LocalParts {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(at))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const year = p['year'] ?? 0;
  const month = p['month'] ?? 1;
  const day = p['day'] ?? 1;
  return {
    year,
    month,
    day,
    hour: p['hour'] ?? 0,
    minute: p['minute'] ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

// The instant the wall clock in tz shows that local time. Day/month overflow is normalised
// (day 0 is the last day of the previous month); a time skipped by a DST jump maps forward by the gap.
export function zonedTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  tz: string,
): Date {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  let previous = wanted;
  for (let i = 0; i < 4; i++) {
    const p = localParts(new Date(guess), tz);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    if (shown === wanted) return new Date(guess);
    previous = guess;
    guess += wanted - shown;
  }
  // No instant shows that time (a spring-forward gap): the guesses alternate around it; the
  // later one is the time pushed forward by the gap, as clocks themselves do.
  return new Date(Math.max(guess, previous));
}
