// Container image references: `[registry/]repository[:tag][@sha256:<64 hex>]`. A registry host may
// carry a port (`registry:5000/triton`), so the tag is what follows the last ':' after the last '/'.

export interface ImageReference {
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

export function parseImage(image: string): ImageReference {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const tagged = colon > slash;
  return {
    repository: tagged ? name.slice(0, colon) : name,
    tag: tagged ? name.slice(colon + 1) : undefined,
    digest,
  };
}

/** `sha256:` and 64 lower-case hex digits: the only digest form Kubernetes pulls by. */
export function isPinnedByDigest(image: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(parseImage(image).digest ?? "");
}
