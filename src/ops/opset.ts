/**
 * @fileoverview What the op modules share to read every opset's form of an op (ONNX opsets 1 to 25): refusing the
 * forms of another version, and the rewrite of legacy broadcasting (opset < 7) into NumPy broadcasting.
 *
 * An attribute or input a node carries that its opset's definition of the op does not have is refused when some
 * version of the op reads it differently (Clip's `min` attribute from opset 11 on, Squeeze's `axes` attribute from
 * 13 on): guessing which version the exporter meant could give a wrong answer. Attributes only ever read one way
 * (a Dropout's `is_test` after opset 7, where the op is the identity in inference either way) are not.
 */
import type { Node } from '../ir/graph.js';
import { attrInt } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import type { FreshName, InputInfo, Upgrade } from './types.js';

export function opsetProblem(node: Node, message: string, code: 'FPGAC003' | 'FPGAC004' = 'FPGAC003'): never {
  throw new DiagnosticError([{ code, node: node.name, op: node.op, message }]);
}

/** Refuses the attributes among `names` the node carries: `form` says which opsets have them and what replaced them. */
export function refuseAttrs(node: Node, names: readonly string[], form: string): void {
  const found = names.filter((a) => node.attrs[a] !== undefined);
  if (found.length) opsetProblem(node, `attribute${found.length > 1 ? 's' : ''} ${found.map((a) => `'${a}'`).join(', ')}: ${form}`);
}

/** Refuses inputs from index `from` on (named ones): `form` says which opsets have them. */
export function refuseInputs(node: Node, from: number, form: string): void {
  if (node.inputs.slice(from).some(Boolean)) opsetProblem(node, `${node.inputs.length} inputs: ${form}`);
}

/** The constant integer values of input `i` (axes, starts, ...), or FPGAC003 naming `what`. */
export function constantInts(node: Node, ins: readonly (InputInfo | undefined)[], i: number, what: string): number[] {
  const v = ins[i]?.value;
  if (!v) opsetProblem(node, `${what} must be constant`);
  const out = Array.from(v.data);
  const bad = out.find((x) => !Number.isSafeInteger(x));
  if (bad !== undefined) opsetProblem(node, `${what} holds ${bad}, not a whole number`);
  return out;
}

/**
 * Binary element-wise ops before opset 7 (Add, Sub, Mul, Div, Pow) broadcast only B onto A, and only with
 * `broadcast` 1: B's shape lines up with A's from `axis` (default: A's trailing dims). NumPy broadcasting (opset 7
 * on) lines B up with A's trailing dims, so an `axis` elsewhere is B with trailing dims of size 1 added
 * (an Unsqueeze, which import then reads, folding it when B is constant). The node that remains keeps
 * `broadcast` 1 and no `axis`, so it never needs this again.
 */
export function upgradeLegacyBroadcast(node: Node, ins: readonly (InputInfo | undefined)[], opset: number, fresh: FreshName): Upgrade | undefined {
  if (opset >= 7 || attrInt(node, 'broadcast', 0) !== 1 || node.attrs.axis === undefined) return undefined;
  const [a, b] = ins;
  if (!a || !b) return undefined; // parse reports the missing input
  const ra = a.shape.length;
  const rb = b.shape.length;
  const raw = attrInt(node, 'axis')!;
  const axis = raw < 0 ? raw + ra : raw;
  if (axis < 0 || axis + rb > ra || b.shape.some((d, i) => d !== 1 && d !== a.shape[axis + i])) {
    opsetProblem(node, `broadcast axis ${raw} does not fit B [${b.shape}] into A [${a.shape}]`, 'FPGAC004');
  }
  const { axis: _dropped, ...attrs } = node.attrs;
  const trailing = ra - axis - rb;
  if (trailing === 0) return { nodes: [{ ...node, attrs }] };
  const unsqueezed = fresh(`${node.inputs[1]}_axis${axis}`);
  const unsqueeze: Node = {
    name: fresh(`${node.name}_broadcast_axis`), op: 'Unsqueeze', domain: '', inputs: [node.inputs[1]], outputs: [unsqueezed],
    attrs: { axes: { kind: 'ints', value: Array.from({ length: trailing }, (_, i) => rb + i) } }, sources: [node.name],
  };
  return { nodes: [unsqueeze, { ...node, inputs: [node.inputs[0], unsqueezed], attrs }] };
}

/**
 * Checks a binary element-wise node against its opset's broadcasting: before opset 7, with `broadcast` 1, the
 * result must have A's shape (only B is broadcast); from opset 7 an `axis` attribute is refused (NumPy broadcasting
 * has none, and ignoring a legacy one would line B up elsewhere). Nodes without `broadcast` (passes make such
 * nodes, and valid old models use them on equal shapes) broadcast as NumPy does. `out` is the NumPy result shape
 * (undefined: the shapes do not broadcast, which the caller reports).
 */
export function checkBroadcastForm(node: Node, a: readonly number[], out: readonly number[] | undefined, opset: number): void {
  if (opset >= 7) {
    refuseAttrs(node, ['axis'], 'legacy broadcasting along an axis exists only before opset 7');
    return;
  }
  if (!out || attrInt(node, 'broadcast', 0) !== 1) return;
  if (out.length !== a.length || out.some((d, i) => d !== a[i])) {
    opsetProblem(node, `legacy broadcasting (before opset 7) broadcasts B onto A only; A [${a}] would become [${out}]`, 'FPGAC004');
  }
}
