"""Tiny MNIST IDX loader shared by the peer scripts in this folder.

Reads the 10,000 MNIST test images and labels committed under
testdata/mnist/ (IDX format, gzip). Paths are relative to this file, so the
peer scripts run from any working directory. Uses only gzip, struct and NumPy.
"""

import gzip
import io
import math
import os
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST_DIR = os.path.join(HERE, os.pardir, "mnist")
IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError("%s: expected %d values, found %d"
                         % (path, int(np.prod(dims)), arr.size))
    return arr.reshape(dims)


def load(n=10000, data_dir=MNIST_DIR):
    """Return (X, labels): X is n x 784 float64 in [0, 1] (pixels / 255.0),
    labels is a length-n int64 vector of digits 0..9. Samples x features;
    transpose X for the features x samples layout."""
    images = _read_idx(os.path.join(data_dir, IMAGES))
    labels = _read_idx(os.path.join(data_dir, LABELS))
    if not 1 <= n <= images.shape[0]:
        raise ValueError("n must be in 1..%d, got %d" % (images.shape[0], n))
    X = images[:n].reshape(n, -1).astype(np.float64) / 255.0
    y = labels[:n].astype(np.int64)
    return X, y


def load_images(n=10000, data_dir=MNIST_DIR):
    """Return (images, labels) as stored: images n x 28 x 28 uint8,
    labels a length-n int64 vector of digits 0..9."""
    images = _read_idx(os.path.join(data_dir, IMAGES))
    labels = _read_idx(os.path.join(data_dir, LABELS))
    if not 1 <= n <= images.shape[0]:
        raise ValueError("n must be in 1..%d, got %d" % (images.shape[0], n))
    return images[:n], labels[:n].astype(np.int64)


def one_hot(y, k=10):
    """n x k one-hot float64 matrix (samples x classes)."""
    Y = np.zeros((y.shape[0], k), dtype=np.float64)
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def finite(x):
    """A float for JSON: non-finite values become "NaN", "Inf", "-Inf"."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    return x


def save_npz(filename, arrays):
    """np.savez_compressed to filename with a fixed zip timestamp and mode,
    so that rerunning a fixture script rewrites identical bytes."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    buf.seek(0)
    with zipfile.ZipFile(buf) as zin, open(filename, "wb") as f:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                fixed.compress_type = zipfile.ZIP_DEFLATED
                fixed.external_attr = 0o600 << 16
                zout.writestr(fixed, zin.read(info.filename))


def load_dir(data_dir, n):
    """As load, from the largest IDX image/label pair in data_dir (files
    paired by the text before "images" and "labels", as `backstep --data`
    pairs them), e.g. the 60,000 training images."""
    names = os.listdir(data_dir)
    pairs = []
    for name in names:
        i = name.find("images")
        if i < 0:
            continue
        for other in names:
            j = other.find("labels")
            if j >= 0 and other[:j] == name[:i]:
                size = os.path.getsize(os.path.join(data_dir, name))
                pairs.append((-size, name, other))
    if not pairs:
        raise ValueError("%s holds no IDX image/label pair" % data_dir)
    _, images, labels = min(pairs)
    img = _read_idx(os.path.join(data_dir, images))
    lab = _read_idx(os.path.join(data_dir, labels))
    if not 1 <= n <= img.shape[0]:
        raise ValueError("n must be in 1..%d, got %d" % (img.shape[0], n))
    return img[:n].reshape(n, -1).astype(np.float64) / 255.0, lab[:n].astype(np.int64)
