// Triton's ModelConfig (our own schema subset, model-config-schema.ts) in the encodings Triton uses:
// text format (config.pbtxt), protobuf JSON for load-time `config` overrides, and Triton's JSON
// printing for GET …/config. A config is held as a plain object keyed by proto field names; a
// key's presence is protobuf's "has" (what matters for messages, e.g. `has_dynamic_batching`).
import { Enum, MapField, Type, type FieldBase } from "protobufjs";
import { modelConfigRoot } from "./model-config-schema";
import { parsePbtxt, type PbtxtMessage, type PbtxtScalar } from "./pbtxt";

export type ConfigObject = Record<string, unknown>;

/** The `inference.ModelConfig` message type (the schema is built on first use). */
export function modelConfigType(): Type {
  return modelConfigRoot().lookupType("inference.ModelConfig");
}

const INT_TYPES = new Set([
  "int32",
  "uint32",
  "sint32",
  "fixed32",
  "sfixed32",
  "int64",
  "uint64",
  "sint64",
  "fixed64",
  "sfixed64",
]);
const UNSIGNED = new Set(["uint32", "fixed32", "uint64", "fixed64"]);
const FLOAT_TYPES = new Set(["float", "double"]);

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function fieldByName(type: Type, name: string): FieldBase | undefined {
  return type.fields[name];
}

function defaultScalar(field: FieldBase): unknown {
  if (field.resolvedType instanceof Enum) {
    const first = Object.entries(field.resolvedType.values).find(([, v]) => v === 0);
    return first ? first[0] : Object.keys(field.resolvedType.values)[0];
  }
  if (INT_TYPES.has(field.type) || FLOAT_TYPES.has(field.type)) return 0;
  if (field.type === "bool") return false;
  if (field.type === "string") return "";
  if (field.type === "bytes") return "";
  throw new Error(`no default for field '${field.name}' of type ${field.type}`);
}

// ---------------------------------------------------------------------------------------------
// Text format (config.pbtxt) → config object
// ---------------------------------------------------------------------------------------------

class ConfigSchemaError extends Error {}

function textScalar(field: FieldBase, value: PbtxtScalar, typeName: string): unknown {
  const where = `${value.line}:${value.col}`;
  const fail = (what: string): never => {
    throw new ConfigSchemaError(`${where}: ${what} for field "${field.name}" in ${typeName}.`);
  };
  if (field.resolvedType instanceof Enum) {
    const values = field.resolvedType.values;
    if (value.kind === "identifier") {
      if (!(value.text in values)) {
        fail(`Unknown enumeration value of "${value.text}"`);
      }
      return value.text;
    }
    if (value.kind === "number" && /^-?\d+$/.test(value.text)) {
      const byId = field.resolvedType.valuesById[Number(value.text)];
      if (byId === undefined) fail(`Unknown enumeration value of "${value.text}"`);
      return byId;
    }
    return fail(`Expected identifier, got: ${value.text}`);
  }
  if (INT_TYPES.has(field.type)) {
    if (value.kind !== "number" || !/^-?(0[xX][0-9A-Fa-f]+|\d+)$/.test(value.text)) {
      return fail(`Expected integer, got: ${value.text}`);
    }
    const n = Number(value.text.startsWith("-") ? -Number(value.text.slice(1)) : value.text);
    if (UNSIGNED.has(field.type) && n < 0) fail(`Expected integer, got: ${value.text}`);
    return n;
  }
  if (FLOAT_TYPES.has(field.type)) {
    if (value.kind === "number") return Number(value.text.replace(/[fF]$/, ""));
    if (value.kind === "identifier" && /^-?(inf|infinity)$/i.test(value.text)) {
      return value.text.startsWith("-") ? -Infinity : Infinity;
    }
    if (value.kind === "identifier" && /^-?nan$/i.test(value.text)) return NaN;
    return fail(`Expected double, got: ${value.text}`);
  }
  if (field.type === "bool") {
    if (value.kind === "identifier" && /^(true|t|True)$/.test(value.text)) return true;
    if (value.kind === "identifier" && /^(false|f|False)$/.test(value.text)) return false;
    if (value.kind === "number" && (value.text === "1" || value.text === "0")) {
      return value.text === "1";
    }
    return fail(`Invalid value for boolean field "${field.name}". Value: "${value.text}"`);
  }
  if (field.type === "string" || field.type === "bytes") {
    if (value.kind !== "string") return fail(`Expected string, got: ${value.text}`);
    return value.text;
  }
  return fail(`Unsupported field type ${field.type}`);
}

function messageFromText(type: Type, msg: PbtxtMessage): ConfigObject {
  const out: ConfigObject = {};
  const seenSingular = new Set<string>();
  for (const f of msg.fields) {
    const field = fieldByName(type, f.name);
    if (!field) {
      throw new ConfigSchemaError(
        `${f.line}:${f.col}: Message type "${type.fullName.replace(/^\./, "")}" has no field named "${f.name}".`,
      );
    }
    if (field instanceof MapField) {
      if (f.value.kind !== "message") {
        throw new ConfigSchemaError(`${f.line}:${f.col}: Expected "{" for map field "${f.name}".`);
      }
      const entry = mapEntryFromText(field, f.value, type.name);
      const map = (out[field.name] ??= {}) as ConfigObject;
      map[entry.key] = entry.value;
      continue;
    }
    if (f.fromList && !field.repeated) {
      throw new ConfigSchemaError(
        `${f.line}:${f.col}: Field "${f.name}" is not repeated, so it cannot be set with a list.`,
      );
    }
    let value: unknown;
    if (field.resolvedType instanceof Type) {
      if (f.value.kind !== "message") {
        throw new ConfigSchemaError(`${f.line}:${f.col}: Expected "{", found "${f.value.text}".`);
      }
      value = messageFromText(field.resolvedType, f.value);
    } else {
      if (f.value.kind === "message") {
        throw new ConfigSchemaError(
          `${f.line}:${f.col}: Field "${f.name}" is a scalar; a message block is not allowed.`,
        );
      }
      value = textScalar(field, f.value, type.name);
    }
    if (field.repeated) {
      ((out[field.name] ??= []) as unknown[]).push(value);
    } else {
      if (seenSingular.has(field.name)) {
        throw new ConfigSchemaError(
          `${f.line}:${f.col}: Non-repeated field "${f.name}" is specified multiple times.`,
        );
      }
      if (field.partOf) {
        for (const other of field.partOf.fieldsArray) {
          if (other.name !== field.name && other.name in out) {
            throw new ConfigSchemaError(
              `${f.line}:${f.col}: Field "${f.name}" is specified along with field "${other.name}", another member of oneof "${field.partOf.name}".`,
            );
          }
        }
      }
      seenSingular.add(field.name);
      out[field.name] = value;
    }
  }
  return out;
}

function mapEntryFromText(
  field: MapField,
  entry: PbtxtMessage,
  typeName: string,
): { key: string; value: unknown } {
  let key: string | undefined;
  let value: unknown;
  for (const f of entry.fields) {
    if (f.name === "key") {
      if (f.value.kind === "message") {
        throw new ConfigSchemaError(`${f.line}:${f.col}: map key must be a scalar`);
      }
      key = String(
        textScalar({ name: "key", type: field.keyType } as FieldBase, f.value, typeName),
      );
    } else if (f.name === "value") {
      if (field.resolvedType instanceof Type) {
        if (f.value.kind !== "message") {
          throw new ConfigSchemaError(`${f.line}:${f.col}: Expected "{".`);
        }
        value = messageFromText(field.resolvedType, f.value);
      } else {
        if (f.value.kind === "message") {
          throw new ConfigSchemaError(`${f.line}:${f.col}: Expected a scalar.`);
        }
        value = textScalar(field, f.value, typeName);
      }
    } else {
      throw new ConfigSchemaError(`${f.line}:${f.col}: Map entry has no field named "${f.name}".`);
    }
  }
  if (value === undefined) {
    value = field.resolvedType instanceof Type ? {} : defaultScalar(field);
  }
  return { key: key ?? "", value };
}

/**
 * Parses config.pbtxt text into a config object, rejecting unknown fields, wrong value kinds and
 * repeated singular fields as protobuf's TextFormat parser does. Throws Error naming line:col.
 */
export function configFromPbtxt(text: string): ConfigObject {
  return messageFromText(modelConfigType(), parsePbtxt(text));
}

// ---------------------------------------------------------------------------------------------
// Protobuf JSON (load `config` override) → config object
// ---------------------------------------------------------------------------------------------

function jsonScalar(field: FieldBase, value: unknown, path: string): unknown {
  const fail = (): never => {
    throw new ConfigSchemaError(`invalid value ${JSON.stringify(value)} for field '${path}'`);
  };
  if (field.resolvedType instanceof Enum) {
    const values = field.resolvedType.values;
    if (typeof value === "string") {
      // JsonToModelConfig sets case_insensitive_enum_parsing = true.
      const match = Object.keys(values).find((k) => k.toUpperCase() === value.toUpperCase());
      return match ?? fail();
    }
    if (typeof value === "number" && Number.isInteger(value)) {
      return field.resolvedType.valuesById[value] ?? fail();
    }
    return fail();
  }
  if (INT_TYPES.has(field.type)) {
    let n: number;
    if (typeof value === "number") n = value;
    else if (typeof value === "string" && /^-?\d+$/.test(value)) n = Number(value);
    else return fail();
    if (!Number.isInteger(n) || (UNSIGNED.has(field.type) && n < 0)) fail();
    return n;
  }
  if (FLOAT_TYPES.has(field.type)) {
    if (typeof value === "number") return value;
    if (value === "NaN") return NaN;
    if (value === "Infinity") return Infinity;
    if (value === "-Infinity") return -Infinity;
    if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) {
      return Number(value);
    }
    return fail();
  }
  if (field.type === "bool") return typeof value === "boolean" ? value : fail();
  if (field.type === "string" || field.type === "bytes") {
    return typeof value === "string" ? value : fail();
  }
  return fail();
}

function messageFromJson(type: Type, json: unknown, path: string): ConfigObject {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ConfigSchemaError(`expected an object for '${path || type.name}'`);
  }
  const byJsonName = new Map<string, FieldBase>();
  for (const f of type.fieldsArray) {
    byJsonName.set(f.name, f);
    byJsonName.set(lowerCamel(f.name), f);
  }
  const out: ConfigObject = {};
  for (const [key, value] of Object.entries(json)) {
    const field = byJsonName.get(key);
    const fieldPath = path ? `${path}.${key}` : key;
    if (!field) {
      // JsonToModelConfig: ignore_unknown_fields = false (triton-contract.md §1.8).
      throw new ConfigSchemaError(
        `invalid JSON in ${type.fullName.replace(/^\./, "")} @ ${fieldPath}: no such field: '${key}'`,
      );
    }
    if (value === null) continue;
    if (field.name in out) {
      throw new ConfigSchemaError(`duplicate field '${field.name}' at '${fieldPath}'`);
    }
    if (field.partOf) {
      for (const other of field.partOf.fieldsArray) {
        if (other.name !== field.name && other.name in out) {
          throw new ConfigSchemaError(
            `field '${field.name}' and '${other.name}' are both set in oneof '${field.partOf.name}'`,
          );
        }
      }
    }
    if (field instanceof MapField) {
      if (typeof value !== "object" || Array.isArray(value)) {
        throw new ConfigSchemaError(`expected an object for map field '${fieldPath}'`);
      }
      const map: ConfigObject = {};
      for (const [k, v] of Object.entries(value as object)) {
        map[k] =
          field.resolvedType instanceof Type
            ? messageFromJson(field.resolvedType, v, `${fieldPath}[${k}]`)
            : jsonScalar(field, v, `${fieldPath}[${k}]`);
      }
      out[field.name] = map;
      continue;
    }
    const one = (v: unknown, p: string): unknown =>
      field.resolvedType instanceof Type
        ? messageFromJson(field.resolvedType, v, p)
        : jsonScalar(field, v, p);
    if (field.repeated) {
      if (!Array.isArray(value)) {
        throw new ConfigSchemaError(`expected an array for repeated field '${fieldPath}'`);
      }
      out[field.name] = value.map((v, i) => one(v, `${fieldPath}[${i}]`));
    } else {
      out[field.name] = one(value, fieldPath);
    }
  }
  return out;
}

/**
 * `JsonToModelConfig`: protobuf JSON with proto or lowerCamel field names, unknown fields rejected,
 * enums case-insensitive (triton-contract.md §1.8). Throws Error with the reason.
 */
export function configFromJson(text: string): ConfigObject {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigSchemaError(`invalid JSON: ${(e as Error).message}`);
  }
  return messageFromJson(modelConfigType(), json, "");
}

// ---------------------------------------------------------------------------------------------
// Config object → Triton's JSON (GET …/config)
// ---------------------------------------------------------------------------------------------

function printScalar(field: FieldBase, value: unknown): unknown {
  if (typeof value === "number" && FLOAT_TYPES.has(field.type) && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  }
  return value;
}

function printMessage(type: Type, msg: ConfigObject): ConfigObject {
  const out: ConfigObject = {};
  for (const field of type.fieldsArray) {
    const present = field.name in msg;
    const value = msg[field.name];
    if (field instanceof MapField) {
      const map: ConfigObject = {};
      for (const [k, v] of Object.entries((value as ConfigObject | undefined) ?? {})) {
        map[k] =
          field.resolvedType instanceof Type
            ? printMessage(field.resolvedType, v as ConfigObject)
            : printScalar(field, v);
      }
      out[field.name] = map;
    } else if (field.repeated) {
      const arr = (value as unknown[] | undefined) ?? [];
      out[field.name] = arr.map((v) =>
        field.resolvedType instanceof Type
          ? printMessage(field.resolvedType, v as ConfigObject)
          : printScalar(field, v),
      );
    } else if (field.resolvedType instanceof Type) {
      // Unset sub-messages (and unset oneof members) are omitted by MessageToJsonString.
      if (present) out[field.name] = printMessage(field.resolvedType, value as ConfigObject);
    } else if (field.partOf && !present) {
      // An unset oneof scalar member is not printed.
    } else {
      out[field.name] = printScalar(field, present ? value : defaultScalar(field));
    }
  }
  return out;
}

/**
 * `ModelConfigToJson` (triton-contract.md §1.5): protobuf JSON with proto field names kept, every
 * primitive field printed even at its default (always_print_primitive_fields), unset messages
 * omitted, fields in declaration order, and int64 values as numbers rather than strings.
 */
export function configToJson(config: ConfigObject): ConfigObject {
  return printMessage(modelConfigType(), config);
}

// ---------------------------------------------------------------------------------------------
// Config object → text format (for fixtures and file-override temp dirs)
// ---------------------------------------------------------------------------------------------

function quote(s: string): string {
  return JSON.stringify(s);
}

function textValue(field: FieldBase, value: unknown): string {
  if (field.type === "string" || field.type === "bytes") return quote(String(value));
  if (typeof value === "number" && !Number.isFinite(value)) {
    return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  }
  return String(value);
}

function messageToText(type: Type, msg: ConfigObject, indent: string): string {
  let out = "";
  for (const field of type.fieldsArray) {
    if (!(field.name in msg)) continue;
    const value = msg[field.name];
    if (field instanceof MapField) {
      for (const [k, v] of Object.entries(value as ConfigObject)) {
        const key = field.keyType === "string" ? quote(k) : k;
        const val =
          field.resolvedType instanceof Type
            ? `value {\n${messageToText(field.resolvedType, v as ConfigObject, `${indent}    `)}${indent}  }`
            : `value: ${textValue(field, v)}`;
        out += `${indent}${field.name} {\n${indent}  key: ${key}\n${indent}  ${val}\n${indent}}\n`;
      }
      continue;
    }
    const items = field.repeated ? (value as unknown[]) : [value];
    for (const item of items) {
      if (field.resolvedType instanceof Type) {
        out += `${indent}${field.name} {\n${messageToText(field.resolvedType, item as ConfigObject, `${indent}  `)}${indent}}\n`;
      } else {
        out += `${indent}${field.name}: ${textValue(field, item)}\n`;
      }
    }
  }
  return out;
}

/** Writes a config object as protobuf text format (`WriteTextProto`). */
export function configToPbtxt(config: ConfigObject): string {
  return messageToText(modelConfigType(), config, "");
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/**
 * `ConfigChangeRequiresReload` (core model_config_utils.cc): configs differ in anything other than
 * `instance_group` and `version_policy`. Compared on the defaults-printed form, so an explicit
 * default equals an absent scalar, as protobuf's MessageDifferencer treats proto3 scalars.
 */
export function configChangeRequiresReload(
  oldConfig: ConfigObject,
  newConfig: ConfigObject,
): boolean {
  const strip = (c: ConfigObject): string => {
    const printed = configToJson(c);
    delete printed.instance_group;
    delete printed.version_policy;
    return JSON.stringify(printed);
  };
  return strip(oldConfig) !== strip(newConfig);
}

export function cloneConfig(config: ConfigObject): ConfigObject {
  return structuredClone(config);
}
