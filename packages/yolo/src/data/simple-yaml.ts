/**
 * The subset of YAML that data set files (Ultralytics `data.yaml`) use at their top level: `key: scalar`,
 * flow lists and maps (`[a, b]`, `{0: a, 1: b}`, also over several lines), and blocks of scalars
 * (`- a` items or `0: a` pairs). Block scalars (`|`, `>`) and deeper nesting, as in a `download:` script,
 * are kept as raw text: only keys the caller reads are interpreted. No anchors, tags or multi-documents.
 */
import { AnnotationFormatError } from './errors.js';

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | YamlValue[] | { [key: string]: YamlValue };

export interface YamlEntry {
  /** The value, or the raw text for a block scalar or a block nested deeper than one level. */
  value: YamlValue;
  /** 1-based line of the key. */
  line: number;
  /** True when `value` is raw text that was not interpreted. */
  raw?: boolean;
  /** Why the value could not be read (it is then raw); readers of this key should throw it. */
  error?: AnnotationFormatError;
}

/** Removes a trailing `# comment` outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** A plain or quoted scalar: null/~, true/false, numbers, else a string. */
export function parseScalar(text: string, fail: (message: string) => never): YamlScalar {
  const s = text.trim();
  if (s.startsWith("'")) {
    if (!s.endsWith("'") || s.length < 2) fail(`an unclosed quote in ${s}`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s.startsWith('"')) {
    if (!s.endsWith('"') || s.length < 2) fail(`an unclosed quote in ${s}`);
    try {
      return JSON.parse(s) as string;
    } catch {
      return fail(`a bad escape in ${s}`);
    }
  }
  if (s === '' || s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(s)) return true;
  if (/^(false|False|FALSE)$/.test(s)) return false;
  if (/^[-+]?(\d[\d_]*)?(\.\d+)?([eE][-+]?\d+)?$/.test(s) && /\d/.test(s)) return Number(s.replace(/_/g, ''));
  if (/:(\s|$)/.test(s) || /^[[\]{}&*!|>%@`]/.test(s)) fail(`${JSON.stringify(s)} is not a plain value (nested maps, anchors and tags are not read here); quote it if it is text`);
  return s;
}

/** Parses a flow collection `[...]` or `{...}` (nesting allowed). */
function parseFlow(text: string, fail: (message: string) => never): YamlValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const scalar = (stops: string): YamlScalar => {
    ws();
    const start = i;
    if (text[i] === '"' || text[i] === "'") {
      const q = text[i]!;
      i++;
      while (i < text.length && !(text[i] === q && !(q === "'" && text[i + 1] === "'") && !(q === '"' && text[i - 1] === '\\'))) i += q === "'" && text[i] === "'" ? 2 : 1;
      if (i >= text.length) fail(`an unclosed quote in ${text}`);
      i++;
    } else {
      while (i < text.length && !stops.includes(text[i]!)) i++;
    }
    return parseScalar(text.slice(start, i), fail);
  };
  const value = (stops: string): YamlValue => {
    ws();
    if (text[i] === '[') {
      i++;
      const out: YamlValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(',]'));
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === ']') {
            i++;
            return out;
          }
          continue;
        }
        if (text[i] === ']') {
          i++;
          return out;
        }
        return fail(`expected ',' or ']' in ${text}`);
      }
    }
    if (text[i] === '{') {
      i++;
      const out: Record<string, YamlValue> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        const key = scalar(':,}');
        ws();
        if (text[i] !== ':') return fail(`expected 'key: value' in ${text}`);
        i++;
        out[String(key)] = value(',}');
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === '}') {
            i++;
            return out;
          }
          continue;
        }
        if (text[i] === '}') {
          i++;
          return out;
        }
        return fail(`expected ',' or '}' in ${text}`);
      }
    }
    return scalar(stops);
  };
  const v = value('');
  ws();
  if (i < text.length) fail(`unexpected text after the ${Array.isArray(v) ? 'list' : 'map'}: ${text.slice(i, i + 20)}`);
  return v;
}

function bracketDepth(s: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth;
}

const KEY_RE = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"][^:]*?)\s*:(?:\s+(.*))?$/;

/** Parses the top level of a YAML document into its keys; `source` names the file in errors. */
export function parseSimpleYaml(text: string, source = '<yaml>'): Map<string, YamlEntry> {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  const out = new Map<string, YamlEntry>();
  let i = 0;
  const indentOf = (l: string) => l.length - l.trimStart().length;
  while (i < lines.length) {
    const lineNo = i + 1;
    const failAt = (line: number) => (message: string): never => {
      throw new AnnotationFormatError(source, line, message);
    };
    const raw = lines[i]!;
    const content = stripComment(raw);
    if (content.trim() === '' || content.trim() === '---') {
      i++;
      continue;
    }
    if (/^\t/.test(raw)) failAt(lineNo)('a tab in the indentation (YAML indents with spaces)');
    if (indentOf(content) > 0) failAt(lineNo)(`unexpected indentation (expected a top-level "key: value")`);
    const m = KEY_RE.exec(content.trimEnd());
    if (!m) failAt(lineNo)(`expected "key: value", found ${JSON.stringify(content.trim().slice(0, 40))}`);
    const key = String(parseScalar(m![1]!, failAt(lineNo)));
    if (out.has(key)) failAt(lineNo)(`the key "${key}" appears twice (first on line ${out.get(key)!.line})`);
    let rest = (m![2] ?? '').trim();
    i++;
    // The block under the key: following lines that are blank or indented.
    const block: { line: number; text: string }[] = [];
    while (i < lines.length && (stripComment(lines[i]!).trim() === '' || indentOf(lines[i]!) > 0 || /^- /.test(lines[i]!) || lines[i] === '-')) {
      if (stripComment(lines[i]!).trim() !== '' || /^[|>]/.test(rest)) block.push({ line: i + 1, text: lines[i]! });
      i++;
    }
    const interpret = (): YamlEntry => {
      if (/^[|>][-+0-9]*$/.test(rest)) {
        const indent = Math.min(...block.filter((b) => b.text.trim()).map((b) => indentOf(b.text)));
        return { value: block.map((b) => b.text.slice(indent)).join(rest[0] === '|' ? '\n' : ' ').trim(), line: lineNo, raw: true };
      }
      if (rest.startsWith('[') || rest.startsWith('{')) {
        // A flow collection may continue on the following (indented) lines.
        let k = 0;
        while (bracketDepth(rest) > 0 && k < block.length) rest += ` ${stripComment(block[k++]!.text).trim()}`;
        if (bracketDepth(rest) !== 0) failAt(lineNo)(`an unclosed ${rest[0]} in "${key}"`);
        if (k < block.length) failAt(block[k]!.line)(`unexpected lines after the value of "${key}"`);
        return { value: parseFlow(rest, failAt(lineNo)), line: lineNo };
      }
      if (rest !== '') {
        if (block.length > 0) failAt(block[0]!.line)(`"${key}" has a value on its own line and an indented block below`);
        return { value: parseScalar(rest, failAt(lineNo)), line: lineNo };
      }
      if (block.length === 0) {
        return { value: null, line: lineNo };
      }
      // A block of scalars: "- item" lines, or "key: value" lines, all at one indentation.
      const indent = indentOf(block[0]!.text);
      const items = block.map((b) => ({ ...b, content: stripComment(b.text).trimEnd() }));
      if (items.some((b) => indentOf(b.content) !== indent)) {
        return { value: block.map((b) => b.text).join('\n'), line: lineNo, raw: true };
      }
      if (items[0]!.content.trim().startsWith('-')) {
        const list = items.map((b) => {
          const t = b.content.trim();
          if (!/^-(\s|$)/.test(t)) failAt(b.line)(`expected a "- item" line in the list "${key}"`);
          const v = t.slice(1).trim();
          return v.startsWith('[') || v.startsWith('{') ? parseFlow(v, failAt(b.line)) : parseScalar(v, failAt(b.line));
        });
        return { value: list, line: lineNo };
      } else {
        const map: Record<string, YamlValue> = {};
        for (const b of items) {
          const mm = KEY_RE.exec(b.content.trim());
          if (!mm) failAt(b.line)(`expected "key: value" in the map "${key}"`);
          const k = String(parseScalar(mm![1]!, failAt(b.line)));
          if (k in map) failAt(b.line)(`the key "${k}" appears twice in "${key}"`);
          const v = (mm![2] ?? '').trim();
          map[k] = v.startsWith('[') || v.startsWith('{') ? parseFlow(v, failAt(b.line)) : parseScalar(v, failAt(b.line));
        }
        return { value: map, line: lineNo };
      }
    };
    try {
      out.set(key, interpret());
    } catch (err) {
      // Kept raw: only an error if the caller reads this key.
      if (!(err instanceof AnnotationFormatError)) throw err;
      out.set(key, { value: [rest, ...block.map((b) => b.text)].join('\n'), line: lineNo, raw: true, error: err });
    }
  }
  return out;
}
