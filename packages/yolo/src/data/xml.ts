/**
 * A small XML reader, enough for annotation files (Pascal VOC, LabelImg, CVAT exports): elements,
 * attributes, text, comments, CDATA, the five named entities and numeric ones. No DTDs or namespaces.
 * Every element remembers its line, so callers can say where a value is wrong.
 */
import { AnnotationFormatError } from './errors.js';
import { lineIndex } from './text-lines.js';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (not its children's), entities decoded, trimmed. */
  text: string;
  /** 1-based line of the start tag. */
  line: number;
}

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Parses XML text into its root element; throws AnnotationFormatError (file and line) on malformed input. */
export function parseXml(text: string, source = '<xml>'): XmlElement {
  const lineOf = lineIndex(text);
  const fail = (offset: number, message: string): never => {
    throw new AnnotationFormatError(source, lineOf(offset), message);
  };
  const decode = (s: string, offset: number) =>
    s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|&/g, (m, ref: string | undefined, at: number) => {
      if (!ref) return fail(offset + at, "a bare '&' (write &amp;)");
      if (ref[0] === '#') {
        const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        return code <= 0x10ffff ? String.fromCodePoint(code) : fail(offset + at, `bad character reference ${m}`);
      }
      return NAMED[ref] ?? fail(offset + at, `unknown entity ${m}`);
    });

  const stack: { el: XmlElement; parts: string[] }[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt < 0 ? n : lt;
    if (end > i) {
      const chunk = text.slice(i, end);
      if (stack.length > 0) stack[stack.length - 1]!.parts.push(decode(chunk, i));
      else if (chunk.trim()) fail(i, `text outside the root element: ${JSON.stringify(chunk.trim().slice(0, 30))}`);
    }
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const close = text.indexOf('-->', lt + 4);
      if (close < 0) fail(lt, 'an unclosed comment');
      i = close + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const close = text.indexOf(']]>', lt + 9);
      if (close < 0) fail(lt, 'an unclosed CDATA section');
      if (stack.length === 0) fail(lt, 'CDATA outside the root element');
      stack[stack.length - 1]!.parts.push(text.slice(lt + 9, close));
      i = close + 3;
    } else if (text.startsWith('<?', lt)) {
      const close = text.indexOf('?>', lt + 2);
      if (close < 0) fail(lt, "an unclosed '<?' declaration");
      i = close + 2;
    } else if (text.startsWith('<!', lt)) {
      const close = text.indexOf('>', lt + 2);
      if (close < 0) fail(lt, "an unclosed '<!' declaration");
      i = close + 1;
    } else if (text.startsWith('</', lt)) {
      const m = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(text.slice(lt, lt + 256));
      if (!m) fail(lt, 'a malformed end tag');
      const top = stack.pop();
      if (!top) fail(lt, `an end tag </${m![1]}> without a start tag`);
      if (top!.el.name !== m![1]) fail(lt, `</${m![1]}> closes <${top!.el.name}> (opened on line ${top!.el.line})`);
      top!.el.text = top!.parts.join('').trim();
      i = lt + m![0].length;
    } else {
      const close = text.indexOf('>', lt + 1);
      if (close < 0) fail(lt, 'an unclosed start tag');
      const m = /^<([A-Za-z_][\w.:-]*)([\s\S]*?)(\/?)>$/.exec(text.slice(lt, close + 1));
      if (!m) fail(lt, `a malformed tag ${JSON.stringify(text.slice(lt, Math.min(close + 1, lt + 40)))}`);
      const [, name, rest, selfClosing] = m!;
      const attributes: Record<string, string> = {};
      const attrRe = /\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/gy;
      let pos = 0;
      let a: RegExpExecArray | null;
      while ((a = attrRe.exec(rest!)) !== null) {
        attributes[a[1]!] = decode(a[3] ?? a[4] ?? '', lt);
        pos = attrRe.lastIndex;
      }
      if (rest!.slice(pos).trim()) fail(lt, `malformed attributes in <${name}>: ${JSON.stringify(rest!.slice(pos).trim().slice(0, 30))}`);
      const el: XmlElement = { name: name!, attributes, children: [], text: '', line: lineOf(lt) };
      if (stack.length > 0) stack[stack.length - 1]!.el.children.push(el);
      else if (root) fail(lt, `a second root element <${name}> (the first is <${root.name}>)`);
      else root = el;
      if (!selfClosing) stack.push({ el, parts: [] });
      i = close + 1;
    }
  }
  if (stack.length > 0) fail(n, `<${stack[stack.length - 1]!.el.name}> (line ${stack[stack.length - 1]!.el.line}) is never closed`);
  if (!root) fail(0, 'no XML element (empty file?)');
  return root!;
}

/** The first child element called `name`. */
export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
