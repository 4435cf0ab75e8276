"""A fake PYNQ for test/deploy/driver.test.ts: the board is faked at the buffer level, so fpgac_driver.py's
FpgacOverlay runs end to end without one.

What is faked, and how (the parts of PYNQ's API the driver uses, with PYNQ's semantics):
- `allocate(shape, dtype)`: an ndarray subclass with `device_address`/`physical_address`, `flush()`,
  `invalidate()`, `freebuffer()`. The "device" sees a separate copy of the memory: `flush` copies the CPU's bytes
  to it, `invalidate` copies the device's bytes back (as with non-coherent caches), so a driver that forgets
  either reads or sends stale bytes. Slices keep their device address (base + offset), as PYNQ's buffers do.
- `Overlay(bitfile)`: needs the .bit and the .hwh next to it; `ip_dict` with the fpgac IP (VLNV
  xilinx.com:hls:<ip>:1.0), the AXI DMAs (xilinx.com:ip:axi_dma:7.1) and a processing system; attribute access.
- The IP: `register_map` with `batch` and, for m_axi, the pointer registers (one 64-bit register per pointer, or
  PYNQ's split `<name>_1`/`<name>_2` pair); `read(0)`/`write(0, v)` on the ap_ctrl_hs control register (ap_start,
  ap_done cleared on read, ap_idle).
- The DMAs: `sendchannel`/`recvchannel` with `transfer(array, start=0, nbytes=0)`, `wait()`, `idle`,
  `transferred`, `_max_size`; a receive ends at the end of a sample (TLAST), a send must not exceed `_max_size`.
- Weights from DDR (config `weights`: {register, bytes, dump}): the IP has one more pointer register (`register`,
  single or split like the others); at every start the "hardware" reads `bytes` bytes of device memory at that
  address (an error when no flushed buffer holds them, e.g. the register was never written) and writes them to the
  file `dump`, so the test sees exactly what the IP would read as its weights.
- The "hardware": no arithmetic. It reads the bytes the driver sent for one sample on every input, looks them up
  in a table the test wrote with the TypeScript reference (the input raws fpgac's simulator quantizes to, packed by
  src/deploy/packing.ts) and answers with the packed raws the simulator computed for that sample. An unknown
  input is an error, so every byte the driver sends is checked, and every output byte it decodes is the reference's.

Configuration: the JSON file named by $FPGAC_FAKE_CONFIG (`baseAddress`: the first buffer's address, default
0x10000000). Events (allocations, register writes, flushes, starts, batch sizes, transfers, weight reads) are
appended to $FPGAC_FAKE_LOG as JSON lines when it is set.
"""
import json
import os

import numpy as np

__all__ = ['Overlay', 'allocate', 'DefaultIP']

_CONFIG = None


def _config():
    global _CONFIG
    if _CONFIG is None:
        with open(os.environ['FPGAC_FAKE_CONFIG']) as fh:
            _CONFIG = json.load(fh)
    return _CONFIG


def _log(event, **kw):
    path = os.environ.get('FPGAC_FAKE_LOG')
    if path:
        kw['event'] = event
        with open(path, 'a') as fh:
            fh.write(json.dumps(kw) + '\n')


class FakeError(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------------------------
# Memory


class _Memory(object):
    """Every allocation, by device address: the CPU's view (host) and what the device sees (device)."""
    next_address = None
    blocks = []

    @classmethod
    def new(cls, nbytes):
        if cls.next_address is None:
            cls.next_address = int(_config().get('baseAddress', 0x10000000))
        host = np.zeros(max(1, nbytes), dtype=np.uint8)
        block = {'address': cls.next_address, 'host': host, 'device': np.zeros_like(host), 'size': nbytes}
        cls.next_address += (max(1, nbytes) + 4095) // 4096 * 4096 + 4096
        cls.blocks.append(block)
        return block

    @classmethod
    def find(cls, address, nbytes):
        for b in cls.blocks:
            if b['address'] <= address and address + nbytes <= b['address'] + b['size']:
                return b, address - b['address']
        raise FakeError('fake memory: no buffer holds [0x%x, 0x%x)' % (address, address + nbytes))

    @classmethod
    def read(cls, address, nbytes):
        b, off = cls.find(address, nbytes)
        return bytes(b['device'][off:off + nbytes])

    @classmethod
    def write(cls, address, data):
        b, off = cls.find(address, len(data))
        b['device'][off:off + len(data)] = np.frombuffer(data, dtype=np.uint8)


class PynqBuffer(np.ndarray):
    def __array_finalize__(self, obj):
        self._block = getattr(obj, '_block', None)

    def _offset(self):
        if self._block is None:
            raise FakeError('not an allocated buffer')
        if not self.flags['C_CONTIGUOUS']:
            raise FakeError('a DMA buffer slice must be contiguous')
        return self.__array_interface__['data'][0] - self._block['host'].__array_interface__['data'][0]

    @property
    def device_address(self):
        return self._block['address'] + self._offset()

    @property
    def physical_address(self):
        return self.device_address

    def flush(self):
        o = self._offset()
        self._block['device'][o:o + self.nbytes] = self._block['host'][o:o + self.nbytes]
        _log('flush', address=self.device_address, nbytes=int(self.nbytes))

    def invalidate(self):
        o = self._offset()
        self._block['host'][o:o + self.nbytes] = self._block['device'][o:o + self.nbytes]

    def freebuffer(self):
        pass

    def close(self):
        pass


def allocate(shape, dtype='u4', target=None, **kwargs):
    dt = np.dtype(dtype)
    n = int(np.prod(shape)) * dt.itemsize
    block = _Memory.new(n)
    arr = block['host'][:n].view(dt).reshape(shape).view(PynqBuffer)
    arr._block = block
    _log('allocate', address=block['address'], nbytes=n)
    return arr


# ---------------------------------------------------------------------------------------------------------------
# Hardware


class _Hardware(object):
    """The design: consumes one sample per input, answers from the table."""

    def __init__(self, cfg, overlay_dir):
        self.cfg = cfg
        self.inputs = [p for p in cfg['ports'] if p['direction'] == 'in']
        self.outputs = [p for p in cfg['ports'] if p['direction'] == 'out']
        in_bytes = sum(p['bytesPerSample'] for p in self.inputs)
        out_bytes = sum(p['bytesPerSample'] for p in self.outputs)
        keys = np.fromfile(cfg['tableIn'], dtype=np.uint8)
        vals = np.fromfile(cfg['tableOut'], dtype=np.uint8)
        n = len(vals) // out_bytes
        self.table = {}
        for s in range(n):
            k = keys[s * in_bytes:(s + 1) * in_bytes].tobytes() if in_bytes else b''
            self.table[k] = vals[s * out_bytes:(s + 1) * out_bytes].tobytes()
        self.corrupt = cfg.get('corrupt')
        self.registers = {}
        self.running = False
        self.done = False
        self.batch = 0
        self.samples_done = 0
        self.fifo = dict((p['name'], b'') for p in self.inputs)
        self.pending = None
        self.channels = {}  # port name -> channel object
        self.answered = 0

    def answer(self, key):
        if key not in self.table:
            raise FakeError('fake hardware: sample %d: the input bytes the driver sent are not any input the simulator '
                            'converted (first bytes %s)' % (self.samples_done, key[:16].hex()))
        out = bytearray(self.table[key])
        if self.corrupt and self.corrupt['sample'] == self.answered:
            out[self.corrupt['byte']] ^= 1
        self.answered += 1
        parts, o = [], 0
        for p in self.outputs:
            parts.append(bytes(out[o:o + p['bytesPerSample']]))
            o += p['bytesPerSample']
        return parts

    def start(self):
        if self.running:
            raise FakeError('ap_start while running')
        self.batch = int(self.registers.get('batch', 0))
        _log('start', batch=self.batch)
        w = self.cfg.get('weights')
        if w:
            # The IP reads its weight image from DDR: whatever the device sees at the register's address.
            address = self.pointer(w['register'])
            try:
                data = _Memory.read(address, w['bytes'])
            except FakeError as e:
                raise FakeError('fake hardware: weight image register %s = 0x%x: %s' % (w['register'], address, e))
            with open(w['dump'], 'wb') as fh:
                fh.write(data)
            _log('weights', address=address, nbytes=len(data))
        self.running = True
        self.done = False
        self.samples_done = 0
        if self.cfg['interface'] == 'm_axi':
            self.run_maxi()
        else:
            self.step()

    def pointer(self, name):
        if name in self.registers:
            return int(self.registers[name])
        return int(self.registers.get(name + '_1', 0)) | (int(self.registers.get(name + '_2', 0)) << 32)

    def run_maxi(self):
        for s in range(self.batch):
            key = b''.join(_Memory.read(self.pointer(p['name']) + s * p['bytesPerSample'], p['bytesPerSample']) for p in self.inputs)
            for p, data in zip(self.outputs, self.answer(key)):
                _Memory.write(self.pointer(p['name']) + s * p['bytesPerSample'], data)
        self.finish()

    def finish(self):
        self.running = False
        self.done = True
        _log('done', samples=self.batch)

    def step(self):
        """axis: advance as far as the streams allow."""
        while self.running and self.samples_done < self.batch:
            if self.pending is None:
                if not all(len(self.fifo[p['name']]) >= p['bytesPerSample'] for p in self.inputs):
                    return
                key = b''
                for p in self.inputs:
                    key += self.fifo[p['name']][:p['bytesPerSample']]
                    self.fifo[p['name']] = self.fifo[p['name']][p['bytesPerSample']:]
                self.pending = self.answer(key)
            for k, p in enumerate(self.outputs):
                if self.pending[k] is not None:
                    ch = self.channels.get(p['name'])
                    if ch is None or not ch.armed:
                        continue
                    ch.receive(self.pending[k])
                    self.pending[k] = None
            if any(v is not None for v in self.pending):
                return
            self.pending = None
            self.samples_done += 1
        if self.running and self.samples_done == self.batch:
            self.finish()


class _Channel(object):
    def __init__(self, hw, port, direction, max_size):
        self._hw = hw
        self._port = port
        self._send = direction == 'in'
        self._max_size = max_size
        self.transferred = 0
        self.armed = None
        self.running = True

    @property
    def idle(self):
        self._hw.step()
        return self.armed is None

    def transfer(self, array, start=0, nbytes=0):
        if self.armed is not None:
            raise FakeError('DMA channel not idle')
        if nbytes == 0:
            nbytes = array.nbytes - start
        if nbytes > self._max_size:
            raise FakeError('transfer of %d bytes exceeds the maximum DMA buffer size %d' % (nbytes, self._max_size))
        address = array.device_address + start
        if address % (self._hw.cfg['busBits'] // 8):
            raise FakeError('DMA does not support unaligned transfers')
        _log('transfer', port=self._port['name'], nbytes=nbytes)
        if self._send:
            # The stream takes the bytes (the IP reads them when it runs; TLAST on input is not looked at).
            self._hw.fifo[self._port['name']] += _Memory.read(address, nbytes)
            self.transferred = nbytes
            self._hw.step()
        else:
            self.armed = (address, nbytes)
            self._hw.step()

    def receive(self, data):
        address, capacity = self.armed
        if len(data) > capacity:
            raise FakeError('S2MM: a %d-byte packet in a %d-byte transfer (undefined on the board)' % (len(data), capacity))
        _Memory.write(address, data)
        self.transferred = len(data)
        self.armed = None

    def wait(self):
        self._hw.step()
        if self.armed is not None:
            raise FakeError('DMA wait() would hang: no data for %s' % self._port['name'])


class _DMA(object):
    def __init__(self, hw, name):
        self._name = name
        for p in hw.cfg['ports']:
            if p['dma'] == name:
                ch = _Channel(hw, p, p['direction'], hw.cfg.get('maxTransfer', 1 << 26))
                if p['direction'] == 'in':
                    self.sendchannel = ch
                else:
                    self.recvchannel = ch
                    hw.channels[p['name']] = ch


class _RegisterMap(object):
    def __init__(self, hw, names, wide=()):
        object.__setattr__(self, '_hw', hw)
        object.__setattr__(self, '_names', set(names))
        object.__setattr__(self, '_wide', set(wide))  # 64-bit registers; the others hold 32 bits

    def __getattr__(self, name):
        if name in self._names:
            return self._hw.registers.get(name, 0)
        raise AttributeError(name)

    def __setattr__(self, name, value):
        if name not in self._names:
            raise AttributeError('no register %s' % name)
        if not 0 <= int(value) < (1 << (64 if name in self._wide else 32)):
            raise FakeError('register %s = %r' % (name, value))
        self._hw.registers[name] = int(value)
        _log('register', name=name, value=int(value))

    def __repr__(self):
        return 'RegisterMap {%s}' % ', '.join(sorted(self._names))


class DefaultIP(object):
    def __init__(self, hw):
        self._hw = hw
        names = ['batch']
        pointers = [p['name'] for p in hw.cfg['ports']] if hw.cfg['interface'] == 'm_axi' else []
        if hw.cfg.get('weights'):
            pointers.append(hw.cfg['weights']['register'])
        single = hw.cfg.get('pointerRegisters', 'single') == 'single'
        for name in pointers:
            names += [name] if single else [name + '_1', name + '_2']
        self.register_map = _RegisterMap(hw, names, pointers if single else ())

    def read(self, offset=0):
        if offset != 0:
            raise FakeError('read of offset 0x%x' % offset)
        hw = self._hw
        hw.step() if hw.running and hw.cfg['interface'] == 'axis' else None
        v = (0x2 if hw.done else 0) | (0x4 if not hw.running else 0) | (0x1 if hw.running else 0)
        hw.done = False  # ap_done is cleared on read
        return v

    def write(self, offset, value):
        if offset != 0:
            raise FakeError('write of offset 0x%x' % offset)
        if value & 1:
            self._hw.start()


class Overlay(object):
    def __init__(self, bitfile_name, dtbo=None, download=True, ignore_version=False, device=None):
        cfg = _config()
        if not os.path.exists(bitfile_name):
            raise IOError('bitstream %s does not exist' % bitfile_name)
        if not os.path.exists(os.path.splitext(bitfile_name)[0] + '.hwh'):
            raise IOError('no .hwh next to %s' % bitfile_name)
        _log('overlay', bitfile=os.path.basename(bitfile_name), download=bool(download))
        hw = _Hardware(cfg, os.path.dirname(bitfile_name))
        self.ip_dict = {
            cfg['ipInstance']: {'type': 'xilinx.com:hls:%s:1.0' % cfg['ip'], 'phys_addr': 0xA0000000},
            'zynq_ultra_ps_e_0': {'type': 'xilinx.com:ip:zynq_ultra_ps_e:3.4'},
        }
        setattr(self, cfg['ipInstance'], DefaultIP(hw))
        for name in sorted(set(p['dma'] for p in cfg['ports'] if p.get('dma'))):
            self.ip_dict[name] = {'type': 'xilinx.com:ip:axi_dma:7.1'}
            setattr(self, name, _DMA(hw, name))
