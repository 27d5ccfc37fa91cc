"""Textual screens, one module per screen (DESIGN layout). Screens never import pony."""
