/**
 * A minimal protocol-buffers encoder (and a field-level decoder for checks), enough to write an ONNX
 * ModelProto without a dependency. Wire format (protobuf.dev/programming-guides/encoding): every field is a
 * tag `(fieldNumber << 3) | wireType` as a varint, then its payload — wire type 0 a varint, 1 eight bytes,
 * 2 a varint length and that many bytes (strings, bytes, nested messages, packed repeated), 5 four bytes.
 *
 * A `ProtoWriter` keeps its parts (small byte arrays, large byte arrays by reference, nested writers) and
 * its exact length, so a 500 MB model is copied once, into the buffer `finish()` returns.
 */

export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/** Bytes of `value` as a base-128 varint; negative int64 values take 10 bytes (two's complement). */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = typeof value === 'bigint' ? value : BigInt(checkInteger(value));
  if (v < 0n) v = BigInt.asUintN(64, v);
  if (v <= 0x7fn) return Uint8Array.of(Number(v));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

function checkInteger(value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: ${value} is not a safe integer`);
  return value;
}

const textEncoder = new TextEncoder();

export class ProtoWriter {
  private readonly parts: (Uint8Array | ProtoWriter)[] = [];
  private pending: number[] = [];
  private size = 0;
  private sealed = false;

  /** Exact encoded length in bytes. */
  get length(): number {
    return this.size + this.pending.length;
  }

  private flushPending(): void {
    if (this.pending.length > 0) {
      const bytes = Uint8Array.from(this.pending);
      this.parts.push(bytes);
      this.size += bytes.length;
      this.pending = [];
    }
  }

  private raw(bytes: Uint8Array): void {
    if (this.sealed) throw new Error('protobuf: writer already added to a parent or finished');
    if (bytes.length <= 16) {
      for (const b of bytes) this.pending.push(b);
      return;
    }
    this.flushPending();
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1) throw new RangeError(`protobuf: bad field number ${field}`);
    this.raw(encodeVarint(field * 8 + wireType));
  }

  /** int32 / int64 / enum / bool field (wire type 0). */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WireType.varint);
    this.raw(encodeVarint(value));
    return this;
  }

  /** float field (wire type 5, little-endian IEEE 754 single). */
  float(field: number, value: number): this {
    this.tag(field, WireType.fixed32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.raw(b);
    return this;
  }

  /** bytes field; the array is kept by reference (no copy until `finish`). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.lengthDelimited);
    this.raw(encodeVarint(value.length));
    this.raw(value);
    return this;
  }

  /** string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** Embedded message field; `message` must be complete — it is sealed here. */
  message(field: number, message: ProtoWriter): this {
    if (message === this) throw new Error('protobuf: a message cannot contain itself');
    this.tag(field, WireType.lengthDelimited);
    this.raw(encodeVarint(message.length));
    message.flushPending();
    message.sealed = true;
    this.flushPending();
    this.parts.push(message);
    this.size += message.length;
    return this;
  }

  /** Packed repeated int64 field (one length-delimited run of varints). */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const chunks = values.map((v) => encodeVarint(v));
    const total = chunks.reduce((s, c) => s + c.length, 0);
    const body = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.length;
    }
    return this.bytes(field, body);
  }

  /** Packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): this {
    const body = new Uint8Array(values.length * 4);
    const view = new DataView(body.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, body);
  }

  /** The encoded message as one buffer. */
  finish(): Uint8Array {
    this.flushPending();
    this.sealed = true;
    const out = new Uint8Array(this.length);
    const end = this.writeInto(out, 0);
    if (end !== out.length) throw new Error(`protobuf: wrote ${end} bytes, expected ${out.length}`);
    return out;
  }

  private writeInto(out: Uint8Array, at: number): number {
    this.flushPending();
    for (const p of this.parts) {
      if (p instanceof ProtoWriter) {
        at = p.writeInto(out, at);
      } else {
        out.set(p, at);
        at += p.length;
      }
    }
    return at;
  }
}

/** One decoded field: varints as bigint, fixed32/fixed64 as their raw bytes, length-delimited as a view. */
export interface ProtoField {
  field: number;
  wireType: number;
  value: bigint | Uint8Array;
}

/** Reads a varint at `offset`; returns the value and the offset after it. */
export function readVarint(bytes: Uint8Array, offset: number): { value: bigint; next: number } {
  let result = 0n;
  let shift = 0n;
  for (let i = offset; i < bytes.length; i++) {
    const b = bytes[i]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: result, next: i + 1 };
    shift += 7n;
    if (shift > 63n) throw new Error(`protobuf: varint too long at byte ${offset}`);
  }
  throw new Error(`protobuf: truncated varint at byte ${offset}`);
}

/** Splits one message into its top-level fields (no schema: nested messages stay bytes). */
export function decodeFields(bytes: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  while (at < bytes.length) {
    const { value: key, next } = readVarint(bytes, at);
    at = next;
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    let value: bigint | Uint8Array;
    if (wireType === WireType.varint) {
      const r = readVarint(bytes, at);
      value = r.value;
      at = r.next;
    } else if (wireType === WireType.fixed64 || wireType === WireType.fixed32) {
      const n = wireType === WireType.fixed64 ? 8 : 4;
      value = bytes.subarray(at, at + n);
      at += n;
    } else if (wireType === WireType.lengthDelimited) {
      const r = readVarint(bytes, at);
      const n = Number(r.value);
      value = bytes.subarray(r.next, r.next + n);
      at = r.next + n;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wireType} at byte ${at}`);
    }
    if (at > bytes.length) throw new Error('protobuf: field runs past the end of the message');
    fields.push({ field, wireType, value });
  }
  return fields;
}

/** A varint field's value as a signed int64 number. */
export function toInt64(value: bigint | Uint8Array): number {
  if (typeof value !== 'bigint') throw new Error('protobuf: not a varint field');
  return Number(BigInt.asIntN(64, value));
}
