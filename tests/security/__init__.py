"""Attacks on the product, one file per attack class (named after it): each performs the
attack over real HTTP on loopback and shows it refused, with nothing changed on the
victim's side."""
