// Errors of API calls as text a user can act on: the API's own Status message
// (kubernetes-contract.md §1.3, §1.4), the HTTP code and what we were doing.

export interface ApiStatus {
  readonly code: number;
  readonly reason?: string;
  readonly message?: string;
}

/** The Status of a failed client-node call (its ApiException carries code and body). */
export function apiStatusOf(error: unknown): ApiStatus | undefined {
  const e = error as { code?: unknown; body?: unknown } | null;
  if (e === null || typeof e !== "object" || typeof e.code !== "number") return undefined;
  let body: unknown = e.body;
  if (typeof e.body === "string") {
    const text = e.body;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      return { code: e.code, message: text };
    }
  }
  const status = (body ?? {}) as { reason?: unknown; message?: unknown };
  return {
    code: e.code,
    ...(typeof status.reason === "string" ? { reason: status.reason } : {}),
    ...(typeof status.message === "string" ? { message: status.message } : {}),
  };
}

export class KubernetesApiError extends Error {
  constructor(
    readonly action: string,
    readonly status: ApiStatus | undefined,
    cause: unknown,
  ) {
    const why =
      status === undefined
        ? String((cause as Error)?.message ?? cause)
        : `${status.code}${status.reason !== undefined ? ` ${status.reason}` : ""}: ${status.message ?? "no message"}`;
    super(`${action}: ${why}`, { cause });
    this.name = "KubernetesApiError";
  }
}

/** Run an API call; a failure becomes a KubernetesApiError naming `action`. */
export async function apiCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new KubernetesApiError(action, apiStatusOf(error), error);
  }
}
