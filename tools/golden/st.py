"""st.py -- a small safetensors writer/reader (no dependency on the `safetensors` package).

Writes the exact bytes rmn's C writer (src/core/safetensors_write.c) writes: 8-byte little-endian
header length, compact JSON header with "__metadata__" first (keys sorted), then the tensors
in byte order of their names with contiguous data offsets, header padded with spaces to a
multiple of 8 bytes, raw little-endian data. Saving is atomic (temp file, fsync, rename).

Tensors are given as torch tensors (contiguous CPU copies are made) or as
(dtype, shape, raw_bytes) tuples, dtype one of the safetensors names ("F32", ...).

Run `python3 st.py --reference OUT` to write the byte-exact reference file that
tests/test-safetensors.c compares with its own output (needs no torch).
"""
import json
import os
import struct
import sys

_TORCH_DTYPES = {"float32": "F32", "float64": "F64", "int32": "I32", "int64": "I64",
                 "uint8": "U8", "int8": "I8", "int16": "I16", "bool": "BOOL", "float16": "F16",
                 "bfloat16": "BF16"}
SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2,
         "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}


def _raw(t):
    if isinstance(t, tuple):
        dtype, shape, raw = t
        return dtype, list(shape), bytes(raw)
    dtype = _TORCH_DTYPES[str(t.dtype).replace("torch.", "")]
    t = t.detach().cpu().contiguous()
    raw = t.numpy().tobytes() if dtype != "BF16" else t.view("int16").numpy().tobytes()
    assert sys.byteorder == "little"
    return dtype, list(t.shape), raw


def encode(tensors, metadata=None):
    """The file's bytes for a dict name -> tensor and a dict of string metadata."""
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(metadata[k]) for k in sorted(metadata, key=str.encode)}
    chunks, off = [], 0
    for name in sorted(tensors, key=str.encode):
        dtype, shape, raw = _raw(tensors[name])
        n = 1
        for s in shape:
            n *= s
        assert n * SIZES[dtype] == len(raw), name
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save(path, tensors, metadata=None):
    data = encode(tensors, metadata)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path):
    """(header dict without __metadata__, metadata dict, {name: (dtype, shape, raw)})."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    return header, meta, {k: (v["dtype"], v["shape"], body[v["data_offsets"][0]:v["data_offsets"][1]])
                          for k, v in header.items()}


def reference_tensors():
    """The content of tests/data/golden/st_reference.safetensors (mirrored in test-safetensors.c)."""
    return {
        "a_f32": ("F32", [2, 3], struct.pack("<6f", 0.5, -1.25, 3.0, 2.375, -0.0625, 100.0)),
        "b_f64": ("F64", [3], struct.pack("<3d", 0.1, -2.5, 1e300)),
        "c_i32": ("I32", [2, 2], struct.pack("<4i", 1, -2, 2147483647, -2147483648)),
        "d_i64": ("I64", [], struct.pack("<q", -9007199254740993)),
        "e_u8": ("U8", [4], bytes([0, 1, 254, 255])),
        "f_empty": ("F32", [0, 3], b""),
        "g_5d": ("F32", [1, 2, 1, 2, 1], struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)),
    }, {"op": "st_reference", "format": "pt", "note": "reference file for test-safetensors.",
        "utf8": "\u00e9t\u00e9",
        "tensors": "a_f32,b_f64,c_i32,d_i64,e_u8,f_empty,g_5d"}


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--reference":
        sys.exit("usage: st.py --reference OUT.safetensors")
    save(sys.argv[2], *reference_tensors())
