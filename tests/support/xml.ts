/**
 * A small, strict XML parser for tests (the SVG the trainer writes): one
 * pass over the characters, no regular expressions. It accepts an XML
 * declaration, comments, elements with quoted attributes, self-closing
 * tags and text with the five predefined entities and character
 * references, and throws, naming the offset, on anything not well-formed:
 * a tag closed by another name, an unclosed element, a repeated attribute,
 * a bare `&` or `<`, text or a second element outside the root.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (entities decoded), its children's left out. */
  text: string;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`not well-formed XML at offset ${at}: ${what}`);
  };
  const startsWith = (s: string): boolean => source.startsWith(s, at);
  const isNameChar = (c: string | undefined): boolean =>
    c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '-' || c === '_' || c === ':' || c === '.');
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\t' || c === '\r';
  const skipSpace = (): void => {
    while (isSpace(source[at])) at++;
  };
  const name = (): string => {
    const start = at;
    const first = source[at];
    if (first === undefined || !isNameChar(first) || (first >= '0' && first <= '9') || first === '-' || first === '.') fail('expected a name');
    while (isNameChar(source[at])) at++;
    return source.slice(start, at);
  };
  /** Decodes text up to (not including) `end`, which must not contain `<`. */
  const decode = (raw: string): string => {
    let out = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      if (c === '<') fail('a bare < in text or an attribute');
      if (c !== '&') {
        out += c;
        continue;
      }
      const semi = raw.indexOf(';', i);
      if (semi < 0) fail('a bare &');
      const entity = raw.slice(i + 1, semi);
      if (entity in PREDEFINED) out += PREDEFINED[entity];
      else if (entity.startsWith('#x') && entity.length > 2 && [...entity.slice(2)].every((d) => '0123456789abcdefABCDEF'.includes(d))) out += String.fromCodePoint(parseInt(entity.slice(2), 16));
      else if (entity.startsWith('#') && entity.length > 1 && [...entity.slice(1)].every((d) => d >= '0' && d <= '9')) out += String.fromCodePoint(Number(entity.slice(1)));
      else fail(`unknown entity &${entity};`);
      i = semi;
    }
    return out;
  };
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (startsWith('<!--')) {
        const end = source.indexOf('-->', at + 4);
        if (end < 0) fail('an unclosed comment');
        at = end + 3;
      } else {
        return;
      }
    }
  };
  const element = (): XmlElement => {
    if (!startsWith('<')) fail('expected <');
    at++;
    const el: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      const hadSpace = isSpace(source[at]);
      skipSpace();
      if (startsWith('/>')) {
        at += 2;
        return el;
      }
      if (startsWith('>')) {
        at++;
        break;
      }
      if (!hadSpace) fail('expected a space before an attribute');
      const attribute = name();
      skipSpace();
      if (source[at] !== '=') fail(`expected = after ${attribute}`);
      at++;
      skipSpace();
      const quote = source[at];
      if (quote !== '"' && quote !== "'") fail(`expected a quoted value for ${attribute}`);
      const end = source.indexOf(quote!, at + 1);
      if (end < 0) fail('an unclosed attribute value');
      if (attribute in el.attributes) fail(`attribute ${attribute} repeated`);
      el.attributes[attribute] = decode(source.slice(at + 1, end));
      at = end + 1;
    }
    for (;;) {
      const next = source.indexOf('<', at);
      if (next < 0) fail(`<${el.name}> is never closed`);
      el.text += decode(source.slice(at, next));
      at = next;
      if (startsWith('<!--')) {
        skipMisc();
      } else if (startsWith('</')) {
        at += 2;
        const closing = name();
        if (closing !== el.name) fail(`<${el.name}> closed by </${closing}>`);
        skipSpace();
        if (source[at] !== '>') fail('expected > after the closing tag');
        at++;
        return el;
      } else {
        el.children.push(element());
      }
    }
  };

  if (startsWith('<?xml')) {
    const end = source.indexOf('?>');
    if (end < 0) fail('an unclosed XML declaration');
    at = end + 2;
  }
  skipMisc();
  const root = element();
  skipMisc();
  if (at !== source.length) fail('content after the root element');
  return root;
}

/** Every element under `root` (itself included), depth first, in document order. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}
