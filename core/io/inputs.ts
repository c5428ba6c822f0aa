// The CLI input format (also the webview's Try-it box): a JSON array of numbers for a single-input model,
// an array of such arrays for a batch, or an object mapping input names to (nested) arrays; a batch of
// objects is an array of objects. Multi-input models given a flat array take the inputs concatenated.
import fs from 'node:fs';
import type { Graph } from '../ir/graph';
import { sizeOf } from '../ir/graph';
import { UserError } from '../errors';

/** One case: input id → flat values of one sample. */
export type InputCase = Map<string, Float64Array>;

function flatten(v: unknown, where: string, out: number[] = []): number[] {
  if (typeof v === 'number') {
    out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) flatten(x, where, out);
  } else if (typeof v === 'string' && /^(nan|inf|-inf|infinity|-infinity)$/i.test(v)) {
    out.push(Number(v.replace(/^(-?)inf$/i, '$1Infinity')));
  } else {
    throw new UserError(`${where}: expected numbers or arrays of numbers, found ${JSON.stringify(v)?.slice(0, 40)}`);
  }
  return out;
}

function depth(v: unknown): number {
  return Array.isArray(v) ? 1 + (v.length ? depth(v[0]) : 0) : 0;
}

function checkFinite(values: number[], where: string): void {
  const bad = values.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new UserError(`${where}: value ${bad} is ${values[bad]}; fixed-point inputs must be finite numbers`);
}

/** Parses input JSON (already decoded) into cases for the graph's inputs. */
export function parseInputs(json: unknown, g: Graph, where: string): InputCase[] {
  const sizes = g.inputs.map((i) => sizeOf(i.shape));
  const total = sizes.reduce((a, b) => a + b, 0);
  const describe = g.inputs.map((i) => `'${i.name}' ${JSON.stringify(i.shape)}`).join(', ');
  const fromFlat = (values: number[], at: string): InputCase => {
    if (values.length !== total) {
      throw new UserError(`${at}: expected ${total} values (${describe}), got ${values.length}`);
    }
    checkFinite(values, at);
    const c: InputCase = new Map();
    let o = 0;
    g.inputs.forEach((inp, i) => {
      c.set(inp.id, Float64Array.from(values.slice(o, o + sizes[i])));
      o += sizes[i];
    });
    return c;
  };
  const fromObject = (obj: Record<string, unknown>, at: string): InputCase[] => {
    const unknown = Object.keys(obj).filter((k) => !g.inputs.some((i) => i.name === k));
    if (unknown.length) throw new UserError(`${at}: unknown input ${unknown.map((k) => `'${k}'`).join(', ')}; the model's inputs are ${describe}`);
    let count = -1;
    const per = g.inputs.map((inp, i) => {
      if (!(inp.name in obj)) throw new UserError(`${at}: input '${inp.name}' is missing`);
      const vals = flatten(obj[inp.name], `${at}.${inp.name}`);
      if (vals.length % sizes[i] !== 0 || vals.length === 0) {
        throw new UserError(`${at}: input '${inp.name}' expects ${sizes[i]} values per case (shape ${JSON.stringify(inp.shape)}), got ${vals.length}`);
      }
      const k = vals.length / sizes[i];
      if (count >= 0 && k !== count) throw new UserError(`${at}: inputs disagree on the number of cases (${count} vs ${k})`);
      count = k;
      checkFinite(vals, `${at}.${inp.name}`);
      return vals;
    });
    return Array.from({ length: count }, (_, ci) => {
      const c: InputCase = new Map();
      g.inputs.forEach((inp, i) => c.set(inp.id, Float64Array.from(per[i].slice(ci * sizes[i], (ci + 1) * sizes[i]))));
      return c;
    });
  };

  if (json && typeof json === 'object' && !Array.isArray(json)) return fromObject(json as Record<string, unknown>, where);
  if (!Array.isArray(json)) throw new UserError(`${where}: expected a JSON array or an object of input names`);
  if (json.length === 0) throw new UserError(`${where}: no input values`);
  if (json.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
    return json.flatMap((o, i) => fromObject(o as Record<string, unknown>, `${where}[${i}]`));
  }
  const all = flatten(json, where);
  if (depth(json) === 1) return [fromFlat(all, where)];
  // one case when the whole array is one sample; otherwise each top-level element is a case
  if (all.length === total && !(depth(json) > 1 && json.length > 1 && flatten(json[0], where).length === total)) return [fromFlat(all, where)];
  return json.map((c, i) => fromFlat(flatten(c, `${where}[${i}]`), `${where}[${i}]`));
}

export function readInputFile(file: string, g: Graph): InputCase[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseInputs(json, g, file);
}
