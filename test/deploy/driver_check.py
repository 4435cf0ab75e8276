"""Test helper (test/deploy/driver.test.ts): checks hw/driver/fpgac_driver.py's conversions and packing against
vectors the TypeScript reference wrote (sim/fixed.ts fromDouble/toDouble, src/deploy/packing.ts packSample and
wordsToBytes). Prints one JSON object: per check the number of values compared and the first mismatches.

    python3 driver_check.py DRIVER_PY VECTOR_DIR
"""
import importlib.util
import json
import os
import sys

import numpy as np


def load_driver(path):
    spec = importlib.util.spec_from_file_location('fpgac_driver', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    drv = load_driver(sys.argv[1])
    d = sys.argv[2]
    with open(os.path.join(d, 'manifest.json')) as fh:
        man = json.load(fh)
    xs = np.fromfile(os.path.join(d, 'conv_x.bin'), dtype='<f8')
    want_raw = np.fromfile(os.path.join(d, 'conv_raw.bin'), dtype='<i8')
    tf_raw = np.fromfile(os.path.join(d, 'tf_raw.bin'), dtype='<i8')
    tf_dbl = np.fromfile(os.path.join(d, 'tf_dbl.bin'), dtype='<f8')
    pack_raw = np.fromfile(os.path.join(d, 'pack_raw.bin'), dtype='<i8')
    pack_bytes = np.fromfile(os.path.join(d, 'pack_bytes.bin'), dtype=np.uint8)
    out = {'python': sys.version.split()[0], 'numpy': np.__version__}

    conv = {'formats': 0, 'values': 0, 'mismatches': []}
    tofl = {'formats': 0, 'values': 0, 'mismatches': []}
    for c in man['conversions']:
        f = drv.Format.from_dict(c['format'])
        conv['formats'] += 1
        x = xs[c['offset']:c['offset'] + c['count']]
        got = drv.from_double(x, f)
        if got.dtype != f.raw_dtype:
            conv['mismatches'].append({'format': f.cpp(), 'dtype': str(got.dtype)})
            continue
        want = want_raw[c['offset']:c['offset'] + c['count']]
        g = got.view(np.int64) if got.dtype == np.uint64 else got
        bad = np.nonzero(g != want)[0]
        conv['values'] += x.size
        for i in bad[:3]:
            conv['mismatches'].append({'format': f.cpp(), 'x': repr(float(x[i])), 'xbits': '%016x' % x[i:i + 1].view(np.uint64)[0],
                                       'got': int(got[i]), 'want': int(want[i]) if f.raw_dtype == np.int64 else int(want[i:i + 1].view(np.uint64)[0])})
        # to_float of raws spread over the whole range (and of the converted values)
        r = tf_raw[c['tfOffset']:c['tfOffset'] + c['tfCount']]
        if f.raw_dtype == np.uint64:
            r = r.view(np.uint64)
        v = drv.to_double(r, f)
        w = tf_dbl[c['tfOffset']:c['tfOffset'] + c['tfCount']]
        tofl['formats'] += 1
        tofl['values'] += r.size
        bad = np.nonzero(v.view(np.uint64) != w.view(np.uint64))[0]
        for i in bad[:3]:
            tofl['mismatches'].append({'format': f.cpp(), 'raw': int(r[i]), 'got': repr(float(v[i])), 'want': repr(float(w[i]))})
    out['conversions'] = conv
    out['toFloat'] = tofl

    pk = {'cases': 0, 'bytes': 0, 'raws': 0, 'mismatches': []}
    for c in man['packing']:
        port = drv.Port(c['port'], c['busBits'])
        raws = pack_raw[c['rawOffset']:c['rawOffset'] + c['samples'] * port.elements]
        want = pack_bytes[c['byteOffset']:c['byteOffset'] + c['samples'] * port.bytes_per_sample]
        got = drv.pack(raws, port)
        pk['cases'] += 1
        what = '%s bus %d field %d elements %d' % (port.format.cpp(), c['busBits'], port.field_bits, port.elements)
        if got.shape != (c['samples'], port.bytes_per_sample) or not np.array_equal(got.reshape(-1), want):
            pk['mismatches'].append({'case': what, 'check': 'pack', 'got': got.reshape(-1)[:64].tolist(), 'want': want[:64].tolist()})
            continue
        back = drv.unpack(got, port)
        if back.shape != (c['samples'],) + port.sample_shape or not np.array_equal(back.reshape(-1), raws):
            pk['mismatches'].append({'case': what, 'check': 'unpack(pack(r)) == r'})
            continue
        pk['bytes'] += want.size
        pk['raws'] += raws.size
    out['packing'] = pk

    # Refusals: raws outside the format, and ports whose raws do not fit their field.
    ref = []
    c = man['packing'][0]
    port = drv.Port(c['port'], c['busBits'])
    try:
        drv.pack(np.array([port.format.max_raw + 1] * port.elements), port)
        ref.append('pack accepted a raw above the format')
    except drv.DriverError:
        pass
    bad = dict(c['port'], fieldBits=8, perWord=c['busBits'] // 8)
    bad['format'] = dict(bad['format'], width=12)
    bad['wordsPerSample'] = -(-bad['elements'] // bad['perWord'])
    try:
        drv.Port(bad, c['busBits'])
        ref.append('a 12-bit format in 8-bit fields was accepted')
    except drv.DriverError:
        pass
    out['refusals'] = ref
    print(json.dumps(out))


if __name__ == '__main__':
    main()
