// Our own subset of Triton's ModelConfig schema (package `inference`), written by us from the
// public field names: Triton's model-configuration docs, the config.pbtxt files people write, and
// the GET …/config output quoted in triton-contract.md §1.5. It is not a copy of Triton's .proto.
//
// Why a schema at all: the test server parses config.pbtxt and load-time `config` overrides the way
// Triton does, with unknown fields rejected (triton-contract.md §1.5, §1.8), and prints GET …/config
// with every primitive field at its default. Both need field names, types, enums and oneofs.
//
// Field NAMES, types and enum value names are Triton's (they are the public API). Enum numbers
// follow the order Triton documents, so a numeric enum in text format means the same thing. Field
// NUMBERS are ours, simply sequential: binary encoding is never used here, only text format and
// JSON. Fields are declared in the order Triton prints them, because the printer and the pbtxt
// writer in model-config-proto.ts walk fields in declaration order.
//
// Limits, on purpose: only what this test server and our deployment core use is here. A config that
// sets a field outside the subset (sequence_batching, ensemble_scheduling, optimization.graph /
// cuda / execution_accelerators, instance_group.rate_limiter, model_operations,
// model_repository_agents, …) is rejected as unknown, where real Triton would accept it; and
// GET …/config prints defaults only for fields in the subset.
import { Root, type INamespace } from "protobufjs";

/** `repeated <type>` field with the given number. */
const rep = (type: string, id: number) => ({ rule: "repeated", type, id });
/** A map field: `map<keyType, type>`. */
const map = (keyType: string, type: string, id: number) => ({ keyType, type, id });
/** A singular field. */
const one = (type: string, id: number) => ({ type, id });

const DESCRIPTOR: INamespace = {
  nested: {
    inference: {
      nested: {
        DataType: {
          values: {
            TYPE_INVALID: 0,
            TYPE_BOOL: 1,
            TYPE_UINT8: 2,
            TYPE_UINT16: 3,
            TYPE_UINT32: 4,
            TYPE_UINT64: 5,
            TYPE_INT8: 6,
            TYPE_INT16: 7,
            TYPE_INT32: 8,
            TYPE_INT64: 9,
            TYPE_FP16: 10,
            TYPE_FP32: 11,
            TYPE_FP64: 12,
            TYPE_STRING: 13,
            TYPE_BF16: 14,
          },
        },

        // version_policy { latest { num_versions: N } | all {} | specific { versions: [...] } }
        ModelVersionPolicy: {
          oneofs: { policy_choice: { oneof: ["latest", "all", "specific"] } },
          fields: {
            latest: one("Latest", 1),
            all: one("All", 2),
            specific: one("Specific", 3),
          },
          nested: {
            Latest: { fields: { num_versions: one("uint32", 1) } },
            All: { fields: {} },
            Specific: { fields: { versions: rep("int64", 1) } },
          },
        },

        ModelTensorReshape: { fields: { shape: rep("int64", 1) } },

        ModelInput: {
          fields: {
            name: one("string", 1),
            data_type: one("DataType", 2),
            format: one("Format", 3),
            dims: rep("int64", 4),
            reshape: one("ModelTensorReshape", 5),
            is_shape_tensor: one("bool", 6),
            allow_ragged_batch: one("bool", 7),
            optional: one("bool", 8),
            is_non_linear_format_io: one("bool", 9),
          },
          nested: {
            Format: { values: { FORMAT_NONE: 0, FORMAT_NHWC: 1, FORMAT_NCHW: 2 } },
          },
        },

        ModelOutput: {
          fields: {
            name: one("string", 1),
            data_type: one("DataType", 2),
            dims: rep("int64", 3),
            reshape: one("ModelTensorReshape", 4),
            label_filename: one("string", 5),
            is_shape_tensor: one("bool", 6),
            is_non_linear_format_io: one("bool", 7),
          },
        },

        // Present so GET …/config prints `"batch_input":[]` / `"batch_output":[]` as Triton does
        // (§1.5) and the ONNX input-count check can count them; the server never fills them.
        BatchInput: {
          fields: {
            kind: one("Kind", 1),
            target_name: rep("string", 2),
            data_type: one("DataType", 3),
            source_input: rep("string", 4),
          },
          nested: {
            Kind: {
              values: {
                BATCH_ELEMENT_COUNT: 0,
                BATCH_ACCUMULATED_ELEMENT_COUNT: 1,
                BATCH_ACCUMULATED_ELEMENT_COUNT_WITH_ZERO: 2,
                BATCH_MAX_ELEMENT_COUNT_AS_SHAPE: 3,
                BATCH_ITEM_SHAPE: 4,
                BATCH_ITEM_SHAPE_FLATTEN: 5,
              },
            },
          },
        },
        BatchOutput: {
          fields: {
            target_name: rep("string", 1),
            kind: one("Kind", 2),
            source_input: rep("string", 3),
          },
          nested: { Kind: { values: { BATCH_SCATTER_WITH_INPUT_SHAPE: 0 } } },
        },

        // Only the scalar knobs and the pinned-memory flags the core's normalisation sets (§1.5).
        ModelOptimizationPolicy: {
          fields: {
            priority: one("ModelPriority", 1),
            input_pinned_memory: one("PinnedMemoryBuffer", 2),
            output_pinned_memory: one("PinnedMemoryBuffer", 3),
            gather_kernel_buffer_threshold: one("uint32", 4),
            eager_batching: one("bool", 5),
          },
          nested: {
            ModelPriority: { values: { PRIORITY_DEFAULT: 0, PRIORITY_MAX: 1, PRIORITY_MIN: 2 } },
            PinnedMemoryBuffer: { fields: { enable: one("bool", 1) } },
          },
        },

        ModelQueuePolicy: {
          fields: {
            timeout_action: one("TimeoutAction", 1),
            default_timeout_microseconds: one("uint64", 2),
            allow_timeout_override: one("bool", 3),
            max_queue_size: one("uint32", 4),
          },
          nested: { TimeoutAction: { values: { REJECT: 0, DELAY: 1 } } },
        },

        ModelDynamicBatching: {
          fields: {
            preferred_batch_size: rep("int32", 1),
            max_queue_delay_microseconds: one("uint64", 2),
            preserve_ordering: one("bool", 3),
            priority_levels: one("uint64", 4),
            default_priority_level: one("uint64", 5),
            default_queue_policy: one("ModelQueuePolicy", 6),
            priority_queue_policy: map("uint64", "ModelQueuePolicy", 7),
          },
        },

        ModelInstanceGroup: {
          fields: {
            name: one("string", 1),
            kind: one("Kind", 2),
            count: one("int32", 3),
            gpus: rep("int32", 4),
            secondary_devices: rep("SecondaryDevice", 5),
            profile: rep("string", 6),
            passive: one("bool", 7),
            host_policy: one("string", 8),
          },
          nested: {
            Kind: { values: { KIND_AUTO: 0, KIND_GPU: 1, KIND_CPU: 2, KIND_MODEL: 3 } },
            SecondaryDevice: {
              fields: {
                kind: one("SecondaryDeviceKind", 1),
                device_id: one("int64", 2),
              },
              nested: { SecondaryDeviceKind: { values: { KIND_NVDLA: 0 } } },
            },
          },
        },

        ModelParameter: { fields: { string_value: one("string", 1) } },

        ModelWarmup: {
          fields: {
            name: one("string", 1),
            batch_size: one("uint32", 2),
            inputs: map("string", "Input", 3),
            count: one("uint32", 4),
          },
          nested: {
            Input: {
              oneofs: {
                input_data_type: { oneof: ["zero_data", "random_data", "input_data_file"] },
              },
              fields: {
                data_type: one("DataType", 1),
                dims: rep("int64", 2),
                zero_data: one("bool", 3),
                random_data: one("bool", 4),
                input_data_file: one("string", 5),
              },
            },
          },
        },

        ModelTransactionPolicy: { fields: { decoupled: one("bool", 1) } },
        ModelResponseCache: { fields: { enable: one("bool", 1) } },

        ModelConfig: {
          fields: {
            name: one("string", 1),
            platform: one("string", 2),
            backend: one("string", 3),
            runtime: one("string", 4),
            version_policy: one("ModelVersionPolicy", 5),
            max_batch_size: one("int32", 6),
            input: rep("ModelInput", 7),
            output: rep("ModelOutput", 8),
            batch_input: rep("BatchInput", 9),
            batch_output: rep("BatchOutput", 10),
            optimization: one("ModelOptimizationPolicy", 11),
            dynamic_batching: one("ModelDynamicBatching", 12),
            instance_group: rep("ModelInstanceGroup", 13),
            default_model_filename: one("string", 14),
            cc_model_filenames: map("string", "string", 15),
            metric_tags: map("string", "string", 16),
            parameters: map("string", "ModelParameter", 17),
            model_warmup: rep("ModelWarmup", 18),
            model_transaction_policy: one("ModelTransactionPolicy", 19),
            response_cache: one("ModelResponseCache", 20),
          },
        },
      },
    },
  },
};

let root: Root | undefined;

/** The resolved schema root (built on first use, then reused). */
export function modelConfigRoot(): Root {
  if (root === undefined) {
    root = Root.fromJSON(DESCRIPTOR);
    root.resolveAll();
  }
  return root;
}
