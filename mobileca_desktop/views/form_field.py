"""A labelled input with its error shown right under it (errors stay next to their field)."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Enter the ID number", not "Enter the ID Number"; a
    Chinese label (or an acronym such as "ID") is left as it is."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


class FormField(QWidget):
    def __init__(
        self,
        name: str,
        label: str,
        *,
        placeholder: str = "",
        password: bool = False,
        value: str = "",
        max_length: int = 128,
    ) -> None:
        super().__init__()
        self.name = name
        self.setObjectName(f"{name}Field")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)

        self.label = set_role(PlainLabel(label), "fieldLabel")
        self.label.setWordWrap(True)
        self.edit = QLineEdit(value)
        self.edit.setObjectName(f"{name}Input")
        self.edit.setPlaceholderText(placeholder or self.tr("请输入{}").format(_in_sentence(label)))
        self.edit.setAccessibleName(label)
        self.edit.setMaxLength(max_length)
        self.edit.setMinimumHeight(38)
        if password:
            self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.label.setBuddy(self.edit)
        self.error = set_role(PlainLabel(), "error")
        self.error.setObjectName(f"{name}Error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.edit.textEdited.connect(lambda _text: self.set_error(None))

        box.addWidget(self.label)
        box.addWidget(self.edit)
        box.addWidget(self.error)

    def value(self) -> str:
        return self.edit.text().strip()

    def set_value(self, text: str) -> None:
        self.edit.setText(text)

    def set_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))
        self.edit.setProperty("invalid", bool(text))
        self.edit.setAccessibleDescription(text or "")
        # Re-polish so the red border follows the property.
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)

    def error_text(self) -> str:
        return self.error.text()
