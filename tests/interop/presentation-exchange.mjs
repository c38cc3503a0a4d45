// Choosing credentials for a Presentation Exchange 2.0 definition (draft-era OpenID4VP
// requests), for oid4vp-wallet.mjs. The OWF openid4vp library passes the definition through
// without evaluating it, so this does the part of PE that micro-credential requests use:
// each input descriptor's `format`, and its `constraints.fields` with JSONPath `path`s of the
// forms $.a.b, $['a'], $.a[0] and $.a[*], and JSON Schema `filter`s made of type, const,
// enum, pattern and contains. Anything else in a field is refused loudly rather than ignored,
// so a test never passes on a constraint this wallet did not understand.
//
// A JWT credential's paths are read from its JWT payload ($.vc.type), then, as many wallets
// do, from the `vc` claim itself ($.type).

const SUPPORTED_FILTER_KEYWORDS = new Set(['type', 'const', 'enum', 'pattern', 'contains']);

function pathSegments(path) {
  if(!path.startsWith('$')) {
    throw new Error(`unsupported JSONPath ${path}`);
  }
  const segments = [];
  const pattern = /\.([A-Za-z_@$][\w@$-]*)|\['([^']*)'\]|\[(\d+)\]|\[\*\]/y;
  pattern.lastIndex = 1;
  while(pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if(!match) {
      throw new Error(`unsupported JSONPath ${path}`);
    }
    const [, name, quoted, index] = match;
    segments.push(name ?? quoted ?? (index !== undefined ? Number(index) : '*'));
  }
  return segments;
}

function select(document, path) {
  let nodes = [document];
  for(const segment of pathSegments(path)) {
    nodes = nodes.flatMap(node => {
      if(node === null || typeof node !== 'object') {
        return [];
      }
      if(segment === '*') {
        return Array.isArray(node) ? node : Object.values(node);
      }
      return node[segment] === undefined ? [] : [node[segment]];
    });
  }
  return nodes;
}

function jsonType(value) {
  if(Array.isArray(value)) {
    return 'array';
  }
  if(value === null) {
    return 'null';
  }
  if(Number.isInteger(value)) {
    return 'integer';
  }
  return typeof value;
}

function satisfies(value, filter) {
  for(const keyword of Object.keys(filter)) {
    if(!SUPPORTED_FILTER_KEYWORDS.has(keyword)) {
      throw new Error(`unsupported JSON Schema keyword ${keyword} in a filter`);
    }
  }
  if(filter.type !== undefined) {
    const type = jsonType(value);
    const fits = filter.type === type || (filter.type === 'number' && type === 'integer');
    if(!fits) {
      return false;
    }
  }
  if('const' in filter && JSON.stringify(value) !== JSON.stringify(filter.const)) {
    return false;
  }
  if(filter.enum && !filter.enum.some(option => JSON.stringify(option) === JSON.stringify(value))) {
    return false;
  }
  if(filter.pattern !== undefined &&
    !(typeof value === 'string' && new RegExp(filter.pattern, 'u').test(value))) {
    return false;
  }
  if(filter.contains !== undefined &&
    !(Array.isArray(value) && value.some(element => satisfies(element, filter.contains)))) {
    return false;
  }
  return true;
}

function fieldMatches(field, documents) {
  return field.path.some(path => documents.some(document =>
    select(document, path).some(value => field.filter === undefined ||
      satisfies(value, field.filter))));
}

function descriptorMatches(descriptor, definition, item) {
  const formats = descriptor.format ?? definition.format;
  if(formats && !(item.format in formats)) {
    return false;
  }
  const documents = item.payload ? [item.payload, item.document] : [item.document];
  const fields = descriptor.constraints?.fields ?? [];
  return fields.every(field => field.optional || fieldMatches(field, documents));
}

// [{descriptorId, item}] answering every input descriptor, or null if one cannot be answered.
export function selectForDefinition(definition, held) {
  if(definition.submission_requirements) {
    throw new Error('submission_requirements are not supported by this wallet');
  }
  const picks = [];
  for(const descriptor of definition.input_descriptors) {
    const item = held.find(candidate => descriptorMatches(descriptor, definition, candidate));
    if(!item) {
      return null;
    }
    picks.push({descriptorId: descriptor.id, item});
  }
  return picks;
}
