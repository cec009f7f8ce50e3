"""The client's side of every operation: CAService, ReviewService, InboxService, ClockService,
scanning and Qt-free frame sources (webcam and image/video files through OpenCV).

Local implementations run the ``ca`` engine in-process; remote ones talk HTTP to ``server``.
May import ``keystore``, ``ca``, ``crypto``, ``domain`` and ``config``; never ``views`` and
never PySide6 (checked by import-linter, see ``.importlinter``).
"""
