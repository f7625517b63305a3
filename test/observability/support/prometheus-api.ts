// Minimal clients for the HTTP APIs of a local Prometheus and Alertmanager.
export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}

export async function promQuery(baseUrl: string, expr: string): Promise<PromSample[]> {
  const body = (await getJson(`${baseUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)) as {
    status: string;
    data: { resultType: string; result: PromSample[] };
  };
  if (body.data.resultType !== "vector") {
    throw new Error(`query ${expr}: expected a vector, got ${body.data.resultType}`);
  }
  return body.data.result;
}

/** Values of `label` on series matching `selector` (what Grafana's label_values() asks). */
export async function promLabelValues(
  baseUrl: string,
  label: string,
  selector: string,
): Promise<string[]> {
  const body = (await getJson(
    `${baseUrl}/api/v1/label/${label}/values?match[]=${encodeURIComponent(selector)}`,
  )) as { data: string[] };
  return body.data;
}

export interface PromAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: "pending" | "firing";
  readonly value: string;
}

export async function promAlerts(baseUrl: string): Promise<PromAlert[]> {
  const body = (await getJson(`${baseUrl}/api/v1/alerts`)) as { data: { alerts: PromAlert[] } };
  return body.data.alerts;
}

export interface AmAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly receivers: { name: string }[];
  readonly status: { state: string; inhibitedBy: string[]; silencedBy: string[] };
}

export async function amAlerts(baseUrl: string): Promise<AmAlert[]> {
  return (await getJson(`${baseUrl}/api/v2/alerts`)) as AmAlert[];
}

export async function amPostAlerts(
  baseUrl: string,
  alerts: { labels: Record<string, string>; annotations?: Record<string, string> }[],
): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(alerts),
  });
  if (!res.ok) throw new Error(`POST alerts: ${res.status} ${await res.text()}`);
}

/** Resolves once `url` answers 200 (Prometheus/Alertmanager `/-/ready`), else throws. */
export async function isReady(url: string): Promise<true | undefined> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.ok ? true : undefined;
}
