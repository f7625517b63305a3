import { open, readFile } from "node:fs/promises";
import { basename } from "node:path";
import { onnxModelProto } from "./onnx-schema";
import { readOnnxSignature, type OnnxSignature } from "./read-signature";
import { MalformedProtobuf, readModelSkeleton } from "./read-signature-skeleton";

/**
 * readOnnxSignature on a file, reading only the graph: tensor data inside the file is stepped
 * over, not read (read-signature-skeleton.ts), so a 200 MiB single-file model costs a few small
 * reads instead of 200 MiB. A file that is not well-formed protobuf is decoded whole so that the
 * error says exactly what protobuf decoding says. `displayName` names the file in errors, e.g.
 * "13/model.onnx".
 */
export async function readOnnxSignatureFile(
  path: string,
  displayName = basename(path),
): Promise<OnnxSignature> {
  return (await readOnnxSignatureFileCounted(path, displayName)).signature;
}

/** The same, with the number of bytes read from the file (for the benchmark). */
export async function readOnnxSignatureFileCounted(
  path: string,
  displayName = basename(path),
): Promise<{ signature: OnnxSignature; bytesRead: number }> {
  const handle = await open(path, "r");
  let skeleton: { skeleton: Uint8Array; bytesRead: number };
  try {
    const { size } = await handle.stat();
    skeleton = await readModelSkeleton(handle, size, onnxModelProto());
  } catch (error) {
    if (!(error instanceof MalformedProtobuf)) throw error;
    const whole = await readFile(path);
    return { signature: readOnnxSignature(whole, displayName), bytesRead: whole.length };
  } finally {
    await handle.close();
  }
  return {
    signature: readOnnxSignature(skeleton.skeleton, displayName),
    bytesRead: skeleton.bytesRead,
  };
}
