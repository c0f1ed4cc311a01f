/**
 * A small XML writer: elements with attributes, escaped and indented. Only what the compliance
 * formats need: no namespaces of its own, no mixed content. Characters XML 1.0 cannot carry at
 * all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are written as U+FFFD; tabs and line
 * breaks in attribute values are written as character references so they survive parsing.
 */

/* eslint-disable no-control-regex -- finding control characters is the point */
const NEEDS_ESCAPE =
  /[&<>"\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const ESCAPES =
  /[&<>"\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/* eslint-enable no-control-regex */

const REPLACEMENTS: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Escapes a value for a double-quoted attribute. */
export function escapeAttribute(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPES, (c) => REPLACEMENTS[c] ?? '\ufffd');
}

export type Attributes = readonly (readonly [string, string])[];

function attributeList(attributes: Attributes): string {
  let s = '';
  for (const [key, value] of attributes) s += ` ${key}="${escapeAttribute(value)}"`;
  return s;
}

/** `<name a="…" />` without indentation or line break, for fragments written with `raw`. */
export function emptyElement(name: string, attributes: Attributes): string {
  return `<${name}${attributeList(attributes)} />`;
}

export class XmlWriter {
  private readonly parts: string[] = ['<?xml version="1.0" encoding="utf-8"?>\n'];
  private readonly open: string[] = [];

  private tag(name: string, attributes: Attributes): string {
    return `${this.indent}<${name}${attributeList(attributes)}`;
  }

  /** The indentation of an element written now. */
  get indent(): string {
    return '  '.repeat(this.open.length);
  }

  /** Appends markup built elsewhere (with `emptyElement`, say) as it is. */
  raw(markup: string): this {
    this.parts.push(markup);
    return this;
  }

  /** `<name a="…">`; close it with `end()`. */
  start(name: string, attributes: Attributes = []): this {
    this.parts.push(`${this.tag(name, attributes)}>\n`);
    this.open.push(name);
    return this;
  }

  /** `<name a="…" />` */
  empty(name: string, attributes: Attributes = []): this {
    this.parts.push(`${this.tag(name, attributes)} />\n`);
    return this;
  }

  end(): this {
    const name = this.open.pop();
    if (name === undefined) throw new Error('XmlWriter: end() without start()');
    this.parts.push(`${'  '.repeat(this.open.length)}</${name}>\n`);
    return this;
  }

  toString(): string {
    if (this.open.length > 0) throw new Error(`XmlWriter: <${this.open.join('><')}> not closed`);
    return this.parts.join('');
  }
}
