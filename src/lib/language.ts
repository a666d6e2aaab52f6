import { z } from 'zod';

// A language code as Asterisk uses it: a greeting variant's directory under the sounds dir
// (src/greetings/files.ts) and the channel language that picks it (an endpoint's `language`,
// `Set(CHANNEL(language)=…)` in the dialplan). Nothing but this shape reaches either.
export const LANGUAGE = /^[a-z]{2}(_[A-Z]{2})?$/;
export const Language = z.string().regex(LANGUAGE, 'a language code like en, fr or en_GB');

// What a channel speaks when nothing chose a language (the endpoint's and trunk's default).
export const DEFAULT_LANGUAGE = 'en';

// Offered in the forms' datalists; any code of the shape above is accepted.
export const LANGUAGE_SUGGESTIONS = [
  'en',
  'en_GB',
  'en_US',
  'fr',
  'fr_BE',
  'nl',
  'nl_BE',
  'de',
  'es',
  'it',
  'pt',
];
