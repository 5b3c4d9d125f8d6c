"""Only real images are packaged: rasters by their bytes, SVGs that can neither run nor fetch."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from matplotlib.figure import Figure

from ankigen.images import NOT_AN_IMAGE, UnsafeImage, image_suffix

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'

# The classic 1x1 GIF: header, screen, 2-colour table, graphic control, image, trailer.
GIF89A = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    b"!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def svg(body: str, attributes: str = "") -> bytes:
    return f"<svg {SVG_NS}{attributes}>{body}</svg>".encode()


def refusal(data: bytes) -> str:
    with pytest.raises(UnsafeImage) as caught:
        image_suffix(data)
    assert str(caught.value) == caught.value.message
    return caught.value.message


def tiny_png() -> bytes:
    """A 1x1 grey PNG, chunk by chunk, so the test depends on no image library."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")  # filter byte, one pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def figure(*, with_image: bool = False) -> Figure:
    fig = Figure(figsize=(2, 2))
    axes = fig.add_subplot()
    axes.plot([0, 1, 2], [0, 1, 4], label="$x^2$")
    axes.set_title("squares, α")
    axes.legend()
    if with_image:
        axes.imshow(np.arange(16.0).reshape(4, 4))
    return fig


def saved(fig: Figure, format: str) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=format)
    return buffer.getvalue()


# --- accepted ----------------------------------------------------------------------------------


def test_png_built_by_hand_is_a_png() -> None:
    assert image_suffix(tiny_png()) == ".png"


@pytest.mark.parametrize(
    ("format", "suffix"),
    [("png", ".png"), ("jpg", ".jpg"), ("webp", ".webp"), ("svg", ".svg")],
)
def test_matplotlib_output_is_accepted(format: str, suffix: str) -> None:
    assert image_suffix(saved(figure(), format)) == suffix


@pytest.mark.parametrize("data", [GIF89A, b"GIF87a" + GIF89A[6:]], ids=["89a", "87a"])
def test_gif_is_a_gif(data: bytes) -> None:
    assert image_suffix(data) == ".gif"


def test_matplotlib_svg_with_embedded_raster_is_accepted() -> None:
    data = saved(figure(with_image=True), "svg")
    assert b"<!DOCTYPE svg" in data  # matplotlib's standard DOCTYPE is allowed
    assert b'xlink:href="data:image/png;base64,\n' in data
    assert image_suffix(data) == ".svg"


def test_svg_with_bom_declaration_comments_and_local_references_is_accepted() -> None:
    data = (
        b"\xef\xbb\xbf"
        + b'<?xml version="1.0" encoding="utf-8"?>\n<!-- drawn by hand -->\n'
        + svg(
            '<defs><style type="text/css"><![CDATA[ .a { fill: url( "#g" ) } ]]></style>'
            '<linearGradient id="g"/><clipPath id="c"/></defs>'
            '<use href="#g"/><a xlink:href=" #c"><rect clip-path="url(#c)" fill="url(\'#g\')"/></a>'
            '<image href="data:image/jpeg;base64,\n/9j/4AAQ"/>'
            '<path style="fill: url(#g); stroke: #000" d="M 0 0 L 1 1"/>'
            '<animate attributeName="opacity" to="0"/>'
        )
    )
    assert image_suffix(data) == ".svg"


# --- refused: not an image ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"just some notes, renamed to picture.png\n",
        b"%PDF-1.4\n",
        b"RIFF\x24\x00\x00\x00WAVEfmt ",  # a sound, not a WebP
        b"\xff\xfe<\x00s\x00v\x00g\x00",  # UTF-16
    ],
    ids=["empty", "text renamed png", "pdf", "wav", "utf-16"],
)
def test_bytes_of_no_known_image_are_refused(data: bytes) -> None:
    assert refusal(data) == NOT_AN_IMAGE


def test_matplotlib_pdf_is_not_an_image() -> None:
    assert refusal(saved(figure(), "pdf")) == NOT_AN_IMAGE


# --- refused: unsafe or broken SVG -------------------------------------------------------------

HOSTILE = {
    "event handler on root": (svg("", ' onload="alert(1)"'), "onload"),
    "event handler, odd case": (svg('<rect OnClick="alert(1)"/>'), "OnClick"),
    "script": (svg("<script>alert(1)</script>"), "<script>"),
    "script in another namespace": (
        svg('<h:SCRIPT xmlns:h="urn:x">alert(1)</h:SCRIPT>'),
        "<h:SCRIPT>",
    ),
    "foreignObject": (
        svg("<foreignObject><p>hi</p></foreignObject>"),
        "<foreignObject>",
    ),
    "iframe": (svg('<iframe src="https://evil/"/>'), "<iframe>"),
    "html element": (
        svg('<h:img xmlns:h="http://www.w3.org/1999/xhtml" src="https://evil/x.png"/>'),
        "HTML element <h:img>",
    ),
    "javascript link": (svg('<a href="javascript:alert(1)"><text>x</text></a>'), "javascript:"),
    "javascript xlink with leading space": (
        svg('<a xlink:href=" javascript:alert(1)"><text>x</text></a>'),
        "xlink:href=' javascript:alert(1)'",
    ),
    "javascript link split by a tab": (
        svg('<a href="java&#9;script:alert(1)"/>'),
        "points outside the file",
    ),
    "remote image": (svg('<image href="https://evil/x.png"/>'), "https://evil/x.png"),
    "external use": (svg('<use href="other.svg#a"/>'), "other.svg#a"),
    "svg data url": (
        svg('<image href="data:image/svg+xml;base64,PHN2Zz4="/>'),
        "data:image/svg+xml",
    ),
    "xml:base": (svg('<use href="#a" xml:base="https://evil/x.svg"/>'), "xml:base"),
    "ping": (svg('<a href="#a" ping="https://evil/"/>'), "ping"),
    "style @import": (svg("<style>@import url(http://x)</style>"), "@import"),
    "style @import with a css escape": (svg('<style>@\\69mport "http://x";</style>'), "@import"),
    "style remote url": (
        svg("<style>rect { fill: url( 'http://x/y#a' ) }</style>"),
        "http://x/y#a' ) }\" points outside the file",
    ),
    "style url spelled with an escape": (
        svg("<style>rect { background: \\75rl(http://x) }</style>"),
        "url(http://x)",
    ),
    "style image-set": (
        svg("<style>rect { background: image-set('http://x' 1x) }</style>"),
        "image-set",
    ),
    "style javascript": (svg("<style>a { b: javascript:alert(1) }</style>"), "javascript:"),
    "style attribute expression": (
        svg('<rect style="width: expression(alert(1))"/>'),
        "expression(",
    ),
    "style attribute remote url": (
        svg('<rect style="fill: url(https://evil/p.svg#a)"/>'),
        "url(https://evil/p.svg#a)",
    ),
    "element inside style": (
        svg('<style>@imp<x:i xmlns:x="urn:x"/>ort "http://x";</style>'),
        "inside <style>",
    ),
    "remote url in fill": (svg('<rect fill="url(http://x#a)"/>'), "url(http://x#a)"),
    "remote url in filter, upper case": (
        svg('<rect filter="URL(http://x#a)"/>'),
        "URL(http://x#a)",
    ),
    "set href to javascript": (
        svg('<a><set attributeName="href" to="javascript:alert(1)"/></a>'),
        "attributeName='href'",
    ),
    "animate xlink:href": (
        svg('<a><animate attributeName="xlink:href" values="javascript:alert(1)"/></a>'),
        "animates a link",
    ),
    "animate an event handler": (
        svg('<rect><set attributeName="onclick" to="alert(1)"/></rect>'),
        "attributeName='onclick'",
    ),
    "xml-stylesheet": (
        b'<?xml-stylesheet href="x.css"?>' + svg(""),
        "<?xml-stylesheet ...?>",
    ),
    "processing instruction inside": (svg("<?php echo 1; ?>"), "<?php ...?>"),
    "doctype with internal subset": (
        b'<!DOCTYPE svg [<!ATTLIST svg onload CDATA "alert(1)">]>' + svg(""),
        "DOCTYPE",
    ),
    "doctype loading a private dtd": (
        b'<!DOCTYPE svg SYSTEM "http://evil/x.dtd">' + svg(""),
        "DOCTYPE",
    ),
    "xxe": (
        b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + svg("<text>&x;</text>"),
        "entity",
    ),
    "html root": (b"<html><body><p>hi</p></body></html>", "root element is <html>"),
    "svg without its namespace": (b"<svg><rect/></svg>", "root element is <svg>"),
    "malformed xml": (svg("<g><rect></g>"), "not well-formed XML"),
    "undeclared entity": (svg("<text>&nbsp;</text>"), "not well-formed XML"),
    "not utf-8": (svg("<text>caf\xe9</text>").replace(b"\xc3\xa9", b"\xe9"), "not UTF-8"),
}


@pytest.mark.parametrize(("data", "problem"), HOSTILE.values(), ids=list(HOSTILE))
def test_unsafe_svg_is_refused_naming_the_problem(data: bytes, problem: str) -> None:
    message = refusal(data)
    assert problem in message
    assert "remove" in message or "export" in message or "UTF-8" in message or "fix" in message


def test_message_says_where_and_what_to_do() -> None:
    message = refusal(svg('\n\n<rect onclick="alert(1)"/>'))
    assert message == (
        "SVG line 3: event handler onclick='alert(1)' on <rect> can run code; remove it"
    )


def test_billion_laughs_is_refused_without_expanding() -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    data = f"<!DOCTYPE svg [{entities}]>".encode() + svg("<text>&lol9;</text>")
    assert "entity" in refusal(data)  # never expanded: 10**9 "lol"s would take gigabytes


# --- hostile repetition (how long it takes is measured by hand, not tested) -----------------


@pytest.mark.parametrize(
    ("css", "safe"),
    [
        ("/*" * 5_000, True),
        ("\\41 " * 2_500, True),
        ("url(#a)" * 1_500, True),
        ("url(  " * 2_000 + "#a)", False),
        ("url('" * 2_000, False),
    ],
    ids=["unterminated comments", "escapes", "local urls", "nested urls", "unclosed quotes"],
)
def test_repetitive_css_is_judged_correctly(css: str, safe: bool) -> None:
    data = svg(f"<style>{css}</style>", f' style="{css}"')
    if safe:
        assert image_suffix(data) == ".svg"
    else:
        assert "points outside the file" in refusal(data)
