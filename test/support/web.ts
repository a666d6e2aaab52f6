// A signed-in browser session without a browser: the web pages' suites sign in through the real
// /login form, read the CSRF token from a page, then GET pages and POST forms with the cookie.

import { noteSecret, noteSecretsIn } from './secret-ledger';

export interface WebSession {
  cookie: string;
  csrf: string;
  // The HTML of the page that was loaded to read the CSRF token.
  pageHtml: string;
  // GET with the session's cookie; redirects are answered, not followed.
  get(path: string): Promise<Response>;
  // GET with the session's cookie, following redirects, and the body as text.
  text(path: string): Promise<string>;
  // POST a form (with the CSRF token added); redirects are answered, not followed.
  post(path: string, form: Record<string, string>): Promise<Response>;
}

// POSTs the sign-in form; extra headers (such as x-forwarded-for) go with it.
export function postLogin(
  app: { url: string },
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  noteSecret(password);
  return fetch(`${app.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ username, password }).toString(),
  });
}

// Signs in (failing unless the form answers 303 with a session cookie) and reads the CSRF token
// from `page`.
export async function signIn(
  app: { url: string },
  username: string,
  password: string,
  page: string,
): Promise<WebSession> {
  const login = await postLogin(app, username, password);
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  if (login.status !== 303 || !cookie) {
    throw new Error(`signing in as ${username} answered ${login.status}${cookie ? '' : ' without a cookie'}`);
  }
  const pageHtml = await (await fetch(`${app.url}${page}`, { headers: { cookie } })).text();
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(pageHtml)?.[1];
  if (!csrf) throw new Error(`${page} has no CSRF token for ${username}`);
  return {
    cookie,
    csrf,
    pageHtml,
    get: (path) => fetch(`${app.url}${path}`, { redirect: 'manual', headers: { cookie } }),
    text: async (path) => (await fetch(`${app.url}${path}`, { headers: { cookie } })).text(),
    post: (path, form) => {
      noteSecretsIn(form);
      return fetch(`${app.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
      });
    },
  };
}

// A session signed in before the suite's (or describe block's) first test; the returned object
// forwards to it.
export function useSignIn(
  app: { url: string },
  username: string,
  password: string,
  page: string,
): WebSession {
  let current: WebSession | undefined;
  beforeAll(async () => {
    current = await signIn(app, username, password, page);
  });
  return new Proxy({} as WebSession, {
    get(_target, prop) {
      if (!current)
        throw new Error(`${username} is not signed in yet (use the session inside a test or hook)`);
      return current[prop as keyof WebSession];
    },
  });
}

// Fetches a page as text and checks that it holds every one of `snippets`; returns the HTML for
// the caller's further checks.
export async function expectPage(
  session: WebSession,
  path: string,
  snippets: readonly string[],
): Promise<string> {
  const html = await (await session.get(path)).text();
  for (const snippet of snippets) expect(html).toContain(snippet);
  return html;
}
