"""The CA 审核台's style sheet and the colours of its banner and signature verdict."""

EXTRA_STYLE = """
QFrame#reviewerHeader { background: #1B4F8A; }
QFrame#reviewerHeader QLabel { color: #FFFFFF; background: transparent; }
QLabel#reviewerTitle { font-size: 18px; font-weight: 600; }
QTableWidget { background: #FFFFFF; border: 1px solid #E5E7EB; border-radius: 8px;
    gridline-color: #EEF0F3; }
QHeaderView::section { background: #EEF2F7; border: none; padding: 6px 8px;
    font-weight: 600; }
"""
OK_STYLE = (
    "background: #E3F6E8; color: #12593A; border: 1px solid #9BD3AA;"
    " border-radius: 8px; padding: 8px 10px;"
)
NEUTRAL_STYLE = (
    "background: #EEF0F3; color: #4B5563; border: 1px solid #E5E7EB;"
    " border-radius: 8px; padding: 8px 10px;"
)
BAD_STYLE = (
    "background: #FDECEA; color: #9B1C14; border: 1px solid #F2A7A0;"
    " border-radius: 8px; padding: 8px 10px;"
)
