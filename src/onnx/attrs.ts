/**
 * @fileoverview Typed attribute readers. A wrong attribute kind is a diagnostic naming the node, not a crash.
 */
import type { AttrValue, Node, Tensor } from '../ir/graph.js';
import { DiagnosticError } from '../diagnostics.js';

function wrongKind(node: Node, name: string, want: string, got: AttrValue): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message: `attribute '${name}' should be ${want}, found ${got.kind}` }]);
}

export function attrInt(node: Node, name: string, dflt: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, dflt?: number): number | undefined {
  const a = node.attrs[name];
  if (!a) return dflt;
  if (a.kind !== 'int') wrongKind(node, name, 'an int', a);
  return a.value;
}

export function attrFloat(node: Node, name: string, dflt: number): number;
export function attrFloat(node: Node, name: string): number | undefined;
export function attrFloat(node: Node, name: string, dflt?: number): number | undefined {
  const a = node.attrs[name];
  if (!a) return dflt;
  if (a.kind === 'int') return a.value;
  if (a.kind !== 'float') wrongKind(node, name, 'a float', a);
  return a.value;
}

export function attrInts(node: Node, name: string): number[] | undefined {
  const a = node.attrs[name];
  if (!a) return undefined;
  if (a.kind === 'int') return [a.value];
  if (a.kind !== 'ints') wrongKind(node, name, 'a list of ints', a);
  return a.value;
}

export function attrString(node: Node, name: string, dflt: string): string {
  const a = node.attrs[name];
  if (!a) return dflt;
  if (a.kind !== 'string') wrongKind(node, name, 'a string', a);
  return a.value;
}

export function attrTensor(node: Node, name: string): Tensor | undefined {
  const a = node.attrs[name];
  if (!a) return undefined;
  if (a.kind !== 'tensor') wrongKind(node, name, 'a tensor', a);
  return a.value;
}
