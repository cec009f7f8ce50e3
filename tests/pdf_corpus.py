"""A corpus of odd and malformed PDFs, written byte by byte (so each oddity is deliberate).

``CORPUS`` maps a case name to (bytes factory, expected outcome): ``"sealable"`` or the
typed error code ``crypto/pdfcheck.check_sealable`` must refuse it with. The files are small
and built on demand; ``python tests/pdf_corpus.py DIR`` writes them out to look at.
"""

from __future__ import annotations

import io
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

CONTENT = b"BT /F1 24 Tf 72 720 Td (Bid letter) Tj ET"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def build(
    objects: list[bytes],
    *,
    root: int = 1,
    trailer_extra: bytes = b"",
    header: bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    xref_shift: int = 0,
) -> bytes:
    """A classic PDF: object ``i + 1`` is ``objects[i]``; an xref table and trailer.
    ``xref_shift`` moves every offset (a broken cross-reference table)."""
    out = io.BytesIO()
    out.write(header)
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (i, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % (off + xref_shift))
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, root, trailer_extra, xref)
    )
    return out.getvalue()


def simple(
    page_attrs: bytes = b"/MediaBox [0 0 595 842]",
    pages_attrs: bytes = b"",
    n_pages: int = 1,
) -> bytes:
    """Catalog 1, Pages 2, font 3, content 4, pages 5.."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(n_pages))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d %s>>" % (kids, n_pages, pages_attrs),
        FONT,
        _stream(CONTENT),
    ]
    for _ in range(n_pages):
        objs.append(
            b"<< /Type /Page /Parent 2 0 R %s /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents 4 0 R >>" % page_attrs
        )
    return build(objs)


def incremental_update(base: bytes) -> bytes:
    """``base`` plus an update that replaces page 1's content (a second xref section)."""
    start = base.rindex(b"startxref") + len(b"startxref")
    prev = int(base[start:].split()[0])
    body = base
    off_content = len(body)
    content = _stream(b"BT /F1 18 Tf 72 600 Td (Amended) Tj ET")
    body += b"6 0 obj\n" + content + b"\nendobj\n"
    off_page = len(body)
    body += (
        b"5 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents [4 0 R 6 0 R] >>\nendobj\n"
    )
    xref = len(body)
    body += b"xref\n5 2\n%010d 00000 n \n%010d 00000 n \n" % (off_page, off_content)
    body += b"trailer\n<< /Size 7 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (prev, xref)
    return body


def compact(*, break_objstm: bool = False) -> bytes:
    """Compacted syntax: no optional whitespace, the catalog, page tree and page inside a
    compressed object stream, a compressed cross-reference stream (PDF 1.5)."""
    inner = [
        (1, b"<</Type/Catalog/Pages 2 0 R>>"),
        (2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>"),
        (
            3,
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 297]/Resources<</Font<</F1 4 0 R>>>>"
            b"/Contents 5 0 R/Annots[]>>",
        ),
        (4, b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"),
    ]
    head, bodies, pos = [], b"", 0
    for num, obj in inner:
        head.append(b"%d %d" % (num, pos))
        bodies += obj + b" "
        pos += len(obj) + 1
    header = b" ".join(head) + b" "
    first = len(header) + (7 if break_objstm else 0)
    raw = header + bodies
    data = zlib.compress(raw)
    if break_objstm:
        data = data[: len(data) // 2]
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    off5 = out.tell()
    content = b"BT/F1 20 Tf 40 200 Td(Compact)Tj ET"
    out.write(b"5 0 obj<</Length %d>>stream\n%s\nendstream endobj\n" % (len(content), content))
    off6 = out.tell()
    out.write(
        b"6 0 obj<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>stream\n"
        % (len(inner), first, len(data))
        + data
        + b"\nendstream endobj\n"
    )
    off7 = out.tell()
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for i in range(len(inner)):  # objects 1-4 inside stream 6
        rows.append(b"\x02" + (6).to_bytes(4, "big") + i.to_bytes(2, "big"))
    rows.append(b"\x01" + off5.to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x01" + off6.to_bytes(4, "big") + b"\x00\x00")
    rows.append(b"\x01" + off7.to_bytes(4, "big") + b"\x00\x00")
    xdata = zlib.compress(b"".join(rows))
    out.write(
        b"7 0 obj<</Type/XRef/Size 8/W[1 4 2]/Root 1 0 R/Filter/FlateDecode/Length %d>>stream\n"
        % len(xdata)
        + xdata
        + b"\nendstream endobj\nstartxref\n%d\n%%%%EOF\n" % off7
    )
    return out.getvalue()


def circular_tree() -> bytes:
    """The page list names itself among its kids."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [5 0 R 2 0 R] /Count 2 >>",
            FONT,
            _stream(CONTENT),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        ]
    )


def page_twice() -> bytes:
    """Two page-list nodes share one page (a DAG, not a tree)."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [6 0 R 7 0 R] /Count 2 >>",
            FONT,
            _stream(CONTENT),
            b"<< /Type /Page /Parent 6 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R] /Count 1 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [5 0 R] /Count 1 >>",
        ]
    )


def odd_annots() -> bytes:
    """/Annots is an indirect reference to a dictionary, not an array."""
    return build(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
            FONT,
            _stream(CONTENT),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Annots 6 0 R >>",
            b"<< /Type /Annot /Subtype /Text /Rect [10 10 20 20] >>",
        ]
    )


def _writer_pdf():
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    w = PdfFileWriter()
    page = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (0, 0, 595, 842)]
            ),
        }
    )
    w.insert_page(page)
    return w


def encrypted(user: str = "user") -> bytes:
    w = _writer_pdf()
    w.encrypt("owner-secret", user)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def signed(*, certify: bool = False, permission: int = 2) -> bytes:
    """``simple()`` with an approval (or certification) signature by a throw-away key."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from mobileca_desktop.crypto.pdfcheck import _TrialSigner

    w = IncrementalPdfFileWriter(io.BytesIO(simple()), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name="Earlier",
        md_algorithm="sha256",
        certify=certify,
        docmdp_permissions=fields.MDPPerm(permission),
    )
    spec = fields.SigFieldSpec("Earlier", on_page=0, box=(40, 40, 140, 100))
    out = io.BytesIO()
    signers.PdfSigner(meta, _TrialSigner(), new_field_spec=spec).sign_pdf(w, output=out)
    return out.getvalue()


SEALABLE = "sealable"
CORPUS: dict[str, tuple[Callable[[], bytes], str]] = {
    "plain": (simple, SEALABLE),
    "three_pages_inherited_mediabox": (
        lambda: simple(page_attrs=b"", pages_attrs=b"/MediaBox [0 0 612 792]", n_pages=3),
        SEALABLE,
    ),
    "cropbox_inside_mediabox": (
        lambda: simple(b"/MediaBox [0 0 1000 1000] /CropBox [200 300 800 900]"),
        SEALABLE,
    ),
    "cropbox_beyond_mediabox": (
        lambda: simple(b"/MediaBox [0 0 595 842] /CropBox [-100 -100 400 500]"),
        SEALABLE,
    ),
    "negative_origin": (lambda: simple(b"/MediaBox [-300 -400 295 442]"), SEALABLE),
    "reversed_mediabox": (lambda: simple(b"/MediaBox [595 842 0 0]"), SEALABLE),
    "rotate_90": (lambda: simple(b"/MediaBox [0 0 595 842] /Rotate 90"), SEALABLE),
    "rotate_180_cropped": (
        lambda: simple(b"/MediaBox [0 0 595 842] /CropBox [50 60 545 782] /Rotate 180"),
        SEALABLE,
    ),
    "rotate_270_inherited": (
        lambda: simple(b"/MediaBox [0 0 842 595]", pages_attrs=b"/Rotate -90"),
        SEALABLE,
    ),
    "small_page": (lambda: simple(b"/MediaBox [0 0 100 60]"), SEALABLE),
    "incremental_update": (lambda: incremental_update(simple()), SEALABLE),
    "compacted_syntax": (compact, SEALABLE),
    "odd_annots": (odd_annots, "pdf_not_sealable"),
    "signed_before": (signed, SEALABLE),
    "certified_form_filling": (lambda: signed(certify=True, permission=2), SEALABLE),
    "certified_no_changes": (lambda: signed(certify=True, permission=1), "pdf_certified"),
    "encrypted": (encrypted, "pdf_encrypted"),
    "encrypted_empty_user_password": (lambda: encrypted(""), "pdf_encrypted"),
    "broken_xref_offsets": (lambda: build(_objs(), xref_shift=7), "pdf_damaged"),
    "no_startxref": (lambda: simple().rsplit(b"startxref", 1)[0], "pdf_damaged"),
    "broken_object_stream": (lambda: compact(break_objstm=True), "pdf_damaged"),
    "circular_page_tree": (circular_tree, "pdf_damaged"),
    "page_twice": (page_twice, "pdf_damaged"),
    "no_mediabox": (lambda: simple(b""), "pdf_damaged"),
    "not_a_pdf": (lambda: b"PK\x03\x04 a zip, not a PDF" * 4, "pdf_unreadable"),
    "truncated_header": (lambda: b"%PDF-1.7\n", "pdf_damaged"),
}


def _objs() -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        FONT,
        _stream(CONTENT),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ]


if __name__ == "__main__":  # write the corpus out to look at it with other tools
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "pdf-corpus")
    target.mkdir(parents=True, exist_ok=True)
    for case, (make, _expected) in CORPUS.items():
        (target / f"{case}.pdf").write_bytes(make())
