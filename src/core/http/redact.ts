/** Query parameters whose values are secrets wherever they appear (tokens, presigned-URL signatures). */
function isSecretParam(name: string): boolean {
  return /token|password|passwd|secret|signature|sig$|credential|api[-_]?key|^key$|auth/i.test(
    name,
  );
}

/**
 * The URL with user-info and secret-looking query values replaced by `***`, safe to put in an
 * error message or a log line (design.md invariant 5).
 */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url.toString());
  } catch {
    return "<unparseable URL>";
  }
  if (parsed.username) parsed.username = "***";
  if (parsed.password) parsed.password = "***";
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretParam(name)) parsed.searchParams.set(name, "***");
  }
  return parsed.toString();
}
