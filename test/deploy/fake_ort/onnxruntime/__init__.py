"""A fake onnxruntime for test/deploy/driver-split.test.ts (no onnxruntime for Python comes from the registries
this project can reach). It computes nothing: for each model file it knows the runs the test precomputed with the
real ONNX Runtime (onnxruntime-node), and answers a run whose feeds equal one of them, bit for bit, with that run's
outputs. Unknown feeds are an error, so every value the driver passes is checked.

Configuration: $FPGAC_FAKE_ORT names a JSON file {"<model basename>": {"inputs": [names], "outputs": [names],
"runs": [{"feeds": {name: npy path}, "outputs": [npy paths]}]}}.
"""
import json
import os

import numpy as np

__all__ = ['InferenceSession']


class _Arg(object):
    def __init__(self, name):
        self.name = name


class InferenceSession(object):
    def __init__(self, path, providers=None, **_):
        with open(os.environ['FPGAC_FAKE_ORT']) as fh:
            table = json.load(fh)
        key = os.path.basename(path)
        if key not in table:
            raise RuntimeError('fake onnxruntime: no runs for %s' % key)
        if not os.path.exists(path):
            raise RuntimeError('fake onnxruntime: %s does not exist' % path)
        self.spec = table[key]
        self.path = path

    def get_inputs(self):
        return [_Arg(n) for n in self.spec['inputs']]

    def get_outputs(self):
        return [_Arg(n) for n in self.spec['outputs']]

    def run(self, output_names, feeds):
        if output_names is not None:
            raise RuntimeError('fake onnxruntime: only run(None, feeds)')
        if sorted(feeds) != sorted(self.spec['inputs']):
            raise RuntimeError('fake onnxruntime: feeds %s, the model takes %s' % (sorted(feeds), self.spec['inputs']))
        for r in self.spec['runs']:
            want = {k: np.load(v) for k, v in r['feeds'].items()}
            if all(feeds[k].dtype == want[k].dtype and feeds[k].shape == want[k].shape and np.array_equal(feeds[k], want[k]) for k in want):
                return [np.load(p) for p in r['outputs']]
        raise RuntimeError('fake onnxruntime: %s was run on feeds the test did not compute' % os.path.basename(self.path))
