// Flat config: typescript-eslint's type-checked rules, plus the layer rules of design.md
// (the deployment core and the observability content never import Pulumi).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const noPulumi = {
  patterns: [
    {
      group: ["@pulumi/*"],
      message: "This layer is plain TypeScript: it must not import Pulumi (design.md, layers).",
    },
  ],
};

export default tseslint.config(
  { ignores: ["node_modules/**", "bin/**", "coverage/**", "**/*.mjs", "**/*.cjs", "**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            {
              from: "package",
              package: "node:test",
              name: [
                "test",
                "it",
                "describe",
                "suite",
                "before",
                "after",
                "beforeEach",
                "afterEach",
              ],
            },
          ],
        },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      curly: ["error", "multi-line"],
      eqeqeq: ["error", "smart"],
      "prefer-const": "error",
    },
  },
  {
    files: ["src/core/**/*.ts", "src/observability/**/*.ts", "src/config/schema.ts"],
    rules: { "no-restricted-imports": ["error", noPulumi] },
  },
  {
    // Tests and test servers may use looser typing on parsed JSON.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);
