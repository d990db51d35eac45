"""The authenticator's provisioning QR code as inline SVG (qrcode, no image library needed)."""

import re

import qrcode
import qrcode.image.svg


def qr_svg(data: str, *, size: int = 200) -> str:
    """An ``<svg>`` element (no XML declaration) encoding ``data``, ``size`` pixels wide."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1]
    svg = re.sub(r'\bwidth="[^"]*" height="[^"]*"', f'width="{size}" height="{size}"', svg, count=1)
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1).strip()
