// The error surface of the MLflow-compatible test server: the JSON envelope MLflow's handlers
// produce from an MlflowException, and the non-JSON bodies that Flask, the basic-auth app and
// the `--no-serve-artifacts` / `--artifacts-only` guards produce instead. Clients must cope with
// both kinds, so both are reproduced byte for byte where the contract gives the text.

// mlflow-contract.md §4: error_code → HTTP status; any code not in the table maps to 500.
const ERROR_CODE_TO_HTTP_STATUS: Readonly<Record<string, number>> = {
  RESOURCE_DOES_NOT_EXIST: 404,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  // mlflow-contract.md §4: RESOURCE_ALREADY_EXISTS is 400, not 409.
  RESOURCE_ALREADY_EXISTS: 400,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  CUSTOMER_UNAUTHORIZED: 401,
  ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
  ABORTED: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  NOT_IMPLEMENTED: 501,
  DEADLINE_EXCEEDED: 504,
  CANCELLED: 499,
};

export function httpStatusForErrorCode(code: string): number {
  return ERROR_CODE_TO_HTTP_STATUS[code] ?? 500;
}

/** An MlflowException: rendered as `{"error_code","message"}` with the mapped status. */
export class MlflowError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = "MlflowError";
  }

  get httpStatus(): number {
    return httpStatusForErrorCode(this.errorCode);
  }
}

// mlflow-contract.md §4: the exact messages of the SQL store and the request validator.
export const errors = {
  registeredModelNotFound: (name: string) =>
    new MlflowError("RESOURCE_DOES_NOT_EXIST", `Registered Model with name=${name} not found`),
  modelVersionNotFound: (name: string, version: string) =>
    new MlflowError(
      "RESOURCE_DOES_NOT_EXIST",
      `Model Version (name=${name}, version=${version}) not found`,
    ),
  aliasNotFound: (alias: string) =>
    new MlflowError("INVALID_PARAMETER_VALUE", `Registered model alias ${alias} not found.`),
  runNotFound: (runId: string) =>
    new MlflowError("RESOURCE_DOES_NOT_EXIST", `Run with id=${runId} not found`),
  missingParameter: (param: string) =>
    new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Missing value for required parameter '${param}'. See the API docs for more information about request parameters.`,
    ),
  emptyAlias: () =>
    new MlflowError("INVALID_PARAMETER_VALUE", "Registered model alias name cannot be empty."),
  invalidAliasChars: (alias: string) =>
    new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    ),
  latestAliasReserved: () =>
    new MlflowError(
      "INVALID_PARAMETER_VALUE",
      "'latest' alias name (case insensitive) is reserved.",
    ),
  versionAliasReserved: (alias: string) =>
    new MlflowError("INVALID_PARAMETER_VALUE", `Version alias name '${alias}' is reserved.`),
};

/**
 * Werkzeug's default error pages (`<!doctype html>` …). Flask answers unknown routes, wrong
 * methods, a missing `request.args[...]` key and uncaught exceptions with these, not with JSON.
 */
const WERKZEUG_PAGES: Readonly<Record<number, { title: string; description: string }>> = {
  400: {
    title: "Bad Request",
    description: "The browser (or proxy) sent a request that this server could not understand.",
  },
  404: {
    title: "Not Found",
    description:
      "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
  },
  405: {
    title: "Method Not Allowed",
    description: "The method is not allowed for the requested URL.",
  },
  416: {
    title: "Requested Range Not Satisfiable",
    description: "The server cannot provide the requested range.",
  },
  500: {
    title: "Internal Server Error",
    description:
      "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
  },
};

export function werkzeugErrorPage(status: number): string {
  const page = WERKZEUG_PAGES[status];
  if (page === undefined) throw new Error(`no Werkzeug error page for status ${status}`);
  return (
    `<!doctype html>\n<html lang=en>\n<title>${status} ${page.title}</title>\n` +
    `<h1>${page.title}</h1>\n<p>${page.description}</p>\n`
  );
}

// mlflow-contract.md §4 (non-JSON errors): the basic-auth app's 401 and 403 bodies.
export const UNAUTHENTICATED_TEXT =
  "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.";
export const PERMISSION_DENIED_TEXT = "Permission denied";

// mlflow-contract.md §1.3, §4: `_disable_unless_serve_artifacts` answers 503 in plain text.
export function serveArtifactsDisabledText(urlRule: string): string {
  return (
    `Endpoint: ${urlRule} disabled due to the mlflow server running with \`--no-serve-artifacts\`. ` +
    "To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`"
  );
}

// mlflow-contract.md §1.1: `_disable_if_artifacts_only` answers 503 in plain text.
export function artifactsOnlyText(urlRule: string): string {
  return (
    `Endpoint: ${urlRule} disabled due to the mlflow server running in \`--artifacts-only\` mode. ` +
    "To enable tracking server functionality, run `mlflow server` without `--artifacts-only`"
  );
}
