// The API server's error and success bodies (kubernetes-contract.md §1.3, §1.4, §4.3, §6.2):
// `Status` objects with the field order the server writes and the exact message texts.

/** A resource as the messages name it: `jobs.batch`, `pods` (core group has no suffix). */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field: string;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
  };
  code?: number;
}

/** An error the routes throw; the server answers `code` with `body`. */
export class StatusError extends Error {
  constructor(readonly body: StatusBody) {
    super(body.message);
    this.name = "StatusError";
  }

  get code(): number {
    return this.body.code ?? 500;
  }
}

export function qualified(gr: GroupResource): string {
  return gr.group === "" ? gr.resource : `${gr.resource}.${gr.group}`;
}

// §1.3: details name the *resource* in `kind`; empty fields are omitted, core group has no group.
function details(gr: GroupResource, name: string): NonNullable<StatusBody["details"]> {
  return {
    ...(name !== "" ? { name } : {}),
    ...(gr.group !== "" ? { group: gr.group } : {}),
    kind: gr.resource,
  };
}

function failure(
  code: number,
  reason: string,
  message: string,
  det?: StatusBody["details"],
): StatusError {
  return new StatusError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(det !== undefined ? { details: det } : {}),
    code,
  });
}

export const statusErrors = {
  notFound: (gr: GroupResource, name: string) =>
    failure(404, "NotFound", `${qualified(gr)} "${name}" not found`, details(gr, name)),
  alreadyExists: (gr: GroupResource, name: string) =>
    failure(409, "AlreadyExists", `${qualified(gr)} "${name}" already exists`, details(gr, name)),
  conflict: (gr: GroupResource, name: string) =>
    failure(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualified(gr)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      details(gr, name),
    ),
  // §1.4: NewForbidden around forbiddenMessage; the name part only when the request names one.
  forbidden: (
    gr: GroupResource,
    name: string,
    user: string,
    verb: string,
    subresource: string,
    namespace: string,
  ) => {
    const resource = subresource === "" ? gr.resource : `${gr.resource}/${subresource}`;
    const why = `User "${user}" cannot ${verb} resource "${resource}" in API group "${gr.group}" in the namespace "${namespace}"`;
    const subject = name === "" ? qualified(gr) : `${qualified(gr)} "${name}"`;
    return failure(403, "Forbidden", `${subject} is forbidden: ${why}`, details(gr, name));
  },
  unauthorized: () => failure(401, "Unauthorized", "Unauthorized"),
  // §4.3: an expired watch resourceVersion (sent as an ERROR event, not as an HTTP error).
  expired: (requested: number, oldest: number) =>
    failure(410, "Expired", `too old resource version: ${requested} (${oldest})`),
  badRequest: (message: string) => failure(400, "BadRequest", message),
  methodNotAllowed: (gr: GroupResource, verb: string) =>
    failure(
      405,
      "MethodNotAllowed",
      `${verb} is not supported on resources of kind "${qualified(gr)}"`,
      { kind: gr.resource, ...(gr.group !== "" ? { group: gr.group } : {}) },
    ),
  // §6.2: NewInvalid names the *kind*; causes carry each field error.
  invalid: (kind: string, group: string, name: string, causes: StatusCause[]) => {
    const texts = causes.map((c) => `${c.field}: ${c.message}`);
    const joined = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
    const qualifiedKind = group === "" ? kind : `${kind}.${group}`;
    return failure(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${joined}`, {
      name,
      ...(group !== "" ? { group } : {}),
      kind,
      causes,
    });
  },
};

// §1.3: the answer to a DELETE that removed the object at once (no `code`).
export function deletedStatus(gr: GroupResource, name: string, uid: string): StatusBody {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { ...details(gr, name), uid },
  };
}
