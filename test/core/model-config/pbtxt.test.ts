// config.pbtxt rendering (exact text), parsing back, and the load override JSON; round trips are
// checked both with our own parser and with the test Triton's parser over its own subset of the
// ModelConfig schema (test/support/triton/model-config-proto.ts), which rejects unknown fields.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  parseConfigPbtxt,
  parsePbtxt,
  renderConfigPbtxt,
  toLoadConfigJson,
  toLoadRequestBody,
  type TritonModelConfig,
} from "../../../src/core/model-config";
import {
  configFromJson,
  configFromPbtxt,
  configToPbtxt,
} from "../../support/triton/model-config-proto";

const iris: TritonModelConfig = {
  name: "iris",
  platform: "onnxruntime_onnx",
  max_batch_size: 0,
  version_policy: { specific: { versions: [13] } },
  input: [{ name: "input", data_type: "TYPE_FP32", dims: [1, 4] }],
  output: [{ name: "probabilities", data_type: "TYPE_FP32", dims: [1, 3] }],
  instance_group: [{ kind: "KIND_CPU", count: 1 }],
};

const IRIS_PBTXT = `name: "iris"
platform: "onnxruntime_onnx"
max_batch_size: 0
version_policy {
  specific {
    versions: [13]
  }
}
input [
  {
    name: "input"
    data_type: TYPE_FP32
    dims: [1, 4]
  }
]
output [
  {
    name: "probabilities"
    data_type: TYPE_FP32
    dims: [1, 3]
  }
]
instance_group [
  {
    kind: KIND_CPU
    count: 1
  }
]
`;

const ranker: TritonModelConfig = {
  name: "ranker",
  platform: "onnxruntime_onnx",
  max_batch_size: 16,
  version_policy: { specific: { versions: [7] } },
  input: [
    { name: "query", data_type: "TYPE_INT64", dims: [-1] },
    { name: "bias", data_type: "TYPE_FP32", dims: [1], reshape: { shape: [] } },
  ],
  output: [{ name: "score", data_type: "TYPE_FP32", dims: [1] }],
  instance_group: [{ kind: "KIND_GPU", count: 2 }],
  dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: 500 },
};

const RANKER_PBTXT = `name: "ranker"
platform: "onnxruntime_onnx"
max_batch_size: 16
version_policy {
  specific {
    versions: [7]
  }
}
input [
  {
    name: "query"
    data_type: TYPE_INT64
    dims: [-1]
  },
  {
    name: "bias"
    data_type: TYPE_FP32
    dims: [1]
    reshape {
      shape: []
    }
  }
]
output [
  {
    name: "score"
    data_type: TYPE_FP32
    dims: [1]
  }
]
instance_group [
  {
    kind: KIND_GPU
    count: 2
  }
]
dynamic_batching {
  preferred_batch_size: [4, 8]
  max_queue_delay_microseconds: 500
}
`;

void describe("renderConfigPbtxt", () => {
  void test("the iris config, exactly", () => {
    assert.equal(renderConfigPbtxt(iris), IRIS_PBTXT);
  });

  void test("batching, a reshape, two inputs, a GPU group and dynamic batching, exactly", () => {
    assert.equal(renderConfigPbtxt(ranker), RANKER_PBTXT);
  });

  void test("an empty dynamic_batching keeps the block (it turns the batcher on)", () => {
    const text = renderConfigPbtxt({
      ...ranker,
      dynamic_batching: { preferred_batch_size: [], max_queue_delay_microseconds: 0 },
    });
    assert.ok(text.endsWith("dynamic_batching {\n  max_queue_delay_microseconds: 0\n}\n"), text);
  });

  void test("latest and all policies", () => {
    const latest = renderConfigPbtxt({ ...iris, version_policy: { latest: { num_versions: 2 } } });
    assert.ok(latest.includes("version_policy {\n  latest {\n    num_versions: 2\n  }\n}\n"));
    const all = renderConfigPbtxt({ ...iris, version_policy: { all: {} } });
    assert.ok(all.includes("version_policy {\n  all {}\n}\n"));
  });

  void test("header comments come first, and the text still parses", () => {
    const text = renderConfigPbtxt(iris, {
      header: ["Committed by triton-serving.", "", "Do not edit."],
    });
    assert.ok(text.startsWith('# Committed by triton-serving.\n#\n# Do not edit.\nname: "iris"\n'));
    assert.deepEqual(parseConfigPbtxt(text), iris);
    assert.equal(configFromPbtxt(text).name, "iris");
  });

  void test("strings are escaped as text-format literals", () => {
    const text = renderConfigPbtxt({ ...iris, name: 'a"b\\c\nd\u0001' });
    assert.ok(text.startsWith('name: "a\\"b\\\\c\\nd\\001"\n'), text);
    assert.equal(parseConfigPbtxt(text).name, 'a"b\\c\nd\u0001');
    assert.equal(configFromPbtxt(text).name, 'a"b\\c\nd\u0001');
  });

  void test("is deterministic", () => {
    assert.equal(renderConfigPbtxt(structuredClone(ranker)), renderConfigPbtxt(ranker));
  });
});

void describe("round trips", () => {
  for (const [name, config] of [
    ["iris", iris],
    ["ranker", ranker],
  ] as const) {
    void test(`${name}: parseConfigPbtxt(renderConfigPbtxt(c)) is c`, () => {
      assert.deepEqual(parseConfigPbtxt(renderConfigPbtxt(config)), config);
    });

    void test(`${name}: the test Triton's ModelConfig parser reads the pbtxt and the load JSON alike`, () => {
      const fromText = configFromPbtxt(renderConfigPbtxt(config));
      const fromJson = configFromJson(JSON.stringify(toLoadConfigJson(config)));
      // An empty repeated field is absent in protobuf: `reshape { shape: [] }` reads back as
      // `reshape {}` from text; normalise that before comparing.
      const normalised = JSON.parse(
        JSON.stringify(fromJson).replaceAll('"reshape":{"shape":[]}', '"reshape":{}'),
      );
      assert.deepEqual(fromText, normalised);
      assert.equal(fromText.name, config.name);
      assert.equal(fromText.max_batch_size, config.max_batch_size);
      assert.deepEqual(fromText.version_policy, config.version_policy);
    });

    void test(`${name}: our parser reads the test Triton's own text rendering`, () => {
      const theirs = configToPbtxt(configFromPbtxt(renderConfigPbtxt(config)));
      assert.deepEqual(parseConfigPbtxt(theirs), config);
    });
  }
});

void describe("toLoadConfigJson", () => {
  void test("proto field names, int64 as numbers, only fields ModelConfig defines", () => {
    assert.deepEqual(toLoadConfigJson(ranker), {
      name: "ranker",
      platform: "onnxruntime_onnx",
      max_batch_size: 16,
      version_policy: { specific: { versions: [7] } },
      input: [
        { name: "query", data_type: "TYPE_INT64", dims: [-1] },
        { name: "bias", data_type: "TYPE_FP32", dims: [1], reshape: { shape: [] } },
      ],
      output: [{ name: "score", data_type: "TYPE_FP32", dims: [1] }],
      instance_group: [{ kind: "KIND_GPU", count: 2 }],
      dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: 500 },
    });
  });

  void test("toLoadRequestBody puts the config in as a JSON string", () => {
    assert.equal(
      JSON.stringify(toLoadRequestBody(iris)),
      JSON.stringify({
        parameters: {
          config:
            '{"name":"iris","platform":"onnxruntime_onnx","max_batch_size":0,"version_policy":{"specific":{"versions":[13]}},"input":[{"name":"input","data_type":"TYPE_FP32","dims":[1,4]}],"output":[{"name":"probabilities","data_type":"TYPE_FP32","dims":[1,3]}],"instance_group":[{"kind":"KIND_CPU","count":1}]}',
        },
      }),
    );
  });
});

void describe("parseConfigPbtxt", () => {
  void test("reads every syntax Triton's configs use", () => {
    const text = `
      # a comment
      name: "ir" 'is'   # adjacent literals concatenate
      backend: "onnxruntime";
      max_batch_size: 8,
      version_policy: { specific < versions: 3 versions: [4] > }
      input { name: "input" data_type: TYPE_FP32 dims: [ 4 ] }
      input: { name: "mask", data_type: TYPE_BOOL, dims: [-1], reshape: { shape: [ ] } }
      output [ { name: "probabilities" data_type: TYPE_FP32 dims: 3 } ]
      instance_group { count: 2 kind: KIND_CPU }
      instance_group {}
      dynamic_batching { }
    `;
    assert.deepEqual(parseConfigPbtxt(text), {
      name: "iris",
      platform: "onnxruntime_onnx",
      max_batch_size: 8,
      version_policy: { specific: { versions: [3, 4] } },
      input: [
        { name: "input", data_type: "TYPE_FP32", dims: [4] },
        { name: "mask", data_type: "TYPE_BOOL", dims: [-1], reshape: { shape: [] } },
      ],
      output: [{ name: "probabilities", data_type: "TYPE_FP32", dims: [3] }],
      // Triton's defaults: count 1, kind KIND_GPU (when GPUs exist).
      instance_group: [
        { kind: "KIND_CPU", count: 2 },
        { kind: "KIND_GPU", count: 1 },
      ],
      dynamic_batching: { preferred_batch_size: [], max_queue_delay_microseconds: 0 },
    });
  });

  void test("no version_policy is Triton's default, latest { num_versions: 1 }", () => {
    const text = 'name: "m" platform: "onnxruntime_onnx"';
    assert.deepEqual(parseConfigPbtxt(text).version_policy, { latest: { num_versions: 1 } });
  });

  const errors: [string, string, string][] = [
    [
      "a field this platform does not write",
      'name: "m" platform: "onnxruntime_onnx" optimization { }',
      "config.pbtxt: field 'optimization' is not one this platform reads (expected one of: name, platform, backend, max_batch_size, version_policy, input, output, instance_group, dynamic_batching)",
    ],
    [
      "an unknown tensor field",
      'name: "m" platform: "onnxruntime_onnx" input { name: "x" data_type: TYPE_FP32 dims: 1 format: FORMAT_NCHW }',
      "config.pbtxt input: field 'format' is not one this platform reads (expected one of: name, data_type, dims, reshape)",
    ],
    [
      "a singular field set twice",
      'name: "m" name: "n" platform: "onnxruntime_onnx"',
      "config.pbtxt: field 'name' is set 2 times",
    ],
    [
      "a number where a string belongs",
      'name: 5 platform: "onnxruntime_onnx"',
      "config.pbtxt: field 'name' is 5, expected a quoted string",
    ],
    [
      "a string where an integer belongs",
      'name: "m" platform: "onnxruntime_onnx" max_batch_size: "8"',
      "config.pbtxt: field 'max_batch_size' is \"8\", expected an integer",
    ],
    [
      "another platform",
      'name: "m" platform: "tensorrt_plan"',
      'config.pbtxt: platform is "tensorrt_plan", expected "onnxruntime_onnx" (or backend "onnxruntime")',
    ],
    ["no name", 'platform: "onnxruntime_onnx"', "config.pbtxt: field 'name' is required"],
    [
      "an unknown data type",
      'name: "m" platform: "onnxruntime_onnx" input { name: "x" data_type: TYPE_FP33 dims: 1 }',
      "config.pbtxt input: data_type TYPE_FP33 of 'x' is not a TYPE_*",
    ],
    [
      "two version policies",
      'name: "m" platform: "onnxruntime_onnx" version_policy { all {} latest { num_versions: 1 } }',
      "config.pbtxt version_policy: expected exactly one of latest, all, specific",
    ],
    [
      "an unclosed block, with line and column",
      'name: "m"\nversion_policy {\n  specific { versions: 1 }\n',
      "config.pbtxt:4:1: expected '}' before the end",
    ],
    ["a value without a colon", 'name "m"', "config.pbtxt:1:6: expected ':' or '{'"],
    ["an unterminated string", 'name: "m', "config.pbtxt: unterminated string at offset 6"],
  ];
  for (const [why, text, message] of errors) {
    void test(`refuses ${why}`, () => {
      assert.throws(() => parseConfigPbtxt(text), { name: "ModelConfigError", message });
    });
  }

  void test("parsePbtxt keeps fields in file order as a generic tree", () => {
    assert.deepEqual(parsePbtxt('a: 1 b { c: "x" } a: ENUM'), {
      fields: [
        { name: "a", value: { kind: "number", value: 1, text: "1" } },
        {
          name: "b",
          value: {
            kind: "message",
            message: { fields: [{ name: "c", value: { kind: "string", value: "x" } }] },
          },
        },
        { name: "a", value: { kind: "identifier", value: "ENUM" } },
      ],
    });
  });
});
