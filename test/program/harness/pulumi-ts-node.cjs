// Registers ts-node the way Pulumi's Node.js language host does for a CommonJS TypeScript project
// (@pulumi/pulumi cmd/run/run.js): the project's tsconfig.json, type checking on (ts-node's
// default unless tsconfig sets `noCheck`), and module/moduleResolution `nodenext` overlaid by the
// tsconfig's own compiler options. Loaded with `node -r` before the program runs, so a program
// that only works under tsx (which neither type-checks nor reads tsconfig the same way) fails here.
"use strict";
const path = require("node:path");
const ts = require("typescript");

const project = path.resolve(__dirname, "../../../tsconfig.json");
const parsed = ts.getParsedCommandLineOfConfigFile(
  project,
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  },
);
const { raw } = parsed;
require("ts-node").register({
  compiler: "typescript",
  transpileOnly: raw.compilerOptions && raw.compilerOptions.noCheck,
  project,
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...raw.compilerOptions,
  },
});
