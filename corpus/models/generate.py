#!/usr/bin/env python3
"""Generate the model-file corpus: malicious pickle constructions and benign model files.

Run from anywhere: `python3 corpus/models/generate.py`. It rewrites the files next to it and
`expected.json`, which `tests/model_corpus.rs` checks every file against.

No torch, numpy or scikit-learn is needed: stand-in modules named like the real ones are put in
`sys.modules` only while pickling (so the pickles name `torch._utils._rebuild_tensor_v2`,
`numpy.core.multiarray._reconstruct`, …), and the tricky constructions are written opcode by
opcode. Nothing here is ever unpickled.
"""

import bz2
import collections
import copyreg
import datetime
import gzip
import io
import json
import lzma
import os
import pickle
import struct
import sys
import types
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = {}


def write(name, data, expect, note):
    """Writes one corpus file; `expect` lists the findings: (code, text, member or None)."""
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    EXPECTED[name] = {
        "note": note,
        "expect": [
            {"code": c, "callable": t, **({"member": m} if m else {})} for c, t, m in expect
        ],
    }


# ---------------------------------------------------------------- opcode helpers


def s0(text):
    """Protocol 0 STRING."""
    return b"S" + repr(text).encode() + b"\n"


def u1(text):
    """BINUNICODE (protocol 1+)."""
    b = text.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def u4(text):
    """SHORT_BINUNICODE (protocol 4)."""
    b = text.encode()
    return b"\x8c" + bytes([len(b)]) + b


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def call_p2(module, name, *args):
    """PROTO 2, GLOBAL module.name, a tuple of string args, REDUCE, STOP."""
    return b"\x80\x02" + glob(module, name) + b"(" + b"".join(u1(a) for a in args) + b"tR."


def call_p4(module, name, *args):
    """PROTO 4 with STACK_GLOBAL."""
    return (
        b"\x80\x04" + u4(module) + b"\x94" + u4(name) + b"\x94\x93\x94"
        + b"(" + b"".join(u4(a) for a in args) + b"tR."
    )


OS_SYSTEM_P0 = glob("os", "system") + b"(" + s0("echo pwned") + b"tR."


# ---------------------------------------------------------------- stand-in modules


def module(name, **attrs):
    m = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(m, k, v)
        if isinstance(v, (type, types.FunctionType)):
            v.__module__ = name
            v.__qualname__ = k
    sys.modules[name] = m
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, m)
    return m


def _rebuild_tensor_v2(*a):
    raise RuntimeError("stand-in")


def _reconstruct(*a):
    raise RuntimeError("stand-in")


class FloatStorage:
    pass


class Storage:
    def __init__(self, key, numel, data):
        self.key, self.numel, self.data = key, numel, data


class Tensor:
    def __init__(self, storage, size, stride):
        self.storage, self.size, self.stride = storage, size, stride

    def __reduce_ex__(self, proto):
        return (
            _rebuild_tensor_v2,
            (self.storage, 0, self.size, self.stride, False, collections.OrderedDict()),
        )


class dtype:
    def __init__(self, code):
        self.code = code

    def __reduce__(self):
        return (dtype, (self.code, False, True), (3, "<", None, None, None, -1, -1, 0))

    def __setstate__(self, state):
        pass


class ndarray:
    def __init__(self, shape, code, raw):
        self.shape, self.dt, self.raw = shape, dtype(code), raw

    def __reduce__(self):
        return (
            _reconstruct,
            (ndarray, (0,), b"b"),
            (1, self.shape, self.dt, False, self.raw),
        )


class LogisticRegression:
    def __init__(self):
        self.C = 1.0
        self.penalty = "l2"
        self.classes_ = ndarray((2,), "i8", struct.pack("<2q", 0, 1))
        self.coef_ = ndarray((1, 3), "f8", struct.pack("<3d", 0.5, -1.25, 2.0))
        self.intercept_ = ndarray((1,), "f8", struct.pack("<d", 0.1))
        self.n_iter_ = ndarray((1,), "i4", struct.pack("<i", 7))
        self._sklearn_version = "1.5.0"


class NumpyArrayWrapper:
    """joblib.numpy_pickle.NumpyArrayWrapper: pickled by NEWOBJ + BUILD of its __dict__."""

    def __init__(self, subclass, shape, order, dtype, allow_mmap=False,
                 numpy_array_alignment_bytes=16):
        self.subclass = subclass
        self.shape = shape
        self.order = order
        self.dtype = dtype
        self.allow_mmap = allow_mmap
        self.numpy_array_alignment_bytes = numpy_array_alignment_bytes


class JoblibPickler(pickle._Pickler):
    """What joblib.dump writes: arrays as a wrapper, then their bytes inline in the stream
    (after a padding byte and 0xff padding to 16-byte alignment), object arrays as a nested
    protocol 2 pickle."""

    def __init__(self, fp, align=True):
        super().__init__(fp, protocol=4)
        self.file_handle = fp
        self.align = align

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, ndarray):
            wrapper = NumpyArrayWrapper(ndarray, obj.shape, "C", obj.dt,
                                        numpy_array_alignment_bytes=16 if self.align else None)
            pickle._Pickler.save(self, wrapper)
            self.framer.commit_frame(force=True)
            fh = self.file_handle
            if obj.dt.code.startswith("O"):
                pickle.dump(obj.raw, fh, protocol=2)
                return
            if self.align:
                pad = 16 - ((fh.tell() + 1) % 16)
                fh.write(bytes([pad]) + b"\xff" * pad)
            fh.write(obj.raw)
            return
        return pickle._Pickler.save(self, obj, save_persistent_id)


def joblib_dump(obj, align=True):
    buf = io.BytesIO()
    JoblibPickler(buf, align).dump(obj)
    return buf.getvalue()


def install_stand_ins():
    module("torch", FloatStorage=FloatStorage)
    module("torch._utils", _rebuild_tensor_v2=_rebuild_tensor_v2)
    module("numpy", ndarray=ndarray, dtype=dtype)
    module("numpy.core")
    module("numpy.core.multiarray", _reconstruct=_reconstruct)
    module("joblib")
    module("joblib.numpy_pickle", NumpyArrayWrapper=NumpyArrayWrapper)
    module("sklearn")
    module("sklearn.linear_model")
    module("sklearn.linear_model._logistic", LogisticRegression=LogisticRegression)


class TorchPickler(pickle.Pickler):
    """Storages become persistent ids, as in `torch.save`."""

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
        return None


def torch_pickle(obj):
    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def state_dict():
    w = Storage("0", 4, struct.pack("<4f", 1, 2, 3, 4))
    b = Storage("1", 2, struct.pack("<2f", 0.5, -0.5))
    sd = collections.OrderedDict()
    sd["fc.weight"] = Tensor(w, (2, 2), (2, 1))
    sd["fc.bias"] = Tensor(b, (2,), (1,))
    return sd, [w, b]


def zwrite(z, name, data):
    """A member with a fixed date, so the corpus is reproducible."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = z.compression
    z.writestr(info, data)


def torch_zip(data_pkl, storages, extra=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        zwrite(z, "archive/data.pkl", data_pkl)
        zwrite(z, "archive/byteorder", "little")
        for s in storages:
            zwrite(z, f"archive/data/{s.key}", s.data)
        for name, data in extra:
            zwrite(z, name, data)
        zwrite(z, "archive/version", "3\n")
        zwrite(z, "archive/.data/serialization_id", "1234567890")
    return buf.getvalue()


def legacy_torch(obj_pickle, storages):
    """`torch.save(..., _use_new_zipfile_serialization=False)`: five pickles, then storages."""
    out = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    out += pickle.dumps(1001, protocol=2)
    out += pickle.dumps(
        {"protocol_version": 1001, "little_endian": True,
         "type_sizes": {"short": 2, "int": 4, "long": 4}},
        protocol=2,
    )
    out += obj_pickle
    out += pickle.dumps([s.key for s in storages], protocol=2)
    for s in storages:
        out += struct.pack("<q", s.numel) + s.data
    return out


def npy(descr, shape, payload):
    header = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (descr, shape)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def patch_zip_member(data, name, crc=None, set_flags=0):
    """Changes a member's CRC and/or flag bits in both its local and central headers."""
    data = bytearray(data)
    nb = name.encode()
    i = 0
    while True:
        i = data.find(b"PK\x03\x04", i)
        if i < 0:
            break
        nlen = struct.unpack_from("<H", data, i + 26)[0]
        if bytes(data[i + 30:i + 30 + nlen]) == nb:
            if crc is not None:
                struct.pack_into("<I", data, i + 14, crc)
            flags = struct.unpack_from("<H", data, i + 6)[0]
            struct.pack_into("<H", data, i + 6, flags | set_flags)
        i += 4
    i = 0
    while True:
        i = data.find(b"PK\x01\x02", i)
        if i < 0:
            break
        nlen = struct.unpack_from("<H", data, i + 28)[0]
        if bytes(data[i + 46:i + 46 + nlen]) == nb:
            if crc is not None:
                struct.pack_into("<I", data, i + 16, crc)
            flags = struct.unpack_from("<H", data, i + 8)[0]
            struct.pack_into("<H", data, i + 8, flags | set_flags)
        i += 4
    return bytes(data)


def hide_local_member(data, name, payload):
    """Inserts a stored local entry before the central directory without listing it there."""
    eocd = data.rfind(b"PK\x05\x06")
    cd_offset = struct.unpack_from("<I", data, eocd + 16)[0]
    nb = name.encode()
    local = (
        b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 20, 0, 0, 0, 0, zlib.crc32(payload),
                                    len(payload), len(payload), len(nb), 0)
        + nb + payload
    )
    out = bytearray(data[:cd_offset] + local + data[cd_offset:])
    # Central entries point at local headers before the insertion: unchanged. Move the CD.
    struct.pack_into("<I", out, eocd + len(local) + 16, cd_offset + len(local))
    return bytes(out)


class Evil:
    """`__reduce__` returning a real callable, pickled by reference."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def main():
    install_stand_ins()
    for f in os.listdir(HERE):
        if f not in ("generate.py", "README.md"):
            os.remove(os.path.join(HERE, f))

    # ------------------------------------------------------------ malicious
    write("os_system_p0.pkl", OS_SYSTEM_P0,
          [("NB701", "os.system", None)], "GLOBAL + REDUCE, protocol 0")
    write("posix_system_p2.pkl", pickle.dumps(Evil(os.system, "id"), protocol=2),
          [("NB701", "posix.system", None)], "os.system pickled by reference (posix)")
    memo = (
        b"\x80\x04\x95" + struct.pack("<Q", 0)  # an empty frame, then unframed opcodes
        + u4("os") + b"\x94" + u4("system") + b"\x94" + b"00"
        + b"N0" + b"h\x00h\x01\x93" + u4("id") + b"\x85R."
    )
    write("stack_global_memo.pkl", memo, [("NB701", "os.system", None)],
          "STACK_GLOBAL fed from the memo after the strings were popped")
    write("stack_global_bytes.pkl",
          b"\x80\x04C\x02osC\x06system\x93C\x02id\x85R.",
          [("NB703", "STACK_GLOBAL with operands that are not strings", None)],
          "STACK_GLOBAL fed by bytes: unresolvable")
    write("inst.pkl", b"(" + s0("id") + b"ios\nsystem\n.",
          [("NB701", "os.system", None)], "INST (protocol 0)")
    write("obj.pkl", b"(" + glob("os", "system") + u1("id") + b"o.",
          [("NB701", "os.system", None)], "OBJ (protocol 1)")
    write("newobj_ex.pkl",
          b"\x80\x04" + u4("subprocess") + u4("Popen") + b"\x93" + u4("id") + b"\x85}\x92.",
          [("NB701", "subprocess.Popen", None)], "NEWOBJ_EX")
    copyreg.add_extension("posix", "system", 240)
    try:
        ext = pickle.dumps(Evil(os.system, "id"), protocol=2)
    finally:
        copyreg.remove_extension("posix", "system", 240)
    assert b"\x82\xf0" in ext
    write("ext_code.pkl", ext, [("NB703", "EXT code 240", None)],
          "EXT1 from a copyreg extension registered by the pickler")
    getattr_chain = (
        b"\x80\x02" + glob("builtins", "getattr") + b"("
        + glob("builtins", "__import__") + b"(" + u1("os") + b"tR" + u1("system") + b"tR"
        + b"(" + u1("id") + b"tR."
    )
    write("getattr_chain.pkl", getattr_chain,
          [("NB701", "builtins.getattr", None), ("NB701", "builtins.__import__", None),
           ("NB703", "REDUCE calls a computed value", None)],
          "getattr(__import__('os'), 'system')('id')")
    import importlib
    write("importlib.pkl", pickle.dumps(Evil(importlib.import_module, "os"), protocol=4),
          [("NB701", "importlib.import_module", None)], "importlib.import_module")
    write("posixsubprocess.pkl", call_p2("_posixsubprocess", "fork_exec", "/bin/sh"),
          [("NB701", "_posixsubprocess.fork_exec", None)], "_posixsubprocess.fork_exec")
    write("pandas_read_pickle.pkl",
          call_p4("pandas.io.pickle", "read_pickle", "http://127.0.0.1/x.pkl"),
          [("NB701", "pandas.io.pickle.read_pickle", None)], "pandas.read_pickle chain")
    import runpy
    write("runpy.pkl", pickle.dumps(Evil(runpy._run_code, "import os", {}), protocol=3),
          [("NB701", "runpy._run_code", None)], "runpy._run_code")
    import pydoc
    write("pydoc.pkl", pickle.dumps(Evil(pydoc.pipepager, "x", "id"), protocol=5),
          [("NB701", "pydoc.pipepager", None)], "pydoc.pipepager")
    write("appended.pkl", pickle.dumps({"weights": [1, 2, 3]}, protocol=4) + OS_SYSTEM_P0,
          [("NB701", "os.system", None)], "a second pickle after a benign one")
    write("build_on_class.pkl",
          b"\x80\x02" + glob("collections", "OrderedDict") + b"}" + u1("__repr__") + b"K\x01sb.",
          [("NB703", "BUILD modifies the imported object collections.OrderedDict", None)],
          "BUILD on an allowed class sets its attributes")
    write("notes.txt", OS_SYSTEM_P0, [("NB701", "os.system", None)],
          "a pickle named .txt")
    evil2 = pickle.dumps(Evil(os.system, "id"), protocol=2)
    write("model.pkl.gz", gzip.compress(mtime=0, data=evil2), [("NB701", "posix.system", None)],
          "gzip-wrapped pickle")
    write("model.joblib.bz2", bz2.compress(evil2), [("NB701", "posix.system", None)],
          "bzip2-wrapped pickle")
    write("model.joblib.xz", lzma.compress(evil2), [("NB701", "posix.system", None)],
          "xz-wrapped pickle")
    write("model.joblib.lzma", lzma.compress(evil2, format=lzma.FORMAT_ALONE),
          [("NB701", "posix.system", None)], "raw LZMA-wrapped pickle")
    write("model.joblib.z", zlib.compress(evil2), [("NB701", "posix.system", None)],
          "zlib-wrapped pickle (joblib compress=)")
    write("object_array.npy", npy("|O", (1,), evil2),
          [("NB701", "posix.system", None)], ".npy with object dtype")

    sd, storages = state_dict()
    evil_sd = collections.OrderedDict(sd)
    evil_sd["x"] = Evil(os.system, "id")
    evil_data = torch_pickle(evil_sd)
    z = torch_zip(evil_data, storages)
    write("zip_bad_crc.pt", patch_zip_member(z, "archive/data.pkl", crc=0x12345678),
          [("NB701", "posix.system", "archive/data.pkl"),
           ("NB706", "CRC-32 does not match", "archive/data.pkl")],
          "torch zip whose data.pkl has a wrong CRC")
    write("zip_flag_bits.pt", patch_zip_member(z, "archive/data.pkl", set_flags=0x0001),
          [("NB701", "posix.system", "archive/data.pkl"),
           ("NB706", "encryption flag", "archive/data.pkl")],
          "torch zip whose data.pkl claims to be encrypted")
    benign_zip = torch_zip(torch_pickle(sd), storages)
    write("zip_hidden_member.pt",
          hide_local_member(benign_zip, "archive/extra.pkl", evil2),
          [("NB701", "posix.system", "archive/extra.pkl"),
           ("NB706", "not listed in the central directory", "archive/extra.pkl")],
          "a local entry the central directory does not list")
    write("renamed_member.bin", torch_zip(torch_pickle(sd), storages,
                                          extra=[("archive/readme.txt", evil2)]),
          [("NB701", "posix.system", "archive/readme.txt")],
          "a pickle in a zip member named .txt")
    write("legacy_evil.pt", legacy_torch(torch_pickle(evil_sd), storages),
          [("NB701", "posix.system", None)], "legacy torch stream with a malicious object")

    write("py2_builtin_eval.pkl", glob("__builtin__", "eval") + b"(" + s0("1+1") + b"tR.",
          [("NB701", "builtins.eval", None)], "Python 2 module name, mapped like Python 3 does")
    overwrite = (
        b"\x80\x04" + u4("collections") + b"\x94" + u4("OrderedDict") + b"\x94" + b"00"
        + u4("os") + b"q\x00" + u4("system") + b"q\x01" + b"00"
        + b"h\x00h\x01\x93" + u4("id") + b"\x85R."
    )
    write("memo_overwrite.pkl", overwrite, [("NB701", "os.system", None)],
          "memo slots of allowed names overwritten by BINPUT before STACK_GLOBAL reads them")
    write("torch_load_nested.pkl", call_p2("torch.serialization", "load", "/tmp/x.pt"),
          [("NB701", "torch.serialization.load", None)], "a model that loads another pickle")
    write("numpy_runstring.pkl",
          call_p4("numpy.testing._private.utils", "runstring", "import os", "{}"),
          [("NB701", "numpy.testing._private.utils.runstring", None)], "numpy's exec wrapper")
    write("attrgetter.pkl", call_p2("operator", "attrgetter", "system"),
          [("NB701", "operator.attrgetter", None)], "getattr by another name")
    write("unknown_class.pkl",
          b"\x80\x04" + u4("mypkg.models") + u4("Net") + b"\x93)\x81}" + u4("depth")
          + b"K\x03sb.",
          [("NB702", "mypkg.models.Net", None)], "a class outside the allowlist, not blocklisted")
    write("truncated.pkl", pickle.dumps({"weights": list(range(50))}, protocol=4)[:60],
          [("NB704", "malformed pickle", None)], "a pickle cut short")

    hidden = OS_SYSTEM_P0
    write("joblib_hidden_in_array.joblib",
          joblib_dump({"w": ndarray((1,), "S%d" % len(hidden), hidden)}, align=False),
          [("NB701", "os.system", None)],
          "joblib array bytes that a plain pickle.load reads as opcodes")
    write("joblib_object_array.joblib",
          joblib_dump({"w": ndarray((1,), "O8", [Evil(os.system, "id")])}),
          [("NB701", "posix.system", None)], "joblib object array: a nested pickle")

    # ------------------------------------------------------------ benign
    data = {
        "a": [1, 2.5, "x", None, True, False],
        "t": (1, 2, 3),
        "b": b"bytes\x00\x80",
        "s": {1, 2},
        "f": frozenset([3]),
        "big": 2**70,
        "neg": -(2**40),
        "od": collections.OrderedDict([("k", 1)]),
        "dd": collections.defaultdict(int, {"z": 2}),
        "dt": datetime.datetime(2020, 1, 2, 3, 4, 5),
        "u": "üñí\n\\'\"",
        "ba": bytearray(b"xy"),
        "c": complex(1, 2),
    }
    data["self"] = data["a"]  # shared reference: memo GET
    for proto in range(6):
        write(f"plain_p{proto}.pkl", pickle.dumps(data, protocol=proto), [],
              f"plain data, protocol {proto}")
    write("torch_state_dict.pt", benign_zip, [],
          "torch-like zip: OrderedDict, _rebuild_tensor_v2, persistent ids")
    # A storage of 640 floats: its size field starts with 0x80 0x02 like PROTO 2.
    big = Storage("0", 640, struct.pack("<640f", *range(640)))
    bsd = collections.OrderedDict(w=Tensor(big, (640,), (1,)))
    write("torch_legacy.pt", legacy_torch(torch_pickle(bsd), [big]), [],
          "legacy torch stream; tensor bytes after the pickles")
    arr = ndarray((3,), "f8", struct.pack("<3d", 1, 2, 3))
    write("numpy_array_p2.pkl", pickle.dumps(arr, protocol=2), [], "numpy array, protocol 2")
    write("numpy_array_p5.pkl", pickle.dumps([arr, arr], protocol=5), [],
          "numpy arrays, protocol 5")
    write("plain.npy", npy("<f8", (2,), b"\x80\x02cos\nsystem\n"[:16]), [],
          ".npy of float64 whose data looks like a pickle (never parsed)")
    npz = io.BytesIO()
    with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED) as z2:
        zwrite(z2, "a.npy", npy("<f8", (1,), struct.pack("<d", 1.5)))
        zwrite(z2, "b.npy", npy("<i8", (2,), struct.pack("<2q", 1, 2)))
    write("arrays.npz", npz.getvalue(), [], ".npz of plain arrays")
    write("sklearn_model.pkl", pickle.dumps(LogisticRegression(), protocol=4), [],
          "sklearn-like estimator with numpy arrays")
    write("sklearn_model.joblib.gz", gzip.compress(mtime=0, data=pickle.dumps(LogisticRegression(), 3)), [],
          "gzip-wrapped estimator")
    est = LogisticRegression()
    est.vocab_ = ndarray((2,), "S16", b"cos\nsystem\n(S'x".ljust(16) + b"N.".ljust(16))
    est.names_ = ndarray((2,), "O8", ["a", "b"])
    est.labels_ = ndarray((2,), "U3", "abcdef".encode("utf-32-le"))
    write("sklearn_model.joblib", joblib_dump(est), [],
          "joblib dump: inline arrays (one whose bytes look like opcodes), object array")
    keras = io.BytesIO()
    with zipfile.ZipFile(keras, "w", zipfile.ZIP_DEFLATED) as z3:
        zwrite(z3, "metadata.json", json.dumps({"keras_version": "3.3.3"}))
        zwrite(z3, "config.json", json.dumps({"class_name": "Sequential", "config": {}}))
        zwrite(z3, "model.weights.h5", b"\x89HDF\r\n\x1a\n" + bytes(range(256)))
    write("model.keras", keras.getvalue(), [], ".keras zip without pickles")

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(EXPECTED, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
