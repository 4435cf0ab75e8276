/**
 * @fileoverview The ai.onnx opset a model imports, which decides the form of every op in it (src/ops reads each
 * op in the form its opset defines). fpgac knows opsets 1 to 25; a newer one is read as 25 with a warning, since
 * ONNX rarely changes an op's signature and a changed one is refused by the op itself (an attribute or input
 * form it does not know), never silently misread.
 */
import type { Diagnostic } from '../diagnostics.js';

/** The newest ai.onnx opset whose op definitions fpgac reads. */
export const MAX_OPSET = 25;

/** The domains that name the default ONNX operator set. */
const DEFAULT_DOMAINS = ['', 'ai.onnx'];

export interface OpsetCheck {
  /** The ai.onnx opset (1 when the model imports none, as the ONNX checker assumes for old files). */
  readonly opset: number;
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
}

/** The default-domain opset of a model's opset imports, and what is wrong with it. */
export function checkOpset(opsets: ReadonlyMap<string, number>): OpsetCheck {
  const declared = DEFAULT_DOMAINS.filter((d) => opsets.has(d)).map((d) => opsets.get(d)!);
  const opset = declared[0] ?? 1;
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  if (declared.length > 1 && declared[0] !== declared[1]) {
    errors.push({ code: 'FPGAC001', message: `the model imports the default operator set twice, as opset ${declared[0]} ('') and ${declared[1]} ('ai.onnx')` });
  }
  if (!(opset >= 1)) {
    errors.push({ code: 'FPGAC001', message: `the model imports ai.onnx opset ${opset}; opsets start at 1` });
  } else if (opset > MAX_OPSET) {
    warnings.push({
      code: 'FPGAC014', severity: 'warning',
      message: `the model imports ai.onnx opset ${opset}, newer than ${MAX_OPSET}, the newest fpgac knows: its ops are read as opset ${MAX_OPSET} defines them`,
    });
  }
  return { opset, errors, warnings };
}
