/**
 * ONNX messages as protobuf, field numbers from onnx/onnx.proto (IR version 7 = opset 13's IR):
 *   ModelProto      ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8
 *   OperatorSetId   domain 1, version 2
 *   GraphProto      node 1, name 2, initializer 5, doc_string 10, input 11, output 12
 *   NodeProto       input 1, output 2, name 3, op_type 4, attribute 5
 *   AttributeProto  name 1, f 2, i 3, s 4, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7)
 *   TensorProto     dims 1, data_type 2, name 8, raw_data 9 (FLOAT 1, INT64 7; little-endian)
 *   ValueInfoProto  name 1, type 2;  TypeProto tensor_type 1;  TypeProto.Tensor elem_type 1, shape 2
 *   TensorShapeProto dim 1;  Dimension dim_value 1, dim_param 2
 */
import { ProtoWriter } from './protobuf.js';

export const ONNX_IR_VERSION = 7;
export const TensorDataType = { FLOAT: 1, INT64: 7 } as const;
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

export type AttributeValue = number | string | readonly number[] | { float: number };

/** An attribute: integers and integer lists as INT/INTS, `{ float }` as FLOAT, strings as STRING. */
export function attributeProto(name: string, value: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'string') {
    w.varint(20, AttributeType.STRING).string(4, value);
  } else if (typeof value === 'number') {
    w.varint(20, AttributeType.INT).varint(3, value);
  } else if (Array.isArray(value)) {
    w.varint(20, AttributeType.INTS);
    for (const v of value as readonly number[]) w.varint(8, v);
  } else {
    w.varint(20, AttributeType.FLOAT).float(2, (value as { float: number }).float);
  }
  return w;
}

export function nodeProto(opType: string, inputs: readonly string[], outputs: readonly string[], name: string, attributes: Record<string, AttributeValue> = {}): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name).string(4, opType);
  for (const [k, v] of Object.entries(attributes)) w.message(5, attributeProto(k, v));
  return w;
}

/** An initializer; the data's bytes are referenced, not copied (little-endian hosts, as every JS engine we target). */
export function tensorProto(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of dims) w.varint(1, d);
  w.varint(2, data instanceof Float32Array ? TensorDataType.FLOAT : TensorDataType.INT64);
  w.string(8, name);
  w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return w;
}

/** A float tensor's name, element type and shape; a number is a fixed size, a string a symbolic one. */
export function valueInfoProto(name: string, shape: readonly (number | string)[]): ProtoWriter {
  const dims = new ProtoWriter();
  for (const d of shape) dims.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().varint(1, TensorDataType.FLOAT).message(2, dims);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

export function graphProto(g: { name: string; doc: string; nodes: ProtoWriter[]; initializers: ProtoWriter[]; inputs: ProtoWriter[]; outputs: ProtoWriter[] }): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, n);
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, t);
  if (g.doc) w.string(10, g.doc);
  for (const i of g.inputs) w.message(11, i);
  for (const o of g.outputs) w.message(12, o);
  return w;
}

export function modelProto(m: { graph: ProtoWriter; opset: number; producerName: string; producerVersion: string; doc: string }): ProtoWriter {
  return new ProtoWriter()
    .varint(1, ONNX_IR_VERSION)
    .string(2, m.producerName)
    .string(3, m.producerVersion)
    .string(6, m.doc)
    .message(7, m.graph)
    .message(8, new ProtoWriter().string(1, '').varint(2, m.opset));
}
