#!/usr/bin/env python3
"""Records Linux's verdict on every program of src/verifier/testdata/corpus.ts.

Loads each program with bpf(BPF_PROG_LOAD) (needs root and a kernel with BPF),
log level 2, and writes src/verifier/testdata/kernel-verdicts.json: accepted or
not, errno, processed instruction count, the kernel's error line, its release.

Run: npx tsc -p . && node dist/verifier/testdata/dump-corpus.js | python3 scripts/verifier-kernel-verdicts.py
and, for the seeded random programs (random-verdicts.json, messages and counts only):
     node dist/verifier/testdata/dump-corpus.js random | python3 scripts/verifier-kernel-verdicts.py random-verdicts.json
     node dist/verifier/testdata/dump-corpus.js random-calls | python3 scripts/verifier-kernel-verdicts.py random-calls-verdicts.json
"""
import ctypes, json, os, re, struct, sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_BPF = 321  # x86-64
BPF_PROG_LOAD = 5
PROG_TYPES = {'socket_filter': 1, 'xdp': 6}


def load(prog: bytes, prog_type: int):
    pbuf = ctypes.create_string_buffer(prog)
    lic = ctypes.create_string_buffer(b'GPL')
    log = ctypes.create_string_buffer(1 << 24)
    attr = bytearray(128)
    struct.pack_into('<IIQQIIQ', attr, 0, prog_type, len(prog) // 8, ctypes.addressof(pbuf),
                     ctypes.addressof(lic), 2, len(log), ctypes.addressof(log))
    abuf = ctypes.create_string_buffer(bytes(attr), 128)
    fd = libc.syscall(SYS_BPF, BPF_PROG_LOAD, abuf, 128)
    err = ctypes.get_errno()
    if fd >= 0:
        os.close(fd)
    return fd, err, log.value.decode(errors='replace')


def main():
    cases = json.load(sys.stdin)
    out = {'kernel': os.uname().release, 'cases': {}}
    for c in cases:
        fd, err, log = load(bytes.fromhex(c['hex']), PROG_TYPES[c['programType']])
        m = re.search(r'processed (\d+) insns', log)
        lines = [l for l in log.splitlines() if l.strip() and not l.startswith('processed ') and not l.startswith('verification time')
                 and not l.startswith(('cur state:', 'old state:'))]
        out['cases'][c['name']] = {
            'ok': fd >= 0, 'errno': 0 if fd >= 0 else err,
            'processed': int(m.group(1)) if m else None,
            'message': None if fd >= 0 else (lines[-1] if lines else ''),
        }
    path = os.path.join(os.path.dirname(__file__), '..', 'src', 'verifier', 'testdata', sys.argv[1] if len(sys.argv) > 1 else 'kernel-verdicts.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=None if len(cases) > 200 else 1, sort_keys=True)
        f.write('\n')
    print(f"{len(cases)} verdicts from Linux {out['kernel']} written to {os.path.normpath(path)}")


main()
