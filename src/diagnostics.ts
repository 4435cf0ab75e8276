/**
 * @fileoverview User-facing diagnostics. A bad model is a user error, not a crash: every problem becomes a
 * coded one-line message naming the node and op, all are collected, and the CLI exits 2. Internal invariants
 * use `assert` (exit 1), so the two kinds of failure never mix.
 */
import { terminalLine } from './util/escape.js';

export type DiagnosticCode =
  | 'FPGAC001' // unreadable or malformed ONNX file
  | 'FPGAC002' // unsupported op
  | 'FPGAC003' // unsupported attribute value or input form
  | 'FPGAC004' // shape problem (unknown or inconsistent)
  | 'FPGAC005' // bad command-line option
  | 'FPGAC006' // bad input data file
  | 'FPGAC007' // unsupported data type
  | 'FPGAC008' // precision / fixed-point problem
  | 'FPGAC009' // control flow (Loop) problem
  | 'FPGAC010' // the design does not fit the target
  | 'FPGAC011' // an external tool (vitis_hls, vivado_hls) failed
  | 'FPGAC012' // the output folder is not fpgac's to replace, or cannot be written
  | 'FPGAC013' // a resource limit was exceeded (src/limits.ts; raise it with --limit KEY=N)
  | 'FPGAC014'; // warning: the model imports an ai.onnx opset newer than fpgac knows (ops read by their newest known form)

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly node?: string;
  readonly op?: string;
  readonly hint?: string;
  /** A warning reports and lets the command go on; absent means an error. */
  readonly severity?: 'warning';
}

/**
 * One line: `error FPGAC002: node 'x' (op Foo): unsupported op (hint: ...)`. Node and op names come from the model:
 * any control character in them (a newline included) is shown as a visible escape (`\x0a`, `\x1b`, `\u202e`);
 * a line break in a message (wrapped text, another tool's error) becomes a space, and whatever control is left is
 * escaped, so the result is exactly one line holding nothing a terminal would act on.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const node = d.node !== undefined ? terminalLine(d.node) : undefined;
  const op = d.op ? terminalLine(d.op) : '';
  const where = node !== undefined ? `node '${node}'${op ? ` (op ${op})` : ''}: ` : op ? `op ${op}: ` : '';
  const hint = d.hint ? ` (hint: ${d.hint})` : '';
  return terminalLine(`${d.severity ?? 'error'} ${d.code}: ${where}${d.message}${hint}`.replace(/\s*\n\s*/g, ' '));
}

/** Thrown to abort a command with one or more user-facing diagnostics (exit code 2). */
export class DiagnosticError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'DiagnosticError';
    this.diagnostics = diagnostics;
  }
}

/** Collects diagnostics during a stage so all problems are reported together. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  add(d: Diagnostic): void {
    this.items.push(d);
  }
  get empty(): boolean {
    return this.items.length === 0;
  }
  /** Throws a DiagnosticError when anything was collected. */
  throwIfAny(): void {
    if (this.items.length > 0) throw new DiagnosticError(this.items);
  }
}

export function fail(code: DiagnosticCode, message: string, where: { node?: string; op?: string; hint?: string } = {}): never {
  throw new DiagnosticError([{ code, message, ...where }]);
}

/** Internal invariant; a failure is a compiler bug (exit code 1). */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`internal error: ${message}`);
}
