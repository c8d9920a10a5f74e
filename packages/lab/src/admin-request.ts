import { UserError } from '@cdn-lab/common';

/** One JSON request to a role's admin API; failures become one-line UserErrors. */
export async function adminRequest(
  url: string,
  method: 'POST' | 'DELETE',
  body: unknown,
  token: string | undefined,
): Promise<unknown> {
  let answer: Response;
  try {
    answer = await fetch(url, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    throw new UserError(`no admin API answers at ${url} (${cause}); is the lab up?`);
  }
  const text = await answer.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: reported below by status
  }
  if (!answer.ok) {
    const message = (json as { error?: unknown } | null)?.error;
    throw new UserError(
      `${method} ${url}: ${answer.status} ${typeof message === 'string' ? message : text.trim()}`,
    );
  }
  return json;
}
