"""扫一扫: the scanner (camera, screen region, clipboard / image file), the confirm page
(who asks for what, the document, the certificate, its password) and the result page."""
