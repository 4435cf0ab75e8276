#!/usr/bin/env python3
"""fpgac host driver: run an fpgac design on a Zynq board with PYNQ, bit for bit as `fpgac sim` computes it.

Copied verbatim into each build folder as driver/fpgac_driver.py, next to driver/design.json (what the build
wrote about this design: its IP, interface, bus width and, per input and output, the fixed-point format and the
packing). Python 3.8+ and numpy; PYNQ is imported only by FpgacOverlay, so the conversions, the packing and
--selftest run on any machine.

    python3 fpgac_driver.py --check                 # tb_data inputs on the board == tb_data expected outputs?
    python3 fpgac_driver.py --selftest              # no board: conversions and packing against tb_data
    python3 fpgac_driver.py --input x.npy -o y.npy  # run data (one --input per graph input)

    from fpgac_driver import FpgacOverlay
    ol = FpgacOverlay()                             # bitstream/<top>.bit and driver/design.json
    y, = ol.run([x])                                # x: float array [N, ...], y: float64 [N, ...]

Conversions follow sim/fixed.ts (the simulator's definition of ap_fixed): a double is read exactly as
mantissa * 2^exponent the way the official ap_fixed double constructor reads it (subnormals as 1.f * 2^-1023,
+-inf as +-2^1024, NaN as a signed 1.f * 2^1024, +-0 as 0), quantized with the format's Q mode, then overflowed
with its O mode, all in exact integer arithmetic (numpy int64/uint64 on the bit fields; no float rounding
anywhere). Every Q mode (AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV, AP_TRN, AP_TRN_ZERO) and
every O mode (AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP with any N, AP_WRAP_SM) is implemented, for widths 1..64.

Packing (docs/deploy.md, src/deploy/packing.ts): per port, a sample is `wordsPerSample` little-endian bus words
of `busBits`; field k of word j (fieldBits wide: 8/16/32/64) holds element j*perWord + k, sign-extended for
signed formats, zero-extended otherwise; the last word is padded with zero fields. So a sample is a plain
little-endian int8/16/32/64 (or unsigned) array padded to a whole word, and samples follow each other.

Weights from DDR: when design.json has a `weights` entry, the IP reads the weights of some layers from DDR through
an AXI master. FpgacOverlay then loads the weight image (tb_data/weights.bin: `words` little-endian words of
`wordBits`, exactly `bytes` bytes) into a contiguous buffer once, and writes its physical address into the IP's
`fpgac_wimg` register before the first start.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

__all__ = ['Format', 'Port', 'FpgacDesign', 'FpgacOverlay', 'FpgacModel', 'from_double', 'to_double', 'DriverError']

Q_MODES = ('AP_RND', 'AP_RND_ZERO', 'AP_RND_MIN_INF', 'AP_RND_INF', 'AP_RND_CONV', 'AP_TRN', 'AP_TRN_ZERO')
O_MODES = ('AP_SAT', 'AP_SAT_ZERO', 'AP_SAT_SYM', 'AP_WRAP', 'AP_WRAP_SM')

_M64 = (1 << 64) - 1
_U = np.uint64


class DriverError(Exception):
    """A problem with the design description, the data or the board, with a message for the user."""


# ---------------------------------------------------------------------------------------------------------------
# Formats


class Format(object):
    """ap_fixed<width, int, q, o, n> (signed) or ap_ufixed<...>: value = raw * 2^-(width - int)."""

    def __init__(self, width, int_bits, signed, q='AP_TRN', o='AP_WRAP', n=0):
        if not (isinstance(width, int) and 1 <= width <= 64):
            raise DriverError('format width must be an integer in 1..64, got %r' % (width,))
        if not (isinstance(int_bits, int) and abs(int_bits) <= 1 << 20):
            raise DriverError('format integer bits must be an integer of magnitude <= 2^20, got %r' % (int_bits,))
        if q not in Q_MODES:
            raise DriverError('unknown quantization mode %r (expected one of %s)' % (q, ', '.join(Q_MODES)))
        if o not in O_MODES:
            raise DriverError('unknown overflow mode %r (expected one of %s)' % (o, ', '.join(O_MODES)))
        if not (isinstance(n, int) and 0 <= n <= width):
            raise DriverError('saturation bits N must be an integer in 0..%d, got %r' % (width, n))
        if not signed and o == 'AP_WRAP_SM':
            raise DriverError('ap_ufixed does not support AP_WRAP_SM')
        self.width = width
        self.int = int_bits
        self.signed = bool(signed)
        self.q = q
        self.o = o
        self.n = n
        self.frac = width - int_bits
        self.min_raw = -(1 << (width - 1)) if signed else 0
        self.max_raw = (1 << (width - 1)) - 1 if signed else (1 << width) - 1
        # AP_SAT_SYM's lowest value is -max; for W = 1 the header's "min | 1" is min itself.
        self.lo = -self.max_raw if (signed and o == 'AP_SAT_SYM' and width > 1) else self.min_raw
        self.hi = self.max_raw
        # Raws are int64, except ap_ufixed<64, ...> whose raws reach 2^64 - 1: uint64.
        self.raw_dtype = np.dtype(np.uint64) if (not signed and width == 64) else np.dtype(np.int64)

    @classmethod
    def from_dict(cls, d):
        try:
            return cls(d['width'], d['int'], d['signed'], d.get('q', 'AP_TRN'), d.get('o', 'AP_WRAP'), d.get('n', 0))
        except KeyError as e:
            raise DriverError('format %r has no %s' % (d, e))

    def cpp(self):
        args = [self.width, self.int, self.q, self.o, self.n]
        dflt = [self.width, self.int, 'AP_TRN', 'AP_WRAP', 0]
        k = 5
        while k > 2 and args[k - 1] == dflt[k - 1]:
            k -= 1
        return '%s<%s>' % ('ap_fixed' if self.signed else 'ap_ufixed', ','.join(str(a) for a in args[:k]))

    def __repr__(self):
        return 'Format(%s)' % self.cpp()


def _rounds_up(q, cmp, inexact, neg, odd):
    """Whether rounding moves floor(y) up one LSB (sim/fixed.ts roundsUp), element-wise."""
    if q == 'AP_TRN':
        up = np.zeros(cmp.shape, dtype=bool)
    elif q == 'AP_TRN_ZERO':
        up = neg & inexact
    elif q == 'AP_RND':
        up = cmp >= 0
    elif q == 'AP_RND_ZERO':
        up = (cmp > 0) | ((cmp == 0) & neg)
    elif q == 'AP_RND_MIN_INF':
        up = cmp > 0
    elif q == 'AP_RND_INF':
        up = (cmp > 0) | ((cmp == 0) & ~neg)
    else:  # AP_RND_CONV
        up = (cmp > 0) | ((cmp == 0) & odd)
    return up & inexact


def _sign_extend(code, width):
    """W-bit codes (uint64) -> two's complement bits of the signed value (uint64)."""
    if width == 64:
        return code
    sign = _U(1 << (width - 1))
    return np.where((code & sign) != 0, code | _U(_M64 ^ ((1 << width) - 1)), code)


def _wrap_rewrite(code, neg, lD, f):
    """AP_WRAP with N > 0 and AP_WRAP_SM on out-of-range values (sim/fixed.ts wrapPlan, transcribing the header's
    overflow_adjust): the W - keep head bits become `top` then copies of `rest`; the `keep` low bits of the
    wrapped code stay, inverted where `invert`."""
    w, n = f.width, f.n
    one = _U(1)
    s = neg.astype(np.uint64)
    topbit = (code >> _U(w - 1)) & one
    if f.o == 'AP_WRAP':
        keep = w - n
        top = s if f.signed else np.ones_like(code)
        rest = (one - s) if f.signed else np.ones_like(code)
        invert = np.zeros(code.shape, dtype=bool)
    elif n == 0:
        keep = w - 1
        top, rest, invert = lD, np.zeros_like(code), lD != topbit
    elif n == 1:
        keep = w - 1
        top, rest, invert = s, np.zeros_like(code), s != topbit
    else:
        keep = w - n
        at_keep_n = (code >> _U(w - n)) & one
        top, rest, invert = s, one - s, at_keep_n == s
    span_mask = _U((1 << keep) - 1)
    low = code & span_mask
    low = np.where(invert, span_mask - low, low)
    rest_bits = 1 << (w - keep - 1)
    head = top * _U(rest_bits) + rest * _U(rest_bits - 1)
    return (head << _U(keep)) | low


def from_double(x, f):
    """Doubles -> raws of format f, exactly as sim/fixed.ts fromDouble (width <= 53) and fromDoubleBig do.

    Exactness: the double's bit fields give x = m * 2^(e - 52) with m a 53-bit integer (hidden bit always set, as
    the official header reads every double), so x * 2^F = m * 2^k with k = e - 52 + F. For k >= 0 the value is an
    integer: its residue mod 2^64 is m << k (0 once k >= 64), which is all the overflow modes read, and it is in
    range only if k <= 11 (|m| * 2^12 >= 2^64 exceeds every 64-bit format). For k < 0 the floor is an arithmetic
    shift m >> -k and the dropped bits compare with the half LSB in int64 (a shift past 53 bits replaces m by
    its sign shifted by 2, which keeps floor, the comparison and parity, as fixed.ts does). Nothing is rounded."""
    if not isinstance(f, Format):
        raise TypeError('from_double: f must be a Format')
    x = np.asarray(x)
    if x.dtype.kind not in 'fiub':
        raise DriverError('cannot convert values of dtype %s to fixed point' % x.dtype)
    xf = np.ascontiguousarray(x, dtype=np.float64)  # float32 and integers up to 2^53 widen exactly
    shape = xf.shape
    bits = xf.reshape(-1).view(np.uint64)
    w = f.width
    src_neg = (bits >> _U(63)) != 0
    efield = ((bits >> _U(52)) & _U(0x7FF)).astype(np.int64)
    fpart = (bits & _U((1 << 52) - 1)).astype(np.int64)
    zero = (efield == 0) & (fpart == 0)
    mant = fpart | np.int64(1 << 52)
    m = np.where(src_neg, -mant, mant)  # |m| < 2^53
    k = efield + np.int64(f.frac - 1023 - 52)  # x * 2^F = m * 2^k

    # k < 0: floor and rounding of m * 2^k.
    right = k < 0
    sh = np.where(right, -k, 1)
    far = sh > 53
    mc = np.where(far, np.where(m < 0, np.int64(-1), np.int64(1)), m)
    shc = np.where(far, np.int64(2), sh)
    t = mc >> shc  # arithmetic shift: floor
    rem = mc - t * np.left_shift(np.int64(1), shc)  # in [0, 2^shc), no overflow: |t * 2^shc| <= |mc| + 2^shc
    half = np.left_shift(np.int64(1), shc - 1)
    cmp = np.sign(rem - half)
    inexact = rem != 0
    odd = (t & 1) == 1
    r = t + _rounds_up(f.q, cmp, inexact, src_neg, odd).astype(np.int64)

    # k >= 0: r = t = m * 2^k, kept as its residue mod 2^64.
    kl = np.where(right, np.int64(0), k)
    shifted = np.left_shift(m.view(np.uint64), np.minimum(kl, 63).astype(np.uint64))
    res_left = np.where(kl >= 64, _U(0), shifted)

    neg = np.where(right, r < 0, m < 0)  # sign of the rounded value
    res = np.where(right, r.view(np.uint64), res_left)  # r mod 2^64
    fits = right | (kl <= 11)  # r in [-2^64, 2^64), so (neg, res) determine it
    if f.signed:
        in_range = fits & np.where(neg, res >= _U(f.lo & _M64), res <= _U(f.hi))
    else:
        in_range = fits & ~neg & (res <= _U(f.hi))

    out = res.copy()
    over = ~in_range & ~zero
    if over.any():
        if f.o in ('AP_SAT', 'AP_SAT_SYM'):
            val = np.where(neg, _U(f.lo & _M64), _U(f.hi))
        elif f.o == 'AP_SAT_ZERO':
            val = np.zeros_like(res)
        else:
            code = res & _U((1 << w) - 1)
            if f.o == 'AP_WRAP' and f.n == 0:
                val = code
            else:
                # lD: bit W of floor(x * 2^F), taken before rounding.
                ld_right = (t >> np.int64(min(w, 63))) & 1
                ld_left = np.where(kl > w, np.int64(0), (m >> np.clip(w - kl, 0, 63)) & 1)
                lD = np.where(right, ld_right, ld_left).astype(np.uint64)
                val = _wrap_rewrite(code, neg, lD, f)
            if f.signed:
                val = _sign_extend(val, w)
        out[over] = val[over]
    out[zero] = 0
    if f.raw_dtype == np.uint64:
        return out.reshape(shape)
    return out.view(np.int64).reshape(shape)


def to_double(raws, f):
    """Raws -> their exact values raw * 2^-F as doubles, with the simulator's operations (raw * 2^e1 * 2^(e - e1),
    e = -F split in two so that no power of two overflows), hence its bits."""
    raws = np.asarray(raws)
    if raws.dtype.kind not in 'iu':
        raise DriverError('raws must be integers, got dtype %s' % raws.dtype)
    e = -f.frac
    e1 = -((-e) // 2) if e < 0 else e // 2  # Math.trunc(e / 2)
    with np.errstate(over='ignore', under='ignore', invalid='ignore'):
        a = np.ldexp(1.0, e1)
        b = np.ldexp(1.0, e - e1)
        return raws.astype(np.float64) * a * b


# ---------------------------------------------------------------------------------------------------------------
# Ports and packing


def _prod(dims):
    p = 1
    for d in dims:
        p *= int(d)
    return p


class Port(object):
    """One graph input or output as design.json describes it (see src/deploy/driver.ts, DriverPort)."""

    def __init__(self, d, bus_bits):
        try:
            self.name = str(d['name'])
            self.direction = d['direction']
            self.index = int(d['index'])
            self.onnx_name = str(d.get('onnxName', self.name))
            self.shape = tuple(int(v) for v in d['shape'])
            self.sample_shape = tuple(int(v) for v in d.get('sampleShape', self.shape[1:] if self.shape[:1] == (1,) else self.shape))
            self.elements = int(d['elements'])
            self.format = Format.from_dict(d['format'])
            self.field_bits = int(d['fieldBits'])
            self.per_word = int(d['perWord'])
            self.words_per_sample = int(d['wordsPerSample'])
        except (KeyError, TypeError, ValueError) as e:
            raise DriverError('port %r in design.json is malformed: %s' % (d.get('name', '?') if isinstance(d, dict) else d, e))
        self.bus_bits = bus_bits
        self.bytes_per_sample = self.words_per_sample * bus_bits // 8
        self.dma = d.get('dma')
        self.tb_data = d.get('tbData')
        what = 'port %s (%s)' % (self.name, self.onnx_name)
        if self.direction not in ('in', 'out'):
            raise DriverError('%s: direction must be "in" or "out"' % what)
        if self.field_bits not in (8, 16, 32, 64) or bus_bits % self.field_bits:
            raise DriverError('%s: field of %d bits on a %d-bit bus' % (what, self.field_bits, bus_bits))
        if self.field_bits < self.format.width:
            raise DriverError('%s: %s raws do not fit %d-bit fields (a wider bus is needed)' % (what, self.format.cpp(), self.field_bits))
        if self.per_word != bus_bits // self.field_bits:
            raise DriverError('%s: perWord %d != busBits / fieldBits' % (what, self.per_word))
        if self.elements != _prod(self.shape) or self.elements != _prod(self.sample_shape) or self.elements < 1:
            raise DriverError('%s: %d elements for shape %s' % (what, self.elements, list(self.shape)))
        if self.words_per_sample != -(-self.elements // self.per_word):
            raise DriverError('%s: wordsPerSample %d != ceil(elements / perWord)' % (what, self.words_per_sample))
        self.field_dtype = np.dtype('<u%d' % (self.field_bits // 8))
        self.field_sdtype = np.dtype('<i%d' % (self.field_bits // 8))

    def __repr__(self):
        return 'Port(%s %r %s %s)' % (self.name, self.onnx_name, list(self.shape), self.format.cpp())


def pack(raws, port):
    """Raws of whole samples (any shape holding N * elements integers, in C order) -> the bytes of their bus
    words, little-endian, as a DMA buffer holds them: uint8 array [N, bytesPerSample]."""
    raws = np.asarray(raws)
    if raws.dtype.kind not in 'iu':
        raise DriverError('pack: raws must be integers, got dtype %s' % raws.dtype)
    if raws.size % port.elements:
        raise DriverError('pack: %d raws are not whole samples of %d for port %s' % (raws.size, port.elements, port.name))
    n = raws.size // port.elements
    flat = raws.reshape(n, port.elements)
    f = port.format
    if flat.size:
        lo, hi = flat.min(), flat.max()
        if int(lo) < f.min_raw or int(hi) > f.max_raw:
            raise DriverError('pack: port %s raws span [%d, %d], outside %s [%d, %d]' % (port.name, lo, hi, f.cpp(), f.min_raw, f.max_raw))
    bits = flat.astype(np.int64).view(np.uint64) if flat.dtype != np.uint64 else flat
    fields = np.zeros((n, port.words_per_sample * port.per_word), dtype=port.field_dtype)
    # Two's complement truncated to the field: sign extension for signed raws, the raw for unsigned ones.
    fields[:, :port.elements] = (bits & _U((1 << port.field_bits) - 1)).astype(port.field_dtype)
    return fields.view(np.uint8).reshape(n, port.bytes_per_sample)


def unpack(data, port):
    """Bytes of whole samples (as pack returns them, or flat) -> raws [N, *sampleShape] (sign-extended from the
    field for signed formats; int64, or uint64 for ap_ufixed<64>)."""
    data = np.asarray(data)
    if data.dtype != np.uint8:
        raise DriverError('unpack: expected uint8 bytes, got dtype %s' % data.dtype)
    if data.size % port.bytes_per_sample:
        raise DriverError('unpack: %d bytes are not whole samples of %d for port %s' % (data.size, port.bytes_per_sample, port.name))
    n = data.size // port.bytes_per_sample
    fields = np.ascontiguousarray(data).reshape(-1).view(port.field_dtype).reshape(n, -1)[:, :port.elements]
    if port.format.signed:
        raws = fields.view(port.field_sdtype).astype(np.int64)
    else:
        raws = fields.astype(port.format.raw_dtype)
    return raws.reshape((n,) + port.sample_shape)


# ---------------------------------------------------------------------------------------------------------------
# The design


def _here():
    return os.path.dirname(os.path.abspath(__file__))


class FpgacDesign(object):
    """design.json (driver/design.json of a build folder): ports, formats and packing, and the conversions.

    design_json: a path, a dict, or None for design.json next to this file. root: the build folder, against which
    design.json's relative paths (tb_data/, bitstream/) are resolved; default: the folder above design.json's."""

    def __init__(self, design_json=None, root=None):
        if design_json is None:
            design_json = os.path.join(_here(), 'design.json')
        if isinstance(design_json, dict):
            d = design_json
            base = os.getcwd()
        else:
            path = os.fspath(design_json)
            try:
                with open(path, 'r') as fh:
                    d = json.load(fh)
            except (OSError, ValueError) as e:
                raise DriverError('cannot read %s: %s' % (path, e))
            base = os.path.dirname(os.path.dirname(os.path.abspath(path)))
        if d.get('format') != 'fpgac-driver' or d.get('version') != 1:
            raise DriverError('not an fpgac driver description (format "fpgac-driver", version 1)')
        self.description = d
        self.root = os.path.abspath(root) if root is not None else base
        try:
            self.top = str(d['top'])
            self.ip_name = str(d['ip'])
            self.interface = d['interface']
            self.bus_bits = int(d['busBits'])
            ports = list(d['ports'])
        except (KeyError, TypeError, ValueError) as e:
            raise DriverError('design.json is malformed: %s' % e)
        if self.interface not in ('axis', 'm_axi'):
            raise DriverError('interface %r has no driver (axis or m_axi)' % (self.interface,))
        if self.bus_bits not in (32, 64, 128, 256, 512):
            raise DriverError('bus width %d' % self.bus_bits)
        self.ports = [Port(p, self.bus_bits) for p in ports]
        self.inputs = sorted((p for p in self.ports if p.direction == 'in'), key=lambda p: p.index)
        self.outputs = sorted((p for p in self.ports if p.direction == 'out'), key=lambda p: p.index)
        for group in (self.inputs, self.outputs):
            if [p.index for p in group] != list(range(len(group))):
                raise DriverError('port indices must be 0, 1, ... per direction')
        if not self.outputs:
            raise DriverError('the design has no outputs')
        self.weights = _weights(d.get('weights'))

    # -- ports and data shapes

    def port(self, key):
        if isinstance(key, Port):
            return key
        for p in self.ports:
            if p.name == key:
                return p
        hits = [p for p in self.ports if p.onnx_name == key]
        if len(hits) == 1:
            return hits[0]
        raise DriverError('no port %r (ports: %s)' % (key, ', '.join('%s (%s)' % (p.name, p.onnx_name) for p in self.ports)))

    def samples(self, x, port):
        """x as float64 [N, *sampleShape], following fpgac's sample-axis rule: a file/array holds N samples of the
        tensor's shape without its leading 1 ([N, ...dims after the first]) when the first dimension is 1; any other
        tensor shape gets a new leading axis, and an array of exactly that shape is one sample."""
        p = self.port(port)
        x = np.asarray(x)
        if x.dtype.kind not in 'fiub':
            raise DriverError('%s (%s) takes numbers, got dtype %s' % (p.name, p.onnx_name, x.dtype))
        if p.shape[:1] != (1,) and x.shape == p.shape:
            return x.astype(np.float64).reshape((1,) + p.sample_shape)
        if x.ndim == len(p.sample_shape) + 1 and x.shape[1:] == p.sample_shape:
            return x.astype(np.float64)
        raise DriverError('%s (%s) takes [N, %s] (N samples of %s), got shape %s' % (
            p.name, p.onnx_name, ', '.join(str(v) for v in p.sample_shape), list(p.sample_shape), list(x.shape)))

    # -- conversions (port: a Port, its name in0/out0, or its ONNX name)

    def to_raws(self, x, port):
        """Floats -> raws of the port's format, element-wise, exactly as the simulator converts inputs."""
        return from_double(x, self.port(port).format)

    def to_float(self, raws, port):
        """Raws -> float64 exact values, element-wise, the simulator's output doubles."""
        return to_double(raws, self.port(port).format)

    def pack(self, raws, port):
        return pack(raws, self.port(port))

    def unpack(self, data, port):
        return unpack(data, self.port(port))

    def encode(self, x, port):
        """Float samples (sample-axis rule) -> packed bytes [N, bytesPerSample]."""
        p = self.port(port)
        return pack(from_double(self.samples(x, p), p.format), p)

    def decode(self, data, port):
        """Packed bytes -> float64 [N, *sampleShape]."""
        p = self.port(port)
        return to_double(unpack(data, p), p.format)

    # -- files

    def path(self, rel):
        return rel if os.path.isabs(rel) else os.path.join(self.root, rel)

    def tb_file(self, port):
        p = self.port(port)
        if not p.tb_data:
            raise DriverError('design.json names no tb_data file for %s' % p.name)
        f = self.path(p.tb_data)
        if not os.path.exists(f):
            raise DriverError('%s not found (copy the build folder\'s tb_data/ next to driver/, or pass --root)' % f)
        return f

    def tb_inputs(self):
        return [self.samples(np.load(self.tb_file(p)), p) for p in self.inputs]

    def tb_outputs(self):
        return [self.samples(np.load(self.tb_file(p)), p) for p in self.outputs]

    def weight_image(self):
        """Weights from DDR: the weight image's bytes (uint8, exactly weights['bytes'] of them), or None when the design
        keeps every weight on chip. A missing file or one of another size is an error."""
        w = self.weights
        if w is None:
            return None
        f = self.path(w['file'])
        try:
            size = os.path.getsize(f)
        except OSError:
            raise DriverError('weight image %s not found (copy the build folder\'s tb_data/ next to driver/, or pass --root)' % f)
        if size != w['bytes']:
            raise DriverError('weight image %s holds %d bytes, expected %d (%d words of %d bits): it is not this build\'s, '
                              'copy the build folder\'s tb_data/ again' % (f, size, w['bytes'], w['words'], w['wordBits']))
        return np.fromfile(f, dtype=np.uint8)


def _weights(w):
    """design.json's `weights` (Weights from DDR), checked: None, or a dict with file, words, wordBits, bytes, register."""
    if w is None:
        return None
    try:
        out = {'file': str(w['file']), 'words': int(w['words']), 'wordBits': int(w['wordBits']), 'bytes': int(w['bytes']),
               'register': str(w['register'])}
    except (KeyError, TypeError, ValueError) as e:
        raise DriverError('design.json: "weights" is malformed: %s' % e)
    if out['words'] < 1 or out['wordBits'] < 8 or out['wordBits'] % 8 or out['bytes'] != out['words'] * out['wordBits'] // 8:
        raise DriverError('design.json: "weights" says %d words of %d bits in %d bytes' % (out['words'], out['wordBits'], out['bytes']))
    return out


# ---------------------------------------------------------------------------------------------------------------
# The board (PYNQ)

# HLS s_axilite control register (ap_ctrl_hs), offset 0x00 in every HLS IP: bit 0 ap_start, 1 ap_done, 2 ap_idle.
_AP_CTRL = 0x00
_AP_START, _AP_DONE, _AP_IDLE = 0x1, 0x2, 0x4
# Bytes per start when run() is not told a batch size: whole input/output buffers up to this size.
_DEFAULT_BATCH_BYTES = 16 << 20


def _resolve(root, key):
    obj = root
    for part in key.split('/'):
        obj = getattr(obj, part)
    return obj


def _vlnv_name(desc):
    parts = str(desc.get('type', '')).split(':')
    return parts[2] if len(parts) >= 3 else ''


def _natural(key):
    import re
    return [int(t) if t.isdigit() else t for t in re.split(r'(\d+)', key)]


def _address(buf):
    a = getattr(buf, 'device_address', None)
    return a if a is not None else buf.physical_address


class FpgacOverlay(FpgacDesign):
    """The design on the board: loads the bitstream (with its .hwh) through PYNQ, finds the fpgac IP by name
    (its VLNV name is design.json's `ip`) and, for `axis`, the AXI DMA serving each port; allocates contiguous
    buffers with pynq.allocate and runs batches: `run(inputs)` floats in and out, `run_raws(raws)` raws in and out.

    bitfile: default <root>/bitstream/<top>.bit (design.json's `bitstream`). timeout: seconds one start may take."""

    def __init__(self, bitfile=None, design_json=None, root=None, download=True, timeout=10.0):
        FpgacDesign.__init__(self, design_json, root)
        try:
            import pynq  # noqa: only on the board
        except ImportError as e:
            raise DriverError('PYNQ is not installed (%s); FpgacOverlay runs on a PYNQ board, the conversions '
                              'and --selftest run anywhere' % e)
        self._pynq = pynq
        self.timeout = float(timeout)
        self.bitfile = bitfile if bitfile is not None else self.path(self.description.get('bitstream', 'bitstream/%s.bit' % self.top))
        if not os.path.exists(self.bitfile):
            raise DriverError('bitstream %s not found' % self.bitfile)
        self.overlay = pynq.Overlay(self.bitfile, download=download)
        self.ip_key = self._find_ip()
        self.ip = _resolve(self.overlay, self.ip_key)
        self.dma_keys = self._find_dmas() if self.interface == 'axis' else {}
        self._dmas = dict((k, _resolve(self.overlay, k)) for k in set(self.dma_keys.values()))
        self._buffers = {}
        self.weights_buffer = None
        if self.weights is not None:
            self._load_weights()

    # -- discovery

    def _find_ip(self):
        ip_dict = self.overlay.ip_dict
        wanted = self.description.get('ipInstance')
        if wanted:
            if wanted not in ip_dict:
                raise DriverError('IP instance %r is not in the overlay (%s)' % (wanted, ', '.join(sorted(ip_dict))))
            return wanted
        hits = sorted(k for k, v in ip_dict.items() if _vlnv_name(v) == self.ip_name)
        if not hits:
            hits = sorted(k for k in ip_dict if k.rpartition('/')[2].startswith(self.ip_name))
        if len(hits) != 1:
            raise DriverError('%s IP %r in the overlay (IP: %s); set "ipInstance" in design.json' % (
                'no' if not hits else 'more than one', self.ip_name, ', '.join(sorted(ip_dict))))
        return hits[0]

    def _find_dmas(self):
        ip_dict = self.overlay.ip_dict
        dmas = sorted((k for k, v in ip_dict.items() if str(v.get('type', '')).startswith('xilinx.com:ip:axi_dma:')), key=_natural)
        out = {}
        for p in self.ports:
            if p.dma:
                if p.dma not in ip_dict:
                    raise DriverError('DMA %r of %s is not in the overlay (AXI DMAs: %s)' % (p.dma, p.name, ', '.join(dmas) or 'none'))
                out[p.name] = p.dma
        rest = [p for p in self.ports if p.name not in out]
        if rest:
            if len(dmas) == 1 and len(self.inputs) <= 1 and len(self.outputs) <= 1:
                for p in rest:
                    out[p.name] = dmas[0]
            elif len(dmas) == max(len(self.inputs), len(self.outputs)):
                for p in rest:
                    out[p.name] = dmas[p.index]
            else:
                raise DriverError('cannot tell which AXI DMA serves which port (%d DMAs: %s; %d inputs, %d outputs); '
                                  'set "dma" per port in design.json' % (len(dmas), ', '.join(dmas) or 'none', len(self.inputs), len(self.outputs)))
        for direction in ('in', 'out'):
            used = [out[p.name] for p in self.ports if p.direction == direction]
            if len(set(used)) != len(used):
                raise DriverError('two %sputs share one DMA channel (%s)' % (direction, ', '.join(used)))
        return out

    # -- registers

    def _set_register(self, name, value):
        rm = self.ip.register_map
        if hasattr(rm, name):
            setattr(rm, name, int(value))
        elif hasattr(rm, name + '_1'):
            # 64-bit pointers split in two 32-bit registers (name_1: bits 31..0, name_2: bits 63..32).
            setattr(rm, name + '_1', int(value) & 0xFFFFFFFF)
            if hasattr(rm, name + '_2'):
                setattr(rm, name + '_2', (int(value) >> 32) & 0xFFFFFFFF)
            elif int(value) >> 32:
                raise DriverError('register %s_2 missing for a 64-bit address' % name)
        else:
            raise DriverError('the IP has no register %r (register map: %r)' % (name, rm))

    def _load_weights(self):
        """Weights from DDR: the image into a contiguous buffer the IP reads (flushed, so DDR holds it), and the
        buffer's address into the IP's register, once, before any start. The buffer lives as long as the overlay."""
        data = self.weight_image()
        buf = self._pynq.allocate(shape=(data.size,), dtype=np.uint8)
        buf[:] = data
        buf.flush()
        self.weights_buffer = buf
        self._set_register(self.weights['register'], _address(buf))

    def _start(self, batch):
        self._set_register(self.description.get('registers', {}).get('batch', 'batch'), batch)
        self.ip.write(_AP_CTRL, _AP_START)

    def _wait_done(self, what):
        deadline = time.time() + self.timeout
        while True:
            ctrl = self.ip.read(_AP_CTRL)
            if ctrl & _AP_DONE or (ctrl & _AP_IDLE and not ctrl & _AP_START):
                return
            if time.time() > deadline:
                raise DriverError('timeout: the IP did not finish %s within %.1f s (control register 0x%x)' % (what, self.timeout, ctrl))

    def _wait_channel(self, ch, what, nbytes=None):
        deadline = time.time() + self.timeout
        while not ch.idle:
            if time.time() > deadline:
                raise DriverError('timeout: DMA %s did not complete within %.1f s' % (what, self.timeout))
        ch.wait()
        got = getattr(ch, 'transferred', None)
        if nbytes is not None and isinstance(got, int) and got not in (0, nbytes):
            raise DriverError('DMA %s received %d bytes, expected %d (a sample per TLAST)' % (what, got, nbytes))

    # -- buffers

    def _buffer(self, port, n):
        have = self._buffers.get(port.name)
        if have is None or have.shape[0] < n:
            if have is not None:
                self._free(have)
            have = self._pynq.allocate(shape=(n, port.bytes_per_sample), dtype=np.uint8)
            self._buffers[port.name] = have
        return have

    @staticmethod
    def _free(buf):
        for m in ('freebuffer', 'close'):
            if hasattr(buf, m):
                getattr(buf, m)()
                return

    def close(self):
        for b in self._buffers.values():
            self._free(b)
        self._buffers = {}
        if self.weights_buffer is not None:
            self._free(self.weights_buffer)
            self.weights_buffer = None

    # -- runs

    def run(self, inputs, batch_size=None):
        """inputs: one float array per graph input ([N, ...], sample-axis rule); returns float64 [N, ...] per
        output, bit for bit what `fpgac sim` gives for the same inputs."""
        if isinstance(inputs, np.ndarray) or not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if len(inputs) != len(self.inputs):
            raise DriverError('the design has %d input(s) (%s); %d given' % (
                len(self.inputs), ', '.join(p.onnx_name for p in self.inputs), len(inputs)))
        raws = [from_double(self.samples(x, p), p.format) for x, p in zip(inputs, self.inputs)]
        outs = self.run_raws(raws, batch_size)
        return [to_double(r, p.format) for r, p in zip(outs, self.outputs)]

    def run_raws(self, raws, batch_size=None):
        """raws: one integer array per graph input, N whole samples each; returns raws [N, *sampleShape] per output."""
        if len(raws) != len(self.inputs):
            raise DriverError('the design has %d input(s); %d given' % (len(self.inputs), len(raws)))
        packed = [pack(r, p) for r, p in zip(raws, self.inputs)]
        counts = set(b.shape[0] for b in packed)
        if len(counts) > 1:
            raise DriverError('inputs hold different sample counts (%s)' % ', '.join(str(b.shape[0]) for b in packed))
        n = counts.pop() if counts else 1
        if batch_size is None:
            per = sum(p.bytes_per_sample for p in self.ports)
            batch_size = max(1, min(n, _DEFAULT_BATCH_BYTES // per))
        batch_size = int(batch_size)
        if not 1 <= batch_size <= 0xFFFFFFFF:
            raise DriverError('batch size must be in 1..2^32-1')
        outs = [np.zeros((n, p.bytes_per_sample), dtype=np.uint8) for p in self.outputs]
        for s0 in range(0, n, batch_size):
            s1 = min(n, s0 + batch_size)
            got = self._run_batch([b[s0:s1] for b in packed], s1 - s0)
            for o, g in zip(outs, got):
                o[s0:s1] = g
        return [unpack(o, p) for o, p in zip(outs, self.outputs)]

    def _run_batch(self, packed, n):
        ins = []
        for p, data in zip(self.inputs, packed):
            buf = self._buffer(p, n)
            buf[:n] = data
            buf.flush()
            ins.append((p, buf))
        outs = [(p, self._buffer(p, n)) for p in self.outputs]
        for p, buf in outs:
            buf.flush()  # no dirty line of ours may be written back over what the device writes
        if self.interface == 'm_axi':
            for p, buf in ins + outs:
                self._set_register(p.name, _address(buf))
            self._start(n)
            self._wait_done('a batch of %d' % n)
        else:
            self._start(n)
            for s in range(n):
                # One S2MM transfer per sample: the IP ends each sample with TLAST, which ends a simple-mode transfer.
                recvs = []
                for p, buf in outs:
                    ch = self._dmas[self.dma_keys[p.name]].recvchannel
                    limit = getattr(ch, '_max_size', None)
                    if isinstance(limit, int) and p.bytes_per_sample > limit:
                        raise DriverError('%s: a sample is %d bytes, more than the DMA\'s buffer length register allows (%d); '
                                          'widen "Width of Buffer Length Register" in the block design' % (p.name, p.bytes_per_sample, limit))
                    ch.transfer(buf[s])
                    recvs.append((p, ch))
                for p, buf in ins:
                    ch = self._dmas[self.dma_keys[p.name]].sendchannel
                    limit = getattr(ch, '_max_size', None)
                    step = p.bytes_per_sample
                    if isinstance(limit, int) and step > limit:
                        step = max(self.bus_bits // 8, limit - limit % (self.bus_bits // 8))
                    row = buf[s]
                    for b0 in range(0, p.bytes_per_sample, step):
                        ch.transfer(row[b0:b0 + step])
                        self._wait_channel(ch, 'send of %s sample %d' % (p.name, s))
                for p, ch in recvs:
                    self._wait_channel(ch, 'receive of %s sample %d' % (p.name, s), p.bytes_per_sample)
            self._wait_done('a batch of %d' % n)
        res = []
        for p, buf in outs:
            buf.invalidate()
            res.append(np.array(buf[:n], dtype=np.uint8))
        return res


# ---------------------------------------------------------------------------------------------------------------
# Command line


class FpgacModel(object):
    """The whole model as the build split it (host/split.json, from `fpgac build --fpga-from/--fpga-to`): the head
    and the tail run on the CPU in ONNX Runtime (float32, as exported), the fabric part on the FPGA through `fabric`
    (an FpgacOverlay, or any object with the same `inputs`/`outputs` ports and `run`). Values are matched by their
    ONNX names: the fabric's ports carry the names of the tensors cut out of the model. Without a split the model is
    the fabric alone."""

    def __init__(self, fabric, root=None, providers=None):
        self.fabric = fabric
        root = root if root is not None else getattr(fabric, 'root', os.getcwd())
        path = os.path.join(root, 'host', 'split.json')
        self.split = None
        self.head = self.tail = None
        if not os.path.exists(path):
            return
        with open(path, 'r') as fh:
            self.split = json.load(fh)
        try:
            import onnxruntime  # the CPU side: only needed for a split model
        except ImportError:
            raise DriverError('host/split.json: the head and tail run in ONNX Runtime: pip install onnxruntime')
        opts = {'providers': providers or ['CPUExecutionProvider']}
        if self.split.get('head'):
            self.head = onnxruntime.InferenceSession(os.path.join(root, 'host', self.split['head']), **opts)
        if self.split.get('tail'):
            self.tail = onnxruntime.InferenceSession(os.path.join(root, 'host', self.split['tail']), **opts)

    def _session(self, sess, values):
        feeds = {}
        for i in sess.get_inputs():
            if i.name not in values:
                raise DriverError('%s is needed by the CPU part but nothing computed it' % i.name)
            feeds[i.name] = np.ascontiguousarray(values[i.name], dtype=np.float32)
        outs = sess.run(None, feeds)
        for o, v in zip(sess.get_outputs(), outs):
            values[o.name] = v

    def run(self, inputs):
        """inputs: {graph input name: array [N, ...]}; returns {name: array} of every value the parts computed
        (the model's outputs among them)."""
        values = dict(inputs)
        if self.head is not None:
            self._session(self.head, values)
        missing = [p.onnx_name for p in self.fabric.inputs if p.onnx_name not in values]
        if missing:
            raise DriverError('the FPGA part needs %s, which neither the inputs nor the head give' % ', '.join(missing))
        ys = self.fabric.run([values[p.onnx_name] for p in self.fabric.inputs])
        for p, y in zip(self.fabric.outputs, ys):
            n = y.shape[0]
            # The fabric returns [N, *sample dims]; the tail takes the tensor's own shape with N on the batch axis.
            shape = list(p.shape)
            values[p.onnx_name] = y.reshape([n] + shape[1:]) if shape and shape[0] == 1 else y
        if self.tail is not None:
            self._session(self.tail, values)
        return values


def _bits_equal(a, b):
    a = np.ascontiguousarray(a, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    return a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64))


def _compare(name, got, want):
    """Prints how far got matches want bit for bit; returns True when it does."""
    if got.shape != want.shape:
        print('%s: shape %s, expected %s' % (name, list(got.shape), list(want.shape)))
        return False
    n = got.shape[0]
    g = np.ascontiguousarray(got, dtype=np.float64).reshape(n, -1).view(np.uint64)
    w = np.ascontiguousarray(want, dtype=np.float64).reshape(n, -1).view(np.uint64)
    bad = np.nonzero((g != w).any(axis=1))[0]
    if not len(bad):
        print('%s: %d/%d samples identical' % (name, n, n))
        return True
    s = int(bad[0])
    i = int(np.nonzero(g[s] != w[s])[0][0])
    print('%s: %d/%d samples differ; first: sample %d element %d = %r, expected %r' % (
        name, len(bad), n, s, i, got.reshape(n, -1)[s, i], want.reshape(n, -1)[s, i]))
    return False


def _selftest(d):
    """No board: every tb_data input and expected output through to_raws, pack, unpack and to_float."""
    all_ok = True
    for p in d.inputs + d.outputs:
        ok = True
        x = np.load(d.tb_file(p))
        xs = d.samples(x, p)
        raws = from_double(xs, p.format)
        data = pack(raws, p)
        back = unpack(data, p)
        if data.shape != (xs.shape[0], p.bytes_per_sample) or not np.array_equal(back, raws.reshape(back.shape)):
            print('%s: pack/unpack does not round-trip' % p.name)
            all_ok = False
            continue
        v = to_double(back, p.format)
        xv = xs.reshape(v.shape)
        # Values on the format's grid must come back unchanged: every expected output (the simulator's, bit for
        # bit), and every input that is a multiple of the LSB within the format's range (found here without the
        # conversion: x * 2^F is exact for normal doubles); and a converted value must convert to itself.
        same = np.ascontiguousarray(v).view(np.uint64) == np.ascontiguousarray(xv).view(np.uint64)
        with np.errstate(all='ignore'):
            y = np.ldexp(xv, p.format.frac)
            grid = np.isfinite(y) & (np.abs(xv) >= 2.0 ** -1022) & (y == np.floor(y)) & (y >= p.format.lo) & (y <= p.format.hi)
        if p.direction == 'out' and not same.all():
            print('%s: %d expected outputs are not on the %s grid' % (p.name, int((~same).sum()), p.format.cpp()))
            ok = False
        if not np.array_equal(v[grid], xv[grid]):
            print('%s: %d values on the %s grid do not round-trip' % (p.name, int((v[grid] != xv[grid]).sum()), p.format.cpp()))
            ok = False
        if not np.array_equal(from_double(v, p.format), back):
            print('%s: converting the converted values changes them' % p.name)
            ok = False
        print('%s (%s, %s): %d samples, %d bytes each, %d/%d values on the grid, round trip %s' % (
            p.name, p.onnx_name, p.format.cpp(), xs.shape[0], p.bytes_per_sample, int(grid.sum()), grid.size, 'ok' if ok else 'FAILED'))
        all_ok = all_ok and ok
    if d.weights is not None:
        # Weights from DDR: the image the board loads must be this build's (its size is all that can be checked here).
        w = d.weights
        try:
            d.weight_image()
            print('weights (%s): %d bytes, %d words of %d bits, ok' % (w['file'], w['bytes'], w['words'], w['wordBits']))
        except DriverError as e:
            print('weights: %s' % e)
            all_ok = False
    return all_ok


def _out_path(base, k):
    if k == 0:
        return base
    return base[:-4] + '.%d.npy' % k if base.endswith('.npy') else base + '.%d.npy' % k


def main(argv=None):
    ap = argparse.ArgumentParser(description='fpgac host driver (PYNQ): run the design on the board, bit-exact with fpgac sim.')
    ap.add_argument('--design', default=None, help='design.json (default: the one next to this script)')
    ap.add_argument('--root', default=None, help='the build folder (default: the folder above design.json\'s)')
    ap.add_argument('--bitfile', default=None, help='bitstream (default: <root>/bitstream/<top>.bit)')
    ap.add_argument('--check', action='store_true', help='run tb_data inputs on the board and compare with tb_data outputs bit for bit')
    ap.add_argument('--selftest', action='store_true', help='no board: check conversions and packing against tb_data')
    ap.add_argument('--input', action='append', default=[], help='.npy input, one per graph input in order')
    ap.add_argument('-o', '--output', default=None, help='.npy output (output k > 0 goes to NAME.k.npy)')
    ap.add_argument('--batch-size', type=int, default=None, help='samples per start (default: up to 16 MiB of buffers)')
    ap.add_argument('--no-download', action='store_true', help='use the bitstream already loaded')
    ap.add_argument('--timeout', type=float, default=10.0, help='seconds a start may take')
    args = ap.parse_args(argv)
    modes = int(args.check) + int(args.selftest) + int(bool(args.input))
    if modes != 1:
        ap.error('give exactly one of --check, --selftest, --input')
    if args.input and not args.output:
        ap.error('--input needs -o')
    try:
        if args.selftest:
            ok = _selftest(FpgacDesign(args.design, args.root))
            print('selftest %s' % ('passed' if ok else 'FAILED'))
            return 0 if ok else 1
        ol = FpgacOverlay(args.bitfile, args.design, args.root, download=not args.no_download, timeout=args.timeout)
        try:
            if args.check:
                inputs = ol.tb_inputs()
                want = ol.tb_outputs()
                t0 = time.time()
                got = ol.run(inputs, args.batch_size)
                dt = time.time() - t0
                ok = all([_compare('%s (%s)' % (p.name, p.onnx_name), g, w) for p, g, w in zip(ol.outputs, got, want)])
                n = inputs[0].shape[0] if inputs else 1
                print('check %s: %d samples in %.3f s on the board' % ('passed' if ok else 'FAILED', n, dt))
                return 0 if ok else 1
            xs = [np.load(f) for f in args.input]
            m = FpgacModel(ol)
            if m.split is None:
                ys = ol.run(xs, args.batch_size)
            else:
                # A split model: --input gives the whole model's inputs, in its order; outputs likewise.
                names = m.split['inputs']
                if len(xs) != len(names):
                    raise DriverError('the model has %d input(s) (%s); %d given' % (len(names), ', '.join(names), len(xs)))
                values = m.run(dict(zip(names, xs)))
                ys = [values[n] for n in m.split['outputs']]
            for k, y in enumerate(ys):
                np.save(_out_path(args.output, k), y)
            return 0
        finally:
            ol.close()
    except DriverError as e:
        print('error: %s' % e, file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
