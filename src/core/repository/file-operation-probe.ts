// A seam for crash tests: every file operation of promote and commit (and of the recovery that
// finishes a killed commit) calls `fileOperation` with its name just before it happens. A test
// child process registers a probe that SIGKILLs itself at the n-th operation, so a kill can be
// placed between any two operations deterministically. Nothing registers a probe in production:
// the call is then a no-op and changes no behaviour.

/** Called with the name of the file operation about to happen. */
export type FileOperationProbe = (operation: string) => void;

let probe: FileOperationProbe | undefined;

/** Register (or clear, with undefined) the probe. For tests only. */
export function setFileOperationProbe(next: FileOperationProbe | undefined): void {
  probe = next;
}

/** Announce a file operation (see the header). */
export function fileOperation(operation: string): void {
  probe?.(operation);
}
