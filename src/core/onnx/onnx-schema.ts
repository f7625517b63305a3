// The part of onnx.proto3 (onnx/onnx, onnx/onnx.proto3) that a deployment needs to read a model's
// signature and find its external-data files, as a protobufjs JSON descriptor. Field names and
// numbers are ONNX's own (snake_case kept), so objects passed to encode/decode read like the .proto.
// Messages and fields we do not declare (training_info, functions, metadata, …) are skipped by the
// decoder as unknown fields, which protobuf allows.
//
// The Root is built lazily inside a function and memoized in a `let`: provider code serialised by
// Pulumi captures module-level values, and a prebuilt protobufjs Root is not something to capture.
import { Root, type Type } from "protobufjs";

const entry = {
  fields: {
    key: { type: "string", id: 1 },
    value: { type: "string", id: 2 },
  },
};

function onnxDescriptor() {
  return {
    nested: {
      onnx: {
        nested: {
          StringStringEntryProto: entry,
          OperatorSetIdProto: {
            fields: {
              domain: { type: "string", id: 1 },
              version: { type: "int64", id: 2 },
            },
          },
          ModelProto: {
            fields: {
              ir_version: { type: "int64", id: 1 },
              producer_name: { type: "string", id: 2 },
              producer_version: { type: "string", id: 3 },
              domain: { type: "string", id: 4 },
              model_version: { type: "int64", id: 5 },
              doc_string: { type: "string", id: 6 },
              graph: { type: "GraphProto", id: 7 },
              opset_import: { rule: "repeated", type: "OperatorSetIdProto", id: 8 },
              metadata_props: { rule: "repeated", type: "StringStringEntryProto", id: 14 },
            },
          },
          GraphProto: {
            fields: {
              node: { rule: "repeated", type: "NodeProto", id: 1 },
              name: { type: "string", id: 2 },
              initializer: { rule: "repeated", type: "TensorProto", id: 5 },
              doc_string: { type: "string", id: 10 },
              input: { rule: "repeated", type: "ValueInfoProto", id: 11 },
              output: { rule: "repeated", type: "ValueInfoProto", id: 12 },
              value_info: { rule: "repeated", type: "ValueInfoProto", id: 13 },
              sparse_initializer: { rule: "repeated", type: "SparseTensorProto", id: 15 },
            },
          },
          NodeProto: {
            fields: {
              input: { rule: "repeated", type: "string", id: 1 },
              output: { rule: "repeated", type: "string", id: 2 },
              name: { type: "string", id: 3 },
              op_type: { type: "string", id: 4 },
              attribute: { rule: "repeated", type: "AttributeProto", id: 5 },
              doc_string: { type: "string", id: 6 },
              domain: { type: "string", id: 7 },
            },
          },
          AttributeProto: {
            fields: {
              name: { type: "string", id: 1 },
              f: { type: "float", id: 2 },
              i: { type: "int64", id: 3 },
              s: { type: "bytes", id: 4 },
              t: { type: "TensorProto", id: 5 },
              g: { type: "GraphProto", id: 6 },
              floats: { rule: "repeated", type: "float", id: 7 },
              ints: { rule: "repeated", type: "int64", id: 8 },
              strings: { rule: "repeated", type: "bytes", id: 9 },
              tensors: { rule: "repeated", type: "TensorProto", id: 10 },
              graphs: { rule: "repeated", type: "GraphProto", id: 11 },
              doc_string: { type: "string", id: 13 },
              type: { type: "AttributeType", id: 20 },
              ref_attr_name: { type: "string", id: 21 },
              sparse_tensor: { type: "SparseTensorProto", id: 22 },
              sparse_tensors: { rule: "repeated", type: "SparseTensorProto", id: 23 },
            },
            nested: {
              AttributeType: {
                values: {
                  UNDEFINED: 0,
                  FLOAT: 1,
                  INT: 2,
                  STRING: 3,
                  TENSOR: 4,
                  GRAPH: 5,
                  FLOATS: 6,
                  INTS: 7,
                  STRINGS: 8,
                  TENSORS: 9,
                  GRAPHS: 10,
                  SPARSE_TENSOR: 11,
                  SPARSE_TENSORS: 12,
                  TYPE_PROTO: 13,
                  TYPE_PROTOS: 14,
                },
              },
            },
          },
          TensorProto: {
            fields: {
              dims: { rule: "repeated", type: "int64", id: 1 },
              data_type: { type: "int32", id: 2 },
              float_data: { rule: "repeated", type: "float", id: 4 },
              int32_data: { rule: "repeated", type: "int32", id: 5 },
              string_data: { rule: "repeated", type: "bytes", id: 6 },
              int64_data: { rule: "repeated", type: "int64", id: 7 },
              name: { type: "string", id: 8 },
              raw_data: { type: "bytes", id: 9 },
              double_data: { rule: "repeated", type: "double", id: 10 },
              uint64_data: { rule: "repeated", type: "uint64", id: 11 },
              doc_string: { type: "string", id: 12 },
              external_data: { rule: "repeated", type: "StringStringEntryProto", id: 13 },
              data_location: { type: "DataLocation", id: 14 },
            },
            nested: {
              DataLocation: { values: { DEFAULT: 0, EXTERNAL: 1 } },
            },
          },
          SparseTensorProto: {
            fields: {
              values: { type: "TensorProto", id: 1 },
              indices: { type: "TensorProto", id: 2 },
              dims: { rule: "repeated", type: "int64", id: 3 },
            },
          },
          TensorShapeProto: {
            fields: {
              dim: { rule: "repeated", type: "Dimension", id: 1 },
            },
            nested: {
              Dimension: {
                oneofs: { value: { oneof: ["dim_value", "dim_param"] } },
                fields: {
                  dim_value: { type: "int64", id: 1 },
                  dim_param: { type: "string", id: 2 },
                  denotation: { type: "string", id: 3 },
                },
              },
            },
          },
          TypeProto: {
            oneofs: {
              value: {
                oneof: [
                  "tensor_type",
                  "sequence_type",
                  "map_type",
                  "sparse_tensor_type",
                  "optional_type",
                ],
              },
            },
            fields: {
              tensor_type: { type: "Tensor", id: 1 },
              sequence_type: { type: "Sequence", id: 4 },
              map_type: { type: "Map", id: 5 },
              denotation: { type: "string", id: 6 },
              sparse_tensor_type: { type: "Tensor", id: 8 },
              optional_type: { type: "Sequence", id: 9 },
            },
            nested: {
              // TypeProto.SparseTensor has the same fields as Tensor; Optional the same as Sequence.
              Tensor: {
                fields: {
                  elem_type: { type: "int32", id: 1 },
                  shape: { type: "TensorShapeProto", id: 2 },
                },
              },
              Sequence: {
                fields: { elem_type: { type: "TypeProto", id: 1 } },
              },
              Map: {
                fields: {
                  key_type: { type: "int32", id: 1 },
                  value_type: { type: "TypeProto", id: 2 },
                },
              },
            },
          },
          ValueInfoProto: {
            fields: {
              name: { type: "string", id: 1 },
              type: { type: "TypeProto", id: 2 },
              doc_string: { type: "string", id: 3 },
            },
          },
        },
      },
    },
  };
}

let modelProtoType: Type | undefined;

/** The protobufjs type of `onnx.ModelProto`, built on first use. */
export function onnxModelProto(): Type {
  modelProtoType ??= Root.fromJSON(onnxDescriptor()).lookupType("onnx.ModelProto");
  return modelProtoType;
}
