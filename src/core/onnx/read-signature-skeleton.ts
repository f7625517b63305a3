// The graph of an ONNX file without its weights. A model file is one protobuf ModelProto whose
// weights sit inside it as TensorProto data fields (`raw_data` and the typed arrays), often
// hundreds of MiB, while the signature needs only names, types, shapes and external-data
// locations. So the file is walked field by field with positioned reads: every length-delimited
// field says how long it is, weight fields are stepped over by that length without being read,
// message fields are walked into, and everything else is copied. The result is a small, valid
// ModelProto (lengths re-encoded) that protobufjs decodes exactly as it would the whole file,
// minus tensor data nobody reads.
import type { FileHandle } from "node:fs/promises";
import { Type } from "protobufjs";

/** The file is not well-formed protobuf; the caller decodes it whole for the exact reason. */
export class MalformedProtobuf extends Error {}

// TensorProto data fields: float_data, int32_data, string_data, int64_data, raw_data, double_data,
// uint64_data (onnx.proto3). The signature reader never looks at tensor contents.
const TENSOR_DATA_FIELDS = new Set([4, 5, 6, 7, 9, 10, 11]);
const WINDOW_BYTES = 64 * 1024;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Reads `size` bytes of a file through a forward-moving window (one read per window). */
class FileWindow {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  /** Bytes actually read from the file, for the benchmark's "reads only the graph" figure. */
  bytesRead = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /**
   * `length` bytes at `offset`. The returned view stays valid: each window is a new buffer.
   * Throws MalformedProtobuf when the range runs past the end of the file.
   */
  async bytes(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.size) {
      throw new MalformedProtobuf(`${offset} + ${length} > ${this.size}`);
    }
    if (offset < this.start || offset + length > this.start + this.buffer.length) {
      const want = Math.min(Math.max(length, WINDOW_BYTES), this.size - offset);
      const buffer = Buffer.allocUnsafe(want);
      let filled = 0;
      while (filled < want) {
        const { bytesRead } = await this.handle.read(
          buffer,
          filled,
          want - filled,
          offset + filled,
        );
        if (bytesRead === 0) throw new MalformedProtobuf(`the file ended at ${offset + filled}`);
        filled += bytesRead;
      }
      this.bytesRead += want;
      this.buffer = buffer;
      this.start = offset;
    }
    return this.buffer.subarray(offset - this.start, offset - this.start + length);
  }

  /** A base-128 varint at `offset` (before `end`): its value and the offset after it. */
  async varint(offset: number, end: number): Promise<[value: number, next: number]> {
    const bytes = await this.bytes(offset, Math.min(10, end - offset));
    let value = 0;
    let scale = 1;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return [value, offset + i + 1];
      scale *= 128;
    }
    throw new MalformedProtobuf(`unterminated varint at ${offset}`);
  }
}

/**
 * The ModelProto of `handle` (a file of `size` bytes) with every tensor's data left out, and how
 * many bytes were read to build it. Throws MalformedProtobuf for a file that is not well-formed.
 */
export async function readModelSkeleton(
  handle: FileHandle,
  size: number,
  modelType: Type,
): Promise<{ skeleton: Uint8Array; bytesRead: number }> {
  const window = new FileWindow(handle, size);
  const parts = await messageSkeleton(window, 0, size, modelType);
  return { skeleton: Buffer.concat(parts), bytesRead: window.bytesRead };
}

async function messageSkeleton(
  window: FileWindow,
  start: number,
  end: number,
  type: Type,
): Promise<Uint8Array[]> {
  const parts: Uint8Array[] = [];
  const isTensor = type.name === "TensorProto";
  let at = start;
  while (at < end) {
    const [tag, afterTag] = await window.varint(at, end);
    const fieldId = Math.floor(tag / 8);
    const wireType = tag % 8;
    let next: number;
    if (wireType === WIRE_VARINT) next = (await window.varint(afterTag, end))[1];
    else if (wireType === WIRE_FIXED64) next = afterTag + 8;
    else if (wireType === WIRE_FIXED32) next = afterTag + 4;
    else if (wireType === WIRE_LENGTH_DELIMITED) {
      const [length, payload] = await window.varint(afterTag, end);
      next = payload + length;
      if (next > end) {
        throw new MalformedProtobuf(`field ${fieldId} at ${at} runs past its message`);
      }
      if (isTensor && TENSOR_DATA_FIELDS.has(fieldId)) {
        at = next; // the weights: stepped over, never read
        continue;
      }
      const child = messageFieldType(type, fieldId);
      if (child !== undefined) {
        const inner = await messageSkeleton(window, payload, next, child);
        const innerLength = inner.reduce((sum, p) => sum + p.byteLength, 0);
        parts.push(encodeVarint(tag), encodeVarint(innerLength), ...inner);
        at = next;
        continue;
      }
    } else {
      // Groups (3, 4) are not used by ONNX; 6 and 7 do not exist.
      throw new MalformedProtobuf(`wire type ${wireType} at ${at}`);
    }
    if (next > end) throw new MalformedProtobuf(`field ${fieldId} at ${at} runs past its message`);
    parts.push(await window.bytes(at, next - at));
    at = next;
  }
  return parts;
}

/** The message type of field `id` of `type`, or undefined for scalars, enums and unknown fields. */
function messageFieldType(type: Type, id: number): Type | undefined {
  const field = type.fieldsById[id];
  if (field === undefined) return undefined;
  const resolved = field.resolve().resolvedType;
  return resolved instanceof Type ? resolved : undefined;
}

/** A base-128 varint (protobuf's encoding of lengths and tags). */
export function encodeVarint(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}
