"""What you see is what you seal: a PDF that prints something the screen does not show (or
the reverse) is refused before the password, by the client's check and the platform's upload
(an outside review sealed a PDF whose print-only stamp read "PAY 9,999,999 CNY": the confirm
page's screen rendering showed nothing there, a printout did)."""

from __future__ import annotations

import io

import pytest
from conftest import pdf_bytes
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from mobileca_desktop.crypto import pdfcheck
from mobileca_desktop.domain.errors import PdfHiddenContent
from mobileca_desktop.platform import pdfcheck as platform_check
from mobileca_desktop.platform.core import Refusal

N = generic.NameObject


def with_stamp(flags: int | None) -> bytes:
    """A one-page PDF with a stamp annotation reading "PAY 9,999,999 CNY" and ``flags``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes("投标函")), strict=False)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    font = generic.DictionaryObject(
        {N("/Type"): N("/Font"), N("/Subtype"): N("/Type1"), N("/BaseFont"): N("/Helvetica")}
    )
    appearance = generic.StreamObject(
        {
            N("/Type"): N("/XObject"),
            N("/Subtype"): N("/Form"),
            N("/BBox"): generic.ArrayObject([generic.FloatObject(v) for v in (0, 0, 400, 60)]),
            N("/Resources"): generic.DictionaryObject(
                {N("/Font"): generic.DictionaryObject({N("/F1"): font})}
            ),
        },
        stream_data=b"0 0 0 rg BT /F1 28 Tf 10 20 Td (PAY 9,999,999 CNY) Tj ET",
    )
    annot = generic.DictionaryObject(
        {
            N("/Type"): N("/Annot"),
            N("/Subtype"): N("/Stamp"),
            N("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (60, 400, 460, 460)]),
            N("/AP"): generic.DictionaryObject({N("/N"): writer.add_object(appearance)}),
        }
    )
    if flags is not None:
        annot[N("/F")] = generic.NumberObject(flags)
    page[N("/Annots")] = generic.ArrayObject([writer.add_object(annot)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("flags", "what"),
    [(4 | 32, "printed but not shown"), (None, "shown but not printed"), (0, "shown but not")],
)
def test_an_annotation_that_prints_differently_is_refused(flags, what):
    pdf = with_stamp(flags)
    with pytest.raises(PdfHiddenContent) as refused:
        pdfcheck.check_sealable(pdf, "投标函.pdf")
    assert what in refused.value.params["reason"]
    with pytest.raises(Refusal) as upload:
        platform_check.check_upload(pdf, "投标函.pdf", 1, None)
    assert upload.value.code == "pdf_hidden_content"


def test_an_annotation_shown_and_printed_alike_is_sealable():
    assert pdfcheck.check_sealable(with_stamp(4), "投标函.pdf").pages  # Print: shown and printed
    assert pdfcheck.check_sealable(with_stamp(2 | 4), "投标函.pdf").pages  # Hidden: neither
