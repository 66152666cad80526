/**
 * Reading ListObjectsV2 pages fast. The SDK's generic XML and schema deserialization took about
 * 60 ms of CPU per 1,000-key page (most of `locker list` over 10,000 entries); a listing page is
 * a fixed, simple document, so it is read here by a strict parser of just that shape, and the SDK
 * still signs, sends, retries and reports errors. Whatever the parser does not fully understand
 * (a comment, a CDATA section, a DOCTYPE, an entity it does not know, a key with other than
 * printable ASCII, an EncodingType, a repeated or missing field, an attribute other than the
 * root's namespace) is handed to the SDK unchanged,
 * so the keys seen are the same either way: the listing still decides which entries exist.
 */
import { Readable } from 'node:stream';
import type { ListObjectsV2Command } from '@aws-sdk/client-s3';

export interface ListingItem {
  key: string;
  size: number;
  /** Without quotes, lower case. */
  etag?: string;
}

export interface ListingPage {
  items: ListingItem[];
  /** The CommonPrefixes of a listing with a delimiter, in order. */
  prefixes: string[];
  truncated: boolean;
  token?: string;
}

/** A page of 1,000 keys is about 300 KB; a store sending far more is not answering a listing. */
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

/** What the SDK's deserializer is given once a page was read here: an empty listing. */
const EMPTY_PAGE = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult></ListBucketResult>');

/**
 * Read the pages `command` receives with parseListingPage. Returns a function giving the page of
 * the last send, or undefined when the SDK read it (its output is then the answer).
 */
export function readPagesHere(command: ListObjectsV2Command): () => ListingPage | undefined {
  let page: ListingPage | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      page = undefined;
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if (response.statusCode !== 200 || !(response.body instanceof Readable)) return result;
      const body = await readBounded(response.body, MAX_PAGE_BYTES, 'a listing page');
      const parsed = parseListingPage(body.toString('utf8'));
      if (parsed === undefined) {
        response.body = body;
      } else {
        page = parsed;
        response.body = Buffer.from(EMPTY_PAGE);
      }
      return result;
    },
    // Low priority in the deserialize step: inside the SDK's deserializer, seeing the raw response.
    { step: 'deserialize', priority: 'low', name: 'packetListingPage' },
  );
  return () => page;
}

/** All of a stream's bytes, refusing (and destroying the stream) past `maxBytes`: `what` names it in the error. */
export async function readBounded(body: Readable, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      body.destroy();
      throw new Error(`${what} is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const DECLARATION = /^\s*<\?xml[^<>?]*\?>/y;
// A start tag (attributes in double quotes, no entities in them), an end tag, or text.
const TOKEN = /<(\/?)([A-Za-z][A-Za-z0-9]*)((?:\s+[A-Za-z][\w:.-]*="[^"<>&]*")*)\s*(\/?)>|([^<]+)/y;
// The one kind of attribute a page may carry: a namespace declaration on its root. The SDK reads
// any other attribute as a field (`<Contents Key="x">` gives the key x), so a page with one is
// left to it.
const ROOT_ATTRIBUTES = /^(?:\s+xmlns(?::[\w.-]+)?="[^"<>&]*")*$/;
const PRINTABLE = /^[\x21-\x7e]+$/;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * A ListObjectsV2 answer (ListBucketResult) in the strict shape described above, or undefined.
 * Fields other than the ones read are skipped, nested ones too (Owner).
 */
export function parseListingPage(xml: string): ListingPage | undefined {
  const path: string[] = [];
  const items: ListingItem[] = [];
  const prefixes: string[] = [];
  let item: Partial<ListingItem> | undefined;
  /** The Prefix of the CommonPrefixes element open, once read. */
  let common: { prefix?: string } | undefined;
  let truncated: boolean | undefined;
  let token: string | undefined;
  let text: string | undefined;
  let rootClosed = false;
  DECLARATION.lastIndex = 0;
  TOKEN.lastIndex = DECLARATION.test(xml) ? DECLARATION.lastIndex : 0;
  while (TOKEN.lastIndex < xml.length) {
    const match = TOKEN.exec(xml);
    if (match === null) return undefined; // `<!`, `<?`, a malformed tag
    const [, closing, name, attributes, selfClosing, raw] = match;
    if (attributes !== undefined && attributes !== '' && (closing === '/' || path.length > 0 || !ROOT_ATTRIBUTES.test(attributes as string))) return undefined;
    if (raw !== undefined) {
      if (rootClosed || path.length === 0) {
        if (raw.trim() !== '') return undefined;
        continue;
      }
      if (text !== undefined) return undefined;
      text = raw;
      continue;
    }
    if (rootClosed) return undefined;
    if (closing === '/') {
      if (path.pop() !== name) return undefined;
      const value = text === undefined ? '' : decode(text);
      text = undefined;
      if (value === undefined) return undefined;
      const depth = path.length;
      const container = depth === 0 || (depth === 1 && (name === 'Contents' || name === 'CommonPrefixes'));
      if (container && value.trim() !== '') return undefined; // text beside child elements
      if (depth === 0) rootClosed = true;
      else if (depth === 1 && name === 'IsTruncated') {
        if (truncated !== undefined || (value !== 'true' && value !== 'false')) return undefined;
        truncated = value === 'true';
      } else if (depth === 1 && name === 'NextContinuationToken') {
        if (token !== undefined || !PRINTABLE.test(value)) return undefined;
        token = value;
      } else if (depth === 1 && name === 'EncodingType') {
        return undefined; // keys would be URL-encoded: never asked for
      } else if (depth === 1 && name === 'Contents') {
        if (item?.key === undefined || item.size === undefined) return undefined;
        items.push(item as ListingItem);
        item = undefined;
      } else if (depth === 1 && name === 'CommonPrefixes') {
        if (common?.prefix === undefined) return undefined;
        prefixes.push(common.prefix);
        common = undefined;
      } else if (depth === 2 && path[1] === 'Contents' && item !== undefined) {
        if (!readField(item, name as string, value)) return undefined;
      } else if (depth === 2 && path[1] === 'CommonPrefixes' && common !== undefined && name === 'Prefix') {
        if (common.prefix !== undefined || !PRINTABLE.test(value)) return undefined;
        common.prefix = value;
      }
      continue;
    }
    if (text !== undefined && text.trim() !== '') return undefined; // mixed content
    text = undefined;
    if (path.length === 0 && name !== 'ListBucketResult') return undefined;
    if (selfClosing === '/') {
      if (path.length === 0) return undefined;
      if (path.length === 1 && (name === 'Contents' || name === 'IsTruncated' || name === 'NextContinuationToken' || name === 'EncodingType')) return undefined;
      if (path.length === 1 && name === 'CommonPrefixes') return undefined;
      if (path.length === 2 && path[1] === 'Contents' && (name === 'Key' || name === 'Size' || name === 'ETag')) return undefined;
      if (path.length === 2 && path[1] === 'CommonPrefixes' && name === 'Prefix') return undefined;
      continue;
    }
    if (path.length === 1 && name === 'Contents') item = {};
    if (path.length === 1 && name === 'CommonPrefixes') common = {};
    path.push(name as string);
    if (path.length > 8) return undefined;
  }
  if (!rootClosed || truncated === undefined) return undefined;
  return { items, prefixes, truncated, ...(token === undefined ? {} : { token }) };
}

function readField(item: Partial<ListingItem>, name: string, value: string): boolean {
  switch (name) {
    case 'Key':
      if (item.key !== undefined || !PRINTABLE.test(value)) return false;
      item.key = value;
      return true;
    case 'Size':
      if (item.size !== undefined || !/^[0-9]{1,15}$/.test(value)) return false;
      item.size = Number(value);
      return true;
    case 'ETag':
      if (item.etag !== undefined || !PRINTABLE.test(value)) return false;
      item.etag = value.replace(/"/g, '').toLowerCase();
      return true;
    default:
      return true;
  }
}

/** Text with its character references replaced; undefined for a lone `&` or an unknown entity. */
function decode(text: string): string | undefined {
  if (!text.includes('&')) return text;
  if (text.replace(ENTITY, '').includes('&')) return undefined;
  let bad = false;
  const decoded = text.replace(ENTITY, (_all, named: string | undefined, decimal: string | undefined, hex: string | undefined) => {
    if (named !== undefined) return NAMED[named] as string;
    const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex as string, 16);
    if (code > 0x10ffff || code === 0) {
      bad = true;
      return '';
    }
    return String.fromCodePoint(code);
  });
  return bad ? undefined : decoded;
}
