#!/usr/bin/python3
"""make_cv2_resize.py -- cv2.resize references for the thesis's preprocessing (docs/IMPORT.md).

A 48x48 uint8 image (an integer hash of the pixel index, so both sides can rebuild it) resized
to 224x224 with cv2.INTER_LINEAR as the thesis's loader does on uint8 (fixed-point weights,
rounded to uint8), and the same on float32 (cv2's float path). tests/test-pth.c compares
rmn_batch_image (resize, 3 channels, /255) with both.

Run: /usr/bin/python3 tools/pth/make_cv2_resize.py tests/data/pth/cv2-resize.safetensors
"""
import os
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import st  # noqa: E402

i = np.arange(48 * 48, dtype=np.uint64)
img = (((i * np.uint64(2654435761)) >> np.uint64(7)) % np.uint64(256)).astype(np.uint8).reshape(48, 48)
img[10:30, 10:30] = 200  # a flat patch and edges, as faces have
u8 = cv2.resize(img, (224, 224), interpolation=cv2.INTER_LINEAR)
f32 = cv2.resize(img.astype(np.float32), (224, 224), interpolation=cv2.INTER_LINEAR)
st.save(sys.argv[1], {"src": torch.from_numpy(img.astype(np.float32)), "cv2_u8": torch.from_numpy(u8.astype(np.float32)),
                      "cv2_f32": torch.from_numpy(f32)}, {"cv2": cv2.__version__})
print(sys.argv[1], os.path.getsize(sys.argv[1]))
