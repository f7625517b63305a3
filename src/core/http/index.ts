export { systemClock, type Clock } from "./clock";
export {
  HttpClient,
  firstHeader,
  type HttpCall,
  type HttpClientOptions,
  type HttpMethod,
  type HttpResponse,
  type ResponseHeaders,
  type RetryEvent,
  type StreamedResponse,
} from "./client";
export {
  HttpError,
  parseServerError,
  retrySummary,
  type HttpErrorKind,
  type ServerError,
} from "./errors";
export { redactUrl } from "./redact";
export {
  backoffDelayMs,
  defaultRetryPolicy,
  isRetryableStatus,
  parseRetryAfterMs,
  resolveRetryPolicy,
  type RetryPolicy,
} from "./retry";
export { createDispatcher, type DispatcherOptions, type TlsOptions } from "./tls";
