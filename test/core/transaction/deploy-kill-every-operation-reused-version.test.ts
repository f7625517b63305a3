// A SIGKILL before every file operation of promote and commit: kill-every-operation.ts says what
// is checked after each kill. This file: two servers, a version number another registered model committed.
import { describe, test } from "node:test";
import { killBeforeEveryOperation, REUSED_VERSION } from "./kill-every-operation";

void describe("a SIGKILL before every file operation of promote and commit", () => {
  void test(REUSED_VERSION.name, () => killBeforeEveryOperation(REUSED_VERSION));
});
