/**
 * A minimal, strict XML 1.0 parser for checking the compliance output (no XML library is
 * installed). It accepts what well-formed documents may contain — declaration, comments,
 * processing instructions, elements, attributes, character and predefined entity references,
 * CDATA — and throws on anything that is not well-formed: a character XML cannot carry, an
 * unescaped `<` or `&`, an undefined entity, a duplicate attribute, mismatched or unclosed tags,
 * more than one root, a DOCTYPE (not used by us, so refused rather than half-supported).
 */

export interface XmlElement {
  readonly name: string;
  /** In document order. */
  readonly attributes: readonly (readonly [string, string])[];
  readonly children: readonly XmlElement[];
  /** Character data directly inside the element (whitespace included). */
  readonly text: string;
}

export class XmlSyntaxError extends Error {}

// Name characters of XML 1.0 (fifth edition), as UTF-16 ranges.
/* eslint-disable no-misleading-character-class -- ranges of code points, not combined glyphs */
const NAME_START =
  /[A-Za-z_:\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd]/;
const NAME_CHAR =
  /[-.0-9\u00b7\u0300-\u036f\u203f-\u2040A-Za-z_:\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd]/;
/* eslint-enable no-misleading-character-class */
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

export function attr(element: XmlElement, name: string): string | undefined {
  return element.attributes.find(([k]) => k === name)?.[1];
}

export function parseXml(source: string): XmlElement {
  // Every character must be an XML Char (lone surrogates and most C0 controls are not).
  for (let i = 0; i < source.length; i++) {
    const cp = source.codePointAt(i) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) throw new XmlSyntaxError(`lone surrogate at ${i}`);
    if (!isXmlChar(cp)) throw new XmlSyntaxError(`character U+${cp.toString(16)} not allowed at ${i}`);
    if (cp > 0xffff) i++;
  }
  let pos = 0;
  const fail = (what: string): never => {
    throw new XmlSyntaxError(`${what} at offset ${pos}: ${JSON.stringify(source.slice(pos, pos + 30))}`);
  };
  const startsWith = (s: string) => source.startsWith(s, pos);
  const skipSpace = (): boolean => {
    const start = pos;
    while (pos < source.length && ' \t\r\n'.includes(source[pos] ?? '')) pos++;
    return pos > start;
  };
  const name = (): string => {
    const start = pos;
    if (!NAME_START.test(source[pos] ?? '')) fail('expected a name');
    pos++;
    while (pos < source.length && NAME_CHAR.test(source[pos] ?? '')) pos++;
    return source.slice(start, pos);
  };
  const reference = (): string => {
    // at '&'
    const end = source.indexOf(';', pos);
    if (end < 0) fail('unterminated reference');
    const body = source.slice(pos + 1, end);
    let out: string | undefined;
    if (/^#[0-9]+$/.test(body)) out = String.fromCodePoint(checkCharRef(Number(body.slice(1))));
    else if (/^#x[0-9a-fA-F]+$/.test(body))
      out = String.fromCodePoint(checkCharRef(parseInt(body.slice(2), 16)));
    else out = PREDEFINED[body];
    if (out === undefined) fail(`undefined entity &${body};`);
    pos = end + 1;
    return out as string;
  };
  const checkCharRef = (cp: number): number => {
    if (!isXmlChar(cp)) fail(`character reference to U+${cp.toString(16)}`);
    return cp;
  };
  const until = (terminator: string, what: string): string => {
    const end = source.indexOf(terminator, pos);
    if (end < 0) fail(`unterminated ${what}`);
    const body = source.slice(pos, end);
    pos = end + terminator.length;
    return body;
  };
  const comment = () => {
    pos += 4;
    const body = until('-->', 'comment');
    if (body.includes('--') || body.endsWith('-')) fail('"--" inside a comment');
  };
  const pi = () => {
    pos += 2;
    const target = name();
    if (target.toLowerCase() === 'xml') fail('XML declaration not at the start');
    until('?>', 'processing instruction');
  };
  const misc = () => {
    for (;;) {
      skipSpace();
      if (startsWith('<!--')) comment();
      else if (startsWith('<?')) pi();
      else return;
    }
  };
  const attributeValue = (): string => {
    const quote = source[pos];
    if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
    pos++;
    let value = '';
    for (;;) {
      const c = source[pos];
      if (c === undefined) fail('unterminated attribute value');
      if (c === quote) break;
      if (c === '<') fail('"<" in an attribute value');
      if (c === '&') value += reference();
      else {
        // Attribute-value normalisation: literal whitespace becomes a space.
        value += c === '\t' || c === '\n' || c === '\r' ? ' ' : (c ?? '');
        pos++;
      }
    }
    pos++;
    return value;
  };
  const element = (): XmlElement => {
    if (source[pos] !== '<') fail('expected "<"');
    pos++;
    const tag = name();
    const attributes: [string, string][] = [];
    for (;;) {
      const spaced = skipSpace();
      if (startsWith('/>')) {
        pos += 2;
        return { name: tag, attributes, children: [], text: '' };
      }
      if (source[pos] === '>') {
        pos++;
        break;
      }
      if (!spaced) fail('expected whitespace before an attribute');
      const key = name();
      skipSpace();
      if (source[pos] !== '=') fail('expected "="');
      pos++;
      skipSpace();
      if (attributes.some(([k]) => k === key)) fail(`duplicate attribute ${key}`);
      attributes.push([key, attributeValue()]);
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (pos >= source.length) fail(`<${tag}> not closed`);
      if (startsWith('</')) {
        pos += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        skipSpace();
        if (source[pos] !== '>') fail('expected ">"');
        pos++;
        return { name: tag, attributes, children, text };
      }
      if (startsWith('<!--')) comment();
      else if (startsWith('<![CDATA[')) {
        pos += 9;
        text += until(']]>', 'CDATA section');
      } else if (startsWith('<!')) fail('markup declaration');
      else if (startsWith('<?')) pi();
      else if (source[pos] === '<') children.push(element());
      else if (source[pos] === '&') text += reference();
      else {
        if (startsWith(']]>')) fail('"]]>" in character data');
        text += source[pos] === '\r' ? '\n' : (source[pos] ?? '');
        pos++;
      }
    }
  };

  if (startsWith('<?xml')) {
    const decl = until('?>', 'XML declaration');
    const declaration =
      /^<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*$/;
    if (!declaration.test(decl)) {
      throw new XmlSyntaxError(`malformed XML declaration: ${decl}`);
    }
  }
  misc();
  if (startsWith('<!DOCTYPE')) fail('DOCTYPE not supported');
  const root = element();
  misc();
  if (pos !== source.length) fail('content after the root element');
  return root;
}
