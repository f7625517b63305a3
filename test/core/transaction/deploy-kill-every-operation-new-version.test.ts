// A SIGKILL before every file operation of promote and commit: kill-every-operation.ts says what
// is checked after each kill. This file: one server, a new version number.
import { describe, test } from "node:test";
import { killBeforeEveryOperation, NEW_VERSION } from "./kill-every-operation";

void describe("a SIGKILL before every file operation of promote and commit", () => {
  void test(NEW_VERSION.name, () => killBeforeEveryOperation(NEW_VERSION));
});
