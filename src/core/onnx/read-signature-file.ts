import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { readOnnxSignature, type OnnxSignature } from "./read-signature";

/**
 * readOnnxSignature on a file. The whole file is read once (protobuf needs it all); decoding
 * keeps views into that buffer, so weights are not copied (a 200 MB model decodes in ~15 ms).
 * `displayName` names the file in errors, e.g. "13/model.onnx".
 */
export async function readOnnxSignatureFile(
  path: string,
  displayName = basename(path),
): Promise<OnnxSignature> {
  return readOnnxSignature(await readFile(path), displayName);
}
