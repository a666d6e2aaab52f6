// Grammars shared by the request schemas and the config helpers, so validation and rendering
// agree on exactly what may reach a dialplan line.

// An Asterisk dial pattern: `_` then digits, X Z N, `[...]` digit sets, `*` `+`, ending in an
// optional `.` or `!`; or plain digits (an exact number, optionally with a leading +).
export const DIAL_PATTERN = /^(?:_(?:[0-9XZNxzn*+]|\[(?:[0-9](?:-[0-9])?)+\])+[.!]?|\+?[0-9*]{1,30})$/;

export const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const IPV4_OR_CIDR =
  /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\/(?:3[0-2]|[12]?\d))?$/;
