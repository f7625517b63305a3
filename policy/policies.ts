// The rules of the triton-serving policy pack. Each rule reads only the resource in front of it
// and, where stacks differ, its policy config — never a stack name: which stack requires digests
// or protection is the stack's config (`triton.requireImageDigest`, `storage.protect`), turned
// into policy config by scripts/policy-config.ts.
//
// What a policy sees (pulumi-notes §5.1): `args.props` are the resource's INPUTS; with
// helm.v3.Release only the Release and its values are visible, not the chart's objects.
import type { ReportViolation, ResourceValidation, ResourceValidationPolicy } from "@pulumi/policy";
import { isPinnedByDigest, parseImage } from "./images";
import {
  at,
  containersOf,
  describeResource,
  podSpecOf,
  type Container,
  type PodSpec,
  type SecurityContext,
} from "./workloads";

export const POLICY_PACK_NAME = "triton-serving";

/** Policy names, as the policy config file keys them. */
export const POLICY = {
  imagesPinnedByDigest: "images-pinned-by-digest",
  noLatestTag: "no-latest-tag",
  requestsAndLimits: "containers-have-requests-and-limits",
  tritonExplicitModelControl: "triton-explicit-model-control",
  modelRepositoryRetained: "model-repository-retained",
  alertmanagerDefaultNull: "alertmanager-default-route-null",
  modelDeploymentVersion: "model-deployment-names-a-version",
  podSecurityRestricted: "pod-security-restricted",
} as const;

type Props = Record<string, unknown>;

/** A value for a message: strings as they are, anything else as JSON. */
const shown = (value: unknown, absent: string): string =>
  value === undefined ? absent : typeof value === "string" ? value : JSON.stringify(value);

/** Runs `check` on every container of a workload resource; other resources pass. */
function forEachContainer(
  check: (c: Container, label: string, where: string, report: ReportViolation) => void,
): ResourceValidation {
  return (args, report) => {
    const spec = podSpecOf(args.type, args.props as Props);
    if (spec === undefined) return;
    const where = describeResource(args.type, args.name);
    for (const { label, container } of containersOf(spec)) check(container, label, where, report);
  };
}

const imagesPinnedByDigest: ResourceValidationPolicy = {
  name: POLICY.imagesPinnedByDigest,
  description:
    "Where the stack requires it, every container image is pinned by @sha256 digest, so a re-pushed tag cannot change what runs.",
  configSchema: {
    properties: { requireDigest: { type: "boolean", default: false } },
  },
  validateResource: (args, report) => {
    const { requireDigest } = args.getConfig<{ requireDigest?: boolean }>();
    if (requireDigest !== true) return;
    return forEachContainer((c, label, where, r) => {
      if (c.image === undefined || !isPinnedByDigest(c.image)) {
        r(
          `${label} of ${where} runs image '${c.image ?? "(none)"}', which is not pinned by digest; ` +
            "this stack requires digests (policy config requireDigest, from triton.requireImageDigest): " +
            "use <image>@sha256:<digest>",
        );
      }
    })(args, report);
  },
};

const noLatestTag: ResourceValidationPolicy = {
  name: POLICY.noLatestTag,
  description: "No container runs a `latest` image, explicitly or by leaving the tag out.",
  validateResource: forEachContainer((c, label, where, report) => {
    const image = c.image ?? "";
    const ref = parseImage(image);
    if (ref.digest !== undefined) return; // a digest decides what runs, whatever the tag says
    if (ref.tag === undefined || ref.tag === "latest") {
      report(
        `${label} of ${where} runs image '${image}', which ${ref.tag === undefined ? "has no tag (= latest)" : "is tagged latest"}; ` +
          "expected a fixed version tag or a digest",
      );
    }
  }),
};

const requestsAndLimits: ResourceValidationPolicy = {
  name: POLICY.requestsAndLimits,
  description:
    "Every container requests CPU and memory and has a memory limit (a CPU limit is optional: it throttles rather than protects).",
  validateResource: forEachContainer((c, label, where, report) => {
    const missing = [
      ["requests.cpu", at(c.resources, "requests", "cpu")],
      ["requests.memory", at(c.resources, "requests", "memory")],
      ["limits.memory", at(c.resources, "limits", "memory")],
    ]
      .filter(([, v]) => v === undefined || v === "")
      .map(([k]) => k as string);
    if (missing.length > 0) {
      report(
        `${label} of ${where} has no resources.${missing.join(", resources.")}; ` +
          "expected CPU and memory requests and a memory limit",
      );
    }
  }),
};

const isTriton = (c: Container) =>
  (c.command ?? []).some((part) => part.endsWith("tritonserver")) ||
  /(^|\/)tritonserver(:|@|$)/.test(parseImage(c.image ?? "").repository + ":");

/** The categories of a restricted-API flag that carry a `:<header>=<value>` key. */
function restrictedCategories(args: readonly string[], flag: string): string[] {
  return args
    .filter((a) => a.startsWith(`${flag}=`))
    .flatMap((a) => {
      const value = a.slice(flag.length + 1);
      const colon = value.indexOf(":");
      if (colon < 0 || !/^[^=]+=.+$/.test(value.slice(colon + 1))) return [];
      return value.slice(0, colon).split(",");
    });
}

const tritonExplicitModelControl: ResourceValidationPolicy = {
  name: POLICY.tritonExplicitModelControl,
  description:
    "Triton runs with --model-control-mode=explicit and its model-repository API restricted by a header key (HTTP and gRPC): only the deployment transaction loads models.",
  validateResource: forEachContainer((c, label, where, report) => {
    if (!isTriton(c)) return;
    const args = c.args ?? [];
    const modes = args.filter((a) => a.startsWith("--model-control-mode="));
    if (modes.length !== 1 || modes[0] !== "--model-control-mode=explicit") {
      report(
        `${label} of ${where} runs Triton with ${modes.length === 0 ? "no --model-control-mode (= none: Triton loads everything at start and polls nothing)" : modes.join(" ")}; ` +
          "expected exactly --model-control-mode=explicit",
      );
    }
    for (const flag of ["--http-restricted-api", "--grpc-restricted-protocol"]) {
      if (!restrictedCategories(args, flag).includes("model-repository")) {
        report(
          `${label} of ${where} leaves Triton's model-repository API open over ${flag.startsWith("--http") ? "HTTP" : "gRPC"}; ` +
            `expected ${flag}=model-repository,…:<header>=<key>`,
        );
      }
    }
  }),
};

const modelRepositoryRetained: ResourceValidationPolicy = {
  name: POLICY.modelRepositoryRetained,
  description:
    "The model-repository PersistentVolume is Retain, and the PV and its claim are protected where the stack asks for it.",
  configSchema: {
    properties: { protect: { type: "boolean", default: false } },
  },
  validateResource: (args, report) => {
    const isPv = args.type === "kubernetes:core/v1:PersistentVolume";
    const isPvc = args.type === "kubernetes:core/v1:PersistentVolumeClaim";
    if (!isPv && !isPvc) return;
    const where = describeResource(args.type, args.name);
    const policy = at(args.props, "spec", "persistentVolumeReclaimPolicy");
    if (isPv && policy !== "Retain") {
      report(
        `${where} has reclaim policy '${shown(policy, "(default: Delete for dynamically provisioned, Retain for static)")}'; ` +
          "expected Retain: deleting the claim must never delete the model repository",
      );
    }
    const { protect } = args.getConfig<{ protect?: boolean }>();
    if (protect === true && !args.opts.protect) {
      report(
        `${where} is not protected, but this stack asks for protection (policy config protect, from storage.protect); ` +
          "expected the Pulumi option protect: true",
      );
    }
  },
};

const alertmanagerDefaultNull: ResourceValidationPolicy = {
  name: POLICY.alertmanagerDefaultNull,
  description:
    "kube-prometheus-stack's Alertmanager sends alerts to the `null` receiver unless a route of this environment matches.",
  validateResource: (args, report) => {
    if (args.type !== "kubernetes:helm.sh/v3:Release") return;
    if (!shown(at(args.props, "chart"), "").endsWith("kube-prometheus-stack")) return;
    const values = at(args.props, "values");
    if (at(values, "alertmanager", "enabled") === false) return;
    const receiver = at(values, "alertmanager", "config", "route", "receiver");
    if (receiver !== "null") {
      report(
        `${describeResource(args.type, args.name)} routes unmatched alerts to '${shown(receiver, "(chart default)")}'; ` +
          "expected alertmanager.config.route.receiver 'null', so an alert without this environment's labels notifies nobody",
      );
    }
  },
};

const modelDeploymentVersion: ResourceValidationPolicy = {
  name: POLICY.modelDeploymentVersion,
  description:
    "Every ModelDeployment names a registered model and an immutable version (resolved from its alias at preview), and any alias it names is a valid MLflow alias.",
  validateResource: (args, report) => {
    if (args.type !== "pulumi-nodejs:dynamic/triton-serving:ModelDeployment") return;
    const props = args.props as Props;
    const where = describeResource(args.type, args.name);
    const version = props.version;
    if (typeof version !== "string" || !/^[1-9][0-9]*$/.test(version)) {
      report(
        `${where} deploys version ${JSON.stringify(version)}; expected an MLflow version number (the stack's alias or pinned version, resolved at preview)`,
      );
    }
    if (typeof props.registeredModel !== "string" || props.registeredModel === "") {
      report(`${where} names no registered model; expected models[].registeredModel`);
    }
    if (props.alias !== undefined && !/^[A-Za-z0-9_-]{1,255}$/.test(shown(props.alias, ""))) {
      report(
        `${where} names alias ${JSON.stringify(props.alias)}; expected letters, digits, '_' and '-'`,
      );
    }
  },
};

// The volume types the restricted profile allows (Kubernetes Pod Security Standards).
const RESTRICTED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

function restrictedViolations(spec: PodSpec): string[] {
  const out: string[] = [];
  for (const key of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec[key] === true) out.push(`pod sets ${key}: true`);
  }
  for (const volume of spec.volumes ?? []) {
    const kinds = Object.keys(volume).filter((k) => k !== "name");
    const bad = kinds.filter((k) => !RESTRICTED_VOLUMES.includes(k));
    if (bad.length > 0) out.push(`volume '${String(volume.name)}' is of type ${bad.join(", ")}`);
  }
  const pod: SecurityContext = spec.securityContext ?? {};
  for (const { label, container } of containersOf(spec)) {
    const sc: SecurityContext = container.securityContext ?? {};
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) {
      out.push(`${label} does not set runAsNonRoot: true`);
    }
    if ((sc.runAsUser ?? pod.runAsUser) === 0) out.push(`${label} runs as uid 0`);
    if (sc.allowPrivilegeEscalation !== false) {
      out.push(`${label} does not set allowPrivilegeEscalation: false`);
    }
    if (sc.privileged === true) out.push(`${label} is privileged`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) {
      out.push(`${label} does not drop ALL capabilities`);
    }
    const added = (sc.capabilities?.add ?? []).filter((c) => c !== "NET_BIND_SERVICE");
    if (added.length > 0) out.push(`${label} adds capabilities ${added.join(", ")}`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
      out.push(`${label} has seccomp profile ${seccomp ?? "(none)"}`);
    }
  }
  return out;
}

const podSecurityRestricted: ResourceValidationPolicy = {
  name: POLICY.podSecurityRestricted,
  description:
    "Every pod meets the Kubernetes Pod Security Standards' restricted profile (non-root, no privilege escalation, ALL capabilities dropped, RuntimeDefault seccomp, no host namespaces or hostPath).",
  validateResource: (args, report) => {
    const spec = podSpecOf(args.type, args.props as Props);
    if (spec === undefined) return;
    const problems = restrictedViolations(spec);
    if (problems.length > 0) {
      report(
        `${describeResource(args.type, args.name)} breaks the restricted Pod Security profile: ${problems.join("; ")}`,
      );
    }
  },
};

export const policies: ResourceValidationPolicy[] = [
  imagesPinnedByDigest,
  noLatestTag,
  requestsAndLimits,
  tritonExplicitModelControl,
  modelRepositoryRetained,
  alertmanagerDefaultNull,
  modelDeploymentVersion,
  podSecurityRestricted,
];
