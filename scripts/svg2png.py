"""Convert a Textual SVG screenshot to PNG with a local monospace font.

Textual's SVGs name the Fira Code web font from a CDN, unreachable offline; cairosvg
would fall back to a proportional font and leave gaps between words. Swap in a local
monospace family first.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LOCAL_MONO = "DejaVu Sans Mono"


def svg_to_png(svg: Path, png: Path, scale: float = 1.0) -> None:
    import cairosvg

    text = svg.read_text(encoding="utf-8")
    text = re.sub(r"@font-face\s*\{[^}]*\}", "", text)
    text = text.replace('"Fira Code"', f'"{LOCAL_MONO}"').replace("Fira Code", LOCAL_MONO)
    cairosvg.svg2png(bytestring=text.encode("utf-8"), write_to=str(png), scale=scale)


if __name__ == "__main__":
    svg_to_png(Path(sys.argv[1]), Path(sys.argv[2]))
