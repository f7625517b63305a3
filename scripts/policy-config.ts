// The policy config of one stack, for `pulumi preview|up --policy-pack policy
// --policy-pack-config <file>`: what the stack's own config asks the guardrails to enforce.
// Derived from Pulumi.<stack>.yaml, so no stack needs a policy file of its own and no rule knows
// a stack's name.
//
//   npx tsx scripts/policy-config.ts --stack <stack> [--out <file>]   (stdout without --out)
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { StackConfig } from "../src/config/schema";
import { readStackConfig } from "../src/config/stack-file";
import { POLICY } from "../policy/policies";

/** Policy name → its config properties, as the policy-pack config file holds them. */
export function policyConfigFor(
  config: Pick<StackConfig, "triton" | "storage">,
): Record<string, Record<string, unknown>> {
  return {
    [POLICY.imagesPinnedByDigest]: { requireDigest: config.triton.requireImageDigest },
    [POLICY.modelRepositoryRetained]: { protect: config.storage.protect },
  };
}

function main(argv: readonly string[]): void {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stack = value("--stack");
  if (stack === undefined) {
    throw new Error(
      "--stack is required: npx tsx scripts/policy-config.ts --stack <stack> [--out <file>]",
    );
  }
  const config = readStackConfig(resolve(__dirname, ".."), stack);
  const text = `${JSON.stringify(policyConfigFor(config), null, 2)}\n`;
  const out = value("--out");
  if (out === undefined) process.stdout.write(text);
  else writeFileSync(out, text);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}
