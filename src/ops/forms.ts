/**
 * @fileoverview How each data-movement op (ops/shape.ts) spells its arguments in each opset, read into one form:
 * attributes that later opsets turned into inputs (Reshape's shape at 5, Slice's starts/ends/axes at 10, the
 * axes of Squeeze/Unsqueeze at 13, Dropout's ratio and training_mode at 12), Concat's axis (default 1 before
 * opset 4, required after) and Cast's target type (a name before opset 6, a number after). The other version's
 * spelling on a node is refused (ops/opset.ts says why).
 */
import type { Node } from '../ir/graph.js';
import { attrInt, attrInts } from '../onnx/attrs.js';
import type { InputInfo } from './types.js';
import { constantInts, opsetProblem, refuseAttrs, refuseInputs } from './opset.js';

type Ins = readonly (InputInfo | undefined)[];

/** Whole numbers of an attribute list (ints are exact in an attribute, but a model may still hold anything). */
function attrWholes(node: Node, name: string): number[] | undefined {
  const v = attrInts(node, name);
  const bad = v?.find((x) => !Number.isSafeInteger(x));
  if (bad !== undefined) opsetProblem(node, `attribute '${name}' holds ${bad}, not a whole number`);
  return v;
}

export interface ReshapeForm {
  readonly target: readonly number[];
  readonly allowZero: boolean;
}

/** Reshape's target: the `shape` attribute before opset 5, constant input 1 from 5; `allowzero` exists from 14. */
export function reshapeForm(node: Node, ins: Ins, opset: number): ReshapeForm {
  if (opset < 5) {
    refuseInputs(node, 1, `Reshape takes its shape as an input from opset 5; before (the model imports ${opset}) it is the 'shape' attribute`);
    const target = attrWholes(node, 'shape');
    if (!target) opsetProblem(node, `the 'shape' attribute is required before opset 5 (the model imports ${opset})`);
    return { target, allowZero: false };
  }
  refuseAttrs(node, ['shape'], `Reshape's shape is an attribute only before opset 5; from 5 (the model imports ${opset}) it is input 1`);
  if (opset < 14) refuseAttrs(node, ['allowzero'], `allowzero exists from opset 14 (the model imports ${opset}); before, a 0 always copies the input's dimension`);
  if (!node.inputs[1]) opsetProblem(node, `the shape input is required from opset 5 (the model imports ${opset})`);
  return { target: constantInts(node, ins, 1, 'the target shape'), allowZero: attrInt(node, 'allowzero', 0) === 1 };
}

/**
 * The axes of Squeeze or Unsqueeze: the `axes` attribute before opset 13, constant input 1 from 13. Undefined when
 * absent (Squeeze then removes every dimension of size 1); Unsqueeze requires them.
 */
export function axesForm(node: Node, ins: Ins, opset: number): readonly number[] | undefined {
  let axes: number[] | undefined;
  if (opset < 13) {
    refuseInputs(node, 1, `${node.op} takes its axes as an input from opset 13; before (the model imports ${opset}) they are the 'axes' attribute`);
    axes = attrWholes(node, 'axes');
  } else {
    refuseAttrs(node, ['axes'], `${node.op}'s axes are an attribute only before opset 13; from 13 (the model imports ${opset}) they are input 1`);
    axes = node.inputs[1] ? constantInts(node, ins, 1, 'axes') : undefined;
  }
  if (!axes && node.op === 'Unsqueeze') opsetProblem(node, 'axes are required');
  return axes;
}

export interface SliceForm {
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Absent: the first starts.length axes. */
  readonly axes?: readonly number[];
  /** Absent: steps of 1. */
  readonly steps?: readonly number[];
}

/** Slice's arguments: attributes `starts`, `ends`, `axes` before opset 10 (no steps), constant inputs 1 to 4 from 10. */
export function sliceForm(node: Node, ins: Ins, opset: number): SliceForm {
  if (opset < 10) {
    refuseInputs(node, 1, `Slice takes its arguments as inputs from opset 10; before (the model imports ${opset}) they are attributes`);
    const starts = attrWholes(node, 'starts');
    const ends = attrWholes(node, 'ends');
    if (!starts || !ends) opsetProblem(node, `the 'starts' and 'ends' attributes are required before opset 10 (the model imports ${opset})`);
    return { starts, ends, axes: attrWholes(node, 'axes') };
  }
  refuseAttrs(node, ['starts', 'ends', 'axes'], `Slice's arguments are attributes only before opset 10; from 10 (the model imports ${opset}) they are inputs 1 to 4`);
  if (!node.inputs[1] || !node.inputs[2]) opsetProblem(node, `inputs starts and ends are required from opset 10 (the model imports ${opset})`);
  const what = 'starts, ends, axes and steps';
  return {
    starts: constantInts(node, ins, 1, what),
    ends: constantInts(node, ins, 2, what),
    axes: node.inputs[3] ? constantInts(node, ins, 3, what) : undefined,
    steps: node.inputs[4] ? constantInts(node, ins, 4, what) : undefined,
  };
}

/**
 * Checks that a Dropout is the identity: inference mode in its opset's spelling (`is_test` = 1 before opset 7; no
 * training_mode, or a constant false one, from 12, where ratio and training_mode became inputs) and no mask
 * output. `ratio` does not matter in inference.
 */
export function checkDropoutForm(node: Node, ins: Ins, opset: number): void {
  if (node.outputs.length > 1 && node.outputs[1]) opsetProblem(node, 'the mask output of Dropout is not supported');
  if (opset < 7 && attrInt(node, 'is_test', 0) === 0) {
    opsetProblem(node, `before opset 7 (the model imports ${opset}) a Dropout without is_test = 1 drops at random (training mode), which is not supported`);
  }
  if (opset < 12) {
    refuseInputs(node, 1, `Dropout takes ratio and training_mode as inputs from opset 12; before (the model imports ${opset}) it has one input`);
    return;
  }
  if (!node.inputs[2]) return;
  const mode = ins[2]?.value;
  if (!mode) opsetProblem(node, 'training_mode must be a constant false: a training-mode Dropout drops at random');
  if (mode.data.some((v) => v !== 0)) opsetProblem(node, 'training-mode Dropout (training_mode true) is not supported');
}

/** Concat's axis: default 1 before opset 4, required from 4. */
export function concatAxis(node: Node, opset: number): number {
  const axis = attrInt(node, 'axis');
  if (axis !== undefined) return axis;
  if (opset < 4) return 1;
  return opsetProblem(node, `the 'axis' attribute is required from opset 4 (the model imports ${opset})`);
}

/** TensorProto.DataType names, by number, as Cast before opset 6 spells its target. */
const TYPE_NAMES = ['UNDEFINED', 'FLOAT', 'UINT8', 'INT8', 'UINT16', 'INT16', 'INT32', 'INT64', 'STRING', 'BOOL', 'FLOAT16', 'DOUBLE', 'UINT32', 'UINT64', 'COMPLEX64', 'COMPLEX128', 'BFLOAT16'];

/** Cast's target as a TensorProto data type number: a type name ("FLOAT") before opset 6, the number from 6. */
export function castTarget(node: Node, opset: number): number {
  const to = node.attrs.to;
  if (!to) return opsetProblem(node, "the 'to' attribute is required");
  if (opset < 6) {
    const code = to.kind === 'string' ? TYPE_NAMES.indexOf(to.value.toUpperCase()) : -1;
    if (code <= 0) opsetProblem(node, `before opset 6 (the model imports ${opset}) 'to' is a data type name such as "FLOAT", found ${to.kind === 'string' ? `'${to.value}'` : `a${to.kind === 'int' ? 'n' : ''} ${to.kind}`}`);
    return code;
  }
  if (to.kind !== 'int') return opsetProblem(node, `from opset 6 (the model imports ${opset}) 'to' is a data type number, found a ${to.kind}`);
  return to.value;
}
