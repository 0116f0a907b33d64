"""A video file for Chromium's fake camera (--use-file-for-fake-video-capture) showing a badge.

YUV4MPEG2 with full-range 4:2:0 frames ("C420jpeg"): Pillow's YCbCr conversion is exactly
that colour space, and the chroma planes are halved in both directions. Chromium loops it.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

WIDTH, HEIGHT = 640, 480


def badge_frame(png: bytes, *, size: int = 400) -> Image.Image:
    """The badge image held up to the camera: centred on a light background."""
    badge = Image.open(io.BytesIO(png)).convert("RGB")
    badge = badge.resize((size, size), Image.Resampling.NEAREST)
    frame = Image.new("RGB", (WIDTH, HEIGHT), (236, 236, 230))
    frame.paste(badge, ((WIDTH - size) // 2, (HEIGHT - size) // 2))
    return frame


def write_y4m(path: Path, frame: Image.Image, *, frames: int = 10, fps: int = 10) -> Path:
    """Write ``frames`` copies of ``frame`` as a .y4m file Chromium plays as a camera."""
    y, cb, cr = frame.convert("YCbCr").split()
    half = (frame.width // 2, frame.height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{frame.width} H{frame.height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(planes)
    return path
