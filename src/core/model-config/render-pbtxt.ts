// config.pbtxt in protobuf text format, in the layout of Triton's documentation
// (https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md): fields in a fixed order, lists in `[ … ]`, two-space
// indentation. Deterministic: the same config always renders to the same bytes, so a re-run that
// changes nothing rewrites nothing, and a diff of two committed configs shows only real changes.
import type { TritonModelConfig, TritonTensorConfig, TritonVersionPolicy } from "./types";

export interface RenderPbtxtOptions {
  /** Comment lines written at the top (each prefixed with `# `). @default none */
  readonly header?: readonly string[];
}

export function renderConfigPbtxt(
  config: TritonModelConfig,
  options: RenderPbtxtOptions = {},
): string {
  const lines: string[] = (options.header ?? []).map((h) => (h === "" ? "#" : `# ${h}`));
  lines.push(
    `name: ${quote(config.name)}`,
    `platform: ${quote(config.platform)}`,
    `max_batch_size: ${integer(config.max_batch_size)}`,
    ...versionPolicy(config.version_policy),
    ...messageList("input", config.input.map(tensor)),
    ...messageList("output", config.output.map(tensor)),
    ...messageList(
      "instance_group",
      config.instance_group.map((g) => [`kind: ${g.kind}`, `count: ${integer(g.count)}`]),
    ),
  );
  const batching = config.dynamic_batching;
  if (batching) {
    lines.push(
      ...block("dynamic_batching", [
        ...(batching.preferred_batch_size.length > 0
          ? [`preferred_batch_size: ${numberList(batching.preferred_batch_size)}`]
          : []),
        `max_queue_delay_microseconds: ${integer(batching.max_queue_delay_microseconds)}`,
      ]),
    );
  }
  return `${lines.join("\n")}\n`;
}

function versionPolicy(policy: TritonVersionPolicy): string[] {
  if ("specific" in policy) {
    return block("version_policy", [
      ...block("specific", [`versions: ${numberList(policy.specific.versions)}`]),
    ]);
  }
  if ("latest" in policy) {
    return block("version_policy", [
      ...block("latest", [`num_versions: ${integer(policy.latest.num_versions)}`]),
    ]);
  }
  return block("version_policy", ["all {}"]);
}

function tensor(t: TritonTensorConfig): string[] {
  return [
    `name: ${quote(t.name)}`,
    `data_type: ${t.data_type}`,
    `dims: ${numberList(t.dims)}`,
    ...(t.reshape ? block("reshape", [`shape: ${numberList(t.reshape.shape)}`]) : []),
  ];
}

function block(field: string, body: string[]): string[] {
  return [`${field} {`, ...indent(body), "}"];
}

// `field [ {…}, {…} ]`: text format's list syntax for repeated messages, as Triton's docs write it.
function messageList(field: string, messages: string[][]): string[] {
  if (messages.length === 0) return [];
  const items = messages.flatMap((body, i) => {
    const close = i < messages.length - 1 ? "}," : "}";
    return ["{", ...indent(body), close];
  });
  return [`${field} [`, ...indent(items), "]"];
}

function indent(lines: string[]): string[] {
  return lines.map((l) => `  ${l}`);
}

function numberList(values: readonly number[]): string {
  return `[${values.map(integer).join(", ")}]`;
}

function integer(value: number): string {
  if (!Number.isSafeInteger(value)) {
    throw new Error(`config.pbtxt: ${value} is not an integer a config field can hold`);
  }
  return String(value);
}

/** A text-format string literal: C escapes for quotes, backslashes and control characters. */
export function quote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\${code.toString(8).padStart(3, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}
