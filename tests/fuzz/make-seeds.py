#!/usr/bin/python3
"""make-seeds.py -- writes the seed corpora of the libFuzzer targets under tests/fuzz/corpus/
(except the PNG and JPEG seeds, written by make-image-seeds.c through the library). Run from
the source tree's top: /usr/bin/python3 tests/fuzz/make-seeds.py. Every seed is small and
valid (plus a few near-misses), so the fuzzer starts on the parsers' accepted paths."""
import json, lzma, os, shutil, struct, subprocess

C = 'tests/fuzz/corpus'
for t in ('fer-csv', 'safetensors', 'cascade', 'png', 'jpeg', 'config-json', 'experiment-json', 'probs-blob'):
    os.makedirs(os.path.join(C, t), exist_ok=True)

def put(target, name, data):
    os.makedirs(os.path.join(C, target), exist_ok=True)
    with open(os.path.join(C, target, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# --- FER2013 CSV: first byte = mode (3 = by Usage column, 0..2 = fixed split) -------------
rows = subprocess.run(['xz', '-dc', 'data/fer2013-sample.csv.xz'], capture_output=True,
                      check=True).stdout.decode().splitlines()
header, body = rows[0], rows[1:]
pick = [next(r for r in body if r.endswith(u)) for u in ('Training', 'PublicTest', 'PrivateTest')]
put('fer-csv', 'usage-3rows', '\x03' + '\n'.join([header] + pick) + '\n')
put('fer-csv', 'fixed-val-crlf', '\x01' + 'emotion,pixels\r\n' + pick[0].rsplit(',', 1)[0] + '\r\n')
put('fer-csv', 'quoted', '\x03' + header + '\n' + '"%s","%s",%s\n' % tuple(pick[1].split(',')))
put('fer-csv', 'short-row', '\x03' + header + '\n3,1 2 3,Training\n')
put('fer-csv', 'xz-1row', b'\x03' + lzma.compress(('\n'.join([header, pick[2]]) + '\n').encode()))

# --- safetensors: rmn's layout (metadata first, sorted names, space padding to 8) ---------
def safetensors(tensors, meta):
    hdr, data = {}, b''
    if meta:
        hdr['__metadata__'] = dict(sorted(meta.items()))
    for name, dtype, shape, raw in sorted(tensors, key=lambda t: t[0]):
        hdr[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(hdr, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + data

put('safetensors', 'f32-i64-meta', safetensors(
    [('fc.weight', 'F32', [2, 3], struct.pack('<6f', 0.5, -1.25, 2.0, 3.5, -0.75, 1.0)),
     ('step', 'I64', [], struct.pack('<q', 42)),
     ('empty', 'F32', [0, 4], b'')],
    {'arch': 'democnn', 'format': 'rmn'}))
put('safetensors', 'dtypes', safetensors(
    [('a', 'U8', [3], b'\x01\x02\x03'), ('b', 'F64', [1], struct.pack('<d', 2.385)),
     ('c', 'BOOL', [2], b'\x00\x01'), ('d', 'F16', [2], b'\x00\x3c\x00\xc0'),
     ('e', 'BF16', [1], b'\x80\x3f'), ('f', 'I32', [1, 1], struct.pack('<i', -7))], {}))
shutil.copy('tests/data/golden/st_reference.safetensors', os.path.join(C, 'safetensors', 'golden-ref'))

# --- cascades: tiny HAAR (plain and tilted) and LBP files in OpenCV's new format ------------
def cascade(kind, w, h, stages, features, cats=0):
    s = ['<?xml version="1.0"?>', '<opencv_storage>', '<cascade>', '<stageType>BOOST</stageType>',
         '<featureType>%s</featureType>' % kind, '<height>%d</height>' % h, '<width>%d</width>' % w,
         '<stageParams><maxDepth>1</maxDepth></stageParams>',
         '<featureParams><maxCatCount>%d</maxCatCount></featureParams>' % cats,
         '<stageNum>%d</stageNum>' % len(stages), '<stages>']
    for th, trees in stages:
        s.append('<_><maxWeakCount>%d</maxWeakCount><stageThreshold>%s</stageThreshold>'
                 '<weakClassifiers>' % (len(trees), th))
        for nodes, leaves in trees:
            s.append('<_><internalNodes>%s</internalNodes><leafValues>%s</leafValues></_>' % (nodes, leaves))
        s.append('</weakClassifiers></_>')
    s += ['</stages>', '<features>'] + features + ['</features>', '</cascade>', '</opencv_storage>', '']
    return '\n'.join(s)

put('cascade', 'haar', cascade('HAAR', 6, 6,
    [('-1.5', [('0 -1 0 0.25', '-1 1'), ('1 -1 1 -0.5 0 -2 2 0.125', '-0.5 0.75 0.25')]),
     ('-0.8', [('0 -1 2 1.5e-2', '-1.0 1.0')])],
    ['<_><rects><_>0 0 2 2 -1.</_><_>1 1 1 1 4.</_></rects></_>',
     '<_><rects><_>0 0 6 3 -1.</_><_>0 3 6 3 1.</_><_>2 0 2 6 2.</_></rects><tilted>0</tilted></_>',
     '<_><rects><_>2 0 2 2 -1.</_><_>2 0 1 1 2.</_></rects><tilted>1</tilted></_>']))
put('cascade', 'lbp', cascade('LBP', 9, 9,
    [('-4.16', [('0 -1 0 -1 -1 -17409 -1 -1 -1 -1 -1', '-0.99 -0.39'),
                ('0 -1 1 -21569 -16449 1006578219 -20801 -16449 -1 -21585 -1', '-0.96 -0.14')])],
    ['<_><rect>0 0 1 1</rect></_>', '<_><rect>0 0 3 2</rect></_>'], cats=256))
put('cascade', 'old-format', '<?xml version="1.0"?>\n<opencv_storage>\n'
    '<c type_id="opencv-haar-classifier"><size>24 24</size><stages></stages></c>\n</opencv_storage>\n')

# --- configuration and experiment JSON ------------------------------------------------------
for f in ('fer2013_config.json', 'tiny-config.json'):
    shutil.copy(os.path.join('tests/data', f), os.path.join(C, 'config-json', f))
put('config-json', 'rmn-keys.json', json.dumps({
    'arch': 'democnn', 'optimizer': 'sgd', 'nesterov': 1, 'lr_schedule': 'cosine', 'min_lr': 1e-5,
    'lr': 0.05, 'width': 8, 'flip_p': 0.5, 'max_rotation_deg': 10, 'max_shift_px': 2,
    'tta_n': 4, 'tta_seed': 1234, 'seed': 18446744073709551615 // 2}))
for f in sorted(os.listdir('experiments')):
    shutil.copy(os.path.join('experiments', f), os.path.join(C, 'experiment-json', f))
shutil.copy('tests/data/exp-tiny.json', os.path.join(C, 'experiment-json', 'exp-tiny.json'))

# --- stored predictions: int32 n_samples, int32 n_classes, uint8 split, rows ----------------
def probs(ns, nc, split, rows):
    b = struct.pack('<iiB', ns, nc, split)
    for idx, label, pred, p in rows:
        blob = struct.pack('<%dd' % len(p), *p)
        b += struct.pack('<bbbB', idx, label, pred, len(blob)) + blob
    return b

put('probs-blob', 'two-samples', probs(2, 3, 2, [(0, 1, 1, [0.1, 0.7, 0.2]), (1, 2, 0, [0.5, 0.25, 0.25])]))
put('probs-blob', 'seven-classes', probs(1, 7, 1, [(4, 6, 6, [0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.5])]))
put('probs-blob', 'short-blob', probs(1, 2, 0, [(0, 0, 1, [0.5])]))
put('probs-blob', 'empty', probs(0, 7, 0, []))

# --- PNG flavours the loader converts (palette, 16-bit, alpha, gray+alpha, Adam7) -----------
import zlib

def png(w, h, color, depth, rows, extra=b'', interlace=0):
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    raw = b''.join(b'\x00' + r for r in rows)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, color, 0, 0, interlace))
            + extra + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))

def plte(n):
    d = b''.join(bytes([i * 60 % 256, i * 90 % 256, i * 30 % 256]) for i in range(n))
    return struct.pack('>I', len(d)) + b'PLTE' + d + struct.pack('>I', zlib.crc32(b'PLTE' + d))

put('png', 'palette-2bit', png(4, 2, 3, 2, [b'\x1b', b'\xe4'], plte(4)))
put('png', 'gray16', png(2, 2, 0, 16, [b'\x12\x34\xff\xff', b'\x00\x00\x80\x00']))
put('png', 'gray-alpha', png(2, 1, 4, 8, [b'\x10\x80\xf0\xff']))
put('png', 'rgba', png(1, 2, 6, 8, [b'\x01\x02\x03\x04', b'\xff\x80\x40\x00']))
put('png', 'gray1', png(3, 3, 0, 1, [b'\xa0', b'\x40', b'\xe0'], interlace=0))
