// mlflow-contract.md §0: `GET /health` → `OK`, `GET /version` → the MLflow version text.
import { textReply } from "../reply";
import type { RouteDef } from "../router";

export function healthRoutes(): RouteDef[] {
  return [
    { methods: ["GET"], rule: "/health", guard: "none", handler: () => textReply(200, "OK") },
    {
      methods: ["GET"],
      rule: "/version",
      guard: "none",
      handler: (ctx) => textReply(200, ctx.core.mlflowVersion),
    },
  ];
}
