/**
 * @fileoverview User-facing diagnostics. A bad model is a user error, not a crash: every problem becomes a
 * coded one-line message naming the node and op, all are collected, and the CLI exits 2. Internal invariants
 * use `assert` (exit 1), so the two kinds of failure never mix.
 */

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
  | 'FPGAC011'; // an external tool (vitis_hls, vivado_hls) failed

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly node?: string;
  readonly op?: string;
  readonly hint?: string;
}

/** One line: `error FPGAC002: node 'x' (op Foo): unsupported op (hint: ...)`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.node !== undefined ? `node '${d.node}'${d.op ? ` (op ${d.op})` : ''}: ` : d.op ? `op ${d.op}: ` : '';
  const hint = d.hint ? ` (hint: ${d.hint})` : '';
  return `error ${d.code}: ${where}${d.message}${hint}`.replace(/\s*\n\s*/g, ' ');
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
