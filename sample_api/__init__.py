"""A small library API (authors, books) traced with every style ot_views offers; see demo.py."""
